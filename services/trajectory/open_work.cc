#include "services/trajectory/open_work.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>
#include <optional>
#include <utility>

#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"

namespace ketenregie::trajectory {
namespace {

// The shelter service's placement states, as the workflow knows them (placed
// includes overdue there).
constexpr std::pair<shelter::v1::PlacementState, workflow::PlacementState> kPlacementStates[] = {
    {shelter::v1::PLACEMENT_STATE_REQUESTED, workflow::PlacementState::kRequested},
    {shelter::v1::PLACEMENT_STATE_PLACED, workflow::PlacementState::kPlaced},
    {shelter::v1::PLACEMENT_STATE_ENDED, workflow::PlacementState::kEnded},
    {shelter::v1::PLACEMENT_STATE_CANCELLED, workflow::PlacementState::kCancelled},
};

std::optional<workflow::HandoffState> HandoffStateOf(handoff::v1::HandoffState state) {
  using H = workflow::HandoffState;
  switch (state) {
    case handoff::v1::HANDOFF_STATE_DRAFT:
      return H::kDraft;
    case handoff::v1::HANDOFF_STATE_SENT:
      return H::kSent;
    case handoff::v1::HANDOFF_STATE_ACCEPTED:
      return H::kAccepted;
    case handoff::v1::HANDOFF_STATE_DECLINED:
      return H::kDeclined;
    case handoff::v1::HANDOFF_STATE_REVOKED:
      return H::kRevoked;
    case handoff::v1::HANDOFF_STATE_EXPIRED:
      return H::kExpired;
    case handoff::v1::HANDOFF_STATE_COMPLETED:
      return H::kCompleted;
    default:
      return std::nullopt;
  }
}

}  // namespace
RemoteOpenWork::RemoteOpenWork(std::function<std::string(const std::string&)> resolve,
                               std::shared_ptr<grpc::ChannelCredentials> credentials,
                               std::string actor)
    : shelter_([resolve] { return resolve("KETENREGIE_SHELTER_ADDR"); }, credentials),
      handoff_([resolve] { return resolve("KETENREGIE_HANDOFF_ADDR"); }, credentials),
      actor_(std::move(actor)) {}

grpc::Status RemoteOpenWork::Count(const std::string& trajectory_id, int& open_placements,
                                   int& unanswered_handoffs) {
  open_placements = 0;
  unanswered_handoffs = 0;
  const auto shelter = shelter_.Get();
  const auto handoff = handoff_.Get();
  if (shelter == nullptr || handoff == nullptr) {
    return common::PeerUnavailable(shelter == nullptr ? "shelter service" : "handoff service",
                                   "open placements and handoffs not checked, closing waits");
  }
  // The placements that keep a trajectory open (workflow::KeepsTrajectoryOpen),
  // asked for by the states the shelter service answers with.
  for (const auto& [state, as] : kPlacementStates) {
    if (!workflow::KeepsTrajectoryOpen(as)) {
      continue;
    }
    grpc::ClientContext context;
    common::PreparePeerCall(context, actor_);
    shelter::v1::ListPlacementsRequest request;
    request.set_trajectory_id(trajectory_id);
    request.set_state(state);
    request.mutable_page()->set_page_size(1);
    shelter::v1::ListPlacementsResponse response;
    const grpc::Status status =
        shelter::v1::ShelterService::NewStub(shelter)->ListPlacements(&context, request, &response);
    if (!status.ok()) {
      return common::FromPeer(status, "shelter service",
                              "open placements not checked, closing waits");
    }
    open_placements += response.placements_size();
  }
  handoff::v1::ListHandoffsRequest request;
  request.set_trajectory_id(trajectory_id);
  request.mutable_page()->set_page_size(500);
  do {
    grpc::ClientContext context;
    common::PreparePeerCall(context, actor_);
    handoff::v1::ListHandoffsResponse response;
    const grpc::Status status =
        handoff::v1::HandoffService::NewStub(handoff)->ListHandoffs(&context, request, &response);
    if (!status.ok()) {
      return common::FromPeer(status, "handoff service",
                              "unanswered handoffs not checked, closing waits");
    }
    for (const auto& h : response.handoffs()) {
      if (const auto state = HandoffStateOf(h.state()); state && workflow::IsUnanswered(*state)) {
        ++unanswered_handoffs;
      }
    }
    request.mutable_page()->set_page_token(response.next_page_token());
  } while (!request.page().page_token().empty());
  return grpc::Status::OK;
}

}  // namespace ketenregie::trajectory
