#pragma once

/// All SQL of the trajectory service. Statements are prepared once per
/// connection (Prepare); every function runs inside the caller's transaction.

#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/common/sealed.h"
#include "services/common/storage.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::trajectory {

/// The codes stored for the trajectory's states (common::StoredCodes). The
/// trajectory's are the protobuf numbers they were first stored as, the
/// reflection period's 1..7 with 0 for "no period"; pinned by
/// tests/unit/stored_codes_test.cc.
inline constexpr common::StoredCodes kTrajectoryStates{
    "trajectory.trajectories.state", std::array<common::StoredCode<workflow::TrajectoryState>, 7>{{
                                         {workflow::TrajectoryState::kRegistered, 1},
                                         {workflow::TrajectoryState::kScreened, 2},
                                         {workflow::TrajectoryState::kChildProtection, 3},
                                         {workflow::TrajectoryState::kActive, 4},
                                         {workflow::TrajectoryState::kDeclinedForNow, 5},
                                         {workflow::TrajectoryState::kClosed, 6},
                                         {workflow::TrajectoryState::kSignalled, 7},
                                     }}};
inline constexpr int kNoReflectionPeriod = 0;
inline constexpr common::StoredCodes kReflectionStates{
    "trajectory.trajectories.reflection_state",
    std::array<common::StoredCode<workflow::ReflectionState>, 7>{{
        {workflow::ReflectionState::kOffered, 1},
        {workflow::ReflectionState::kRunning, 2},
        {workflow::ReflectionState::kDecided, 3},
        {workflow::ReflectionState::kExpired, 4},
        {workflow::ReflectionState::kPermitApplied, 5},
        {workflow::ReflectionState::kPermitGranted, 6},
        {workflow::ReflectionState::kPermitRejected, 7},
    }}};
inline constexpr common::StoredCodes kTaskStates{
    "trajectory.tasks.state", std::array<common::StoredCode<workflow::TaskState>, 2>{{
                                  {workflow::TaskState::kOpen, 1},
                                  {workflow::TaskState::kDone, 2},
                              }}};

using workflow::Instant;

/// Registers this service's statements on a new connection.
void Prepare(pqxx::connection& connection);

struct TrajectoryRow {
  std::string id;
  std::string person_id;  // empty while only a signal
  std::string organisation_id;
  workflow::TrajectorySnapshot flow;  // state, age, screening outcome, closure, ...
  int gender_identity = 0;            // protobuf GenderIdentity number
  int accompanying_children = 0;
  int route = 0;  // protobuf Route number
  std::optional<std::string> screening_sealed;
  bool has_reflection = false;
  workflow::ReflectionSnapshot reflection;
  Instant created_at{};
  Instant updated_at{};
  long long version = 1;
};

std::optional<TrajectoryRow> LoadTrajectory(pqxx::work& tx, const std::string& id, bool for_update);
void InsertTrajectory(pqxx::work& tx, const TrajectoryRow& row);
/// Writes the row and bumps its version (the caller holds the row lock).
/// Stores a changed trajectory; with `entry`, its timeline entry in the same
/// statement (the entry's trajectory is `row`'s).
struct TimelineRow;
void UpdateTrajectory(pqxx::work& tx, TrajectoryRow& row, Instant now,
                      const TimelineRow* entry = nullptr);

void InsertPerson(pqxx::work& tx, const std::string& id, const std::string& identity_sealed,
                  const std::string& key_id, const std::optional<std::string>& blind_index,
                  const std::string& blind_key_id, Instant now);

/// Writes a corrected identity (sealed again, its blind index recomputed).
void CorrectPerson(pqxx::work& tx, const std::string& id, const std::string& identity_sealed,
                   const std::string& key_id, const std::optional<std::string>& blind_index,
                   const std::string& blind_key_id);

struct Summary {
  std::string id;
  workflow::TrajectoryState state = workflow::TrajectoryState::kSignalled;
  int route = 0;
  Instant created_at{};
  int closure_reason = 0;
  std::string coordinator;
  std::optional<Instant> reflection_ends_at;
  /// The stored age status (a proto number), and her 18th birthday by the
  /// date of birth on record while it is to come.
  int age_status = 0;
  std::optional<Instant> minor_until;
  bool non_punishment = false;
  /// Its next deadline (workflow::NextDeadline, AddNextDeadlines).
  std::optional<Instant> next_deadline;
  std::string next_deadline_kind;
};

/// Fills in each summary's next deadline (workflow::NextDeadline) from its
/// open tasks and pending timers, in one statement for them all.
void AddNextDeadlines(pqxx::work& tx, std::vector<Summary>& summaries);

/// A person's sealed identity, or nullopt.
std::optional<std::string> LoadIdentitySealed(pqxx::work& tx, const std::string& person_id);

/// The organisation's trajectories of every person whose blind index is
/// `blind_index`, newest first. Another region's trajectories are not shown:
/// that would disclose them without consent.
std::vector<Summary> TrajectoriesByBlindIndex(pqxx::work& tx, const std::string& blind_index,
                                              const std::string& organisation_id);

struct ListFilter {
  std::string organisation_id;
  std::optional<workflow::TrajectoryState> state;
  std::string coordinator;
  int route = 0;
  std::optional<Instant> reflection_ends_before;
};
/// One page in a stable order: newest first, or — with a deadline window —
/// soonest reflection end first. `after` is the last row of the previous
/// page (sort key, id).
std::vector<Summary> ListTrajectories(pqxx::work& tx, const ListFilter& filter,
                                      const std::optional<std::pair<long long, std::string>>& after,
                                      int limit);

struct SignalRow {
  std::string id;
  std::string trajectory_id;
  std::string organisation_id;
  int reporter_kind = 0;
  bool anonymous = false;
  std::string observation_sealed;
  std::string key_id;
  Instant received_at{};
  long long version = 1;
};
void InsertSignal(pqxx::work& tx, const SignalRow& row);
std::optional<SignalRow> LoadSignal(pqxx::work& tx, const std::string& id);
std::vector<SignalRow> ListSignals(pqxx::work& tx, const std::string& organisation_id,
                                   const std::optional<std::pair<long long, std::string>>& after,
                                   int limit);

struct TimelineRow {
  long long sequence = 0;
  std::string trajectory_id;
  std::string organisation_id;
  std::string actor;
  Instant occurred_at{};
  std::string kind;
  std::map<std::string, std::string> attributes;
};
void AppendTimeline(pqxx::work& tx, const TimelineRow& row);
std::vector<TimelineRow> ListTimeline(pqxx::work& tx, const std::string& trajectory_id,
                                      long long after_sequence, int limit);

struct TaskRow {
  std::string id;
  std::string trajectory_id;
  std::string organisation_id;
  std::string kind;
  Instant due_at{};
  workflow::TaskState state = workflow::TaskState::kOpen;
  std::string assignee;
  std::optional<long long> timer_id;
  long long version = 1;
};
void InsertTask(pqxx::work& tx, const TaskRow& row);
std::optional<TaskRow> LoadTask(pqxx::work& tx, const std::string& id, bool for_update);
void CompleteTask(pqxx::work& tx, TaskRow& row, const std::string& actor);
/// Tasks of one organisation, filtered by assignee, state and trajectory
/// (each empty or 0: any).
std::vector<TaskRow> ListTasks(pqxx::work& tx, const std::string& organisation_id,
                               const std::string& assignee,
                               std::optional<workflow::TaskState> state,
                               const std::string& trajectory_id,
                               const std::optional<std::pair<long long, std::string>>& after,
                               int limit);

/// Encrypted values not under the active keys, locked and skipped by
/// concurrent re-encryption jobs.
struct SealedValue {
  std::string id;
  std::string sealed;
};
std::vector<SealedValue> StaleIdentities(pqxx::work& tx, const std::string& active_key,
                                         const std::string& active_blind_key, int limit);
void UpdatePersonKeys(pqxx::work& tx, const std::string& id, const std::string& sealed,
                      const std::string& key_id, const std::optional<std::string>& blind_index,
                      const std::string& blind_key_id);

/// The contexts sealed values are bound to (common::Keyring::Seal): a value
/// copied to another row or column does not open there.
std::string IdentityContext(const std::string& person_id);
std::string ScreeningContext(const std::string& id);
std::string ObservationContext(const std::string& id);

/// Every column this service keeps sealed, for key rotation
/// (common::ReencryptColumns) and its all-services test.
const std::vector<common::SealedColumn>& SealedColumns();

}  // namespace ketenregie::trajectory
