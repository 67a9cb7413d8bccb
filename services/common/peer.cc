#include "services/common/peer.h"

#include <grpcpp/create_channel.h>

#include <filesystem>

#include "services/common/stack_env.h"

namespace ketenregie::common {

PeerChannel::PeerChannel(std::function<std::string()> resolve_address,
                         std::shared_ptr<grpc::ChannelCredentials> credentials)
    : resolve_address_(std::move(resolve_address)), credentials_(std::move(credentials)) {}

std::shared_ptr<grpc::Channel> PeerChannel::Get() {
  std::lock_guard lock(mutex_);
  if (channel_ == nullptr) {
    const std::string address = resolve_address_();
    if (!address.empty()) {
      channel_ = grpc::CreateChannel(address, credentials_);
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

}  // namespace ketenregie::common
