#include "workflow/reflection.h"

#include <algorithm>
#include <array>

#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

using S = ReflectionState;
using E = ReflectionEvent;

constexpr std::array kStates = {S::kOffered,       S::kRunning,       S::kDecided,
                                S::kExpired,       S::kPermitApplied, S::kPermitGranted,
                                S::kPermitRejected};
constexpr std::array kEvents = {E::kStart,       E::kDecide,       E::kExpire,     E::kApplyPermit,
                                E::kGrantPermit, E::kRejectPermit, E::kRenewPermit};

constexpr std::array kTransitions = {
    Transition<S, E>{S::kOffered, E::kStart, S::kRunning},
    // Declining the offer is a decision too.
    Transition<S, E>{S::kOffered, E::kDecide, S::kDecided},
    Transition<S, E>{S::kRunning, E::kDecide, S::kDecided},
    Transition<S, E>{S::kRunning, E::kExpire, S::kExpired},
    // A report can still be made after the period ran out.
    Transition<S, E>{S::kExpired, E::kDecide, S::kDecided},
    Transition<S, E>{S::kDecided, E::kApplyPermit, S::kPermitApplied},
    Transition<S, E>{S::kPermitApplied, E::kGrantPermit, S::kPermitGranted},
    Transition<S, E>{S::kPermitApplied, E::kRejectPermit, S::kPermitRejected},
    // The permit runs a year and is renewed while the case runs.
    Transition<S, E>{S::kPermitGranted, E::kRenewPermit, S::kPermitGranted},
    // A new application after a rejection (e.g. on appeal or new facts).
    Transition<S, E>{S::kPermitRejected, E::kApplyPermit, S::kPermitApplied},
};

std::string_view StateName(S s) { return ToString(s); }
std::string_view EventName(E e) { return ToString(e); }

constexpr MachineSpec<S, E> kMachine{"reflection_period", kStates,    kEvents,
                                     kTransitions,        &StateName, &EventName};

constexpr int kAbsoluteMinimumDays = 30;

}  // namespace

std::string_view ToString(ReflectionState state) {
  switch (state) {
    case S::kOffered:
      return "offered";
    case S::kRunning:
      return "running";
    case S::kDecided:
      return "decided";
    case S::kExpired:
      return "expired";
    case S::kPermitApplied:
      return "permit_applied";
    case S::kPermitGranted:
      return "permit_granted";
    case S::kPermitRejected:
      return "permit_rejected";
  }
  return "?";
}

std::string_view ToString(ReflectionEvent event) {
  switch (event) {
    case E::kStart:
      return "start";
    case E::kDecide:
      return "decide";
    case E::kExpire:
      return "expire";
    case E::kApplyPermit:
      return "apply_permit";
    case E::kGrantPermit:
      return "grant_permit";
    case E::kRejectPermit:
      return "reject_permit";
    case E::kRenewPermit:
      return "renew_permit";
  }
  return "?";
}

std::string_view ToString(ReflectionDecision decision) {
  switch (decision) {
    case ReflectionDecision::kNone:
      return "none";
    case ReflectionDecision::kPoliceReport:
      return "police_report";
    case ReflectionDecision::kOtherCooperation:
      return "other_cooperation";
    case ReflectionDecision::kNoReportSeriousReasons:
      return "no_report_serious_reasons";
    case ReflectionDecision::kDeclined:
      return "declined";
  }
  return "?";
}

Instant ReflectionEnd(Instant start, bool dublin_case, const ReflectionPolicy& policy) {
  const bool dublin_rule = dublin_case && ToAmsterdam(start).date >= policy.dublin_since;
  const Instant configured =
      dublin_rule ? AddDays(start, policy.dublin_days) : AddMonths(start, policy.standard_months);
  const Instant floor = AddDays(start, std::max(policy.minimum_days, kAbsoluteMinimumDays));
  return std::max(configured, floor);
}

const MachineSpec<ReflectionState, ReflectionEvent>& ReflectionMachine() { return kMachine; }

ReflectionEvent PermitEvent(ReflectionState current, PermitOutcome outcome) {
  switch (outcome) {
    case PermitOutcome::kApplied:
      return E::kApplyPermit;
    case PermitOutcome::kGranted:
      return current == S::kPermitGranted ? E::kRenewPermit : E::kGrantPermit;
    case PermitOutcome::kRejected:
      return E::kRejectPermit;
  }
  return E::kApplyPermit;
}

std::vector<TrajectoryAction> ReflectionTimers(const ReflectionSnapshot& period, Instant now) {
  std::vector<TrajectoryAction> actions;
  if (period.state != S::kRunning) {
    return actions;
  }
  const std::string& id = period.trajectory_id;
  for (const auto& [what, days] :
       {std::pair{"reflection.ends_in_14_days", 14}, std::pair{"reflection.ends_in_3_days", 3}}) {
    const Instant at = AddDays(period.ends_at, -days);
    if (at >= now) {
      actions.push_back({TrajectoryActionKind::kScheduleReminder, what, at, id});
    }
  }
  actions.push_back(
      {TrajectoryActionKind::kScheduleDeadline, "reflection.expiry", period.ends_at, id});
  return actions;
}

Result<ReflectionOutcome> ApplyReflection(const ReflectionSnapshot& current,
                                          const ReflectionCommand& command, Instant now,
                                          const ReflectionPolicy& policy) {
  const std::optional<S> to = kMachine.Next(current.state, command.event);
  if (!to) {
    return kMachine.Refuse(current.state, command.event);
  }
  ReflectionOutcome out{current, {}};
  out.next.state = *to;
  const std::string& id = current.trajectory_id;

  switch (command.event) {
    case E::kStart: {
      const Instant start = command.starts_at == Instant{} ? now : command.starts_at;
      out.next.starts_at = start;
      out.next.dublin_case = command.dublin_case;
      out.next.ends_at = ReflectionEnd(start, command.dublin_case, policy);
      // A start in the past schedules every reminder: a late one is better
      // than a missed one.
      out.actions = ReflectionTimers(out.next, Instant{});
      break;
    }
    case E::kDecide:
      if (command.decision == ReflectionDecision::kNone) {
        return RuleViolation{rules::kReflectionExpiry,
                             "a decision is a police report, other cooperation, no report for "
                             "serious reasons, or declined"};
      }
      out.next.decision = command.decision;
      out.actions = {{TrajectoryActionKind::kCancelTimers, "reflection.decided", now, id}};
      break;
    case E::kExpire:
      if (now < current.ends_at) {
        return RuleViolation{rules::kReflectionExpiry, "the reflection period has not ended yet"};
      }
      out.actions = {{TrajectoryActionKind::kCreateTask, "reflection.expired", now, id}};
      break;
    case E::kApplyPermit:
      if (current.decision != ReflectionDecision::kPoliceReport &&
          current.decision != ReflectionDecision::kOtherCooperation &&
          current.decision != ReflectionDecision::kNoReportSeriousReasons) {
        return RuleViolation{rules::kB8RequiresCooperation,
                             "a B8 application follows a report, other cooperation or no report "
                             "for serious reasons; the decision was " +
                                 std::string(ToString(current.decision))};
      }
      break;
    case E::kGrantPermit:
    case E::kRenewPermit:
      if (command.permit_valid_until <= now ||
          (command.event == E::kRenewPermit &&
           command.permit_valid_until <= current.permit_valid_until)) {
        return RuleViolation{rules::kB8RequiresCooperation,
                             "a granted or renewed permit runs until a later date"};
      }
      out.next.permit_valid_until = command.permit_valid_until;
      if (command.event == E::kRenewPermit) {
        out.actions.push_back({TrajectoryActionKind::kCancelTimers, "permit.renewed", now, id});
      }
      out.actions.push_back(
          {TrajectoryActionKind::kScheduleReminder, "permit.renewal_due",
           AddDays(command.permit_valid_until, -policy.permit_renewal_notice_days), id});
      break;
    case E::kRejectPermit:
      out.actions = {{TrajectoryActionKind::kCreateTask, "permit.rejected", now, id}};
      break;
  }
  return out;
}

Result<TrajectoryOutcome> ReopenTrajectory(const TrajectorySnapshot& trajectory,
                                           const std::optional<ReflectionSnapshot>& period,
                                           Instant now, const TrajectoryPolicy& policy) {
  auto reopened = ApplyTrajectory(trajectory, {TrajectoryEvent::kReopen}, now, policy);
  if (reopened.ok() && period) {
    const auto timers = ReflectionTimers(*period, now);
    reopened.value().actions.insert(reopened.value().actions.end(), timers.begin(), timers.end());
  }
  return reopened;
}

}  // namespace ketenregie::workflow
