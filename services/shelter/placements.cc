// ShelterHandler: placements, from the request for a bed to its end, and who sees them.

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
#include "services/shelter/support.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::shelter {

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

grpc::Status ShelterHandler::RequestPlacement(grpc::ServerContext* context,
                                              const v1::RequestPlacementRequest* request,
                                              v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const Instant now = clock_.Now();
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "shelter_id", request->shelter_id());
  CheckId(errors, "trajectory_id", request->trajectory_id());
  errors.Require(request->accompanying_children() >= 0 && request->accompanying_children() <= 20,
                 "accompanying_children", FieldReason::kOutOfRange, "0 to 20");
  const Instant starts = request->has_starts_at() ? ToInstant(request->starts_at()) : now;
  errors.Require(starts >= workflow::AddDays(now, -30) && starts <= workflow::AddDays(now, 90),
                 "starts_at", FieldReason::kOutOfRange, "within the past 30 or the next 90 days");
  errors.Require(
      !request->has_planned_end_at() || (ToInstant(request->planned_end_at()) > starts &&
                                         request->planned_end_at().seconds() <= 4'102'444'800),
      "planned_end_at", FieldReason::kOutOfRange, "after starts_at");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
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
      db_, db_timeout_, caller, "RequestPlacement", *request, errors, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::Placement* out) -> grpc::Status {
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
    FieldErrors errors, v1::Placement* response,
    const std::function<grpc::Status(PlacementChange&)>& change) {
  PlacementAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"placement_id", placement_id, etag, request_id}, std::move(errors),
                        response, adapter, change);
}

grpc::Status ShelterHandler::ConfirmPlacement(grpc::ServerContext* context,
                                              const v1::ConfirmPlacementRequest* request,
                                              v1::Placement* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::CheckChangeTarget(
      errors, {"placement_id", request->placement_id(), request->etag(), request->request_id()});
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  // The person's facts now, from the trajectory service, before any lock.
  workflow::PersonFacts person;
  std::string trajectory_id;
  {
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
      request->etag(), std::move(errors), response, [&](PlacementChange& c) {
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
  FieldErrors errors(*request);
  CheckEnum(errors, "move_on", request->move_on(), v1::MoveOnDestination_IsValid, true,
            "where the person went (left, destination unknown, if so)");
  return ChangePlacement(
      caller, "EndPlacement", *request, request->request_id(), request->placement_id(),
      request->etag(), std::move(errors), response, [&](PlacementChange& c) {
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
  FieldErrors errors(*request);
  CheckLength(errors, "reason", request->reason(), 1000);
  return ChangePlacement(
      caller, "CancelPlacement", *request, request->request_id(), request->placement_id(),
      request->etag(), std::move(errors), response, [&](PlacementChange& c) {
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
  FieldErrors errors(*request);
  CheckLength(errors, "reason", request->reason(), 2000, /*required=*/true);
  return ChangePlacement(
      caller, "RecordContinuationReason", *request, request->request_id(), request->placement_id(),
      request->etag(), std::move(errors), response, [&](PlacementChange& c) {
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
  return common::Forbidden({workflow::rules::kAccessRole, "you may not read placements"});
}

}  // namespace

grpc::Status ShelterHandler::GetPlacement(grpc::ServerContext* context,
                                          const v1::GetPlacementRequest* request,
                                          v1::Placement* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
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
    AuditRead(tx, caller, row->trajectory_id, {workflow::DataCategory::kCarePlan}, "GetPlacement",
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
  FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  CheckOptionalId(errors, "shelter_id", request->shelter_id());
  CheckOptionalId(errors, "trajectory_id", request->trajectory_id());
  CheckEnum(errors, "state", request->state(), v1::PlacementState_IsValid, false);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
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
          AuditRead(tx, caller, row.trajectory_id, {workflow::DataCategory::kCarePlan},
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

}  // namespace ketenregie::shelter
