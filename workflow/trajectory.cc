#include "workflow/trajectory.h"

#include <algorithm>
#include <array>

#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

using namespace std::chrono;
using S = TrajectoryState;
using E = TrajectoryEvent;

constexpr std::array kStates = {S::kSignalled,       S::kRegistered, S::kScreened,
                                S::kChildProtection, S::kActive,     S::kDeclinedForNow,
                                S::kClosed};
constexpr std::array kEvents = {E::kRegister,
                                E::kSetAgeStatus,
                                E::kRecordScreening,
                                E::kDecideRouteA,
                                E::kDecideRouteB,
                                E::kDecideRouteC,
                                E::kDecideRouteD,
                                E::kReactivate,
                                E::kAssignCoordinator,
                                E::kSetNonPunishment,
                                E::kClose,
                                E::kReopen,
                                E::kLink,
                                E::kCorrectDateOfBirth,
                                E::kComeOfAge};

// Events that only update a trajectory in progress, allowed in every open
// state after registration.
#define KR_OPEN_UPDATES(state)                                     \
  Transition<S, E>{state, E::kSetAgeStatus, state},                \
      Transition<S, E>{state, E::kCorrectDateOfBirth, state},      \
      Transition<S, E>{state, E::kComeOfAge, state},               \
      Transition<S, E>{state, E::kAssignCoordinator, state},       \
      Transition<S, E>{state, E::kSetNonPunishment, state},        \
      Transition<S, E>{state, E::kLink, state}, Transition<S, E> { \
    state, E::kClose, S::kClosed                                   \
  }

constexpr std::array kTransitions = {
    Transition<S, E>{S::kSignalled, E::kRegister, S::kRegistered},
    // The consultation ends without a registration.
    Transition<S, E>{S::kSignalled, E::kClose, S::kClosed},

    Transition<S, E>{S::kRegistered, E::kRecordScreening, S::kScreened},
    KR_OPEN_UPDATES(S::kRegistered),

    Transition<S, E>{S::kScreened, E::kRecordScreening, S::kScreened},
    Transition<S, E>{S::kScreened, E::kDecideRouteA, S::kChildProtection},
    Transition<S, E>{S::kScreened, E::kDecideRouteB, S::kActive},
    Transition<S, E>{S::kScreened, E::kDecideRouteC, S::kDeclinedForNow},
    Transition<S, E>{S::kScreened, E::kDecideRouteD, S::kClosed},
    KR_OPEN_UPDATES(S::kScreened),

    // A child whose age is later confirmed adult can take another route.
    Transition<S, E>{S::kChildProtection, E::kRecordScreening, S::kChildProtection},
    Transition<S, E>{S::kChildProtection, E::kDecideRouteB, S::kActive},
    Transition<S, E>{S::kChildProtection, E::kDecideRouteC, S::kDeclinedForNow},
    Transition<S, E>{S::kChildProtection, E::kDecideRouteD, S::kClosed},
    KR_OPEN_UPDATES(S::kChildProtection),

    // Someone found to be a child during the trajectory goes to route A.
    Transition<S, E>{S::kActive, E::kRecordScreening, S::kActive},
    Transition<S, E>{S::kActive, E::kDecideRouteA, S::kChildProtection},
    KR_OPEN_UPDATES(S::kActive),

    Transition<S, E>{S::kDeclinedForNow, E::kRecordScreening, S::kDeclinedForNow},
    Transition<S, E>{S::kDeclinedForNow, E::kReactivate, S::kActive},
    Transition<S, E>{S::kDeclinedForNow, E::kDecideRouteA, S::kChildProtection},
    KR_OPEN_UPDATES(S::kDeclinedForNow),

    Transition<S, E>{S::kClosed, E::kReopen, S::kRegistered},
    Transition<S, E>{S::kClosed, E::kLink, S::kClosed},
};
#undef KR_OPEN_UPDATES

std::string_view StateName(S s) { return ToString(s); }
std::string_view EventName(E e) { return ToString(e); }

constexpr MachineSpec<S, E> kMachine{"trajectory", kStates,    kEvents,
                                     kTransitions, &StateName, &EventName};

std::optional<RuleViolation> CheckAdultRoute(const TrajectorySnapshot& t, std::string_view route) {
  if (TreatedAsMinor(t.age)) {
    return RuleViolation{rules::kRouteAChild,
                         "route " + std::string(route) + " is for adults; age is " +
                             std::string(ToString(t.age)) + ", so route A applies (R-AGE-DOUBT)"};
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckCanClose(const TrajectorySnapshot& t) {
  if (t.open_placements > 0) {
    return RuleViolation{rules::kCloseRequires,
                         "an open placement must end before the trajectory closes"};
  }
  if (t.unanswered_handoffs > 0) {
    return RuleViolation{rules::kCloseRequires,
                         "a handoff still awaits its answer; revoke it or wait for the partner"};
  }
  return std::nullopt;
}

// R-AGE-DATE-OF-BIRTH: confirming adulthood while the date of birth on
// record says she is under 18.
std::optional<RuleViolation> CheckAgeAgainstBirth(AgeStatus age, std::optional<Instant> minor_until,
                                                  Instant now) {
  if (age == AgeStatus::kConfirmedAdult && minor_until && now < *minor_until) {
    return RuleViolation{rules::kAgeDateOfBirth,
                         "the date of birth on record makes her a minor until " +
                             FormatAmsterdam(*minor_until) +
                             "; correct the date of birth first if it is wrong"};
  }
  return std::nullopt;
}

// Her 18th birthday when it is still to come at `now`.
std::optional<Instant> MinorUntil(std::optional<year_month_day> born, Instant now) {
  if (!born) {
    return std::nullopt;
  }
  const Instant adult = EighteenthBirthday(*born);
  return now < adult ? std::optional(adult) : std::nullopt;
}

// A person on an adult route who turns out to be (possibly) a child needs
// route A: the coordinator gets the task at once.
void AskRouteAIfNowAChild(const TrajectorySnapshot& current, AgeStatus next, Instant now,
                          std::vector<TrajectoryAction>& actions) {
  if (!TreatedAsMinor(current.age) && TreatedAsMinor(next) &&
      (current.state == S::kActive || current.state == S::kDeclinedForNow ||
       current.state == S::kScreened)) {
    actions.push_back({TrajectoryActionKind::kCreateTask, "route.a_required", now, current.id});
  }
}

// Her 18th birthday has come: the minority by the date of birth ends, the
// age status is that of the day, and her route (A is for children) and her
// consent (a guardian's holds no more) are the coordinator's to review with
// her, that day.
void ComeOfAge(const TrajectorySnapshot& current, Instant now, TrajectoryOutcome& out) {
  out.next.minor_until.reset();
  out.next.age = AgeStatusOn(current, now);
  out.actions.push_back({TrajectoryActionKind::kCreateTask, "age.turned_18", now, current.id});
}

}  // namespace

Instant EighteenthBirthday(year_month_day born) {
  const year_month_day birthday{born.year() + years{18}, born.month(), born.day()};
  const year_month_day day =
      birthday.ok() ? birthday : year_month_day{sys_days{birthday.year() / March / 1}};
  return FromAmsterdam({day, seconds{0}});
}

std::optional<UpcomingDate> NextDeadline(const std::vector<UpcomingDate>& dates) {
  // The timers that are dates of the route (the others remind ahead of one).
  static constexpr std::string_view kRouteDates[] = {"reflection.expiry", kEighteenthBirthdayKind,
                                                     "route_c.follow_up", "permit.renewal_due"};
  std::optional<UpcomingDate> next;
  for (const UpcomingDate& date : dates) {
    const bool counts = date.open_task || std::find(std::begin(kRouteDates), std::end(kRouteDates),
                                                    date.kind) != std::end(kRouteDates);
    if (counts && (!next || date.due < next->due)) {
      next = date;
    }
  }
  return next;
}

AgeStatus AgeStatusOn(const TrajectorySnapshot& trajectory, Instant now) {
  if (trajectory.minor_until) {
    if (now < *trajectory.minor_until) {
      return trajectory.age == AgeStatus::kDoubted ? AgeStatus::kDoubted : AgeStatus::kMinor;
    }
    if (trajectory.age == AgeStatus::kMinor) {
      return AgeStatus::kConfirmedAdult;
    }
  }
  return trajectory.age;
}

std::optional<std::string_view> AgeEvent(AgeStatus before, AgeStatus after) {
  if (TreatedAsMinor(before) && !TreatedAsMinor(after)) {
    return "trajectory.adult";
  }
  return std::nullopt;
}

std::optional<std::string_view> LifecycleEvent(std::optional<TrajectoryState> before,
                                               TrajectoryState after) {
  if (!before) {
    return "trajectory.opened";
  }
  if (*before == after) {
    return std::nullopt;
  }
  if (after == S::kClosed) {
    return "trajectory.closed";
  }
  if (*before == S::kClosed) {
    return "trajectory.reopened";
  }
  return "trajectory.state_changed";
}

std::string_view ToString(TrajectoryState state) {
  switch (state) {
    case S::kSignalled:
      return "signalled";
    case S::kRegistered:
      return "registered";
    case S::kScreened:
      return "screened";
    case S::kChildProtection:
      return "child_protection";
    case S::kActive:
      return "active";
    case S::kDeclinedForNow:
      return "declined_for_now";
    case S::kClosed:
      return "closed";
  }
  return "?";
}

std::string_view ToString(TrajectoryEvent event) {
  switch (event) {
    case E::kRegister:
      return "register";
    case E::kSetAgeStatus:
      return "set_age_status";
    case E::kRecordScreening:
      return "record_screening";
    case E::kDecideRouteA:
      return "decide_route_a";
    case E::kDecideRouteB:
      return "decide_route_b";
    case E::kDecideRouteC:
      return "decide_route_c";
    case E::kDecideRouteD:
      return "decide_route_d";
    case E::kReactivate:
      return "reactivate";
    case E::kAssignCoordinator:
      return "assign_coordinator";
    case E::kSetNonPunishment:
      return "set_non_punishment";
    case E::kClose:
      return "close";
    case E::kReopen:
      return "reopen";
    case E::kLink:
      return "link";
    case E::kCorrectDateOfBirth:
      return "correct_date_of_birth";
    case E::kComeOfAge:
      return "come_of_age";
  }
  return "?";
}

std::string_view ToString(ClosureReason reason) {
  switch (reason) {
    case ClosureReason::kUnspecified:
      return "unspecified";
    case ClosureReason::kStableSelfReliant:
      return "stable_self_reliant";
    case ClosureReason::kMovedOn:
      return "moved_on";
    case ClosureReason::kTransferredRegion:
      return "transferred_region";
    case ClosureReason::kRepatriated:
      return "repatriated";
    case ClosureReason::kContactLost:
      return "contact_lost";
    case ClosureReason::kDeclinedFurtherHelp:
      return "declined_further_help";
    case ClosureReason::kDeceased:
      return "deceased";
    case ClosureReason::kReferredGeneralHelp:
      return "referred_general_help";
    case ClosureReason::kConsultationOnly:
      return "consultation_only";
  }
  return "?";
}

const MachineSpec<TrajectoryState, TrajectoryEvent>& TrajectoryMachine() { return kMachine; }

std::optional<RuleViolation> CheckTracksOpen(const TrajectorySnapshot& trajectory) {
  if (trajectory.state == S::kSignalled || trajectory.state == S::kClosed) {
    return RuleViolation{rules::kStateOrder,
                         "trajectory is " + std::string(ToString(trajectory.state)) +
                             ": tracks run beside a registered, open trajectory"};
  }
  return std::nullopt;
}

Result<TrajectoryOutcome> ApplyTrajectory(const TrajectorySnapshot& current,
                                          const TrajectoryCommand& command, Instant now,
                                          const TrajectoryPolicy& policy) {
  const std::optional<S> to = kMachine.Next(current.state, command.event);
  if (!to) {
    return kMachine.Refuse(current.state, command.event);
  }
  TrajectoryOutcome out{current, {}};
  out.next.state = *to;

  switch (command.event) {
    case E::kRegister: {
      // The date of birth given decides the age until her 18th birthday: a
      // child by it is a minor, and confirmed adult is refused.
      out.next.minor_until = MinorUntil(command.date_of_birth, now);
      if (auto refusal = CheckAgeAgainstBirth(command.age, out.next.minor_until, now)) {
        return *refusal;
      }
      out.next.age = command.age == AgeStatus::kUnknown && out.next.minor_until ? AgeStatus::kMinor
                                                                                : command.age;
      if (out.next.minor_until) {
        out.actions.push_back({TrajectoryActionKind::kScheduleDeadline,
                               std::string(kEighteenthBirthdayKind), *out.next.minor_until,
                               current.id});
      }
      break;
    }

    case E::kSetAgeStatus: {
      if (command.age == AgeStatus::kUnknown) {
        return RuleViolation{rules::kAgeDoubt,
                             "age status is confirmed adult, minor or doubted; when unsure, "
                             "record doubted"};
      }
      if (auto refusal = CheckAgeAgainstBirth(command.age, current.minor_until, now)) {
        return *refusal;
      }
      out.next.age = command.age;
      AskRouteAIfNowAChild(current, command.age, now, out.actions);
      break;
    }

    case E::kCorrectDateOfBirth: {
      if (!command.date_of_birth) {
        return RuleViolation{rules::kAgeDateOfBirth, "a correction names the date of birth"};
      }
      out.next.minor_until = MinorUntil(command.date_of_birth, now);
      // As at registration: a child by the corrected date is a minor at
      // once (her coordinator asked for route A if she is on an adult
      // route); a doubt stays a doubt.
      if (out.next.minor_until &&
          (current.age == AgeStatus::kConfirmedAdult || current.age == AgeStatus::kUnknown)) {
        out.next.age = AgeStatus::kMinor;
        AskRouteAIfNowAChild(current, out.next.age, now, out.actions);
      }
      // A minor whom the corrected date makes an adult: whether the status
      // came from the old date or from an assessment, her coordinator
      // decides — never the system, silently.
      if (!out.next.minor_until && current.minor_until && current.age == AgeStatus::kMinor) {
        out.actions.push_back({TrajectoryActionKind::kCreateTask, "age.review", now, current.id});
      }
      out.actions.push_back(
          {TrajectoryActionKind::kCancelTimers, "age.date_of_birth_corrected", now, current.id});
      if (out.next.minor_until) {
        out.actions.push_back({TrajectoryActionKind::kScheduleDeadline,
                               std::string(kEighteenthBirthdayKind), *out.next.minor_until,
                               current.id});
      }
      break;
    }

    case E::kComeOfAge:
      if (!current.minor_until || now < *current.minor_until) {
        return RuleViolation{rules::kAgeDateOfBirth,
                             "her 18th birthday by the date of birth on record has not come"};
      }
      ComeOfAge(current, now, out);
      break;

    case E::kRecordScreening:
      out.next.screening = Assess(command.screening, current.age).outcome;
      break;

    case E::kDecideRouteA:
      if (!TreatedAsMinor(current.age)) {
        return RuleViolation{rules::kRouteAChild,
                             "route A is for a child or a doubted age; age is confirmed adult"};
      }
      // Child protection is notified without waiting for consent (legal basis).
      out.actions.push_back({TrajectoryActionKind::kNotifyChildProtection,
                             "route.a.child_protection", now, current.id});
      break;

    case E::kDecideRouteB:
    case E::kDecideRouteC: {
      const bool b = command.event == E::kDecideRouteB;
      if (auto refusal = CheckAdultRoute(current, b ? "B" : "C")) {
        return *refusal;
      }
      if (current.screening != ScreeningOutcome::kPossibleVictim) {
        return RuleViolation{rules::kRouteMatchesScreening,
                             std::string("route ") + (b ? "B" : "C") +
                                 " needs a screening that found a possible victim"};
      }
      if (b && !command.consents_to_referral) {
        return RuleViolation{rules::kRouteBConsent,
                             "route B needs the person's consent to referral; without it, "
                             "route C"};
      }
      if (!b) {
        out.actions.push_back({TrajectoryActionKind::kScheduleReminder, "route_c.follow_up",
                               AddDays(now, policy.route_c_follow_up_days), current.id});
      }
      break;
    }

    case E::kDecideRouteD:
      if (auto refusal = CheckAdultRoute(current, "D")) {
        return *refusal;
      }
      if (current.screening != ScreeningOutcome::kNotAVictim &&
          current.screening != ScreeningOutcome::kSmuggling) {
        return RuleViolation{rules::kRouteMatchesScreening,
                             "route D needs a screening that found no victim (or smuggling)"};
      }
      if (auto refusal = CheckCanClose(current)) {
        return *refusal;
      }
      out.next.closure_reason = ClosureReason::kReferredGeneralHelp;
      out.actions.push_back(
          {TrajectoryActionKind::kCancelTimers, "trajectory.closed", now, current.id});
      break;

    case E::kReactivate:
      if (auto refusal = CheckAdultRoute(current, "B")) {
        return *refusal;
      }
      if (current.screening != ScreeningOutcome::kPossibleVictim) {
        return RuleViolation{rules::kRouteMatchesScreening,
                             "reactivation (route B) needs a screening that found a possible "
                             "victim"};
      }
      if (!command.consents_to_referral) {
        return RuleViolation{rules::kRouteBConsent,
                             "reactivation needs the person's consent to referral"};
      }
      out.actions.push_back(
          {TrajectoryActionKind::kCancelTimers, "route_c.follow_up", now, current.id});
      break;

    case E::kAssignCoordinator:
      out.next.coordinator = command.coordinator;
      break;

    case E::kSetNonPunishment:
      out.next.non_punishment = command.non_punishment;
      break;

    case E::kClose: {
      const ClosureReason reason = command.reason;
      const bool signal_only = current.state == S::kSignalled;
      if (reason == ClosureReason::kUnspecified) {
        return RuleViolation{rules::kCloseRequires, "closing needs a reason"};
      }
      if (signal_only != (reason == ClosureReason::kConsultationOnly)) {
        return RuleViolation{rules::kCloseRequires,
                             signal_only ? "a signal without registration closes as "
                                           "consultation only"
                                         : "consultation only is for a signal without "
                                           "registration"};
      }
      if (reason == ClosureReason::kReferredGeneralHelp) {
        return RuleViolation{rules::kCloseRequires,
                             "referral to general help is route D, decided after screening"};
      }
      if (auto refusal = CheckCanClose(current)) {
        return *refusal;
      }
      out.next.closure_reason = reason;
      out.actions.push_back(
          {TrajectoryActionKind::kCancelTimers, "trajectory.closed", now, current.id});
      break;
    }

    case E::kReopen:
      if (current.closure_reason == ClosureReason::kDeceased) {
        return RuleViolation{rules::kReopen,
                             "a trajectory closed because the person died is not "
                             "reopened"};
      }
      if (current.closure_reason == ClosureReason::kConsultationOnly) {
        return RuleViolation{rules::kReopen,
                             "a consultation without registration is not reopened; register "
                             "the person from a new signal"};
      }
      out.next.closure_reason = ClosureReason::kUnspecified;
      out.next.screening.reset();
      // Closing cancelled every timer: her 18th birthday, still to come,
      // needs its own back; passed while the trajectory was closed, it takes
      // effect now, as its timer would have.
      if (current.minor_until && now < *current.minor_until) {
        out.actions.push_back({TrajectoryActionKind::kScheduleDeadline,
                               std::string(kEighteenthBirthdayKind), *current.minor_until,
                               current.id});
      } else if (current.minor_until) {
        ComeOfAge(current, now, out);
      }
      break;

    case E::kLink:
      if (command.linked_id.empty() || command.linked_id == current.id) {
        return RuleViolation{rules::kReopen, "link to another trajectory of the same person"};
      }
      if (std::find(current.linked.begin(), current.linked.end(), command.linked_id) ==
          current.linked.end()) {
        out.next.linked.push_back(command.linked_id);
      }
      break;
  }
  return out;
}

bool ClosesTrajectory(TrajectoryEvent event) {
  return std::any_of(kTransitions.begin(), kTransitions.end(), [&](const auto& t) {
    return t.event == event && t.from != S::kClosed && t.to == S::kClosed;
  });
}

std::string_view ToString(TaskState state) {
  switch (state) {
    case TaskState::kOpen:
      return "open";
    case TaskState::kDone:
      return "done";
  }
  return "?";
}

std::optional<RuleViolation> CheckTaskOpen(TaskState state) {
  if (state == TaskState::kDone) {
    return RuleViolation{rules::kStateOrder, "the task is already done"};
  }
  return std::nullopt;
}

}  // namespace ketenregie::workflow
