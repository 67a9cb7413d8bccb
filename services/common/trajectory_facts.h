#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>

#include "services/common/peer.h"
#include "workflow/placement.h"

namespace ketenregie::common {

/// The person's facts that eligibility depends on: asked of the trajectory
/// service, never taken from the requester (issue #6: checked, not trusted).
class TrajectoryFacts {
 public:
  virtual ~TrajectoryFacts() = default;
  /// NOT_FOUND for an unknown trajectory; UNAVAILABLE when the trajectory
  /// service cannot answer (nothing is placed then).
  virtual grpc::Status Get(const std::string& trajectory_id, workflow::PersonFacts& facts) = 0;
};

/// The facts of a trajectory that the caller's organisation keeps. Another
/// organisation's trajectory is NOT_FOUND, as if it did not exist
/// (R-ACCESS-ROLE: consents, overrides and handoffs come only from its keeper).
grpc::Status GetOwnTrajectoryFacts(TrajectoryFacts& facts, const std::string& trajectory_id,
                                   const std::string& caller_organisation,
                                   workflow::PersonFacts& out);

/// Over gRPC with this service's own certificate.
class RemoteTrajectoryFacts final : public TrajectoryFacts {
 public:
  RemoteTrajectoryFacts(std::function<std::string()> resolve_address,
                        std::shared_ptr<grpc::ChannelCredentials> credentials, std::string actor);
  grpc::Status Get(const std::string& trajectory_id, workflow::PersonFacts& facts) override;

 private:
  common::PeerChannel channel_;
  std::string actor_;
};

}  // namespace ketenregie::common
