#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "services/common/actions.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/timers.h"
#include "services/common/validation.h"
#include "services/trajectory/mapping.h"
#include "services/trajectory/storage.h"
#include "services/trajectory/support.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {

namespace {

// The trajectory's side of the one mutation path (common::Change).
struct TrajectoryAdapter {
  using Response = v1::Trajectory;
  using Work = TrajectoryHandler::Change;
  static constexpr std::string_view kResource = "trajectory";
  const common::KeyringHolder& keys;

  grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                    std::optional<Work>& work) const {
    auto row = LoadTrajectory(tx, id, /*for_update=*/true);
    if (row &&
        !workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      const auto before = row->flow.state;
      const auto age_before = row->flow.age;
      work.emplace(Work{tx, caller, std::move(*row), now, {}, {}, {}, before, age_before});
    }
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work& c) { return c.row.id; }
  static long long Version(const Work& c) { return c.row.version; }
  void Save(Work& c) const {
    // The change and its timeline entry in one statement.
    c.timeline_attributes["state"] = std::string(workflow::ToString(c.row.flow.state));
    const TimelineRow entry{0,
                            c.row.id,
                            c.caller.identity.organisation_id,
                            c.caller.identity.actor,
                            c.now,
                            c.timeline_kind,
                            c.timeline_attributes};
    UpdateTrajectory(c.tx, c.row, c.now, &entry);
    ApplyActions(c.tx, c.row, c.actions, c.now);
    Publish(c.tx, c.row, c.before, c.now, c.age_before);
  }
  void Render(const Work& c, Response* out) const { trajectory::Render(c.row, *keys.Get(), out); }
};

}  // namespace

TrajectoryHandler::TrajectoryHandler(common::DbPool& db, const common::Directory& directory,
                                     common::KeyringHolder& keys, const common::Clock& clock,
                                     OpenWork& open_work, Settings settings)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      open_work_(open_work),
      settings_(std::move(settings)),
      gate_(directory_, db_, settings_.db_timeout, clock_,
            v1::TrajectoryService::service_full_name()),
      mutations_{db_, settings_.db_timeout, keys_, clock_, gate_} {}

grpc::Status TrajectoryHandler::ChangeTrajectory(
    const Caller& caller, std::string_view method, const google::protobuf::Message& request,
    const std::string& request_id, const std::string& trajectory_id, const std::string& etag,
    common::FieldErrors errors, v1::Trajectory* response,
    const std::function<grpc::Status(Change&)>& change) {
  TrajectoryAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"trajectory_id", trajectory_id, etag, request_id}, std::move(errors),
                        response, adapter, change);
}

// --- signals -------------------------------------------------------------------

grpc::Status TrajectoryHandler::CreateSignal(grpc::ServerContext* context,
                                             const v1::CreateSignalRequest* request,
                                             v1::Signal* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckEnum(errors, "reporter_kind", request->reporter_kind(), v1::ReporterKind_IsValid, true,
            "say who reported (school, police, ...)");
  CheckLength(errors, "observation", request->observation(), kMaxText, /*required=*/true);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(
      db_, settings_.db_timeout, caller, "CreateSignal", *request, errors, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::Signal* out) -> grpc::Status {
        const Instant now = clock_.Now();
        TrajectoryRow row;
        row.id = common::NewUuid();
        row.organisation_id = caller.identity.organisation_id;
        row.flow.state = workflow::TrajectoryState::kSignalled;
        row.created_at = row.updated_at = now;
        InsertTrajectory(tx, row);
        const auto keyring = keys_.Get();
        SignalRow signal{common::NewUuid(),
                         row.id,
                         row.organisation_id,
                         request->reporter_kind(),
                         request->anonymous(),
                         "",
                         keyring->active_key_id(),
                         now,
                         1};
        signal.observation_sealed =
            keyring->Seal(request->observation(), ObservationContext(signal.id));
        InsertSignal(tx, signal);
        AppendTimeline(tx, {0,
                            row.id,
                            row.organisation_id,
                            caller.identity.actor,
                            now,
                            "signal.received",
                            {{"reporter", v1::ReporterKind_Name(request->reporter_kind())},
                             {"anonymous", request->anonymous() ? "true" : "false"},
                             {"signal_id", signal.id}}});
        Publish(tx, row, std::nullopt, now);
        Render(signal, *keyring, out);
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::GetSignal(grpc::ServerContext* context,
                                          const v1::GetSignalRequest* request,
                                          v1::Signal* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto signal = LoadSignal(tx, request->id());
    if (!signal ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, signal->organisation_id)) {
      return common::NotFound("signal");
    }
    AuditRead(tx, caller, signal->trajectory_id, {workflow::DataCategory::kExploitation},
              "GetSignal", clock_.Now());
    Render(*signal, *keys_.Get(), response);
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListSignals(grpc::ServerContext* context,
                                            const v1::ListSignalsRequest* request,
                                            v1::ListSignalsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::ReadInto(db_, settings_.db_timeout, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        trajectory::ListSignals(tx, caller.identity.organisation_id, page.after, page.size + 1),
        page.size,
        [&](const SignalRow& row) {
          AuditRead(tx, caller, row.trajectory_id, {workflow::DataCategory::kExploitation},
                    "ListSignals", clock_.Now());
          Render(row, *keyring, response->add_signals());
        },
        [](const SignalRow& row) {
          return std::pair{row.received_at.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

// --- registration -----------------------------------------------------------------

grpc::Status TrajectoryHandler::RegisterPerson(grpc::ServerContext* context,
                                               const v1::RegisterPersonRequest* request,
                                               v1::RegisterPersonResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const Instant now = clock_.Now();
  common::FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  common::CheckOptionalId(errors, "signal_id", request->signal_id());
  if (errors.Require(request->has_identity(), "identity", common::FieldReason::kRequired,
                     "required")) {
    CheckIdentity(errors, request->identity(), now);
  }
  CheckEnum(errors, "age_status", request->age_status(), v1::AgeStatus_IsValid, false);
  errors.Require(request->accompanying_children() >= 0 && request->accompanying_children() <= 20,
                 "accompanying_children", common::FieldReason::kOutOfRange, "0 to 20");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(
      db_, settings_.db_timeout, caller, "RegisterPerson", *request, errors, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::RegisterPersonResponse* out) -> grpc::Status {
        TrajectoryRow row;
        std::optional<workflow::TrajectoryState> before;  // new: the feed hears it opened
        if (!request->signal_id().empty()) {
          const auto signal = LoadSignal(tx, request->signal_id());
          if (!signal || workflow::CheckOwnTrajectory(caller.identity.organisation_id,
                                                      signal->organisation_id)) {
            return common::NotFound("signal");
          }
          auto existing = LoadTrajectory(tx, signal->trajectory_id, /*for_update=*/true);
          row = std::move(*existing);
          before = row.flow.state;
        } else {
          row.id = common::NewUuid();
          row.organisation_id = caller.identity.organisation_id;
          row.flow.state = workflow::TrajectoryState::kSignalled;
          row.created_at = row.updated_at = now;
          InsertTrajectory(tx, row);
        }
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kRegister};
        command.age = ToWorkflow(request->age_status());
        command.date_of_birth = BirthDateOf(request->identity());
        const auto registered =
            workflow::ApplyTrajectory(row.flow, command, now, settings_.trajectory_policy);
        if (!registered.ok()) {
          return common::RuleRefusal(registered.violation());
        }

        // Earlier registrations of the same person, found by the blind
        // index only: nobody else is decrypted.
        const auto keyring = keys_.Get();
        const auto& identity = request->identity();
        const std::optional<std::string> blind_index = BlindIndexOf(*keyring, identity);
        if (const auto key = PersonKeyOf(identity)) {
          std::set<std::string> seen;
          for (const auto& candidate : keyring->BlindIndexCandidates(*key)) {
            for (const auto& earlier :
                 TrajectoriesByBlindIndex(tx, candidate, caller.identity.organisation_id)) {
              if (earlier.id != row.id && seen.insert(earlier.id).second) {
                Render(earlier, out->add_earlier_trajectories());
              }
            }
          }
        }
        const std::string person_id = common::NewUuid();
        InsertPerson(tx, person_id,
                     keyring->Seal(identity.SerializeAsString(), IdentityContext(person_id)),
                     keyring->active_key_id(), blind_index, keyring->active_blind_key_id(), now);

        row.flow = registered.value().next;
        row.person_id = person_id;
        row.gender_identity = identity.gender_identity();
        row.accompanying_children = request->accompanying_children();
        row.flow.coordinator = caller.identity.actor;
        UpdateTrajectory(tx, row, now);
        ApplyActions(tx, row, registered.value().actions, now);
        AppendTimeline(tx,
                       {0,
                        row.id,
                        row.organisation_id,
                        caller.identity.actor,
                        now,
                        "person.registered",
                        {{"state", "registered"},
                         {"age_status", std::string(workflow::ToString(row.flow.age))},
                         {"earlier_trajectories", std::to_string(out->earlier_trajectories_size())},
                         {"interpreter_used", request->interpreter_used() ? "true" : "false"},
                         {"consent_to_notes", request->consent_to_notes() ? "true" : "false"}}});
        Publish(tx, row, before, now);
        Render(row, *keyring, out->mutable_trajectory());
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::GetTrajectory(grpc::ServerContext* context,
                                              const v1::GetTrajectoryRequest* request,
                                              v1::Trajectory* response) {
  Caller caller;
  if (auto refused =
          gate_.AdmitNaming(*context, *request, caller, "GetTrajectory", "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->id(), /*for_update=*/false);
    if (!row ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      return common::NotFound("trajectory");
    }
    AuditRead(tx, caller, row->id,
              {workflow::DataCategory::kExploitation, workflow::DataCategory::kResidenceStatus,
               workflow::DataCategory::kCriminalProceedings},
              "GetTrajectory", clock_.Now());
    Render(*row, *keys_.Get(), response);
    // The age status that holds now (R-AGE-DATE-OF-BIRTH), as the caseload
    // shows it, not one nobody updated yet.
    response->set_age_status(ToProto(workflow::AgeStatusOn(row->flow, clock_.Now())));
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::GetPersonIdentity(grpc::ServerContext* context,
                                                  const v1::GetPersonIdentityRequest* request,
                                                  v1::PersonIdentity* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "trajectory_id",
                                       request->trajectory_id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), /*for_update=*/false);
    if (!row ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      return common::NotFound("trajectory");
    }
    const auto sealed =
        row->person_id.empty() ? std::nullopt : LoadIdentitySealed(tx, row->person_id);
    if (!sealed) {
      return common::NotFound("identity");
    }
    response->ParseFromString(keys_.Get()->Open(*sealed, IdentityContext(row->person_id)));
    AuditRead(tx, caller, row->id,
              {workflow::DataCategory::kIdentity, workflow::DataCategory::kContact},
              "GetPersonIdentity", clock_.Now());
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListTrajectories(grpc::ServerContext* context,
                                                 const v1::ListTrajectoriesRequest* request,
                                                 v1::ListTrajectoriesResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  CheckEnum(errors, "state", request->state(), v1::TrajectoryState_IsValid, false);
  CheckEnum(errors, "route", request->route(), v1::Route_IsValid, false);
  errors.Require(request->coordinator_user_id().empty() ||
                     common::IsValidPrincipalId(request->coordinator_user_id()),
                 "coordinator_user_id", FieldReason::kNotAnId, "not a user id");
  if (request->has_reflection_ends_before()) {
    CheckTime(errors, "reflection_ends_before", request->reflection_ends_before());
  }
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  ListFilter filter{caller.identity.organisation_id, std::nullopt, request->coordinator_user_id(),
                    request->route(), std::nullopt};
  if (request->state() != v1::TRAJECTORY_STATE_UNSPECIFIED) {
    filter.state = ToWorkflow(request->state());
  }
  if (request->has_reflection_ends_before()) {
    filter.reflection_ends_before = ToInstant(request->reflection_ends_before());
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const bool by_deadline = filter.reflection_ends_before.has_value();
    std::vector<Summary> rows = trajectory::ListTrajectories(tx, filter, page.after, page.size + 1);
    AddNextDeadlines(tx, rows);
    // The age status that holds now (R-AGE-DATE-OF-BIRTH), not one nobody
    // updated yet.
    const Instant now = clock_.Now();
    std::vector<common::AuditedRead> reads;
    for (Summary& row : rows) {
      workflow::TrajectorySnapshot snapshot;
      snapshot.age = ToWorkflow(static_cast<v1::AgeStatus>(row.age_status));
      snapshot.minor_until = row.minor_until;
      row.age_status = ToProto(workflow::AgeStatusOn(snapshot, now));
    }
    common::FillPage(
        std::move(rows), page.size,
        [&](const Summary& row) {
          // A caseload row shows personal data: on the audit trail, per
          // trajectory, with what it showed (DESIGN.md §5).
          std::set<workflow::DataCategory> shown = {
              workflow::DataCategory::kCriminalProceedings};  // non-punishment
          if (row.reflection_ends_at) {
            shown.insert(workflow::DataCategory::kResidenceStatus);
          }
          if (row.next_deadline_kind == workflow::kEighteenthBirthdayKind) {
            shown.insert(workflow::DataCategory::kIdentity);  // her date of birth
          }
          reads.push_back({row.id, std::move(shown)});
          Render(row, response->add_trajectories());
        },
        [&](const Summary& row) {
          const Instant key =
              by_deadline ? row.reflection_ends_at.value_or(Instant{}) : row.created_at;
          return std::pair{key.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    common::AuditReads(tx, caller, reads, "ListTrajectories", now);
    return grpc::Status::OK;
  });
}

}  // namespace ketenregie::trajectory
