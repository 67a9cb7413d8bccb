#include "workflow/core.h"

#include "workflow/rules.h"

namespace ketenregie::workflow {

std::string_view ToString(ActionKind kind) {
  switch (kind) {
    case ActionKind::kScheduleReminder:
      return "schedule_reminder";
    case ActionKind::kScheduleDeadline:
      return "schedule_deadline";
    case ActionKind::kCancelTimers:
      return "cancel_timers";
    case ActionKind::kNotifyChildProtection:
      return "notify_child_protection";
    case ActionKind::kRevokeHandoffs:
      return "revoke_handoffs";
    case ActionKind::kNotifyRecipient:
      return "notify_recipient";
    case ActionKind::kCreateTask:
      return "create_task";
  }
  return "unknown";
}

RuleViolation NotAllowed(std::string_view machine, std::string_view state, std::string_view event) {
  return {rules::kStateOrder, std::string(machine) + ": '" + std::string(event) +
                                  "' is not allowed in state '" + std::string(state) + "'"};
}

}  // namespace ketenregie::workflow
