#include "services/common/client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <stdexcept>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "services/common/tls.h"

namespace ketenregie::common {

std::shared_ptr<grpc::Channel> OrganisationChannel(const std::string& address,
                                                   const std::string& certs_dir,
                                                   const std::string& org,
                                                   const std::string& ca_path) {
  return ServiceChannel(address,
                        MutualTlsChannelCredentials(certs_dir + "/" + org + ".pem",
                                                    certs_dir + "/" + org + ".key", ca_path));
}

std::vector<std::string> ListServicesByReflection(grpc::Channel& channel,
                                                  std::chrono::milliseconds deadline) {
  using namespace grpc::reflection::v1alpha;
  auto stub =
      ServerReflection::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  auto stream = stub->ServerReflectionInfo(&context);
  ServerReflectionRequest request;
  request.set_list_services("*");
  stream->Write(request);
  stream->WritesDone();
  std::vector<std::string> names;
  ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    throw std::runtime_error("reflection failed: " + std::to_string(status.error_code()) + " " +
                             status.error_message());
  }
  return names;
}

}  // namespace ketenregie::common
