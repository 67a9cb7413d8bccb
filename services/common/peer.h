#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

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

/// How long one call to another service may take.
inline constexpr std::chrono::seconds kPeerDeadline{3};

/// Sets up `context` for a call to another Ketenregie service, the one way
/// every service does it: a deadline (kPeerDeadline) and, as the acting
/// user (kActorMetadataKey), this service's own user in the directory
/// (`actor`, e.g. "handoff-service"), never its caller's.
void PreparePeerCall(grpc::ClientContext& context, std::string_view actor);

/// What a peer's answer means for our caller: the one table for every call
/// between services. `peer` names the service asked ("shelter service");
/// `consequence` says what did not happen ("nothing is shared").
///
///   peer's status                       ours
///   OK                                  OK
///   NOT_FOUND                           NOT_FOUND ("<resource> not found")
///                                       — the resource our caller named
///                                       does not exist there; `resource`
///                                       empty: INTERNAL, as below
///   UNAVAILABLE, DEADLINE_EXCEEDED,     UNAVAILABLE ("<peer> unavailable:
///   RESOURCE_EXHAUSTED, ABORTED,        <consequence>, retry"): a passing
///   peer unknown (no channel)           outage or conflict; a retry with the
///                                       same request_id may succeed
///   anything else (PERMISSION_DENIED,   INTERNAL ("<peer> refused (code N):
///   INVALID_ARGUMENT,                   <consequence>"): a refusal or a bug
///   FAILED_PRECONDITION, INTERNAL,      between the services, which no retry
///   UNAUTHENTICATED, ...)               mends — never passed on as the
///                                       caller's own refusal
grpc::Status FromPeer(const grpc::Status& peer_status, std::string_view peer,
                      std::string_view consequence, std::string_view resource = "");

/// UNAVAILABLE, as FromPeer says it: also for a peer whose address is not
/// known yet.
grpc::Status PeerUnavailable(std::string_view peer, std::string_view consequence);

}  // namespace ketenregie::common
