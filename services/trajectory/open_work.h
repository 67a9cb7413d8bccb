#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/common/peer.h"
#include "services/trajectory/handler.h"

namespace ketenregie::trajectory {

/// Asks the shelter service for open placements and the handoff service for
/// unanswered handoffs of a trajectory, over gRPC with this service's own
/// certificate. Any failure to answer makes closing fail closed with
/// UNAVAILABLE.
class RemoteOpenWork final : public OpenWork {
 public:
  /// `resolve(key)` gives the address for "KETENREGIE_SHELTER_ADDR" or
  /// "KETENREGIE_HANDOFF_ADDR" (empty: not known yet), asked at first use.
  RemoteOpenWork(std::function<std::string(const std::string&)> resolve,
                 std::shared_ptr<grpc::ChannelCredentials> credentials, std::string actor);

  grpc::Status Count(const std::string& trajectory_id, int& open_placements,
                     int& unanswered_handoffs) override;

 private:
  common::PeerChannel shelter_;
  common::PeerChannel handoff_;
  std::string actor_;
};

}  // namespace ketenregie::trajectory
