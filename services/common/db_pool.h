#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

namespace ketenregie::common {

/// Why a unit of work against PostgreSQL did not commit, in the terms a
/// handler needs to choose a status (see ToStatus in status.h).
class StorageError final : public std::runtime_error {
 public:
  enum class Kind {
    /// The database could not be reached, or no connection was free in
    /// time. Nothing was committed; safe to retry.
    kUnavailable,
    /// Lost a race (serialization failure or deadlock) more often than we
    /// retry. Nothing was committed; retry at a higher level.
    kConflict,
    /// The connection broke during COMMIT: the outcome is unknown. Never
    /// retried blindly; a retry with the same request_id finds the answer.
    kInDoubt,
  };
  StorageError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// A fixed set of PostgreSQL connections, one per worker at a time. Each
/// connection is opened on first use and gets the service's prepared
/// statements once, right after it opens (a connection is "a world of its
/// own": never shared between threads while leased).
class DbPool final {
 public:
  /// Called once per new connection to register prepared statements.
  using PrepareFn = std::function<void(pqxx::connection&)>;

  DbPool(std::string dsn, std::size_t size, PrepareFn prepare = {});
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;
  ~DbPool();

  /// A leased connection; returned to the pool when the lease ends.
  class Lease final {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() const { return *connection_; }
    pqxx::connection* operator->() const { return connection_; }
    /// The connection is broken or in an unknown state: close it, and let
    /// the next lease of this slot open a fresh one.
    void Discard() { discard_ = true; }

   private:
    friend class DbPool;
    Lease(DbPool* pool, std::size_t slot, pqxx::connection* connection)
        : pool_(pool), slot_(slot), connection_(connection) {}
    DbPool* pool_;
    std::size_t slot_;
    pqxx::connection* connection_;
    bool discard_ = false;
  };

  /// Waits up to `timeout` for a free slot and opens its connection when
  /// needed. Throws StorageError(kUnavailable) on timeout or when the
  /// database cannot be reached.
  Lease Acquire(std::chrono::milliseconds timeout);

  /// Sets the statements new connections get; call before the first Acquire
  /// (the service knows its statements only after parsing its flags).
  void SetPrepare(PrepareFn prepare) { prepare_ = std::move(prepare); }

  /// True when a connection can run `SELECT 1` within `timeout`.
  bool Ping(std::chrono::milliseconds timeout);

  /// Closes every idle connection: one found broken says the server closed
  /// them all (a restart, a failover), so none is handed out again.
  void DiscardIdle();

  std::size_t size() const { return slots_.size(); }

 private:
  void Release(std::size_t slot, bool discard);

  const std::string dsn_;
  PrepareFn prepare_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> slots_;
  std::vector<std::size_t> free_;
};

/// Runs `work(tx)` in one read-committed transaction and commits it. A
/// serialization failure or deadlock reruns the whole transaction (up to
/// `attempts` times), and so does a connection that broke before COMMIT was
/// sent (the server rolled the transaction back: nothing of it holds), on a
/// fresh connection with the idle ones closed too — as libpqxx's own
/// transactor does. Never rerun: a broken COMMIT (in_doubt_error) or a
/// statement whose completion is unknown (statement_completion_unknown):
/// their outcome is not known. Every failure leaves as a StorageError so no
/// libpqxx exception crosses the storage boundary, except pqxx::sql_error
/// for a statement that is wrong in itself (a bug or a constraint the caller
/// maps).
///
/// `Tx` = pqxx::nontransaction runs the work without BEGIN/COMMIT (two round
/// trips fewer): only for work that is a single read statement, which
/// PostgreSQL runs on one snapshot of its own.
template <typename Tx = pqxx::work, typename Work>
auto RunTransaction(DbPool& pool, std::chrono::milliseconds acquire_timeout, Work&& work,
                    int attempts = 3) -> decltype(work(std::declval<Tx&>())) {
  for (int attempt = 1;; ++attempt) {
    DbPool::Lease lease = pool.Acquire(acquire_timeout);
    try {
      Tx tx(*lease);
      if constexpr (std::is_void_v<decltype(work(tx))>) {
        work(tx);
        tx.commit();
        return;
      } else {
        auto result = work(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::in_doubt_error& e) {
      lease.Discard();
      throw StorageError(StorageError::Kind::kInDoubt, "commit outcome unknown");
    } catch (const pqxx::statement_completion_unknown& e) {
      lease.Discard();
      throw StorageError(StorageError::Kind::kInDoubt, "statement outcome unknown");
    } catch (const pqxx::broken_connection& e) {
      lease.Discard();
      pool.DiscardIdle();
      if (attempt >= attempts) {
        throw StorageError(StorageError::Kind::kUnavailable, "database connection lost");
      }
    } catch (const pqxx::transaction_rollback& e) {
      // serialization_failure, deadlock_detected.
      if (attempt >= attempts) {
        throw StorageError(StorageError::Kind::kConflict, "transaction kept conflicting");
      }
    }
  }
}

}  // namespace ketenregie::common
