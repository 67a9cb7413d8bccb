#pragma once

/// The trajectory: signal → registration → screening → route decision
/// A / B / C / D → active → closed with a reason → reopened or linked
/// (DESIGN.md §2).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/core.h"
#include "workflow/domain.h"
#include "workflow/screening.h"

namespace ketenregie::workflow {

enum class TrajectoryState {
  /// A signal, possibly an anonymous consultation; no person registered.
  kSignalled,
  kRegistered,
  kScreened,
  /// Route A: a child, child protection first.
  kChildProtection,
  /// Route B: an active trajectory (zorgcoördinatie).
  kActive,
  /// Route C: declined for now; a follow-up reminder; can be reactivated.
  kDeclinedForNow,
  kClosed,
};

enum class TrajectoryEvent {
  kRegister,
  kSetAgeStatus,
  kRecordScreening,
  kDecideRouteA,
  kDecideRouteB,
  kDecideRouteC,
  kDecideRouteD,
  kReactivate,
  kAssignCoordinator,
  kSetNonPunishment,
  kClose,
  kReopen,
  kLink,
  /// The date of birth on record is corrected (the only way a recorded date
  /// of birth changes: R-AGE-DATE-OF-BIRTH).
  kCorrectDateOfBirth,
  /// Her 18th birthday by the date of birth on record has come (a durable
  /// timer, "age.turns_18").
  kComeOfAge,
};

enum class ClosureReason {
  kUnspecified,
  kStableSelfReliant,
  kMovedOn,
  kTransferredRegion,
  kRepatriated,
  kContactLost,
  kDeclinedFurtherHelp,
  kDeceased,
  /// Route D: referred to general help.
  kReferredGeneralHelp,
  /// A signal or consultation that led to no registration.
  kConsultationOnly,
};

std::string_view ToString(TrajectoryState state);

/// The moment someone born on `born` turns 18: 00:00 Europe/Amsterdam on
/// the 18th birthday; born on 29 February, 1 March in a year without one
/// (never a day early: R-AGE-DOUBT).
Instant EighteenthBirthday(std::chrono::year_month_day born);

/// "trajectory.adult" when the person stops being treated as a minor
/// (confirmed adult, or her 18th birthday): the consent service ends
/// what a guardian granted for her (R-CONSENT-GUARDIAN). nullopt otherwise.
std::optional<std::string_view> AgeEvent(AgeStatus before, AgeStatus after);

/// What the other services learn of a trajectory through its feed: that it
/// opened, changed state, closed (by closing or by route D) or reopened —
/// never why. A screening, a permit, a police report stay in the trajectory
/// service (data minimisation); the closing is what the shelter and handoff
/// services act on (R-CLOSE-REQUIRES). nullopt when the state did not change.
std::optional<std::string_view> LifecycleEvent(std::optional<TrajectoryState> before,
                                               TrajectoryState after);
std::string_view ToString(TrajectoryEvent event);
std::string_view ToString(ClosureReason reason);

/// What the rules need to know of a trajectory.
struct TrajectorySnapshot {
  std::string id;
  TrajectoryState state = TrajectoryState::kSignalled;
  AgeStatus age = AgeStatus::kUnknown;
  std::optional<ScreeningOutcome> screening;
  ClosureReason closure_reason = ClosureReason::kUnspecified;
  bool non_punishment = false;
  std::string coordinator;
  std::vector<std::string> linked;
  /// Her 18th birthday by the date of birth on record, while it is still to
  /// come: until then she is a child whatever else is recorded.
  std::optional<Instant> minor_until;
  /// From the shelter and handoff services at the time of the command.
  int open_placements = 0;
  int unanswered_handoffs = 0;
};

/// The age status that holds at `now` (R-AGE-DATE-OF-BIRTH): a child by the
/// date of birth on record is a minor whatever is recorded; a minor whose
/// 18th birthday by that date has passed is an adult from that day, even
/// before the reminder's timer was handled. Eligibility that follows from
/// age is decided on this, never on a status nobody updated.
AgeStatus AgeStatusOn(const TrajectorySnapshot& trajectory, Instant now);

struct TrajectoryCommand {
  TrajectoryEvent event;
  AgeStatus age = AgeStatus::kUnknown;  // kRegister, kSetAgeStatus
  /// kRegister (when given), kCorrectDateOfBirth.
  std::optional<std::chrono::year_month_day> date_of_birth{};
  Screening screening{};                               // kRecordScreening
  bool consents_to_referral = false;                   // kDecideRouteB, kReactivate
  ClosureReason reason = ClosureReason::kUnspecified;  // kClose
  std::string coordinator{};                           // kAssignCoordinator
  bool non_punishment = false;                         // kSetNonPunishment
  std::string linked_id{};                             // kLink
};

/// Configurable per region.
struct TrajectoryPolicy {
  /// Route C: when to ask the person again.
  int route_c_follow_up_days = 28;
};

struct TrajectoryOutcome {
  TrajectorySnapshot next;
  std::vector<TrajectoryAction> actions;
};

const MachineSpec<TrajectoryState, TrajectoryEvent>& TrajectoryMachine();

/// The tracks (reflection period, shelter, handoffs) run beside a trajectory
/// that is registered and not closed (R-STATE-ORDER otherwise).
std::optional<RuleViolation> CheckTracksOpen(const TrajectorySnapshot& trajectory);

/// Applies one command at `now`: the table decides whether the event may
/// follow the state (R-STATE-ORDER), then the guards of the rules.
Result<TrajectoryOutcome> ApplyTrajectory(const TrajectorySnapshot& current,
                                          const TrajectoryCommand& command, Instant now,
                                          const TrajectoryPolicy& policy = {});

/// Whether `event` closes an open trajectory (closing, route D), read from
/// the transition table: what closes must first know the open placements
/// and unanswered handoffs (R-CLOSE-REQUIRES).
bool ClosesTrajectory(TrajectoryEvent event);

/// A coordinator's task: open until it is done, done once.
enum class TaskState { kOpen, kDone };
std::string_view ToString(TaskState state);

/// The timer of her 18th birthday by the date of birth on record.
inline constexpr std::string_view kEighteenthBirthdayKind = "age.turns_18";

/// A date that comes up in a trajectory: an open task (work due from its
/// date on) or a pending timer of the trajectory.
struct UpcomingDate {
  /// The task's or timer's kind ("reflection.expiry").
  std::string kind;
  Instant due{};
  bool open_task = false;
};

/// The trajectory's next deadline as its coordinator's caseload shows it:
/// the earliest of its open tasks and of its pending timers that are dates
/// of the route itself — the reflection period's end (reflection.expiry),
/// her 18th birthday (age.turns_18), the route-C follow-up
/// (route_c.follow_up), the B8 permit's renewal (permit.renewal_due). A
/// reminder ahead of such a date (reflection.ends_in_14_days) is no
/// deadline of its own: the date it reminds of is. nullopt: none.
std::optional<UpcomingDate> NextDeadline(const std::vector<UpcomingDate>& dates);

/// R-STATE-ORDER for tasks: a task is done once; completing a done task is
/// refused (its first completion, by whom and when, stays).
std::optional<RuleViolation> CheckTaskOpen(TaskState state);

}  // namespace ketenregie::workflow
