#pragma once

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/peer.h"

namespace ketenregie::web {

/// The gRPC services behind the front door (services/services.list),
/// reached with the web service's own certificate: a GATEWAY organisation,
/// which a service lets act only on behalf of a person (R-ACCESS-GATEWAY).
class Backends {
 public:
  /// Addresses come from `peers_file` (the local stack.env), looked up again
  /// while a service cannot be reached.
  Backends(std::shared_ptr<grpc::ChannelCredentials> credentials, const std::string& peers_file);

  /// The services that do not answer SERVING to a health check within
  /// `deadline`, by name ("consent"); empty when every one does. The checks
  /// run side by side, so the answer takes one deadline at most.
  std::vector<std::string> NotServing(std::chrono::milliseconds deadline);

  /// The channel to service `name` ("directory"), or nullptr while its
  /// address is unknown. Throws std::invalid_argument for a name that is no
  /// service.
  std::shared_ptr<grpc::Channel> Channel(std::string_view name);

 private:
  struct Backend {
    std::string_view name;
    std::string_view grpc_service;
    std::unique_ptr<common::PeerChannel> channel;
  };
  std::vector<Backend> backends_;
};

}  // namespace ketenregie::web
