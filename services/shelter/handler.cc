#include "services/shelter/handler.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
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
#include "services/shelter/storage.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::shelter {
namespace {

using common::Caller;
using common::InvalidArgument;
using workflow::Operation;
using workflow::PlacementAction;
using workflow::PlacementActionKind;
using workflow::PlacementEvent;
using workflow::PlacementState;

using common::CheckEtag;
using common::CheckId;
using common::CheckRequestId;
using common::Etag;
using common::ToInstant;
using common::ToTimestamp;
using google::protobuf::util::TimeUtil;

// A care plan names at most this many placements (newest first).
constexpr int kMaxPlacementsInSection = 20;

workflow::ShelterKind KindOf(int proto_kind) {
  return static_cast<workflow::ShelterKind>(proto_kind - 1);
}

v1::PlacementState ProtoState(PlacementState state) {
  switch (state) {
    case PlacementState::kRequested:
      return v1::PLACEMENT_STATE_REQUESTED;
    case PlacementState::kPlaced:
    case PlacementState::kOverdue:
      return v1::PLACEMENT_STATE_PLACED;
    case PlacementState::kEnded:
      return v1::PLACEMENT_STATE_ENDED;
    case PlacementState::kCancelled:
      return v1::PLACEMENT_STATE_CANCELLED;
  }
  return v1::PLACEMENT_STATE_UNSPECIFIED;
}

// The address only for the shelter's own staff: it is LOCATION data.
void Render(const ShelterRow& row, const common::Keyring& keyring, bool own, v1::Shelter* out) {
  out->set_id(row.id);
  out->set_display_name(row.display_name);
  out->set_kind(static_cast<v1::ShelterKind>(row.kind));
  out->set_operator_organisation_id(row.operator_organisation);
  out->set_capacity_beds(row.capacity_beds);
  if (own) {
    out->set_secret_address(keyring.Open(row.address_sealed, AddressContext(row.id)));
  }
  out->set_etag(Etag(row.version));
}

void Render(const PlacementRow& row, const common::Keyring& keyring, bool own_shelter,
            v1::Placement* out) {
  out->set_id(row.flow.id);
  out->set_shelter_id(row.shelter_id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_state(ProtoState(row.flow.state));
  out->set_accompanying_children(row.accompanying_children);
  *out->mutable_starts_at() = ToTimestamp(row.flow.starts_at);
  if (row.flow.planned_end != Instant{}) {
    *out->mutable_planned_end_at() = ToTimestamp(row.flow.planned_end);
  }
  if (row.ended_at) {
    *out->mutable_ended_at() = ToTimestamp(*row.ended_at);
  }
  out->set_move_on(static_cast<v1::MoveOnDestination>(row.flow.move_on));
  out->set_overdue(row.flow.state == PlacementState::kOverdue);
  if (own_shelter && row.continuation_sealed) {
    out->set_continuation_reason(
        keyring.Open(*row.continuation_sealed, ContinuationContext(row.flow.id)));
  }
  out->mutable_requested_by()->set_organisation_id(row.requested_by_organisation);
  out->mutable_requested_by()->set_user_id(row.requested_by_user);
  out->set_etag(Etag(row.version));
}

// A read that shows personal or LOCATION data goes on the audit trail in
// the same transaction (fail closed).
void AuditRead(pqxx::work& tx, const Caller& caller, const std::string& trajectory_id,
               workflow::DataCategory category, std::string_view method, Instant now,
               const std::string& basis_id = "") {
  common::AuditRecord record;
  record.occurred_at = now;
  record.organisation_id = caller.identity.organisation_id;
  record.actor = caller.identity.actor;
  record.trajectory_id = trajectory_id;
  record.action = common::AuditAction::kRead;
  record.categories = {category};
  record.decision = common::AuditDecision::kPermitted;
  record.method = std::string(method);
  record.basis_id = basis_id;
  common::AppendAudit(tx, record);
}

// Carries out the placement machine's actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const PlacementRow& row,
                  const std::vector<PlacementAction>& actions, Instant now) {
  common::CarryOut(tx, row.flow.id, actions, now, [&](const PlacementAction& action) {
    switch (action.kind) {
      case PlacementActionKind::kCreateTask:
        // Tasks live with the coordinator's trajectory: an event asks for it.
        common::AppendOutbox(tx, "task.requested", row.trajectory_id, "placements/" + row.flow.id,
                             {{"task", action.what}}, now);
        return;
      case PlacementActionKind::kScheduleReminder:
      case PlacementActionKind::kScheduleDeadline:
      case PlacementActionKind::kCancelTimers:
        return;  // timers: kept by CarryOut
    }
  });
}

}  // namespace

// --- handler --------------------------------------------------------------------

struct ShelterHandler::PlacementChange {
  pqxx::work& tx;
  const Caller& caller;
  PlacementRow row;
  // Locked with it: the lock every bed decision of the shelter takes.
  ShelterRow shelter;
  Instant now;
  std::vector<PlacementAction> actions;
  std::string event;
  std::map<std::string, std::string> attributes;
};

namespace {

// The placement's side of the one mutation path (common::Change).
struct PlacementAdapter {
  using Response = v1::Placement;
  using Work = ShelterHandler::PlacementChange;
  static constexpr std::string_view kResource = "placement";
  const common::KeyringHolder& keys;

  static grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                           std::optional<Work>& work) {
    auto row = LoadPlacement(tx, id, /*for_update=*/true);
    if (row) {
      auto shelter = LoadShelter(tx, row->shelter_id, /*for_update=*/true);
      work.emplace(Work{tx, caller, std::move(*row), std::move(*shelter), now, {}, {}, {}});
    }
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work& c) { return c.row.trajectory_id; }
  static long long Version(const Work& c) { return c.row.version; }
  static void Save(Work& c) {
    UpdatePlacement(c.tx, c.row);
    ApplyActions(c.tx, c.row, c.actions, c.now);
    c.attributes["state"] = std::string(workflow::ToString(c.row.flow.state));
    common::AppendOutbox(c.tx, c.event, c.row.trajectory_id, "placements/" + c.row.flow.id,
                         c.attributes, c.now);
  }
  void Render(const Work& c, Response* out) const {
    shelter::Render(c.row, *keys.Get(),
                    !workflow::CheckOwnShelter(c.caller.identity.organisation_id,
                                               c.shelter.operator_organisation),
                    out);
  }
};

}  // namespace

ShelterHandler::ShelterHandler(common::DbPool& db, const common::Directory& directory,
                               common::KeyringHolder& keys, const common::Clock& clock,
                               TrajectoryFacts& facts, std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      facts_(facts),
      db_timeout_(db_timeout),
      gate_(directory_, db_, db_timeout_, clock_, v1::ShelterService::service_full_name()),
      mutations_{db_, db_timeout_, keys_, clock_, gate_} {}

grpc::Status ShelterHandler::CreateShelter(grpc::ServerContext* context,
                                           const v1::CreateShelterRequest* request,
                                           v1::Shelter* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckRequestId(request->request_id()); !invalid.ok()) {
    return invalid;
  }
  const auto& s = request->shelter();
  if (s.display_name().empty() || s.display_name().size() > 200) {
    return InvalidArgument("shelter.display_name", "required, at most 200 bytes");
  }
  if (s.kind() == v1::SHELTER_KIND_UNSPECIFIED || !v1::ShelterKind_IsValid(s.kind())) {
    return InvalidArgument("shelter.kind", "crisis, categorical or follow-up");
  }
  if (s.capacity_beds() < 0 || s.capacity_beds() > 1000) {
    return InvalidArgument("shelter.capacity_beds", "0 to 1000");
  }
  if (s.secret_address().empty() || s.secret_address().size() > 500) {
    return InvalidArgument("shelter.secret_address", "required, at most 500 bytes");
  }
  if (auto refusal = workflow::CheckShelterKindOfOperator(caller.principal.organisation_type,
                                                          KindOf(s.kind()))) {
    return gate_.Checked(caller, *request, __func__, common::Forbidden(*refusal));
  }
  return common::Mutate(db_, db_timeout_, caller, "CreateShelter", *request, request->request_id(),
                        response, keys_, [&](pqxx::work& tx, v1::Shelter* out) -> grpc::Status {
                          const auto keyring = keys_.Get();
                          ShelterRow row{common::NewUuid(),
                                         s.display_name(),
                                         s.kind(),
                                         caller.identity.organisation_id,
                                         s.capacity_beds(),
                                         "",
                                         keyring->active_key_id(),
                                         clock_.Now(),
                                         1};
                          row.address_sealed =
                              keyring->Seal(s.secret_address(), AddressContext(row.id));
                          InsertShelter(tx, row);
                          Render(row, *keyring, /*own=*/true, out);
                          return grpc::Status::OK;
                        });
}

grpc::Status ShelterHandler::GetShelter(grpc::ServerContext* context,
                                        const v1::GetShelterRequest* request,
                                        v1::Shelter* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadShelter(tx, request->id(), false);
    if (!row) {
      return common::NotFound("shelter");
    }
    const bool own =
        !workflow::CheckOwnShelter(caller.identity.organisation_id, row->operator_organisation);
    if (own) {
      AuditRead(tx, caller, "", workflow::DataCategory::kLocation, "GetShelter", clock_.Now());
    }
    Render(*row, *keys_.Get(), own, response);
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::ListShelters(grpc::ServerContext* context,
                                          const v1::ListSheltersRequest* request,
                                          v1::ListSheltersResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!v1::ShelterKind_IsValid(request->kind())) {
    return InvalidArgument("kind", "unknown value");
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        shelter::ListShelters(tx, request->kind(), page.after, page.size + 1), page.size,
        [&](const ShelterRow& row) {
          Render(row, *keyring,
                 !workflow::CheckOwnShelter(caller.identity.organisation_id,
                                            row.operator_organisation),
                 response->add_shelters());
        },
        [](const ShelterRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::UpdateCapacity(grpc::ServerContext* context,
                                            const v1::UpdateCapacityRequest* request,
                                            v1::Shelter* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckRequestId(request->request_id()); !invalid.ok()) {
    return invalid;
  }
  if (auto invalid = CheckId("shelter_id", request->shelter_id()); !invalid.ok()) {
    return invalid;
  }
  if (auto invalid = CheckEtag(request->etag()); !invalid.ok()) {
    return invalid;
  }
  if (request->capacity_beds() < 0 || request->capacity_beds() > 1000) {
    return InvalidArgument("capacity_beds", "0 to 1000");
  }
  return gate_.Checked(
      caller, *request, __func__,
      common::Mutate(db_, db_timeout_, caller, "UpdateCapacity", *request, request->request_id(),
                     response, keys_, [&](pqxx::work& tx, v1::Shelter* out) -> grpc::Status {
                       auto row = LoadShelter(tx, request->shelter_id(), /*for_update=*/true);
                       if (!row) {
                         return common::NotFound("shelter");
                       }
                       if (auto refusal = workflow::CheckOwnShelter(caller.identity.organisation_id,
                                                                    row->operator_organisation)) {
                         return common::Forbidden(*refusal);
                       }
                       if (Etag(row->version) != request->etag()) {
                         return common::StaleEtag("shelter");
                       }
                       if (auto refusal = workflow::CheckCapacity(request->capacity_beds(),
                                                                  OccupiedBeds(tx, row->id))) {
                         return common::RuleRefusal(*refusal);
                       }
                       row->capacity_beds = request->capacity_beds();
                       shelter::UpdateCapacity(tx, *row);
                       Render(*row, *keys_.Get(), true, out);
                       return grpc::Status::OK;
                     }));
}

grpc::Status ShelterHandler::RequestPlacement(grpc::ServerContext* context,
                                              const v1::RequestPlacementRequest* request,
                                              v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const Instant now = clock_.Now();
  if (auto invalid = CheckRequestId(request->request_id()); !invalid.ok()) {
    return invalid;
  }
  if (auto invalid = CheckId("shelter_id", request->shelter_id()); !invalid.ok()) {
    return invalid;
  }
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  if (request->accompanying_children() < 0 || request->accompanying_children() > 20) {
    return InvalidArgument("accompanying_children", "0 to 20");
  }
  const Instant starts = request->has_starts_at() ? ToInstant(request->starts_at()) : now;
  if (starts < workflow::AddDays(now, -30) || starts > workflow::AddDays(now, 90)) {
    return InvalidArgument("starts_at", "within the past 30 or the next 90 days");
  }
  if (request->has_planned_end_at() && (ToInstant(request->planned_end_at()) <= starts ||
                                        request->planned_end_at().seconds() > 4'102'444'800)) {
    return InvalidArgument("planned_end_at", "after starts_at");
  }
  workflow::PersonFacts person;
  if (auto unavailable = facts_.Get(request->trajectory_id(), person); !unavailable.ok()) {
    return unavailable;
  }
  if (workflow::CheckPlacementRequester(caller.principal.organisation_type,
                                        caller.identity.organisation_id, person)) {
    return common::NotFound("trajectory");  // another organisation's: not revealed
  }
  return common::Mutate(
      db_, db_timeout_, caller, "RequestPlacement", *request, request->request_id(), response,
      keys_, [&](pqxx::work& tx, v1::Placement* out) -> grpc::Status {
        const auto shelter = LoadShelter(tx, request->shelter_id(), false);
        if (!shelter) {
          return common::NotFound("shelter");
        }
        const auto requested = workflow::RequestPlacement(
            {common::NewUuid(), KindOf(shelter->kind), person, starts,
             request->has_planned_end_at() ? ToInstant(request->planned_end_at()) : Instant{},
             request->has_accompanying_children() ? std::optional(request->accompanying_children())
                                                  : std::nullopt});
        if (!requested.ok()) {
          return common::RuleRefusal(requested.violation());
        }
        PlacementRow row;
        row.flow = requested.value();
        row.shelter_id = shelter->id;
        row.trajectory_id = request->trajectory_id();
        row.accompanying_children = person.accompanying_children;
        row.requested_by_organisation = caller.identity.organisation_id;
        row.requested_by_user = caller.identity.actor;
        row.created_at = now;
        InsertPlacement(tx, row);
        common::AppendOutbox(tx, "placement.requested", row.trajectory_id,
                             "placements/" + row.flow.id,
                             {{"shelter_kind", std::string(workflow::ToString(row.flow.kind))},
                              {"beds", std::to_string(row.flow.beds_needed)}},
                             now);
        Render(row, *keys_.Get(), false, out);
        return grpc::Status::OK;
      });
}

grpc::Status ShelterHandler::ChangePlacement(
    const Caller& caller, std::string_view method, const google::protobuf::Message& request,
    const std::string& request_id, const std::string& placement_id, const std::string& etag,
    v1::Placement* response, const std::function<grpc::Status(PlacementChange&)>& change) {
  PlacementAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"placement_id", placement_id, etag, request_id}, response, adapter,
                        change);
}

namespace {

// Staff of the shelter that runs the placement, or a refusal.
grpc::Status CheckRunsIt(const Caller& caller, const ShelterRow& shelter) {
  if (auto refusal = workflow::CheckAccess(caller.principal, Operation::kRunPlacement)) {
    return common::Forbidden(*refusal);
  }
  if (auto refusal = workflow::CheckOwnShelter(caller.identity.organisation_id,
                                               shelter.operator_organisation)) {
    return common::Forbidden(*refusal);
  }
  return grpc::Status::OK;
}

grpc::Status Step(workflow::PlacementSnapshot& flow, std::vector<PlacementAction>& actions,
                  const workflow::PlacementCommand& command, Instant now) {
  const auto result = workflow::ApplyPlacement(flow, command, now);
  if (!result.ok()) {
    return common::RuleRefusal(result.violation());
  }
  flow = result.value().next;
  actions = result.value().actions;
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ShelterHandler::ConfirmPlacement(grpc::ServerContext* context,
                                              const v1::ConfirmPlacementRequest* request,
                                              v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  // The person's facts now, from the trajectory service, before any lock.
  workflow::PersonFacts person;
  std::string trajectory_id;
  if (common::IsUuid(request->placement_id())) {
    const grpc::Status found = common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
      const auto row = LoadPlacement(tx, request->placement_id(), false);
      if (!row) {
        return common::NotFound("placement");
      }
      trajectory_id = row->trajectory_id;
      return grpc::Status::OK;
    });
    if (!found.ok()) {
      return found;
    }
    if (auto unavailable = facts_.Get(trajectory_id, person); !unavailable.ok()) {
      return unavailable;
    }
  }
  return ChangePlacement(
      caller, "ConfirmPlacement", *request, request->request_id(), request->placement_id(),
      request->etag(), response, [&](PlacementChange& c) {
        if (auto denied = CheckRunsIt(c.caller, c.shelter); !denied.ok()) {
          return denied;
        }
        workflow::PlacementCommand command{PlacementEvent::kPlace};
        command.person = person;
        command.person.accompanying_children = c.row.accompanying_children;
        command.free_beds = c.shelter.capacity_beds - OccupiedBeds(c.tx, c.shelter.id);
        c.event = "placement.started";
        c.attributes = {{"beds", std::to_string(c.row.flow.beds_needed)}};
        return Step(c.row.flow, c.actions, command, c.now);
      });
}

grpc::Status ShelterHandler::EndPlacement(grpc::ServerContext* context,
                                          const v1::EndPlacementRequest* request,
                                          v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (!v1::MoveOnDestination_IsValid(request->move_on()) ||
      request->move_on() == v1::MOVE_ON_DESTINATION_UNSPECIFIED) {
    return InvalidArgument("move_on", "where the person went (left, destination unknown, if so)");
  }
  return ChangePlacement(
      caller, "EndPlacement", *request, request->request_id(), request->placement_id(),
      request->etag(), response, [&](PlacementChange& c) {
        if (auto denied = CheckRunsIt(c.caller, c.shelter); !denied.ok()) {
          return denied;
        }
        workflow::PlacementCommand command{PlacementEvent::kEnd};
        command.move_on = static_cast<workflow::MoveOn>(request->move_on());
        c.row.ended_at = c.now;
        c.event = "placement.ended";
        c.attributes = {{"move_on", v1::MoveOnDestination_Name(request->move_on())}};
        return Step(c.row.flow, c.actions, command, c.now);
      });
}

grpc::Status ShelterHandler::CancelPlacement(grpc::ServerContext* context,
                                             const v1::CancelPlacementRequest* request,
                                             v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->reason().size() > 1000) {
    return InvalidArgument("reason", "at most 1000 bytes");
  }
  return ChangePlacement(
      caller, "CancelPlacement", *request, request->request_id(), request->placement_id(),
      request->etag(), response, [&](PlacementChange& c) {
        if (auto refusal = workflow::CheckMayCancelPlacement(
                c.caller.principal, c.caller.identity.organisation_id,
                c.row.requested_by_organisation, c.shelter.operator_organisation)) {
          return common::Forbidden(*refusal);
        }
        c.event = "placement.cancelled";
        return Step(c.row.flow, c.actions, {PlacementEvent::kCancel}, c.now);
      });
}

grpc::Status ShelterHandler::RecordContinuationReason(
    grpc::ServerContext* context, const v1::RecordContinuationReasonRequest* request,
    v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->reason().empty() || request->reason().size() > 2000) {
    return InvalidArgument("reason", "required, at most 2000 bytes");
  }
  return ChangePlacement(
      caller, "RecordContinuationReason", *request, request->request_id(), request->placement_id(),
      request->etag(), response, [&](PlacementChange& c) {
        if (auto denied = CheckRunsIt(c.caller, c.shelter); !denied.ok()) {
          return denied;
        }
        workflow::PlacementCommand command{PlacementEvent::kRecordContinuation};
        command.reason = request->reason();
        if (auto refused = Step(c.row.flow, c.actions, command, c.now); !refused.ok()) {
          return refused;
        }
        c.row.continuation_sealed =
            keys_.Get()->Seal(request->reason(), ContinuationContext(c.row.flow.id));
        c.event = "placement.continued";
        return grpc::Status::OK;
      });
}

namespace {

// The placements a caller sees (workflow::PlacementScopeOf), as a filter;
// false for none (the gate lets in only callers with a scope).
// A placement state asked for (PLACEMENT_STATE_UNSPECIFIED: any; placed
// includes overdue, as it always has).
std::optional<PlacementState> PlacementStateOf(int state) {
  switch (state) {
    case v1::PLACEMENT_STATE_REQUESTED:
      return PlacementState::kRequested;
    case v1::PLACEMENT_STATE_PLACED:
      return PlacementState::kPlaced;
    case v1::PLACEMENT_STATE_ENDED:
      return PlacementState::kEnded;
    case v1::PLACEMENT_STATE_CANCELLED:
      return PlacementState::kCancelled;
    default:
      return std::nullopt;
  }
}

bool ScopeFor(const Caller& caller, PlacementFilter& filter) {
  switch (workflow::PlacementScopeOf(caller.principal)) {
    case workflow::PlacementScope::kOwnShelters:
      filter.operator_organisation = caller.identity.organisation_id;
      return true;
    case workflow::PlacementScope::kOwnRequests:
      filter.requested_by_organisation = caller.identity.organisation_id;
      return true;
    case workflow::PlacementScope::kAll:
      return true;
    case workflow::PlacementScope::kNone:
      break;
  }
  return false;
}

grpc::Status NoPlacementScope() {
  return {grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE: you may not read placements"};
}

}  // namespace

grpc::Status ShelterHandler::GetPlacement(grpc::ServerContext* context,
                                          const v1::GetPlacementRequest* request,
                                          v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  PlacementFilter scope;
  if (!ScopeFor(caller, scope)) {
    return gate_.Checked(caller, *request, __func__, NoPlacementScope());
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadPlacement(tx, request->id(), false);
    if (!row) {
      return common::NotFound("placement");
    }
    const auto shelter = LoadShelter(tx, row->shelter_id, false);
    const bool own = !scope.operator_organisation.empty() &&
                     shelter->operator_organisation == scope.operator_organisation;
    const bool requested = !scope.requested_by_organisation.empty() &&
                           row->requested_by_organisation == scope.requested_by_organisation;
    const bool service =
        scope.operator_organisation.empty() && scope.requested_by_organisation.empty();
    if (!own && !requested && !service) {
      return common::NotFound("placement");
    }
    AuditRead(tx, caller, row->trajectory_id, workflow::DataCategory::kCarePlan, "GetPlacement",
              clock_.Now());
    Render(*row, *keys_.Get(), own, response);
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::ListPlacements(grpc::ServerContext* context,
                                            const v1::ListPlacementsRequest* request,
                                            v1::ListPlacementsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!request->shelter_id().empty() && !common::IsUuid(request->shelter_id())) {
    return InvalidArgument("shelter_id", "must be a UUID, or empty");
  }
  if (!request->trajectory_id().empty() && !common::IsUuid(request->trajectory_id())) {
    return InvalidArgument("trajectory_id", "must be a UUID, or empty");
  }
  if (!v1::PlacementState_IsValid(request->state())) {
    return InvalidArgument("state", "unknown value");
  }
  PlacementFilter filter{request->shelter_id(),
                         request->trajectory_id(),
                         PlacementStateOf(request->state()),
                         request->overdue_only(),
                         "",
                         ""};
  if (!ScopeFor(caller, filter)) {
    return gate_.Checked(caller, *request, __func__, NoPlacementScope());
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        shelter::ListPlacements(tx, filter, page.after, page.size + 1), page.size,
        [&](const PlacementRow& row) {
          AuditRead(tx, caller, row.trajectory_id, workflow::DataCategory::kCarePlan,
                    "ListPlacements", clock_.Now());
          Render(row, *keyring, !filter.operator_organisation.empty(), response->add_placements());
        },
        [](const PlacementRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.flow.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::GetOccupancyBoard(grpc::ServerContext* context,
                                               const v1::GetOccupancyBoardRequest* request,
                                               v1::OccupancyBoard* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (!v1::ShelterKind_IsValid(request->kind())) {
    return InvalidArgument("kind", "unknown value");
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    // "Nearing three months": the limit within the 14-day reminder window.
    for (const auto& r : Occupancy(tx, request->kind(), workflow::AddDays(clock_.Now(), 14))) {
      auto* row = response->add_rows();
      row->set_shelter_id(r.shelter_id);
      row->set_display_name(r.display_name);
      row->set_kind(static_cast<v1::ShelterKind>(r.kind));
      row->set_capacity_beds(r.capacity_beds);
      row->set_occupied_beds(r.occupied_beds);
      row->set_placements_nearing_limit(r.nearing_limit);
      row->set_placements_overdue(r.overdue);
    }
    return grpc::Status::OK;
  });
}

// For the handoff service, after its disclosure decision: LOCATION is where
// the person stays now (the placement holding her bed, with the shelter's
// secret address); CARE_PLAN gets the placements without any location. The
// address leaving this service is on the audit trail in the same
// transaction, beside the handoff service's own record of the disclosure.
grpc::Status ShelterHandler::GetDisclosureSections(
    grpc::ServerContext* context, const common::v1::GetDisclosureSectionsRequest* request,
    common::v1::DisclosureSections* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = common::CheckSectionsRequest(*request); !invalid.ok()) {
    return invalid;
  }
  const auto wanted = [&](common::v1::DataCategory category) {
    return std::find(request->categories().begin(), request->categories().end(), category) !=
           request->categories().end();
  };
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto placements =
        PlacementsOfTrajectory(tx, request->trajectory_id(), kMaxPlacementsInSection);
    const auto current = std::find_if(placements.begin(), placements.end(), [](const auto& p) {
      return workflow::HoldsBeds(p.flow.state);
    });
    response->set_trajectory_id(request->trajectory_id());
    if (wanted(common::v1::DATA_CATEGORY_LOCATION) && current != placements.end()) {
      const auto shelter = LoadShelter(tx, current->shelter_id, false);
      if (shelter) {
        AuditRead(tx, caller, request->trajectory_id(), workflow::DataCategory::kLocation,
                  "GetDisclosureSections", clock_.Now(), request->basis_id());
        auto* section = response->add_sections();
        section->set_category(common::v1::DATA_CATEGORY_LOCATION);
        auto& fields = *section->mutable_fields();
        fields["shelter"] = shelter->display_name;
        fields["address"] = keys_.Get()->Open(shelter->address_sealed, AddressContext(shelter->id));
        fields["since"] = TimeUtil::ToString(ToTimestamp(current->flow.starts_at));
      }
    }
    if (wanted(common::v1::DATA_CATEGORY_CARE_PLAN) && !placements.empty()) {
      std::string list;
      for (const auto& p : placements) {
        list += (list.empty() ? "" : "; ") + std::string(workflow::ToString(p.flow.kind)) + " " +
                std::string(workflow::ToString(p.flow.state)) + " from " +
                TimeUtil::ToString(ToTimestamp(p.flow.starts_at));
        if (p.flow.planned_end != Instant{}) {
          list += " until " + TimeUtil::ToString(ToTimestamp(p.flow.planned_end));
        }
      }
      auto* section = response->add_sections();
      section->set_category(common::v1::DATA_CATEGORY_CARE_PLAN);
      (*section->mutable_fields())["placements"] = list;
    }
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::ListEvents(grpc::ServerContext* context,
                                        const common::v1::ListEventsRequest* request,
                                        common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, db_timeout_, *request, *response);
}

int ShelterHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, db_timeout_, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        auto row = LoadPlacement(tx, timer.owner_id, /*for_update=*/true);
        if (!row || !common::ClaimTimer(tx, timer.id)) {
          return false;
        }
        if (timer.kind == "placement.limit") {
          const auto overdue =
              workflow::ApplyPlacement(row->flow, {PlacementEvent::kMarkOverdue}, now);
          if (overdue.ok()) {
            row->flow = overdue.value().next;
            UpdatePlacement(tx, *row);
            common::AppendOutbox(tx, "placement.overdue", row->trajectory_id,
                                 "placements/" + row->flow.id, {{"state", "overdue"}}, now);
            ApplyActions(tx, *row, overdue.value().actions, now);
          }
        } else {
          // A reminder for the responsible coordinator (14 and 7 days before).
          common::AppendOutbox(tx, "task.requested", row->trajectory_id,
                               "placements/" + row->flow.id, {{"task", timer.kind}}, now);
        }
        return true;
      });
}

int ShelterHandler::FollowTrajectoryFeed(common::PeerChannel& trajectory, int max_events) {
  return common::FollowFeed<trajectory::v1::TrajectoryService>(
      db_, db_timeout_, trajectory, "shelter-service", "trajectory", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (event.type() != "trajectory.closed") {
          return true;
        }
        // Applied late, after a reopening: her placements belong to the open
        // trajectory and stay.
        workflow::PersonFacts person;
        const grpc::Status asked = facts_.Get(event.trajectory_id(), person);
        if (!asked.ok() && asked.error_code() != grpc::StatusCode::NOT_FOUND) {
          return false;  // ask again on the next pull
        }
        if (asked.ok() && person.trajectory_open) {
          return true;
        }
        const Instant now = clock_.Now();
        for (const auto& listed : PlacementsOfTrajectory(tx, event.trajectory_id(), 1000)) {
          switch (workflow::PlacementOnTrajectoryClosed(listed.flow.state)) {
            case workflow::OnTrajectoryClosed::kNothing:
              break;
            case workflow::OnTrajectoryClosed::kCancel: {
              // A request holds no bed: the placement alone is locked, and
              // decided again under the lock.
              auto row = LoadPlacement(tx, listed.flow.id, /*for_update=*/true);
              std::vector<PlacementAction> actions;
              if (workflow::PlacementOnTrajectoryClosed(row->flow.state) ==
                      workflow::OnTrajectoryClosed::kCancel &&
                  Step(row->flow, actions, {PlacementEvent::kCancel}, now).ok()) {
                UpdatePlacement(tx, *row);
                ApplyActions(tx, *row, actions, now);
                common::AppendOutbox(tx, "placement.cancelled", row->trajectory_id,
                                     "placements/" + row->flow.id,
                                     {{"state", std::string(workflow::ToString(row->flow.state))},
                                      {"reason", "trajectory closed"}},
                                     now);
              }
              break;
            }
            case workflow::OnTrajectoryClosed::kAskCoordinator:
              common::AppendOutbox(
                  tx, "task.requested", listed.trajectory_id, "placements/" + listed.flow.id,
                  {{"task", std::string(workflow::kOpenPlacementAfterClosureTask)}}, now);
              break;
          }
        }
        return true;
      });
}

}  // namespace ketenregie::shelter
