#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/change.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/common/trajectory_facts.h"
#include "workflow/placement.h"

namespace ketenregie::shelter {

using common::RemoteTrajectoryFacts;
using common::TrajectoryFacts;

/// The shelter service: shelters, beds, placements, the three-month rule.
/// Rules come from workflow/placement.h and workflow/access.h.
class ShelterHandler final : public v1::ShelterService::Service {
 public:
  ShelterHandler(common::DbPool& db, const common::Directory& directory,
                 common::KeyringHolder& keys, const common::Clock& clock, TrajectoryFacts& facts,
                 std::chrono::milliseconds db_timeout);

  grpc::Status CreateShelter(grpc::ServerContext*, const v1::CreateShelterRequest*,
                             v1::Shelter*) override;
  grpc::Status GetShelter(grpc::ServerContext*, const v1::GetShelterRequest*,
                          v1::Shelter*) override;
  grpc::Status ListShelters(grpc::ServerContext*, const v1::ListSheltersRequest*,
                            v1::ListSheltersResponse*) override;
  grpc::Status UpdateCapacity(grpc::ServerContext*, const v1::UpdateCapacityRequest*,
                              v1::Shelter*) override;
  grpc::Status RequestPlacement(grpc::ServerContext*, const v1::RequestPlacementRequest*,
                                v1::Placement*) override;
  grpc::Status ConfirmPlacement(grpc::ServerContext*, const v1::ConfirmPlacementRequest*,
                                v1::Placement*) override;
  grpc::Status EndPlacement(grpc::ServerContext*, const v1::EndPlacementRequest*,
                            v1::Placement*) override;
  grpc::Status CancelPlacement(grpc::ServerContext*, const v1::CancelPlacementRequest*,
                               v1::Placement*) override;
  grpc::Status RecordContinuationReason(grpc::ServerContext*,
                                        const v1::RecordContinuationReasonRequest*,
                                        v1::Placement*) override;
  grpc::Status GetPlacement(grpc::ServerContext*, const v1::GetPlacementRequest*,
                            v1::Placement*) override;
  grpc::Status ListPlacements(grpc::ServerContext*, const v1::ListPlacementsRequest*,
                              v1::ListPlacementsResponse*) override;
  grpc::Status GetDisclosureSections(grpc::ServerContext*,
                                     const common::v1::GetDisclosureSectionsRequest*,
                                     common::v1::DisclosureSections*) override;
  grpc::Status GetOccupancyBoard(grpc::ServerContext*, const v1::GetOccupancyBoardRequest*,
                                 v1::OccupancyBoard*) override;
  grpc::Status ListEvents(grpc::ServerContext*, const common::v1::ListEventsRequest*,
                          common::v1::ListEventsResponse*) override;

  /// Applies the trajectory service's events from `trajectory`: when a
  /// trajectory closes, its placement requests are cancelled and a placement
  /// that still holds a bed asks the coordinator, with a task, to end it or
  /// reopen (R-CLOSE-REQUIRES). Returns how many events it applied.
  int FollowTrajectoryFeed(common::PeerChannel& trajectory, int max_events = 100);

  /// Fires due placement timers: reminders become outbox events for the
  /// coordinator; the three-month limit marks the placement overdue.
  int FireDueTimers(int limit);

  /// One change of a placement in progress (what a method's step sees).
  struct PlacementChange;

 private:
  grpc::Status ChangePlacement(const common::Caller& caller, std::string_view method,
                               const google::protobuf::Message& request,
                               const std::string& request_id, const std::string& placement_id,
                               const std::string& etag, common::FieldErrors errors,
                               v1::Placement* response,
                               const std::function<grpc::Status(PlacementChange&)>& change);

  common::DbPool& db_;
  const common::Directory& directory_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  TrajectoryFacts& facts_;
  std::chrono::milliseconds db_timeout_;
  common::AccessGate gate_;
  common::Mutations mutations_;
};

}  // namespace ketenregie::shelter
