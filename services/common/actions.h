#pragma once

/// The one executor of the workflow's actions (DESIGN.md §4): what a
/// transition asks for is carried out in the transaction of the change, so
/// state and consequences commit together or not at all.

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/common/timers.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Whether an action of a machine's kind sets a durable timer at `at`.
template <typename Kind>
constexpr bool SetsTimer(Kind kind) {
  if constexpr (requires { Kind::kScheduleReminder; }) {
    if (kind == Kind::kScheduleReminder) {
      return true;
    }
  }
  return kind == Kind::kScheduleDeadline;
}

/// Carries out `actions` of the resource `owner_id` in `tx`. The timers are
/// the same for every machine and kept here, in the service's timers table
/// (cancelling the track workflow::TimerTrack names); every other action is
/// the service's: `effect(action)`, a switch over its own machine's kinds.
template <typename Kind, typename Effect>
void CarryOut(pqxx::work& tx, const std::string& owner_id,
              const std::vector<workflow::ActionOf<Kind>>& actions, workflow::Instant now,
              Effect&& effect) {
  for (const auto& action : actions) {
    if (SetsTimer(action.kind)) {
      InsertTimer(tx, owner_id, action.what, action.at);
    } else if (action.kind == Kind::kCancelTimers) {
      CancelTimers(tx, owner_id, now, workflow::TimerTrack(action.what));
    } else {
      effect(action);
    }
  }
}

}  // namespace ketenregie::common
