#include "services/common/peer.h"

#include <grpcpp/create_channel.h>

#include <filesystem>

#include "services/common/identity.h"
#include "services/common/stack_env.h"
#include "services/common/status.h"
#include "services/common/tls.h"

namespace ketenregie::common {

PeerChannel::PeerChannel(std::function<std::string()> resolve_address,
                         std::shared_ptr<grpc::ChannelCredentials> credentials)
    : resolve_address_(std::move(resolve_address)), credentials_(std::move(credentials)) {}

std::shared_ptr<grpc::Channel> PeerChannel::Get() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  // Asked again only when there is no channel yet, or it cannot connect
  // (the peer is gone from that address) and the last look-up is a second
  // old: a failing peer costs one small file read a second, a healthy one
  // nothing. A failing channel is made anew, at the address found now: a
  // new channel tries at once, where the old one waits out its backoff.
  const bool failing =
      channel_ != nullptr && channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE;
  if ((channel_ == nullptr || failing) && now - resolved_at_ >= std::chrono::seconds(1)) {
    resolved_at_ = now;
    if (const std::string address = resolve_address_(); !address.empty()) {
      channel_ = ServiceChannel(address, credentials_);
    }
  }
  return channel_;
}

std::function<std::string()> PeerAddress(std::string explicit_address, std::string peers_file,
                                         std::string key) {
  return [explicit_address, peers_file, key]() -> std::string {
    if (!explicit_address.empty()) {
      return explicit_address;
    }
    if (!peers_file.empty() && std::filesystem::exists(peers_file)) {
      const auto env = LoadStackEnv(peers_file);
      const auto found = env.values.find(key);
      return found == env.values.end() ? "" : found->second;
    }
    return "";
  };
}

void PreparePeerCall(grpc::ClientContext& context, std::string_view actor) {
  context.set_deadline(std::chrono::system_clock::now() + kPeerDeadline);
  context.AddMetadata(std::string(kActorMetadataKey), std::string(actor));
}

grpc::Status FromPeer(const grpc::Status& peer_status, std::string_view peer,
                      std::string_view consequence, std::string_view resource) {
  switch (peer_status.error_code()) {
    case grpc::StatusCode::OK:
      return grpc::Status::OK;
    case grpc::StatusCode::NOT_FOUND:
      if (!resource.empty()) {
        return NotFound(resource);
      }
      break;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
      return PeerUnavailable(peer, consequence);
    default:
      break;
  }
  return ErrorStatus(
      grpc::StatusCode::INTERNAL, ErrorKind::kPeerRefused,
      std::string(peer) + " refused (code " + std::to_string(peer_status.error_code()) +
          "): " + std::string(consequence),
      {{"peer", std::string(peer)}, {"peer_code", std::to_string(peer_status.error_code())}});
}

grpc::Status PeerUnavailable(std::string_view peer, std::string_view consequence) {
  return ErrorStatus(grpc::StatusCode::UNAVAILABLE, ErrorKind::kPeerUnavailable,
                     std::string(peer) + " unavailable: " + std::string(consequence) + ", retry",
                     {{"peer", std::string(peer)}}, std::chrono::milliseconds{1000});
}

}  // namespace ketenregie::common
