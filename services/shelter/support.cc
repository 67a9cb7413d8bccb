// What the handler files share (support.h).

#include "services/shelter/support.h"

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

// A care plan names at most this many placements (newest first).

workflow::ShelterKind KindOf(int proto_kind) {
  return static_cast<workflow::ShelterKind>(proto_kind - 1);
}

v1::ShelterKind ProtoKind(workflow::ShelterKind kind) {
  switch (kind) {
    case workflow::ShelterKind::kCrisis:
      return v1::SHELTER_KIND_CRISIS;
    case workflow::ShelterKind::kCategorical:
      return v1::SHELTER_KIND_CATEGORICAL;
    case workflow::ShelterKind::kFollowUp:
      return v1::SHELTER_KIND_FOLLOW_UP;
  }
  return v1::SHELTER_KIND_UNSPECIFIED;
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
  out->set_shelter_kind(ProtoKind(row.flow.kind));
  if (row.flow.limit != Instant{}) {
    *out->mutable_limit_at() = ToTimestamp(row.flow.limit);
  }
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

}  // namespace ketenregie::shelter
