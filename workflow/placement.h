#pragma once

/// Shelter placements: requested → placed → ended with a move-on
/// destination, or cancelled; overdue past the crisis shelter's three months
/// (DESIGN.md §2 step 6; regionaal-introductiedossier).

#include <string>
#include <string_view>
#include <vector>

#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::workflow {

enum class ShelterKind {
  /// Secret location; women 18+ with their children; at most 3 months.
  kCrisis,
  /// COSM, assigned nationally by CoMensha.
  kCategorical,
  /// Begeleid wonen and other follow-up places.
  kFollowUp,
};

enum class PlacementState { kRequested, kPlaced, kOverdue, kEnded, kCancelled };

enum class PlacementEvent { kPlace, kMarkOverdue, kRecordContinuation, kEnd, kCancel };

enum class MoveOn {
  kUnspecified,
  kCategoricalShelter,
  kFollowUpPlace,
  kIndependentHousing,
  kRepatriation,
  /// The person left and where they went is not known: recorded as such,
  /// never as a move-on that did not happen.
  kLeftUnknown,
  kOther,
};

std::string_view ToString(ShelterKind kind);
std::string_view ToString(PlacementState state);
std::string_view ToString(PlacementEvent event);

/// The person's facts that eligibility depends on, asked of the trajectory
/// service at the time of the request, never taken from the requester.
struct PersonFacts {
  AgeStatus age = AgeStatus::kUnknown;
  GenderIdentity gender = GenderIdentity::kNotStated;
  int accompanying_children = 0;
  /// The trajectory is registered and not closed.
  bool trajectory_open = true;
  /// The care-coordination organisation that keeps the trajectory.
  std::string organisation{};
  /// Her 18th birthday by the date of birth on record, while still to come.
  std::optional<Instant> minor_until{};
};

/// R-CRISIS-ELIGIBILITY: people who identify as a woman, confirmed 18+.
/// A refusal says what to do instead, as its fact kInsteadFact: for a
/// minor, or someone whose age is in doubt, child protection (route A);
/// for anyone else, another kind of shelter (categorical, follow-up).
std::optional<RuleViolation> CheckCrisisEligibility(const PersonFacts& person);
inline constexpr std::string_view kInsteadFact = "instead";
inline constexpr std::string_view kInsteadChildProtection = "child_protection";
inline constexpr std::string_view kInsteadOtherShelterKind = "another_shelter_kind";

/// R-ACCESS-ROLE: a coordinator asks for a bed only for a trajectory their
/// own organisation keeps; the police may ask for anyone they bring in.
std::optional<RuleViolation> CheckPlacementRequester(OrganisationType requester_type,
                                                     std::string_view requester,
                                                     const PersonFacts& person);

/// R-ACCESS-ROLE: a shelter is registered by the staff of an organisation
/// that runs that kind — crisis shelters by a crisis-shelter organisation,
/// categorical (COSM) places by a categorical-shelter organisation,
/// follow-up places by a follow-up organisation.
std::optional<RuleViolation> CheckShelterKindOfOperator(OrganisationType operator_type,
                                                        ShelterKind kind);

/// R-CRISIS-MAX-3M: the latest planned end of a crisis placement.
Instant CrisisLimit(Instant starts_at);

struct PlacementRequest {
  std::string id;
  ShelterKind kind = ShelterKind::kCrisis;
  PersonFacts person;
  Instant starts_at{};
  /// Zero: the limit for a crisis shelter, open-ended elsewhere.
  Instant planned_end{};
  /// The children the requester says come with her, when stated: they must
  /// be the children the trajectory records (person.accompanying_children),
  /// which are the ones counted (R-NO-OVERBOOKING).
  std::optional<int> stated_children{};
};

struct PlacementSnapshot {
  std::string id;
  PlacementState state = PlacementState::kRequested;
  ShelterKind kind = ShelterKind::kCrisis;
  Instant starts_at{};
  Instant planned_end{};
  /// Crisis only: starts_at + 3 months.
  Instant limit{};
  /// The person and her children.
  int beds_needed = 1;
  std::string continuation_reason;
  MoveOn move_on = MoveOn::kUnspecified;
};

/// A new placement request, checked against eligibility, the children on
/// record and the three-month rule. The beds it needs are the person and
/// every child the trajectory records: a request never places her without
/// them.
Result<PlacementSnapshot> RequestPlacement(const PlacementRequest& request);

struct PlacementCommand {
  PlacementEvent event;
  /// kPlace: the person's facts now, and the shelter's free beds now.
  PersonFacts person{};
  int free_beds = 0;
  std::string reason{};                   // kRecordContinuation
  MoveOn move_on = MoveOn::kUnspecified;  // kEnd
};

struct PlacementOutcome {
  PlacementSnapshot next;
  std::vector<PlacementAction> actions;
};

const MachineSpec<PlacementState, PlacementEvent>& PlacementMachine();

Result<PlacementOutcome> ApplyPlacement(const PlacementSnapshot& current,
                                        const PlacementCommand& command, Instant now);

/// R-NO-OVERBOOKING for a capacity change: never fewer beds than are
/// occupied now.
std::optional<RuleViolation> CheckCapacity(int new_capacity, int occupied_beds);

/// True while the placement holds beds.
bool HoldsBeds(PlacementState state);

/// R-CLOSE-REQUIRES: a placement asked for or holding beds keeps its
/// trajectory from closing; one ended or cancelled does not.
bool KeepsTrajectoryOpen(PlacementState state);

/// What the shelter does with a placement when its trajectory closes
/// (R-CLOSE-REQUIRES: a closed trajectory has no open placement). A request
/// not yet placed is cancelled; a placement holding a bed is not ended by
/// the system — she is there — so her coordinator is asked, with a task, to
/// end it or reopen the trajectory.
enum class OnTrajectoryClosed { kNothing, kCancel, kAskCoordinator };
OnTrajectoryClosed PlacementOnTrajectoryClosed(PlacementState state);

/// The task that asks.
inline constexpr std::string_view kOpenPlacementAfterClosureTask = "placement.open_after_closure";

}  // namespace ketenregie::workflow
