#include "services/common/test_clock.h"

#include <spdlog/spdlog.h>

#include "services/common/identity.h"

namespace ketenregie::common {

bool IsLoopbackListen(const std::string& listen) {
  for (const std::string host : {"127.0.0.1:", "[::1]:", "localhost:"}) {
    if (listen.rfind(host, 0) == 0) {
      return true;
    }
  }
  return false;
}

grpc::Status TestClockService::SetTime(grpc::ServerContext* context,
                                       const ketenregie::testing::v1::SetTimeRequest* request,
                                       ketenregie::testing::v1::SetTimeResponse* response) {
  CallIdentity identity;
  if (auto status = IdentifyCaller(*context, identity); !status.ok()) {
    return status;
  }
  if (request->reset()) {
    clock_.Reset();
  } else {
    clock_.Set(workflow::Instant{std::chrono::seconds{request->now().seconds()}});
  }
  const auto now = clock_.Now();
  spdlog::warn("test clock set by {} to {}", identity.organisation_id,
               now.time_since_epoch().count());
  response->mutable_now()->set_seconds(now.time_since_epoch().count());
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
