#include "services/web/backends.h"

#include <future>
#include <stdexcept>

#include "services/common/health_probe.h"
#include "services/common/service_list.h"

namespace ketenregie::web {

Backends::Backends(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   const std::string& peers_file) {
  for (const common::ServiceEntry& service : common::kServices) {
    backends_.push_back(
        {service.name, service.grpc_service,
         std::make_unique<common::PeerChannel>(
             common::PeerAddress("", peers_file, std::string(service.address_key)), credentials)});
  }
}

std::vector<std::string> Backends::NotServing(std::chrono::milliseconds deadline) {
  std::vector<std::future<bool>> checks;
  for (Backend& backend : backends_) {
    checks.push_back(std::async(std::launch::async, [&backend, deadline] {
      const auto channel = backend.channel->Get();
      return channel != nullptr && common::CheckHealth(*channel, std::string(backend.grpc_service),
                                                       deadline) == "SERVING";
    }));
  }
  std::vector<std::string> not_serving;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i].get()) {
      not_serving.emplace_back(backends_[i].name);
    }
  }
  return not_serving;
}

std::shared_ptr<grpc::Channel> Backends::Channel(std::string_view name) {
  for (Backend& backend : backends_) {
    if (backend.name == name) {
      return backend.channel->Get();
    }
  }
  throw std::invalid_argument("no such service");
}

}  // namespace ketenregie::web
