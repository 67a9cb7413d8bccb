#include "services/common/db_pool.h"

#include <utility>

namespace ketenregie::common {

DbPool::DbPool(std::string dsn, std::size_t size, PrepareFn prepare)
    : dsn_(std::move(dsn)), prepare_(std::move(prepare)), slots_(size) {
  if (size == 0) {
    throw std::invalid_argument("db pool size must be at least 1");
  }
  free_.reserve(size);
  for (std::size_t i = size; i > 0; --i) {
    free_.push_back(i - 1);
  }
}

DbPool::~DbPool() = default;

DbPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      slot_(other.slot_),
      connection_(std::exchange(other.connection_, nullptr)),
      discard_(other.discard_) {}

DbPool::Lease::~Lease() {
  if (pool_ != nullptr) {
    pool_->Release(slot_, discard_);
  }
}

DbPool::Lease DbPool::Acquire(std::chrono::milliseconds timeout) {
  std::size_t slot;
  {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, timeout, [this] { return !free_.empty(); })) {
      throw StorageError(StorageError::Kind::kUnavailable, "no database connection free in time");
    }
    slot = free_.back();
    free_.pop_back();
  }
  // The slot is ours alone now: open its connection outside the lock.
  auto& connection = slots_[slot];
  try {
    if (connection == nullptr || !connection->is_open()) {
      connection.reset();
      auto fresh = std::make_unique<pqxx::connection>(dsn_);
      if (prepare_) {
        prepare_(*fresh);
      }
      connection = std::move(fresh);
    }
  } catch (const std::exception& e) {
    Release(slot, /*discard=*/true);
    // The libpq message can name the host and role, never data; still keep
    // it out of the status a client sees.
    throw StorageError(StorageError::Kind::kUnavailable, "database unavailable");
  }
  return Lease(this, slot, connection.get());
}

bool DbPool::Ping(std::chrono::milliseconds timeout) {
  try {
    Lease lease = Acquire(timeout);
    try {
      pqxx::nontransaction tx(*lease);
      tx.exec("SELECT 1");
      return true;
    } catch (const std::exception&) {
      lease.Discard();
      return false;
    }
  } catch (const StorageError&) {
    return false;
  }
}

void DbPool::DiscardIdle() {
  std::lock_guard lock(mutex_);
  for (const std::size_t slot : free_) {
    slots_[slot].reset();
  }
}

void DbPool::Release(std::size_t slot, bool discard) {
  if (discard) {
    slots_[slot].reset();
  }
  {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
  }
  available_.notify_one();
}

}  // namespace ketenregie::common
