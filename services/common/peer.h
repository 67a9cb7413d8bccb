#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace ketenregie::common {

/// A channel to another Ketenregie service, made on first use: the address
/// may be known only once that service runs. A peer that cannot be reached
/// (its channel failing) is looked up again, at most once a second, and a
/// peer restarted or moved elsewhere is found there without restarting
/// this service.
class PeerChannel final {
 public:
  PeerChannel(std::function<std::string()> resolve_address,
              std::shared_ptr<grpc::ChannelCredentials> credentials);
  /// The channel, or nullptr while the address is unknown.
  std::shared_ptr<grpc::Channel> Get();

 private:
  std::function<std::string()> resolve_address_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mutex_;
  std::shared_ptr<grpc::Channel> channel_;
  std::chrono::steady_clock::time_point resolved_at_{};
};

/// Resolves a peer's address: an explicit address when given, else the
/// KEY=value file (the local stack.env), read when first needed.
std::function<std::string()> PeerAddress(std::string explicit_address, std::string peers_file,
                                         std::string key);

}  // namespace ketenregie::common
