#include "services/common/health_probe.h"

#include <grpcpp/client_context.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace ketenregie::common {

std::string CheckHealth(grpc::Channel& channel, const std::string& service,
                        std::chrono::milliseconds deadline) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return "ERROR " + std::to_string(status.error_code()) + ": " + status.error_message();
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

}  // namespace ketenregie::common
