#include "services/trajectory/storage.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "services/common/audit.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/timers.h"
#include "services/trajectory/mapping.h"

namespace ketenregie::trajectory {
namespace {

using common::EpochOf;
using common::InstantOf;
using common::Nullable;
using common::OptionalInstantOf;
using common::Sql;

// Every column a reader takes is named (AS), and read by that name.
constexpr const char* kTrajectoryColumns =
    "id::text AS id, coalesce(person_id::text, '') AS person_id, organisation_id, state, "
    "age_status, gender_identity, accompanying_children, route, screening, screening_outcome, "
    "coalesce(coordinator_user_id, '') AS coordinator, non_punishment, reflection_state, "
    "extract(epoch from reflection_starts_at)::bigint AS reflection_starts_at, "
    "extract(epoch from reflection_ends_at)::bigint AS reflection_ends_at, dublin_case, "
    "reflection_decision, extract(epoch from permit_valid_until)::bigint AS permit_valid_until, "
    "closure_reason, array_to_string(linked, ',') AS linked, "
    "extract(epoch from created_at)::bigint AS created_at, "
    "extract(epoch from updated_at)::bigint AS updated_at, version, "
    "extract(epoch from minor_until)::bigint AS minor_until";

constexpr const char* kSummaryColumns =
    "id::text AS id, state, route, extract(epoch from created_at)::bigint AS created_at, "
    "closure_reason, coalesce(coordinator_user_id, '') AS coordinator, "
    "extract(epoch from reflection_ends_at)::bigint AS reflection_ends_at, age_status, "
    "non_punishment, extract(epoch from minor_until)::bigint AS minor_until";

constexpr const char* kSignalColumns =
    "id::text AS id, trajectory_id::text AS trajectory_id, organisation_id, reporter_kind, "
    "anonymous, observation, key_id, extract(epoch from received_at)::bigint AS received_at, "
    "version";

constexpr const char* kTaskColumns =
    "id::text AS id, trajectory_id::text AS trajectory_id, organisation_id, kind, "
    "extract(epoch from due_at)::bigint AS due_at, state, assignee_user_id, timer_id, version";

TrajectoryRow RowOf(const pqxx::row& r) {
  TrajectoryRow row;
  row.id = r["id"].as<std::string>();
  row.person_id = r["person_id"].as<std::string>();
  row.organisation_id = r["organisation_id"].as<std::string>();
  row.flow.id = row.id;
  row.flow.state = kTrajectoryStates.From(r["state"].as<int>());
  row.flow.age = ToWorkflow(static_cast<pb::AgeStatus>(r["age_status"].as<int>()));
  row.gender_identity = r["gender_identity"].as<int>();
  row.accompanying_children = r["accompanying_children"].as<int>();
  row.route = r["route"].as<int>();
  if (!r["screening"].is_null()) {
    row.screening_sealed = pqxx::binarystring(r["screening"]).str();
  }
  if (!r["screening_outcome"].is_null()) {
    row.flow.screening =
        ToWorkflow(static_cast<pb::ScreeningOutcome>(r["screening_outcome"].as<int>()));
  }
  row.flow.coordinator = r["coordinator"].as<std::string>();
  row.flow.non_punishment = r["non_punishment"].as<bool>();
  const int reflection = r["reflection_state"].as<int>();
  row.has_reflection = reflection != kNoReflectionPeriod;
  row.reflection.trajectory_id = row.id;
  if (row.has_reflection) {
    row.reflection.state = kReflectionStates.From(reflection);
  }
  row.reflection.starts_at = OptionalInstantOf(r["reflection_starts_at"]).value_or(Instant{});
  row.reflection.ends_at = OptionalInstantOf(r["reflection_ends_at"]).value_or(Instant{});
  row.reflection.dublin_case = r["dublin_case"].as<bool>();
  row.reflection.decision =
      ToWorkflow(static_cast<pb::ReflectionDecision>(r["reflection_decision"].as<int>()));
  row.reflection.permit_valid_until =
      OptionalInstantOf(r["permit_valid_until"]).value_or(Instant{});
  row.flow.closure_reason =
      ToWorkflow(static_cast<pb::ClosureReason>(r["closure_reason"].as<int>()));
  std::stringstream linked(r["linked"].as<std::string>());
  for (std::string id; std::getline(linked, id, ',');) {
    row.flow.linked.push_back(id);
  }
  row.created_at = InstantOf(r["created_at"]);
  row.updated_at = InstantOf(r["updated_at"]);
  row.version = r["version"].as<long long>();
  row.flow.minor_until = OptionalInstantOf(r["minor_until"]);
  return row;
}

Summary SummaryOf(const pqxx::row& r) {
  Summary s;
  s.id = r["id"].as<std::string>();
  s.state = kTrajectoryStates.From(r["state"].as<int>());
  s.route = r["route"].as<int>();
  s.created_at = InstantOf(r["created_at"]);
  s.closure_reason = r["closure_reason"].as<int>();
  s.coordinator = r["coordinator"].as<std::string>();
  s.reflection_ends_at = OptionalInstantOf(r["reflection_ends_at"]);
  s.age_status = r["age_status"].as<int>();
  s.non_punishment = r["non_punishment"].as<bool>();
  s.minor_until = OptionalInstantOf(r["minor_until"]);
  return s;
}

SignalRow SignalOf(const pqxx::row& r) {
  SignalRow s;
  s.id = r["id"].as<std::string>();
  s.trajectory_id = r["trajectory_id"].as<std::string>();
  s.organisation_id = r["organisation_id"].as<std::string>();
  s.reporter_kind = r["reporter_kind"].as<int>();
  s.anonymous = r["anonymous"].as<bool>();
  s.observation_sealed = pqxx::binarystring(r["observation"]).str();
  s.key_id = r["key_id"].as<std::string>();
  s.received_at = InstantOf(r["received_at"]);
  s.version = r["version"].as<long long>();
  return s;
}

TaskRow TaskOf(const pqxx::row& r) {
  TaskRow task;
  task.id = r["id"].as<std::string>();
  task.trajectory_id = r["trajectory_id"].as<std::string>();
  task.organisation_id = r["organisation_id"].as<std::string>();
  task.kind = r["kind"].as<std::string>();
  task.due_at = InstantOf(r["due_at"]);
  task.state = kTaskStates.From(r["state"].as<int>());
  task.assignee = r["assignee_user_id"].is_null() ? "" : r["assignee_user_id"].as<std::string>();
  if (!r["timer_id"].is_null()) {
    task.timer_id = r["timer_id"].as<long long>();
  }
  task.version = r["version"].as<long long>();
  return task;
}

}  // namespace

void Prepare(pqxx::connection& c) {
  common::PrepareRequestLog(c, "trajectory");
  common::PrepareAudit(c);
  common::PrepareOutbox(c, "trajectory");
  c.prepare("trajectory_load", Sql("SELECT ", kTrajectoryColumns,
                                   " FROM trajectory.trajectories WHERE id = $1::uuid"));
  c.prepare("trajectory_load_for_update",
            Sql("SELECT ", kTrajectoryColumns,
                " FROM trajectory.trajectories WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("trajectory_insert",
            "INSERT INTO trajectory.trajectories (id, person_id, organisation_id, state, "
            "age_status, gender_identity, accompanying_children, created_at, updated_at) "
            "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, to_timestamp($8), to_timestamp($8))");
  // A change of a trajectory and its timeline entry: one statement, one
  // round trip (a data-modifying CTE), or the update alone.
  const std::string update =
      "UPDATE trajectory.trajectories SET person_id = $2::uuid, state = $3, age_status = $4, "
      "gender_identity = $5, accompanying_children = $6, route = $7, "
      "screening = NULLIF($8, ''::bytea), screening_outcome = $9, coordinator_user_id = $10, "
      "non_punishment = $11, reflection_state = $12, reflection_starts_at = to_timestamp($13), "
      "reflection_ends_at = to_timestamp($14), dublin_case = $15, reflection_decision = $16, "
      "permit_valid_until = to_timestamp($17), closure_reason = $18, "
      "linked = string_to_array($19, ',')::uuid[], updated_at = to_timestamp($20), "
      "minor_until = to_timestamp($21), version = version + 1 WHERE id = $1::uuid";
  c.prepare("trajectory_update", update);
  c.prepare("trajectory_update_with_timeline",
            Sql("WITH updated AS (", update,
                " RETURNING id) INSERT INTO trajectory.timeline (trajectory_id, organisation_id, "
                "actor, occurred_at, kind, attributes) SELECT id, $22, $23, to_timestamp($24), "
                "$25, $26::jsonb FROM updated"));
  c.prepare("person_insert",
            "INSERT INTO trajectory.persons (id, identity, key_id, blind_index, blind_key_id, "
            "created_at) VALUES ($1::uuid, $2, $3, NULLIF($4, ''::bytea), $5, to_timestamp($6))");
  c.prepare("person_identity", "SELECT identity FROM trajectory.persons WHERE id = $1::uuid");
  c.prepare("person_identity_correct",
            "UPDATE trajectory.persons SET identity = $2, key_id = $3, blind_index = NULLIF($4, "
            "''::bytea), blind_key_id = $5 WHERE id = $1::uuid");
  c.prepare("trajectories_by_blind_index",
            Sql("SELECT ", kSummaryColumns,
                " FROM trajectory.trajectories WHERE organisation_id = $2 AND person_id IN (SELECT "
                "id FROM trajectory.persons WHERE blind_index = $1) ORDER BY "
                "trajectories.created_at DESC, trajectories.id DESC"));
  // One statement per sort order; the filters are all parameters, an unused
  // one given as its neutral value.
  c.prepare(
      "trajectories_list",
      Sql("SELECT ", kSummaryColumns,
          " FROM trajectory.trajectories WHERE organisation_id = $1 "
          "AND ($2::smallint IS NULL OR state = $2) AND ($3 = '' OR coordinator_user_id = $3) "
          "AND ($4 = 0 OR route = $4) "
          "AND ($5::bigint IS NULL OR (created_at, id) < (to_timestamp($5), $6::uuid)) "
          "ORDER BY trajectories.created_at DESC, trajectories.id DESC LIMIT $7"));
  c.prepare(
      "trajectories_list_ending",
      Sql("SELECT ", kSummaryColumns,
          " FROM trajectory.trajectories WHERE organisation_id = $1 AND reflection_state = $9 "
          "AND state <> $10 AND reflection_ends_at < to_timestamp($2) "
          "AND ($3::smallint IS NULL OR state = $3) AND ($4 = '' OR coordinator_user_id = $4) "
          "AND ($5 = 0 OR route = $5) "
          "AND ($6::bigint IS NULL OR (reflection_ends_at, id) > (to_timestamp($6), $7::uuid)) "
          "ORDER BY trajectories.reflection_ends_at, trajectories.id LIMIT $8"));
  // The dates coming up for a page of trajectories: their open tasks and
  // pending timers (workflow::NextDeadline picks each one's next deadline).
  c.prepare("upcoming_dates",
            "SELECT trajectory_id::text AS trajectory_id, kind, "
            "extract(epoch from due_at)::bigint AS due_at, true AS open_task "
            "FROM trajectory.tasks "
            "WHERE trajectory_id = ANY(string_to_array($1, ',')::uuid[]) AND state = $2 "
            "UNION ALL SELECT trajectory_id::text AS trajectory_id, kind, "
            "extract(epoch from due_at)::bigint AS due_at, false AS open_task "
            "FROM trajectory.timers WHERE trajectory_id = ANY(string_to_array($1, ',')::uuid[]) "
            "AND fired_at IS NULL AND cancelled_at IS NULL");
  c.prepare("signal_insert",
            "INSERT INTO trajectory.signals (id, trajectory_id, organisation_id, reporter_kind, "
            "anonymous, observation, key_id, received_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, "
            "$6, $7, to_timestamp($8))");
  c.prepare("signal_load",
            Sql("SELECT ", kSignalColumns, " FROM trajectory.signals WHERE id = $1::uuid"));
  c.prepare(
      "signals_list",
      Sql("SELECT ", kSignalColumns,
          " FROM trajectory.signals WHERE organisation_id = $1 AND ($2::bigint IS NULL OR "
          "(received_at, id) < (to_timestamp($2), $3::uuid)) ORDER BY signals.received_at DESC, "
          "signals.id DESC LIMIT $4"));
  c.prepare("timeline_append",
            "INSERT INTO trajectory.timeline (trajectory_id, organisation_id, actor, occurred_at, "
            "kind, attributes) VALUES ($1::uuid, $2, $3, to_timestamp($4), $5, $6::jsonb)");
  c.prepare("timeline_list",
            "SELECT sequence, trajectory_id::text AS trajectory_id, organisation_id, actor, "
            "extract(epoch from occurred_at)::bigint AS occurred_at, kind, "
            "attributes::text AS attributes FROM "
            "trajectory.timeline WHERE trajectory_id = $1::uuid AND sequence > $2 ORDER BY "
            "sequence LIMIT $3");
  common::PrepareTimers(c, "trajectory", "trajectory_id");
  c.prepare("task_insert",
            "INSERT INTO trajectory.tasks (id, trajectory_id, organisation_id, kind, due_at, "
            "state, assignee_user_id, timer_id) VALUES ($1::uuid, $2::uuid, $3, $4, "
            "to_timestamp($5), $6, $7, $8)");
  c.prepare("task_load",
            Sql("SELECT ", kTaskColumns, " FROM trajectory.tasks WHERE id = $1::uuid"));
  c.prepare("task_load_for_update",
            Sql("SELECT ", kTaskColumns, " FROM trajectory.tasks WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("task_complete",
            "UPDATE trajectory.tasks SET state = $3, completed_by = $2, version = version + 1 "
            "WHERE id = $1::uuid");
  c.prepare("tasks_list",
            Sql("SELECT ", kTaskColumns,
                " FROM trajectory.tasks WHERE organisation_id = $1 AND ($2 = '' OR "
                "assignee_user_id = $2) AND ($3::smallint IS NULL OR state = $3) AND ($4::bigint "
                "IS NULL OR "
                "(due_at, id) > (to_timestamp($4), $5::uuid)) AND ($7::uuid IS NULL OR "
                "trajectory_id = $7::uuid) ORDER BY tasks.due_at, tasks.id LIMIT $6"));
  c.prepare("persons_stale",
            "SELECT id::text AS id, identity FROM trajectory.persons WHERE key_id <> $1 OR "
            "(blind_index IS NOT NULL AND blind_key_id <> $2) LIMIT $3 FOR UPDATE SKIP LOCKED");
  c.prepare("person_rekey",
            "UPDATE trajectory.persons SET identity = $2, key_id = $3, blind_index = NULLIF($4, "
            "''::bytea), blind_key_id = $5 WHERE id = $1::uuid");
  common::PrepareFeedCursors(c, "trajectory");
  common::PrepareReencryption(c, SealedColumns());
}

namespace {

std::vector<SealedValue> Sealed(const pqxx::result& r) {
  std::vector<SealedValue> out;
  for (const auto& row : r) {
    out.push_back({row["id"].as<std::string>(), pqxx::binarystring(row["identity"]).str()});
  }
  return out;
}

}  // namespace

std::vector<SealedValue> StaleIdentities(pqxx::work& tx, const std::string& active_key,
                                         const std::string& active_blind_key, int limit) {
  return Sealed(tx.exec_prepared("persons_stale", active_key, active_blind_key, limit));
}

void UpdatePersonKeys(pqxx::work& tx, const std::string& id, const std::string& sealed,
                      const std::string& key_id, const std::optional<std::string>& blind_index,
                      const std::string& blind_key_id) {
  tx.exec_prepared("person_rekey", id, pqxx::binarystring(sealed), key_id,
                   pqxx::binarystring(blind_index.value_or("")),
                   common::NullableText(blind_index ? blind_key_id : "").get());
}

std::optional<TrajectoryRow> LoadTrajectory(pqxx::work& tx, const std::string& id,
                                            bool for_update) {
  const pqxx::result r =
      tx.exec_prepared(for_update ? "trajectory_load_for_update" : "trajectory_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return RowOf(r[0]);
}

void InsertTrajectory(pqxx::work& tx, const TrajectoryRow& row) {
  tx.exec_prepared("trajectory_insert", row.id, common::NullableText(row.person_id).get(),
                   row.organisation_id, kTrajectoryStates.Of(row.flow.state),
                   static_cast<int>(ToProto(row.flow.age)), row.gender_identity,
                   row.accompanying_children, EpochOf(row.created_at));
}

void UpdateTrajectory(pqxx::work& tx, TrajectoryRow& row, Instant now, const TimelineRow* entry) {
  std::string linked;
  for (const auto& id : row.flow.linked) {
    linked += (linked.empty() ? "" : ",") + id;
  }
  const auto& r = row.reflection;
  const auto screening_outcome =
      row.flow.screening ? Nullable{std::to_string(static_cast<int>(ToProto(*row.flow.screening)))}
                         : Nullable{};
  const std::string attributes = entry ? nlohmann::json(entry->attributes).dump() : "";
  const auto with = [&](auto&&... timeline) {
    return tx.exec_prepared(
        entry ? "trajectory_update_with_timeline" : "trajectory_update", row.id,
        common::NullableText(row.person_id).get(), kTrajectoryStates.Of(row.flow.state),
        static_cast<int>(ToProto(row.flow.age)), row.gender_identity, row.accompanying_children,
        row.route, pqxx::binarystring(row.screening_sealed.value_or("")), screening_outcome.get(),
        common::NullableText(row.flow.coordinator).get(), row.flow.non_punishment,
        row.has_reflection ? kReflectionStates.Of(r.state) : kNoReflectionPeriod,
        common::NullableEpoch(row.has_reflection ? std::optional(r.starts_at) : std::nullopt).get(),
        common::NullableEpoch(row.has_reflection ? std::optional(r.ends_at) : std::nullopt).get(),
        r.dublin_case, static_cast<int>(ToProto(r.decision)),
        common::NullableEpoch(
            r.permit_valid_until == Instant{} ? std::nullopt : std::optional(r.permit_valid_until))
            .get(),
        static_cast<int>(ToProto(row.flow.closure_reason)), linked, EpochOf(now),
        common::NullableEpoch(row.flow.minor_until).get(), timeline...);
  };
  if (entry) {
    with(entry->organisation_id, entry->actor, EpochOf(entry->occurred_at), entry->kind,
         attributes);
  } else {
    with();
  }
  row.version += 1;
  row.updated_at = now;
}

void CorrectPerson(pqxx::work& tx, const std::string& id, const std::string& identity_sealed,
                   const std::string& key_id, const std::optional<std::string>& blind_index,
                   const std::string& blind_key_id) {
  tx.exec_prepared("person_identity_correct", id, pqxx::binarystring(identity_sealed), key_id,
                   pqxx::binarystring(blind_index.value_or("")), blind_key_id);
}

void InsertPerson(pqxx::work& tx, const std::string& id, const std::string& identity_sealed,
                  const std::string& key_id, const std::optional<std::string>& blind_index,
                  const std::string& blind_key_id, Instant now) {
  tx.exec_prepared("person_insert", id, pqxx::binarystring(identity_sealed), key_id,
                   pqxx::binarystring(blind_index.value_or("")),
                   common::NullableText(blind_index ? blind_key_id : "").get(), EpochOf(now));
}

std::optional<std::string> LoadIdentitySealed(pqxx::work& tx, const std::string& person_id) {
  const pqxx::result r = tx.exec_prepared("person_identity", person_id);
  if (r.empty()) {
    return std::nullopt;
  }
  return pqxx::binarystring(r[0]["identity"]).str();
}

std::vector<Summary> TrajectoriesByBlindIndex(pqxx::work& tx, const std::string& blind_index,
                                              const std::string& organisation_id) {
  std::vector<Summary> out;
  for (const auto& r : tx.exec_prepared("trajectories_by_blind_index",
                                        pqxx::binarystring(blind_index), organisation_id)) {
    out.push_back(SummaryOf(r));
  }
  return out;
}

std::vector<Summary> ListTrajectories(pqxx::work& tx, const ListFilter& f,
                                      const std::optional<std::pair<long long, std::string>>& after,
                                      int limit) {
  const Nullable after_key = after ? Nullable{std::to_string(after->first)} : Nullable{};
  const Nullable after_id = after ? Nullable{after->second} : Nullable{};
  const Nullable state =
      f.state ? Nullable{std::to_string(kTrajectoryStates.Of(*f.state))} : Nullable{};
  pqxx::result r;
  if (f.reflection_ends_before) {
    // Running periods of open trajectories: the deadline window.
    r = tx.exec_prepared("trajectories_list_ending", f.organisation_id,
                         EpochOf(*f.reflection_ends_before), state.get(), f.coordinator, f.route,
                         after_key.get(), after_id.get(), limit,
                         kReflectionStates.Of(workflow::ReflectionState::kRunning),
                         kTrajectoryStates.Of(workflow::TrajectoryState::kClosed));
  } else {
    r = tx.exec_prepared("trajectories_list", f.organisation_id, state.get(), f.coordinator,
                         f.route, after_key.get(), after_id.get(), limit);
  }
  std::vector<Summary> out;
  for (const auto& row : r) {
    out.push_back(SummaryOf(row));
  }
  return out;
}

void AddNextDeadlines(pqxx::work& tx, std::vector<Summary>& summaries) {
  if (summaries.empty()) {
    return;
  }
  std::string ids;
  for (const Summary& s : summaries) {
    ids += (ids.empty() ? "" : ",") + s.id;
  }
  std::map<std::string, std::vector<workflow::UpcomingDate>> dates;
  for (const auto& r :
       tx.exec_prepared("upcoming_dates", ids, kTaskStates.Of(workflow::TaskState::kOpen))) {
    dates[r["trajectory_id"].as<std::string>()].push_back(
        {r["kind"].as<std::string>(), InstantOf(r["due_at"]), r["open_task"].as<bool>()});
  }
  for (Summary& s : summaries) {
    if (const auto next = workflow::NextDeadline(dates[s.id])) {
      s.next_deadline = next->due;
      s.next_deadline_kind = next->kind;
    }
  }
}

void InsertSignal(pqxx::work& tx, const SignalRow& s) {
  tx.exec_prepared("signal_insert", s.id, s.trajectory_id, s.organisation_id, s.reporter_kind,
                   s.anonymous, pqxx::binarystring(s.observation_sealed), s.key_id,
                   EpochOf(s.received_at));
}

std::optional<SignalRow> LoadSignal(pqxx::work& tx, const std::string& id) {
  const pqxx::result r = tx.exec_prepared("signal_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return SignalOf(r[0]);
}

std::vector<SignalRow> ListSignals(pqxx::work& tx, const std::string& organisation_id,
                                   const std::optional<std::pair<long long, std::string>>& after,
                                   int limit) {
  const Nullable after_key = after ? Nullable{std::to_string(after->first)} : Nullable{};
  const Nullable after_id = after ? Nullable{after->second} : Nullable{};
  std::vector<SignalRow> out;
  for (const auto& r :
       tx.exec_prepared("signals_list", organisation_id, after_key.get(), after_id.get(), limit)) {
    out.push_back(SignalOf(r));
  }
  return out;
}

void AppendTimeline(pqxx::work& tx, const TimelineRow& row) {
  const nlohmann::json attributes(row.attributes);
  tx.exec_prepared("timeline_append", row.trajectory_id, row.organisation_id, row.actor,
                   EpochOf(row.occurred_at), row.kind, attributes.dump());
}

std::vector<TimelineRow> ListTimeline(pqxx::work& tx, const std::string& trajectory_id,
                                      long long after_sequence, int limit) {
  std::vector<TimelineRow> out;
  for (const auto& r : tx.exec_prepared("timeline_list", trajectory_id, after_sequence, limit)) {
    TimelineRow row;
    row.sequence = r["sequence"].as<long long>();
    row.trajectory_id = r["trajectory_id"].as<std::string>();
    row.organisation_id = r["organisation_id"].as<std::string>();
    row.actor = r["actor"].as<std::string>();
    row.occurred_at = InstantOf(r["occurred_at"]);
    row.kind = r["kind"].as<std::string>();
    row.attributes = nlohmann::json::parse(r["attributes"].as<std::string>())
                         .get<std::map<std::string, std::string>>();
    out.push_back(std::move(row));
  }
  return out;
}

void InsertTask(pqxx::work& tx, const TaskRow& t) {
  const Nullable timer = t.timer_id ? Nullable{std::to_string(*t.timer_id)} : Nullable{};
  tx.exec_prepared("task_insert", t.id, t.trajectory_id, t.organisation_id, t.kind,
                   EpochOf(t.due_at), kTaskStates.Of(t.state),
                   common::NullableText(t.assignee).get(), timer.get());
}

std::optional<TaskRow> LoadTask(pqxx::work& tx, const std::string& id, bool for_update) {
  const pqxx::result r = tx.exec_prepared(for_update ? "task_load_for_update" : "task_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return TaskOf(r[0]);
}

void CompleteTask(pqxx::work& tx, TaskRow& row, const std::string& actor) {
  tx.exec_prepared("task_complete", row.id, actor, kTaskStates.Of(workflow::TaskState::kDone));
  row.state = workflow::TaskState::kDone;
  row.version += 1;
}

std::vector<TaskRow> ListTasks(pqxx::work& tx, const std::string& organisation_id,
                               const std::string& assignee,
                               std::optional<workflow::TaskState> state,
                               const std::string& trajectory_id,
                               const std::optional<std::pair<long long, std::string>>& after,
                               int limit) {
  const Nullable after_key = after ? Nullable{std::to_string(after->first)} : Nullable{};
  const Nullable after_id = after ? Nullable{after->second} : Nullable{};
  const Nullable trajectory = trajectory_id.empty() ? Nullable{} : Nullable{trajectory_id};
  std::vector<TaskRow> out;
  const Nullable code = state ? Nullable{std::to_string(kTaskStates.Of(*state))} : Nullable{};
  for (const auto& r : tx.exec_prepared("tasks_list", organisation_id, assignee, code.get(),
                                        after_key.get(), after_id.get(), limit, trajectory.get())) {
    out.push_back(TaskOf(r));
  }
  return out;
}

std::string IdentityContext(const std::string& person_id) {
  return "persons.identity/" + person_id;
}

std::string ScreeningContext(const std::string& id) { return "trajectories.screening/" + id; }

std::string ObservationContext(const std::string& id) { return "signals.observation/" + id; }

const std::vector<common::SealedColumn>& SealedColumns() {
  static const std::vector<common::SealedColumn> columns = {
      {"trajectory.persons",
       "identity",
       {"id"},
       [](const std::vector<std::string>& k) { return IdentityContext(k[0]); },
       "key_id",
       /*moved_by_service=*/true},
      {"trajectory.signals",
       "observation",
       {"id"},
       [](const std::vector<std::string>& k) { return ObservationContext(k[0]); },
       "key_id"},
      {"trajectory.trajectories",
       "screening",
       {"id"},
       [](const std::vector<std::string>& k) { return ScreeningContext(k[0]); }},
      common::RequestLogColumn("trajectory"),
  };
  return columns;
}

}  // namespace ketenregie::trajectory
