#pragma once

/// The trajectory: signal → registration → screening → route decision
/// A / B / C / D → active → closed with a reason → reopened or linked
/// (DESIGN.md §2).

#include <optional>
#include <string>
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
  /// From the shelter and handoff services at the time of the command.
  int open_placements = 0;
  int unanswered_handoffs = 0;
};

struct TrajectoryCommand {
  TrajectoryEvent event;
  AgeStatus age = AgeStatus::kUnknown;                 // kSetAgeStatus
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
  std::vector<Action> actions;
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

}  // namespace ketenregie::workflow
