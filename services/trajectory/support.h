#pragma once

/// What the trajectory service's handler files share (private to the
/// service): validation of what a request carries, rendering, the audit of
/// reads, the executor of the trajectory machines' actions, the feed, and
/// taking the workflow's outcome into a change.

#include <chrono>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ketenregie/trajectory/v1/trajectory.pb.h"
#include "services/common/crypto.h"
#include "services/common/identity.h"
#include "services/common/validation.h"
#include "services/trajectory/handler.h"
#include "services/trajectory/storage.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::trajectory {

using common::Caller;
using common::CheckEnum;
using common::CheckEtag;
using common::CheckId;
using common::CheckLength;
using common::CheckOptionalId;
using common::CheckRequestId;
using common::CheckTime;
using common::Etag;
using common::FieldErrors;
using common::FieldReason;
using common::InvalidArgument;
using common::ReasonableTimestamp;
using workflow::Instant;
using workflow::Operation;
using workflow::TrajectoryAction;
using workflow::TrajectoryActionKind;

inline constexpr std::size_t kMaxName = 200;
inline constexpr std::size_t kMaxText = 10'000;

std::optional<std::chrono::year_month_day> BirthDateOf(const v1::PersonIdentity& identity);

// Names and date of birth, normalised, as the blind index keys them; none
// without a date of birth.
std::optional<std::string> PersonKeyOf(const v1::PersonIdentity& identity);

std::optional<std::string> BlindIndexOf(const common::Keyring& keyring,
                                        const v1::PersonIdentity& identity);

bool ValidDate(const common::v1::CivilDate& date, Instant now);

/// Adds each wrong field of `identity` (named "identity.<field>").
void CheckIdentity(FieldErrors& errors, const v1::PersonIdentity& identity, Instant now);

/// Adds each wrong field of `screening` (named "screening.<field>").
void CheckScreening(FieldErrors& errors, const v1::Screening& screening);

void Render(const TrajectoryRow& row, const common::Keyring& keyring, v1::Trajectory* out);

void Render(const Summary& s, v1::TrajectorySummary* out);

void Render(const SignalRow& s, const common::Keyring& keyring, v1::Signal* out);

void Render(const TaskRow& t, v1::Task* out);

using common::AuditRead;

// Carries out the trajectory machines' actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const TrajectoryRow& row,
                  const std::vector<TrajectoryAction>& actions, Instant now);

// A task state asked for (TASK_STATE_UNSPECIFIED: any).
std::optional<workflow::TaskState> TaskStateOf(int state);

std::string RouteName(int route);

// The trajectory's feed (ListEvents), for the other services: its
// lifecycle only (workflow::LifecycleEvent), with the state it is in now.
// Also that she is (now) treated as an adult (workflow::AgeEvent), for the
// consent service: a guardian's consent ends there.
void Publish(pqxx::work& tx, const TrajectoryRow& row,
             std::optional<workflow::TrajectoryState> before, Instant now,
             std::optional<workflow::AgeStatus> age_before = std::nullopt);

// Takes the workflow's outcome into the change, or its refusal.
grpc::Status Took(const workflow::Result<workflow::TrajectoryOutcome>& result,
                  workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions);

// Applies one event of the trajectory machine (or of the reflection period's)
// to the change.
grpc::Status Step(workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions,
                  const workflow::TrajectoryCommand& command, Instant now,
                  const workflow::TrajectoryPolicy& policy);

grpc::Status StepReflection(TrajectoryRow& row, std::vector<TrajectoryAction>& actions,
                            const workflow::ReflectionCommand& command, Instant now,
                            const workflow::ReflectionPolicy& policy);

// What one change of a trajectory works with.
struct TrajectoryHandler::Change {
  pqxx::work& tx;
  const Caller& caller;
  TrajectoryRow row;
  Instant now;
  std::vector<TrajectoryAction> actions;
  std::string timeline_kind;
  std::map<std::string, std::string> timeline_attributes;
  // As it was before the change, for what the feed publishes.
  workflow::TrajectoryState before;
  workflow::AgeStatus age_before;
};

}  // namespace ketenregie::trajectory
