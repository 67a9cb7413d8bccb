#pragma once

#include <chrono>
#include <pqxx/pqxx>

#include "services/common/db_pool.h"

namespace ketenregie::common {

/// Fires durable timers, the one way every service does it: the due timers
/// are listed without locks, then each fires in a transaction of its own, in
/// which `fire(tx, timer)` locks the timer's owner first and only then
/// claims the timer (FOR UPDATE SKIP LOCKED) — the lock order of every
/// change, so firing never deadlocks with one — applies the effect and
/// marks the timer fired, returning false when another replica took it or
/// it was cancelled. Effect and completion commit together: a timer fires
/// once. Returns how many fired.
template <typename ListDue, typename Fire>
int FireTimers(DbPool& db, std::chrono::milliseconds db_timeout, ListDue&& list_due, Fire&& fire) {
  const auto due = RunTransaction(db, db_timeout, [&](pqxx::work& tx) { return list_due(tx); });
  int fired = 0;
  for (const auto& timer : due) {
    fired +=
        RunTransaction(db, db_timeout, [&](pqxx::work& tx) { return fire(tx, timer) ? 1 : 0; });
  }
  return fired;
}

}  // namespace ketenregie::common
