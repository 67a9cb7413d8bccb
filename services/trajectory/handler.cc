#include "services/trajectory/handler.h"

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
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {
namespace {

using common::Caller;
using common::InvalidArgument;
using workflow::TrajectoryAction;
using workflow::TrajectoryActionKind;

using workflow::Instant;
using workflow::Operation;

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxText = 10'000;

std::optional<std::chrono::year_month_day> BirthDateOf(const v1::PersonIdentity& identity) {
  if (!identity.has_date_of_birth()) {
    return std::nullopt;
  }
  const auto& d = identity.date_of_birth();
  return std::chrono::year{d.year()} / std::chrono::month{static_cast<unsigned>(d.month())} /
         std::chrono::day{static_cast<unsigned>(d.day())};
}

// --- validation -------------------------------------------------------------

using common::CheckEtag;
using common::CheckId;
using common::CheckRequestId;
using common::Etag;
using common::FirstError;
using common::ReasonableTimestamp;

// Names and date of birth, normalised, as the blind index keys them; none
// without a date of birth.
std::optional<std::string> PersonKeyOf(const v1::PersonIdentity& identity) {
  if (!identity.has_date_of_birth()) {
    return std::nullopt;
  }
  return common::NormalisePersonKey(
      identity.given_name(), identity.family_name(), identity.date_of_birth().year(),
      identity.date_of_birth().month(), identity.date_of_birth().day());
}

std::optional<std::string> BlindIndexOf(const common::Keyring& keyring,
                                        const v1::PersonIdentity& identity) {
  const auto key = PersonKeyOf(identity);
  return key ? std::optional(keyring.BlindIndex(*key)) : std::nullopt;
}

bool ValidDate(const common::v1::CivilDate& date, Instant now) {
  using namespace std::chrono;
  const year_month_day ymd{year{date.year()}, month{static_cast<unsigned>(date.month())},
                           day{static_cast<unsigned>(date.day())}};
  return date.year() >= 1900 && ymd.ok() && sys_days{ymd} <= floor<days>(now);
}

grpc::Status CheckIdentity(const v1::PersonIdentity& identity, Instant now) {
  if (identity.given_name().empty() && identity.family_name().empty()) {
    return InvalidArgument("identity.given_name", "a name is required (given or family)");
  }
  if (identity.given_name().size() > kMaxName) {
    return InvalidArgument("identity.given_name", "at most 200 bytes");
  }
  if (identity.family_name().size() > kMaxName) {
    return InvalidArgument("identity.family_name", "at most 200 bytes");
  }
  if (identity.has_date_of_birth() && !ValidDate(identity.date_of_birth(), now)) {
    return InvalidArgument("identity.date_of_birth", "not a real date between 1900 and today");
  }
  if (identity.nationality().size() > 100) {
    return InvalidArgument("identity.nationality", "at most 100 bytes");
  }
  if (identity.contact().size() > 500) {
    return InvalidArgument("identity.contact", "at most 500 bytes");
  }
  if (identity.documents_size() > 20) {
    return InvalidArgument("identity.documents", "at most 20 documents");
  }
  for (const auto& document : identity.documents()) {
    if (document.empty() || document.size() > kMaxName) {
      return InvalidArgument("identity.documents", "each 1-200 bytes");
    }
  }
  if (!v1::GenderIdentity_IsValid(identity.gender_identity())) {
    return InvalidArgument("identity.gender_identity", "unknown value");
  }
  return grpc::Status::OK;
}

grpc::Status CheckScreening(const v1::Screening& screening) {
  std::set<int> seen;
  for (const auto& assessment : screening.indicators()) {
    const int indicator = assessment.indicator();
    if (indicator < 1 || indicator > 12 || !v1::Indicator_IsValid(indicator)) {
      return InvalidArgument("screening.indicators.indicator", "one of the 12 indicators");
    }
    if (!seen.insert(indicator).second) {
      return InvalidArgument("screening.indicators.indicator", "each indicator at most once");
    }
    if (!v1::IndicatorScore_IsValid(assessment.score())) {
      return InvalidArgument("screening.indicators.score", "0, 1, 2 or 3");
    }
  }
  std::set<int> forms;
  for (const int form : screening.forms()) {
    if (form < 1 || !v1::ExploitationForm_IsValid(form) || !forms.insert(form).second) {
      return InvalidArgument("screening.forms", "known forms, each at most once");
    }
  }
  return grpc::Status::OK;
}

// --- rendering -----------------------------------------------------------------

void Render(const TrajectoryRow& row, const common::Keyring& keyring, v1::Trajectory* out) {
  out->Clear();
  out->set_id(row.id);
  out->set_person_id(row.person_id);
  out->set_state(ToProto(row.flow.state));
  out->set_age_status(ToProto(row.flow.age));
  out->set_route(static_cast<v1::Route>(row.route));
  if (row.screening_sealed) {
    out->mutable_screening()->ParseFromString(
        keyring.Open(*row.screening_sealed, ScreeningContext(row.id)));
  }
  if (row.flow.screening) {
    out->mutable_screening()->set_outcome(ToProto(*row.flow.screening));
  }
  if (!row.flow.coordinator.empty()) {
    out->mutable_coordinator()->set_organisation_id(row.organisation_id);
    out->mutable_coordinator()->set_user_id(row.flow.coordinator);
  }
  out->set_non_punishment_flag(row.flow.non_punishment);
  if (row.has_reflection) {
    using RS = workflow::ReflectionState;
    auto* reflection = out->mutable_reflection_period();
    const RS state = row.reflection.state;
    switch (state) {
      case RS::kOffered:
        reflection->set_state(v1::REFLECTION_STATE_OFFERED);
        break;
      case RS::kRunning:
        reflection->set_state(v1::REFLECTION_STATE_RUNNING);
        break;
      case RS::kExpired:
        reflection->set_state(v1::REFLECTION_STATE_EXPIRED);
        break;
      case RS::kDecided:
      case RS::kPermitApplied:
      case RS::kPermitGranted:
      case RS::kPermitRejected:
        reflection->set_state(v1::REFLECTION_STATE_DECIDED);
        break;
    }
    reflection->set_permit_state(state == RS::kPermitApplied    ? v1::PERMIT_STATE_APPLIED
                                 : state == RS::kPermitGranted  ? v1::PERMIT_STATE_GRANTED
                                 : state == RS::kPermitRejected ? v1::PERMIT_STATE_REJECTED
                                                                : v1::PERMIT_STATE_UNSPECIFIED);
    if (row.reflection.starts_at != Instant{}) {
      *reflection->mutable_starts_at() = ToTimestamp(row.reflection.starts_at);
      *reflection->mutable_ends_at() = ToTimestamp(row.reflection.ends_at);
    }
    reflection->set_dublin_case(row.reflection.dublin_case);
    reflection->set_decision(ToProto(row.reflection.decision));
    if (row.reflection.permit_valid_until != Instant{}) {
      *reflection->mutable_permit_valid_until() = ToTimestamp(row.reflection.permit_valid_until);
    }
  }
  out->set_closure_reason(ToProto(row.flow.closure_reason));
  for (const auto& linked : row.flow.linked) {
    out->add_linked_trajectory_ids(linked);
  }
  *out->mutable_created_at() = ToTimestamp(row.created_at);
  *out->mutable_updated_at() = ToTimestamp(row.updated_at);
  out->set_etag(Etag(row.version));
}

void Render(const Summary& s, v1::TrajectorySummary* out) {
  out->set_id(s.id);
  out->set_state(ToProto(s.state));
  out->set_route(static_cast<v1::Route>(s.route));
  *out->mutable_created_at() = ToTimestamp(s.created_at);
  out->set_closure_reason(static_cast<v1::ClosureReason>(s.closure_reason));
  out->set_coordinator_user_id(s.coordinator);
  if (s.reflection_ends_at) {
    *out->mutable_reflection_ends_at() = ToTimestamp(*s.reflection_ends_at);
  }
}

void Render(const SignalRow& s, const common::Keyring& keyring, v1::Signal* out) {
  out->set_id(s.id);
  out->set_reporter_kind(static_cast<v1::ReporterKind>(s.reporter_kind));
  out->set_anonymous(s.anonymous);
  out->set_observation(keyring.Open(s.observation_sealed, ObservationContext(s.id)));
  *out->mutable_received_at() = ToTimestamp(s.received_at);
  out->set_trajectory_id(s.trajectory_id);
  out->set_etag(Etag(s.version));
}

void Render(const TaskRow& t, v1::Task* out) {
  out->set_id(t.id);
  out->set_trajectory_id(t.trajectory_id);
  out->set_kind(t.kind);
  *out->mutable_due_at() = ToTimestamp(t.due_at);
  out->set_state(t.state == workflow::TaskState::kDone ? v1::TASK_STATE_DONE : v1::TASK_STATE_OPEN);
  out->set_assignee_user_id(t.assignee);
  out->set_etag(Etag(t.version));
}

// Every read of personal data goes on the audit trail in the same
// transaction: if the append fails, the read fails (fail closed).
void AuditRead(pqxx::work& tx, const Caller& caller, const std::string& trajectory_id,
               std::set<workflow::DataCategory> categories, std::string_view method, Instant now) {
  common::AuditRecord record;
  record.occurred_at = now;
  record.organisation_id = caller.identity.organisation_id;
  record.actor = caller.identity.actor;
  record.trajectory_id = trajectory_id;
  record.action = common::AuditAction::kRead;
  record.categories = std::move(categories);
  record.decision = common::AuditDecision::kPermitted;
  record.method = std::string(method);
  common::AppendAudit(tx, record);
}

// Carries out the trajectory machines' actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const TrajectoryRow& row,
                  const std::vector<TrajectoryAction>& actions, Instant now) {
  common::CarryOut(tx, row.id, actions, now, [&](const TrajectoryAction& action) {
    switch (action.kind) {
      case TrajectoryActionKind::kCreateTask:
        InsertTask(tx, {common::NewUuid(), row.id, row.organisation_id, action.what, action.at,
                        workflow::TaskState::kOpen, row.flow.coordinator, std::nullopt, 1});
        return;
      case TrajectoryActionKind::kNotifyChildProtection:
        // Until the handoff service sends it (issue #5), the notification is
        // a task that cannot be missed, due at once.
        InsertTask(
            tx, {common::NewUuid(), row.id, row.organisation_id, "route.a.notify_child_protection",
                 now, workflow::TaskState::kOpen, row.flow.coordinator, std::nullopt, 1});
        return;
      case TrajectoryActionKind::kScheduleReminder:
      case TrajectoryActionKind::kScheduleDeadline:
      case TrajectoryActionKind::kCancelTimers:
        return;  // timers: kept by CarryOut
    }
  });
}

// A task state asked for (TASK_STATE_UNSPECIFIED: any).
std::optional<workflow::TaskState> TaskStateOf(int state) {
  switch (state) {
    case v1::TASK_STATE_OPEN:
      return workflow::TaskState::kOpen;
    case v1::TASK_STATE_DONE:
      return workflow::TaskState::kDone;
    default:
      return std::nullopt;
  }
}

std::string RouteName(int route) {
  switch (route) {
    case v1::ROUTE_A_CHILD_PROTECTION:
      return "A";
    case v1::ROUTE_B_ACTIVE:
      return "B";
    case v1::ROUTE_C_DECLINED_FOR_NOW:
      return "C";
    case v1::ROUTE_D_GENERAL_HELP:
      return "D";
    default:
      return "";
  }
}

// The trajectory's feed (ListEvents), for the other services: its
// lifecycle only (workflow::LifecycleEvent), with the state it is in now.
// Also that she is (now) treated as an adult (workflow::AgeEvent), for the
// consent service: a guardian's consent ends there.
void Publish(pqxx::work& tx, const TrajectoryRow& row,
             std::optional<workflow::TrajectoryState> before, Instant now,
             std::optional<workflow::AgeStatus> age_before = std::nullopt) {
  const std::map<std::string, std::string> attributes = {
      {"state", std::string(workflow::ToString(row.flow.state))},
      {"organisation_id", row.organisation_id}};
  if (const auto event = workflow::LifecycleEvent(before, row.flow.state)) {
    common::AppendOutbox(tx, *event, row.id, "trajectories/" + row.id, attributes, now);
  }
  if (age_before) {
    if (const auto event = workflow::AgeEvent(*age_before, row.flow.age)) {
      common::AppendOutbox(tx, *event, row.id, "trajectories/" + row.id, attributes, now);
    }
  }
}

}  // namespace

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
    UpdateTrajectory(c.tx, c.row, c.now);
    ApplyActions(c.tx, c.row, c.actions, c.now);
    c.timeline_attributes["state"] = std::string(workflow::ToString(c.row.flow.state));
    AppendTimeline(c.tx, {0, c.row.id, c.caller.identity.organisation_id, c.caller.identity.actor,
                          c.now, c.timeline_kind, c.timeline_attributes});
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
    v1::Trajectory* response, const std::function<grpc::Status(Change&)>& change) {
  TrajectoryAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"trajectory_id", trajectory_id, etag, request_id}, response, adapter,
                        change);
}

// --- signals -------------------------------------------------------------------

grpc::Status TrajectoryHandler::CreateSignal(grpc::ServerContext* context,
                                             const v1::CreateSignalRequest* request,
                                             v1::Signal* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckRequestId(request->request_id()); !invalid.ok()) {
    return invalid;
  }
  if (request->reporter_kind() == v1::REPORTER_KIND_UNSPECIFIED ||
      !v1::ReporterKind_IsValid(request->reporter_kind())) {
    return InvalidArgument("reporter_kind", "say who reported (school, police, ...)");
  }
  if (request->observation().empty() || request->observation().size() > kMaxText) {
    return InvalidArgument("observation", "required, at most 10000 bytes");
  }
  return common::Mutate(
      db_, settings_.db_timeout, caller, "CreateSignal", *request, request->request_id(), response,
      keys_, [&](pqxx::work& tx, v1::Signal* out) -> grpc::Status {
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
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto signal = LoadSignal(tx, request->id());
    if (!signal || signal->organisation_id != caller.identity.organisation_id) {
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
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
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
  if (auto invalid = CheckRequestId(request->request_id()); !invalid.ok()) {
    return invalid;
  }
  if (!request->signal_id().empty() && !common::IsUuid(request->signal_id())) {
    return InvalidArgument("signal_id", "must be a UUID, or empty");
  }
  if (!request->has_identity()) {
    return InvalidArgument("identity", "required");
  }
  if (auto invalid = CheckIdentity(request->identity(), now); !invalid.ok()) {
    return invalid;
  }
  if (!v1::AgeStatus_IsValid(request->age_status())) {
    return InvalidArgument("age_status", "unknown value");
  }
  if (request->accompanying_children() < 0 || request->accompanying_children() > 20) {
    return InvalidArgument("accompanying_children", "0 to 20");
  }
  return common::Mutate(
      db_, settings_.db_timeout, caller, "RegisterPerson", *request, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::RegisterPersonResponse* out) -> grpc::Status {
        TrajectoryRow row;
        std::optional<workflow::TrajectoryState> before;  // new: the feed hears it opened
        if (!request->signal_id().empty()) {
          const auto signal = LoadSignal(tx, request->signal_id());
          if (!signal || signal->organisation_id != caller.identity.organisation_id) {
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
  if (auto denied = gate_.Admit(*context, *request, caller, "GetTrajectory"); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->id(), /*for_update=*/false);
    if (!row || row->organisation_id != caller.identity.organisation_id) {
      return common::NotFound("trajectory");
    }
    AuditRead(tx, caller, row->id,
              {workflow::DataCategory::kExploitation, workflow::DataCategory::kResidenceStatus,
               workflow::DataCategory::kCriminalProceedings},
              "GetTrajectory", clock_.Now());
    Render(*row, *keys_.Get(), response);
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
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!v1::TrajectoryState_IsValid(request->state())) {
    return InvalidArgument("state", "unknown value");
  }
  if (!v1::Route_IsValid(request->route())) {
    return InvalidArgument("route", "unknown value");
  }
  if (!request->coordinator_user_id().empty() &&
      !common::IsValidPrincipalId(request->coordinator_user_id())) {
    return InvalidArgument("coordinator_user_id", "not a user id");
  }
  if (request->has_reflection_ends_before() &&
      !ReasonableTimestamp(request->reflection_ends_before())) {
    return InvalidArgument("reflection_ends_before", "a time between 1970 and 2100");
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
    common::FillPage(
        trajectory::ListTrajectories(tx, filter, page.after, page.size + 1), page.size,
        [&](const Summary& row) { Render(row, response->add_trajectories()); },
        [&](const Summary& row) {
          const Instant key =
              by_deadline ? row.reflection_ends_at.value_or(Instant{}) : row.created_at;
          return std::pair{key.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

// --- transitions -------------------------------------------------------------------

namespace {

// Applies one event of the trajectory machine to the change.
// Takes the workflow's outcome into the change, or its refusal.
grpc::Status Took(const workflow::Result<workflow::TrajectoryOutcome>& result,
                  workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions) {
  if (!result.ok()) {
    return common::RuleRefusal(result.violation());
  }
  flow = result.value().next;
  actions.insert(actions.end(), result.value().actions.begin(), result.value().actions.end());
  return grpc::Status::OK;
}

grpc::Status Step(workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions,
                  const workflow::TrajectoryCommand& command, Instant now,
                  const workflow::TrajectoryPolicy& policy) {
  return Took(workflow::ApplyTrajectory(flow, command, now, policy), flow, actions);
}

grpc::Status StepReflection(TrajectoryRow& row, std::vector<TrajectoryAction>& actions,
                            const workflow::ReflectionCommand& command, Instant now,
                            const workflow::ReflectionPolicy& policy) {
  if (auto closed = workflow::CheckTracksOpen(row.flow)) {
    return common::RuleRefusal(*closed);
  }
  if (!row.has_reflection) {
    row.reflection = workflow::ReflectionSnapshot{};
    row.reflection.trajectory_id = row.id;
  }
  const auto result = workflow::ApplyReflection(row.reflection, command, now, policy);
  if (!result.ok()) {
    return common::RuleRefusal(result.violation());
  }
  row.has_reflection = true;
  row.reflection = result.value().next;
  actions.insert(actions.end(), result.value().actions.begin(), result.value().actions.end());
  return grpc::Status::OK;
}

}  // namespace

grpc::Status TrajectoryHandler::SetAgeStatus(grpc::ServerContext* context,
                                             const v1::SetAgeStatusRequest* request,
                                             v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->age_status() == v1::AGE_STATUS_UNSPECIFIED ||
      !v1::AgeStatus_IsValid(request->age_status())) {
    return InvalidArgument("age_status", "confirmed adult, minor or doubted");
  }
  return ChangeTrajectory(
      caller, "SetAgeStatus", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kSetAgeStatus};
        command.age = ToWorkflow(request->age_status());
        c.timeline_kind = "age_status.set";
        c.timeline_attributes["age_status"] = std::string(workflow::ToString(command.age));
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::CorrectDateOfBirth(grpc::ServerContext* context,
                                                   const v1::CorrectDateOfBirthRequest* request,
                                                   v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (!request->has_date_of_birth() || !ValidDate(request->date_of_birth(), clock_.Now())) {
    return InvalidArgument("date_of_birth", "a real date between 1900 and today");
  }
  return ChangeTrajectory(
      caller, "CorrectDateOfBirth", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        if (c.row.person_id.empty()) {
          return common::RuleRefusal({workflow::rules::kStateOrder,
                                      "a signal without a registered person has no date "
                                      "of birth to correct"});
        }
        const auto sealed = LoadIdentitySealed(c.tx, c.row.person_id);
        const auto keyring = keys_.Get();
        v1::PersonIdentity identity;
        identity.ParseFromString(keyring->Open(*sealed, IdentityContext(c.row.person_id)));
        *identity.mutable_date_of_birth() = request->date_of_birth();
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kCorrectDateOfBirth};
        command.date_of_birth = BirthDateOf(identity);
        if (auto refused = Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
            !refused.ok()) {
          return refused;
        }
        CorrectPerson(c.tx, c.row.person_id,
                      keyring->Seal(identity.SerializeAsString(), IdentityContext(c.row.person_id)),
                      keyring->active_key_id(), BlindIndexOf(*keyring, identity),
                      keyring->active_blind_key_id());
        // The date itself stays out of the timeline: that it was corrected,
        // and the age that follows.
        c.timeline_kind = "person.date_of_birth_corrected";
        c.timeline_attributes["age_status"] = std::string(workflow::ToString(c.row.flow.age));
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::RecordScreening(grpc::ServerContext* context,
                                                const v1::RecordScreeningRequest* request,
                                                v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (!request->has_screening()) {
    return InvalidArgument("screening", "required");
  }
  if (auto invalid = CheckScreening(request->screening()); !invalid.ok()) {
    return invalid;
  }
  return ChangeTrajectory(
      caller, "RecordScreening", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kRecordScreening};
        command.screening = ToWorkflow(request->screening());
        if (auto refused = Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
            !refused.ok()) {
          return refused;
        }
        const auto assessment = workflow::Assess(command.screening, c.row.flow.age);
        v1::Screening stored = request->screening();
        stored.set_act_present(assessment.act);
        stored.set_means_present(assessment.means);
        stored.set_purpose_present(assessment.purpose);
        stored.set_outcome(ToProto(assessment.outcome));
        c.row.screening_sealed =
            keys_.Get()->Seal(stored.SerializeAsString(), ScreeningContext(c.row.id));
        c.timeline_kind = "screening.recorded";
        c.timeline_attributes["outcome"] = std::string(workflow::ToString(assessment.outcome));
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::DecideRoute(grpc::ServerContext* context,
                                            const v1::DecideRouteRequest* request,
                                            v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  using E = workflow::TrajectoryEvent;
  E event;
  switch (request->route()) {
    case v1::ROUTE_A_CHILD_PROTECTION:
      event = E::kDecideRouteA;
      break;
    case v1::ROUTE_B_ACTIVE:
      event = E::kDecideRouteB;
      break;
    case v1::ROUTE_C_DECLINED_FOR_NOW:
      event = E::kDecideRouteC;
      break;
    case v1::ROUTE_D_GENERAL_HELP:
      event = E::kDecideRouteD;
      break;
    default:
      return InvalidArgument("route", "A, B, C or D");
  }
  int open_placements = 0;
  int unanswered_handoffs = 0;
  if (workflow::ClosesTrajectory(event)) {
    // What closes must know the open work (R-CLOSE-REQUIRES): asked of the
    // other services once the request itself is known to be well formed.
    if (auto invalid = common::CheckChangeTarget(
            {"trajectory_id", request->trajectory_id(), request->etag(), request->request_id()});
        !invalid.ok()) {
      return invalid;
    }
    if (auto unavailable =
            open_work_.Count(request->trajectory_id(), open_placements, unanswered_handoffs);
        !unavailable.ok()) {
      return unavailable;
    }
  }
  return ChangeTrajectory(caller, "DecideRoute", *request, request->request_id(),
                          request->trajectory_id(), request->etag(), response, [&](Change& c) {
                            workflow::TrajectoryCommand command{event};
                            command.consents_to_referral = request->consents_to_referral();
                            c.timeline_attributes["consents_to_referral"] =
                                request->consents_to_referral() ? "true" : "false";
                            c.row.flow.open_placements = open_placements;
                            c.row.flow.unanswered_handoffs = unanswered_handoffs;
                            c.row.route = request->route();
                            c.timeline_kind = "route.decided";
                            c.timeline_attributes["route"] = RouteName(request->route());
                            return Step(c.row.flow, c.actions, command, c.now,
                                        settings_.trajectory_policy);
                          });
}

grpc::Status TrajectoryHandler::AssignCoordinator(grpc::ServerContext* context,
                                                  const v1::AssignCoordinatorRequest* request,
                                                  v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (!common::IsValidPrincipalId(request->coordinator_user_id())) {
    return InvalidArgument("coordinator_user_id", "a user id");
  }
  return ChangeTrajectory(
      caller, "AssignCoordinator", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        const auto assignee = directory_.FindPrincipal(c.caller.identity.organisation_id,
                                                       request->coordinator_user_id());
        if (!assignee || workflow::CheckAccess(*assignee, Operation::kManageTrajectory)) {
          return InvalidArgument("coordinator_user_id", "not a coordinator of your organisation");
        }
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kAssignCoordinator};
        command.coordinator = request->coordinator_user_id();
        c.timeline_kind = "coordinator.assigned";
        c.timeline_attributes["coordinator"] = request->coordinator_user_id();
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::SetNonPunishmentFlag(grpc::ServerContext* context,
                                                     const v1::SetNonPunishmentFlagRequest* request,
                                                     v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  return ChangeTrajectory(
      caller, "SetNonPunishmentFlag", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kSetNonPunishment};
        command.non_punishment = request->flag();
        c.timeline_kind = "non_punishment.set";
        c.timeline_attributes["flag"] = request->flag() ? "true" : "false";
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::ReactivateTrajectory(grpc::ServerContext* context,
                                                     const v1::ReactivateTrajectoryRequest* request,
                                                     v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  return ChangeTrajectory(
      caller, "ReactivateTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kReactivate};
        command.consents_to_referral = request->consents_to_referral();
        c.row.route = v1::ROUTE_B_ACTIVE;
        c.timeline_kind = "trajectory.reactivated";
        c.timeline_attributes["route"] = "B";
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::StartReflectionPeriod(
    grpc::ServerContext* context, const v1::StartReflectionPeriodRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const Instant now = clock_.Now();
  if (request->has_starts_at()) {
    const Instant starts = ToInstant(request->starts_at());
    if (starts < workflow::AddMonths(now, -12) || starts > workflow::AddDays(now, 30)) {
      return InvalidArgument("starts_at", "within the past year or the next 30 days");
    }
  }
  return ChangeTrajectory(
      caller, "StartReflectionPeriod", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::ReflectionCommand command{workflow::ReflectionEvent::kStart};
        command.starts_at = request->has_starts_at() ? ToInstant(request->starts_at()) : c.now;
        command.dublin_case = request->dublin_case();
        c.timeline_kind = "reflection.started";
        c.timeline_attributes["dublin_case"] = request->dublin_case() ? "true" : "false";
        auto status = StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
        if (status.ok()) {
          c.timeline_attributes["days"] = std::to_string(
              workflow::CalendarDaysBetween(c.row.reflection.starts_at, c.row.reflection.ends_at));
        }
        return status;
      });
}

grpc::Status TrajectoryHandler::DecideReflectionPeriod(
    grpc::ServerContext* context, const v1::DecideReflectionPeriodRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->decision() == v1::REFLECTION_DECISION_UNSPECIFIED ||
      !v1::ReflectionDecision_IsValid(request->decision())) {
    return InvalidArgument("decision",
                           "police report, other cooperation, no report for "
                           "serious reasons, or declined");
  }
  return ChangeTrajectory(
      caller, "DecideReflectionPeriod", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::ReflectionCommand command{workflow::ReflectionEvent::kDecide};
        command.decision = ToWorkflow(request->decision());
        c.timeline_kind = "reflection.decided";
        c.timeline_attributes["decision"] = std::string(workflow::ToString(command.decision));
        return StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
      });
}

grpc::Status TrajectoryHandler::RecordResidencePermit(
    grpc::ServerContext* context, const v1::RecordResidencePermitRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->permit_state() == v1::PERMIT_STATE_UNSPECIFIED ||
      !v1::PermitState_IsValid(request->permit_state())) {
    return InvalidArgument("permit_state", "applied, granted or rejected");
  }
  if (request->permit_state() == v1::PERMIT_STATE_GRANTED && !request->has_valid_until()) {
    return InvalidArgument("valid_until", "required for a granted permit");
  }
  if (request->has_valid_until() && !ReasonableTimestamp(request->valid_until())) {
    return InvalidArgument("valid_until", "a time between 1970 and 2100");
  }
  return ChangeTrajectory(
      caller, "RecordResidencePermit", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        const auto event = workflow::PermitEvent(
            c.row.reflection.state, request->permit_state() == v1::PERMIT_STATE_GRANTED
                                        ? workflow::PermitOutcome::kGranted
                                    : request->permit_state() == v1::PERMIT_STATE_REJECTED
                                        ? workflow::PermitOutcome::kRejected
                                        : workflow::PermitOutcome::kApplied);
        workflow::ReflectionCommand command{event};
        if (request->has_valid_until()) {
          command.permit_valid_until = ToInstant(request->valid_until());
        }
        c.timeline_kind = "permit." + std::string(workflow::ToString(event));
        return StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
      });
}

grpc::Status TrajectoryHandler::CloseTrajectory(grpc::ServerContext* context,
                                                const v1::CloseTrajectoryRequest* request,
                                                v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->reason() == v1::CLOSURE_REASON_UNSPECIFIED ||
      !v1::ClosureReason_IsValid(request->reason())) {
    return InvalidArgument("reason", "a closure reason");
  }
  int open_placements = 0;
  int unanswered_handoffs = 0;
  {
    if (auto invalid = common::CheckChangeTarget(
            {"trajectory_id", request->trajectory_id(), request->etag(), request->request_id()});
        !invalid.ok()) {
      return invalid;
    }
    if (auto unavailable =
            open_work_.Count(request->trajectory_id(), open_placements, unanswered_handoffs);
        !unavailable.ok()) {
      return unavailable;
    }
  }
  return ChangeTrajectory(
      caller, "CloseTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kClose};
        command.reason = ToWorkflow(request->reason());
        c.row.flow.open_placements = open_placements;
        c.row.flow.unanswered_handoffs = unanswered_handoffs;
        c.timeline_kind = "trajectory.closed";
        c.timeline_attributes["reason"] = std::string(workflow::ToString(command.reason));
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::ReopenTrajectory(grpc::ServerContext* context,
                                                 const v1::ReopenTrajectoryRequest* request,
                                                 v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  return ChangeTrajectory(
      caller, "ReopenTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        c.timeline_kind = "trajectory.reopened";
        c.timeline_attributes["previous_reason"] =
            std::string(workflow::ToString(c.row.flow.closure_reason));
        auto status = Took(
            workflow::ReopenTrajectory(
                c.row.flow, c.row.has_reflection ? std::optional(c.row.reflection) : std::nullopt,
                c.now, settings_.trajectory_policy),
            c.row.flow, c.actions);
        if (status.ok()) {
          // Screened afresh (the workflow dropped the outcome): the earlier
          // screening stays in the timeline, and the route goes with it.
          c.row.screening_sealed.reset();
          c.row.route = v1::ROUTE_UNSPECIFIED;
        }
        return status;
      });
}

grpc::Status TrajectoryHandler::LinkTrajectory(grpc::ServerContext* context,
                                               const v1::LinkTrajectoryRequest* request,
                                               v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("linked_trajectory_id", request->linked_trajectory_id());
      !invalid.ok()) {
    return invalid;
  }
  return ChangeTrajectory(
      caller, "LinkTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), response, [&](Change& c) {
        const auto other = LoadTrajectory(c.tx, request->linked_trajectory_id(), false);
        if (!other || other->organisation_id != c.row.organisation_id) {
          return common::NotFound("linked trajectory");
        }
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kLink};
        command.linked_id = request->linked_trajectory_id();
        c.timeline_kind = "trajectory.linked";
        c.timeline_attributes["linked_trajectory_id"] = request->linked_trajectory_id();
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

// --- timeline and tasks -----------------------------------------------------------

grpc::Status TrajectoryHandler::ListTimeline(grpc::ServerContext* context,
                                             const v1::ListTimelineRequest* request,
                                             v1::ListTimelineResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (page.after && page.after->second != request->trajectory_id()) {
    return InvalidArgument("page.page_token", "not a token from this timeline");
  }
  const long long after = page.after ? page.after->first : 0;
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row || row->organisation_id != caller.identity.organisation_id) {
      return common::NotFound("trajectory");
    }
    common::FillPage(
        trajectory::ListTimeline(tx, request->trajectory_id(), after, page.size + 1), page.size,
        [&](const TimelineRow& e) {
          auto* out = response->add_entries();
          out->set_sequence(e.sequence);
          out->set_trajectory_id(e.trajectory_id);
          out->mutable_actor()->set_organisation_id(e.organisation_id);
          out->mutable_actor()->set_user_id(e.actor);
          *out->mutable_occurred_at() = ToTimestamp(e.occurred_at);
          out->set_kind(e.kind);
          out->mutable_attributes()->insert(e.attributes.begin(), e.attributes.end());
        },
        [](const TimelineRow& e) {
          return std::pair{e.sequence, e.trajectory_id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListTasks(grpc::ServerContext* context,
                                          const v1::ListTasksRequest* request,
                                          v1::ListTasksResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!v1::TaskState_IsValid(request->state())) {
    return InvalidArgument("state", "unknown value");
  }
  if (!request->assignee_user_id().empty() &&
      !common::IsValidPrincipalId(request->assignee_user_id())) {
    return InvalidArgument("assignee_user_id", "not a user id");
  }
  if (!request->trajectory_id().empty() && !common::IsUuid(request->trajectory_id())) {
    return InvalidArgument("trajectory_id", "must be a UUID, or empty");
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    common::FillPage(
        trajectory::ListTasks(tx, caller.identity.organisation_id, request->assignee_user_id(),
                              TaskStateOf(request->state()), request->trajectory_id(), page.after,
                              page.size + 1),
        page.size, [&](const TaskRow& row) { Render(row, response->add_tasks()); },
        [](const TaskRow& row) {
          return std::pair{row.due_at.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::CompleteTask(grpc::ServerContext* context,
                                             const v1::CompleteTaskRequest* request,
                                             v1::Task* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid =
          FirstError({CheckRequestId(request->request_id()), CheckId("task_id", request->task_id()),
                      CheckEtag(request->etag())});
      !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(db_, settings_.db_timeout, caller, "CompleteTask", *request,
                        request->request_id(), response, keys_,
                        [&](pqxx::work& tx, v1::Task* out) -> grpc::Status {
                          auto task = LoadTask(tx, request->task_id(), /*for_update=*/true);
                          if (!task || task->organisation_id != caller.identity.organisation_id) {
                            return common::NotFound("task");
                          }
                          if (Etag(task->version) != request->etag()) {
                            return common::StaleEtag("task");
                          }
                          if (auto done = workflow::CheckTaskOpen(task->state)) {
                            return common::RuleRefusal(*done);
                          }
                          trajectory::CompleteTask(tx, *task, caller.identity.actor);
                          AppendTimeline(tx, {0,
                                              task->trajectory_id,
                                              caller.identity.organisation_id,
                                              caller.identity.actor,
                                              clock_.Now(),
                                              "task.done",
                                              {{"task", task->kind}, {"task_id", task->id}}});
                          Render(*task, out);
                          return grpc::Status::OK;
                        });
}

grpc::Status TrajectoryHandler::GetEligibilityFacts(grpc::ServerContext* context,
                                                    const v1::GetEligibilityFactsRequest* request,
                                                    v1::EligibilityFacts* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row) {
      return common::NotFound("trajectory");
    }
    response->set_trajectory_id(row->id);
    const Instant now = clock_.Now();
    response->set_age_status(ToProto(workflow::AgeStatusOn(row->flow, now)));
    if (row->flow.minor_until && now < *row->flow.minor_until) {
      *response->mutable_minor_until() = ToTimestamp(*row->flow.minor_until);
    }
    response->set_gender_identity(static_cast<v1::GenderIdentity>(row->gender_identity));
    response->set_accompanying_children(row->accompanying_children);
    response->set_open(!workflow::CheckTracksOpen(row->flow).has_value());
    response->set_organisation_id(row->organisation_id);
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListEvents(grpc::ServerContext* context,
                                           const common::v1::ListEventsRequest* request,
                                           common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, settings_.db_timeout, *request, *response);
}

// The sections a partner's packet is assembled from. The caller (the
// handoff service) has decided which categories may go, and records the
// disclosure on the audit trail in its own transaction; this service holds
// no LOCATION or HEALTH data, so those categories get no section here.
grpc::Status TrajectoryHandler::GetDisclosureSections(
    grpc::ServerContext* context, const common::v1::GetDisclosureSectionsRequest* request,
    common::v1::DisclosureSections* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = common::CheckSectionsRequest(*request); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row) {
      return common::NotFound("trajectory");
    }
    const auto keyring = keys_.Get();
    v1::PersonIdentity identity;
    if (!row->person_id.empty()) {
      if (const auto sealed = LoadIdentitySealed(tx, row->person_id)) {
        identity.ParseFromString(keyring->Open(*sealed, IdentityContext(row->person_id)));
      }
    }
    v1::Trajectory rendered;
    Render(*row, *keyring, &rendered);
    response->set_trajectory_id(row->id);
    for (const int category : request->categories()) {
      std::map<std::string, std::string> fields;
      switch (static_cast<common::v1::DataCategory>(category)) {
        case common::v1::DATA_CATEGORY_IDENTITY: {
          fields["given_name"] = identity.given_name();
          fields["family_name"] = identity.family_name();
          if (identity.has_date_of_birth()) {
            char date[16];
            std::snprintf(date, sizeof date, "%04d-%02d-%02d", identity.date_of_birth().year(),
                          identity.date_of_birth().month(), identity.date_of_birth().day());
            fields["date_of_birth"] = date;
          }
          fields["nationality"] = identity.nationality();
          std::string documents;
          for (const auto& d : identity.documents()) {
            documents += (documents.empty() ? "" : "; ") + d;
          }
          fields["documents"] = documents;
          break;
        }
        case common::v1::DATA_CATEGORY_CONTACT:
          fields["contact"] = identity.contact();
          break;
        case common::v1::DATA_CATEGORY_EXPLOITATION: {
          fields["screening_outcome"] = v1::ScreeningOutcome_Name(rendered.screening().outcome());
          std::string forms;
          for (const int form : rendered.screening().forms()) {
            forms += (forms.empty() ? "" : ", ") +
                     v1::ExploitationForm_Name(static_cast<v1::ExploitationForm>(form));
          }
          fields["forms"] = forms;
          break;
        }
        case common::v1::DATA_CATEGORY_RESIDENCE_STATUS:
          fields["reflection_period"] =
              v1::ReflectionState_Name(rendered.reflection_period().state());
          fields["permit"] = v1::PermitState_Name(rendered.reflection_period().permit_state());
          break;
        case common::v1::DATA_CATEGORY_CRIMINAL_PROCEEDINGS:
          fields["decision"] = v1::ReflectionDecision_Name(rendered.reflection_period().decision());
          fields["non_punishment_flag"] = rendered.non_punishment_flag() ? "true" : "false";
          break;
        case common::v1::DATA_CATEGORY_CARE_PLAN:
          fields["route"] = v1::Route_Name(rendered.route());
          fields["state"] = v1::TrajectoryState_Name(rendered.state());
          break;
        case common::v1::DATA_CATEGORY_CHILDREN:
          fields["accompanying_children"] = std::to_string(row->accompanying_children);
          break;
        default:
          continue;  // LOCATION, HEALTH: not held by this service
      }
      auto* section = response->add_sections();
      section->set_category(static_cast<common::v1::DataCategory>(category));
      section->mutable_fields()->insert(fields.begin(), fields.end());
    }
    return grpc::Status::OK;
  });
}

// --- durable timers ---------------------------------------------------------------

int TrajectoryHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, settings_.db_timeout, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        auto row = LoadTrajectory(tx, timer.owner_id, /*for_update=*/true);
        if (!row || !common::ClaimTimer(tx, timer.id)) {
          return false;  // fired, cancelled, or being fired by another replica
        }
        std::vector<TrajectoryAction> actions;
        std::string kind = "reminder.due";
        if (timer.kind == "reflection.expiry") {
          // The deadline itself: the period expires unless decided first.
          const auto expired =
              workflow::ApplyReflection(row->reflection, {workflow::ReflectionEvent::kExpire}, now,
                                        settings_.reflection_policy);
          if (expired.ok()) {
            row->reflection = expired.value().next;
            actions = expired.value().actions;
            UpdateTrajectory(tx, *row, now);
            kind = "reflection.expired";
          } else {
            kind.clear();  // decided in time: nothing to do
          }
        } else if (timer.kind == "age.turns_18") {
          // Her 18th birthday by the date of birth on record: an adult from
          // today, the coordinator asked to review route and consent.
          const workflow::AgeStatus age_before = row->flow.age;
          const auto of_age = workflow::ApplyTrajectory(
              row->flow, {workflow::TrajectoryEvent::kComeOfAge}, now, settings_.trajectory_policy);
          if (of_age.ok()) {
            row->flow = of_age.value().next;
            actions = of_age.value().actions;
            UpdateTrajectory(tx, *row, now);
            Publish(tx, *row, row->flow.state, now, age_before);
            kind = "person.came_of_age";
          } else {
            kind.clear();  // the date was corrected, or the trajectory closed
          }
        } else {
          InsertTask(tx,
                     {common::NewUuid(), row->id, row->organisation_id, timer.kind, timer.due_at,
                      workflow::TaskState::kOpen, row->flow.coordinator, timer.id, 1});
        }
        ApplyActions(tx, *row, actions, now);
        if (!kind.empty()) {
          AppendTimeline(
              tx, {0, row->id, row->organisation_id, "system", now, kind, {{"kind", timer.kind}}});
        }
        return true;
      });
}

// --- key rotation ------------------------------------------------------------------

int TrajectoryHandler::ReencryptIdentities(pqxx::work& tx, const common::Keyring& keyring,
                                           int limit) {
  int moved = 0;
  for (const auto& stale :
       StaleIdentities(tx, keyring.active_key_id(), keyring.active_blind_key_id(), limit)) {
    const std::string plaintext = keyring.Open(stale.sealed, IdentityContext(stale.id));
    v1::PersonIdentity identity;
    identity.ParseFromString(plaintext);
    const std::optional<std::string> blind_index = BlindIndexOf(keyring, identity);
    UpdatePersonKeys(tx, stale.id, keyring.Seal(plaintext, IdentityContext(stale.id)),
                     keyring.active_key_id(), blind_index, keyring.active_blind_key_id());
    ++moved;
  }
  return moved;
}

int TrajectoryHandler::ReencryptBatch(int limit) {
  const auto keyring = keys_.Get();
  return common::RunTransaction(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    return ReencryptIdentities(tx, *keyring, limit) +
           common::ReencryptColumns(tx, *keyring, SealedColumns(), limit);
  });
}

}  // namespace ketenregie::trajectory
