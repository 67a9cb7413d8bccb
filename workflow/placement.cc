#include "workflow/placement.h"

#include <array>

#include "workflow/access.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

using S = PlacementState;
using E = PlacementEvent;

constexpr std::array kStates = {S::kRequested, S::kPlaced, S::kOverdue, S::kEnded, S::kCancelled};
constexpr std::array kEvents = {E::kPlace, E::kMarkOverdue, E::kRecordContinuation, E::kEnd,
                                E::kCancel};

constexpr std::array kTransitions = {
    Transition<S, E>{S::kRequested, E::kPlace, S::kPlaced},
    Transition<S, E>{S::kRequested, E::kCancel, S::kCancelled},
    Transition<S, E>{S::kPlaced, E::kMarkOverdue, S::kOverdue},
    Transition<S, E>{S::kPlaced, E::kEnd, S::kEnded},
    // Overdue is shown until the placement ends; continuing needs a reason.
    Transition<S, E>{S::kOverdue, E::kRecordContinuation, S::kOverdue},
    Transition<S, E>{S::kOverdue, E::kEnd, S::kEnded},
};

std::string_view StateName(S s) { return ToString(s); }
std::string_view EventName(E e) { return ToString(e); }

constexpr MachineSpec<S, E> kMachine{"placement",  kStates,    kEvents,
                                     kTransitions, &StateName, &EventName};

}  // namespace

std::string_view ToString(ShelterKind kind) {
  switch (kind) {
    case ShelterKind::kCrisis:
      return "crisis";
    case ShelterKind::kCategorical:
      return "categorical";
    case ShelterKind::kFollowUp:
      return "follow_up";
  }
  return "?";
}

std::string_view ToString(PlacementState state) {
  switch (state) {
    case S::kRequested:
      return "requested";
    case S::kPlaced:
      return "placed";
    case S::kOverdue:
      return "overdue";
    case S::kEnded:
      return "ended";
    case S::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view ToString(PlacementEvent event) {
  switch (event) {
    case E::kPlace:
      return "place";
    case E::kMarkOverdue:
      return "mark_overdue";
    case E::kRecordContinuation:
      return "record_continuation";
    case E::kEnd:
      return "end";
    case E::kCancel:
      return "cancel";
  }
  return "?";
}

std::optional<RuleViolation> CheckCrisisEligibility(const PersonFacts& person) {
  if (TreatedAsMinor(person.age)) {
    return RuleViolation{rules::kCrisisEligibility,
                         "crisis shelter is for adults; age is " +
                             std::string(ToString(person.age)) +
                             ": child protection (route A) applies",
                         {{std::string(kInsteadFact), std::string(kInsteadChildProtection)}}};
  }
  if (person.gender != GenderIdentity::kWoman) {
    return RuleViolation{rules::kCrisisEligibility,
                         "this crisis shelter is for people who identify as a woman; look for "
                         "another kind of shelter",
                         {{std::string(kInsteadFact), std::string(kInsteadOtherShelterKind)}}};
  }
  if (person.accompanying_children < 0) {
    return RuleViolation{rules::kCrisisEligibility, "accompanying children cannot be negative"};
  }
  return std::nullopt;
}

Instant CrisisLimit(Instant starts_at) { return AddMonths(starts_at, 3); }

std::optional<RuleViolation> CheckShelterKindOfOperator(OrganisationType operator_type,
                                                        ShelterKind kind) {
  OrganisationType runs = OrganisationType::kUnknown;
  switch (kind) {
    case ShelterKind::kCrisis:
      runs = OrganisationType::kCrisisShelter;
      break;
    case ShelterKind::kCategorical:
      runs = OrganisationType::kCategoricalShelter;
      break;
    case ShelterKind::kFollowUp:
      runs = OrganisationType::kFollowUpShelter;
      break;
  }
  if (operator_type == runs) {
    return std::nullopt;
  }
  return RuleViolation{rules::kAccessRole,
                       "a " + std::string(ToString(kind)) +
                           " shelter is registered by an organisation of type " +
                           std::string(ToString(runs))};
}

std::optional<RuleViolation> CheckCapacity(int new_capacity, int occupied_beds) {
  if (new_capacity < occupied_beds) {
    return RuleViolation{rules::kNoOverbooking, std::to_string(occupied_beds) +
                                                    " beds are occupied; end placements "
                                                    "before lowering capacity below that"};
  }
  return std::nullopt;
}

OnTrajectoryClosed PlacementOnTrajectoryClosed(PlacementState state) {
  if (state == S::kRequested) {
    return OnTrajectoryClosed::kCancel;
  }
  return HoldsBeds(state) ? OnTrajectoryClosed::kAskCoordinator : OnTrajectoryClosed::kNothing;
}

bool KeepsTrajectoryOpen(PlacementState state) {
  return state == S::kRequested || HoldsBeds(state);
}

bool HoldsBeds(PlacementState state) {
  switch (state) {
    case S::kPlaced:
    case S::kOverdue:
      return true;
    case S::kRequested:
    case S::kEnded:
    case S::kCancelled:
      return false;
  }
  return false;
}

std::optional<RuleViolation> CheckPlacementRequester(OrganisationType requester_type,
                                                     std::string_view requester,
                                                     const PersonFacts& person) {
  if (requester_type == OrganisationType::kPolice) {
    return std::nullopt;
  }
  return CheckOwnTrajectory(requester, person.organisation);
}

Result<PlacementSnapshot> RequestPlacement(const PlacementRequest& request) {
  if (!request.person.trajectory_open) {
    return RuleViolation{rules::kStateOrder,
                         "placements are made for a registered, open trajectory"};
  }
  if (request.person.accompanying_children < 0) {
    return RuleViolation{rules::kNoOverbooking, "accompanying children cannot be negative"};
  }
  if (request.stated_children && *request.stated_children != request.person.accompanying_children) {
    return RuleViolation{rules::kNoOverbooking,
                         "the trajectory records " +
                             std::to_string(request.person.accompanying_children) +
                             " accompanying children and every one of them is counted; correct "
                             "the registration if that is no longer so"};
  }
  PlacementSnapshot placement;
  placement.id = request.id;
  placement.kind = request.kind;
  placement.starts_at = request.starts_at;
  placement.planned_end = request.planned_end;
  placement.beds_needed = 1 + request.person.accompanying_children;
  if (request.planned_end != Instant{} && request.planned_end <= request.starts_at) {
    return RuleViolation{rules::kCrisisMax3m, "a placement ends after it starts"};
  }
  if (request.kind == ShelterKind::kCrisis) {
    if (auto refusal = CheckCrisisEligibility(request.person)) {
      return *refusal;
    }
    placement.limit = CrisisLimit(request.starts_at);
    if (placement.planned_end == Instant{}) {
      placement.planned_end = placement.limit;
    } else if (placement.planned_end > placement.limit) {
      return RuleViolation{rules::kCrisisMax3m,
                           "a crisis placement is planned for at most three months: it ends at "
                           "the latest " +
                               FormatAmsterdam(placement.limit),
                           {{"latest_end", FormatUtc(placement.limit)}}};
    }
  }
  return placement;
}

const MachineSpec<PlacementState, PlacementEvent>& PlacementMachine() { return kMachine; }

Result<PlacementOutcome> ApplyPlacement(const PlacementSnapshot& current,
                                        const PlacementCommand& command, Instant now) {
  const std::optional<S> to = kMachine.Next(current.state, command.event);
  if (!to) {
    return kMachine.Refuse(current.state, command.event);
  }
  PlacementOutcome out{current, {}};
  out.next.state = *to;
  const bool crisis = current.kind == ShelterKind::kCrisis;

  switch (command.event) {
    case E::kPlace:
      // Eligibility is checked again: the facts may have changed since the
      // request (an age now doubted, the trajectory closed).
      if (!command.person.trajectory_open) {
        return RuleViolation{rules::kStateOrder,
                             "placements are made for a registered, open trajectory"};
      }
      if (crisis) {
        if (auto refusal = CheckCrisisEligibility(command.person)) {
          return *refusal;
        }
      }
      if (command.free_beds < current.beds_needed) {
        return RuleViolation{rules::kNoOverbooking,
                             "not enough free beds: " + std::to_string(current.beds_needed) +
                                 " needed, " + std::to_string(command.free_beds) + " free"};
      }
      if (crisis) {
        out.actions = {
            {PlacementActionKind::kScheduleReminder, "placement.limit_in_14_days",
             AddDays(current.limit, -14), current.id},
            {PlacementActionKind::kScheduleReminder, "placement.limit_in_7_days",
             AddDays(current.limit, -7), current.id},
            {PlacementActionKind::kScheduleDeadline, "placement.limit", current.limit, current.id},
        };
      }
      break;
    case E::kMarkOverdue:
      if (!crisis || now < current.limit) {
        return RuleViolation{rules::kCrisisMax3m,
                             "only a crisis placement past its three months is overdue"};
      }
      out.actions = {{PlacementActionKind::kCreateTask, "placement.overdue", now, current.id}};
      break;
    case E::kRecordContinuation:
      if (command.reason.empty()) {
        return RuleViolation{rules::kCrisisMax3m,
                             "continuing past three months needs a recorded reason"};
      }
      out.next.continuation_reason = command.reason;
      break;
    case E::kEnd:
      if (command.move_on == MoveOn::kUnspecified) {
        return RuleViolation{rules::kPlacementMoveOn,
                             "an ended placement records where the person went (left, "
                             "destination unknown, if so)"};
      }
      out.next.move_on = command.move_on;
      out.actions = {{PlacementActionKind::kCancelTimers, "placement.ended", now, current.id}};
      break;
    case E::kCancel:
      break;
  }
  return out;
}

}  // namespace ketenregie::workflow
