#pragma once

/// Durable timers (DESIGN.md §4), the one mechanism of every service: a
/// `<schema>.timers` table whose rows belong to an owner (a trajectory, a
/// placement, a handoff), fired once by any number of replicas.

#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/db_pool.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Registers the timer statements on `schema`.timers, whose owner is in
/// `owner_column` (both constants of the service, never input).
void PrepareTimers(pqxx::connection& connection, std::string_view schema,
                   std::string_view owner_column);

void InsertTimer(pqxx::work& tx, const std::string& owner_id, const std::string& kind,
                 workflow::Instant due_at);

/// Cancels the owner's pending timers; with a `kind_prefix` ("reflection")
/// only the kinds of that track ("reflection.*").
void CancelTimers(pqxx::work& tx, const std::string& owner_id, workflow::Instant now,
                  const std::string& kind_prefix = "");

struct DueTimer {
  long long id = 0;
  std::string owner_id;
  std::string kind;
  workflow::Instant due_at{};
};

/// Due timers, oldest first, without locking them (see FireTimers).
std::vector<DueTimer> DueTimers(pqxx::work& tx, workflow::Instant now, int limit);

/// Locks the timer if it is still pending and no other worker holds it.
bool ClaimTimer(pqxx::work& tx, long long timer_id);

/// Fires the due timers, the one way every service does it: they are listed
/// without locks, then each fires in a transaction of its own, in which
/// `fire(tx, timer)` locks the timer's owner first and only then claims the
/// timer (ClaimTimer, FOR UPDATE SKIP LOCKED) — the lock order of every
/// change, so firing never deadlocks with one — and applies the effect,
/// returning false when another replica took it or it was cancelled. The
/// timer is marked fired in that same transaction: effect and completion
/// commit together, a timer fires once. Returns how many fired.
template <typename Fire>
int FireTimers(DbPool& db, std::chrono::milliseconds db_timeout, workflow::Instant now, int limit,
               Fire&& fire) {
  const auto due =
      RunTransaction(db, db_timeout, [&](pqxx::work& tx) { return DueTimers(tx, now, limit); });
  int fired = 0;
  for (const auto& timer : due) {
    fired += RunTransaction(db, db_timeout, [&](pqxx::work& tx) {
      if (!fire(tx, timer)) {
        return 0;
      }
      tx.exec_prepared("timer_fired", timer.id, now.time_since_epoch().count());
      return 1;
    });
  }
  return fired;
}

}  // namespace ketenregie::common
