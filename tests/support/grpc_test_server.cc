#include "tests/support/grpc_test_server.h"

#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "services/common/client.h"
#include "services/common/error_details.h"
#include "services/common/tls.h"
#include "tests/support/error_details.h"
#include "tests/support/local_stack.h"

namespace ketenregie::testing {

const common::Directory& TestDirectory() {
  static const common::Directory directory = common::Directory::Load(
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/organisations.tsv",
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/users.tsv");
  return directory;
}

const std::string& TestCertsDir() {
  static const std::string dir = [] {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("ketenregie-test-certs-" + std::to_string(getpid())))
                                 .string();
    const CommandResult made = RunCommand("'" + std::string(KETENREGIE_SOURCE_DIR) +
                                          "/deploy/local/gen-certs' '" + path + "'");
    if (made.exit_code != 0) {
      throw std::runtime_error("gen-certs failed: " + made.output);
    }
    return path;
  }();
  return dir;
}

TestServer::TestServer(grpc::Service& service) {
  const std::string& certs = TestCertsDir();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0",
                           common::MutualTlsServerCredentials(
                               certs + "/server.pem", certs + "/server.key", certs + "/ca.pem"),
                           &port);
  builder.RegisterService(&service);
  // Every refusal a test provokes is checked for the details every client
  // relies on (status.h): a status without them fails the test.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<common::ErrorDetailsInterceptorFactory>(
      [](std::string_view method, const grpc::Status& status) {
        if (const std::string missing = MissingDetails(status); !missing.empty()) {
          ADD_FAILURE() << method << " answered " << status.error_code() << " ("
                        << status.error_message() << "): " << missing;
        }
      }));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    throw std::runtime_error("test server did not start");
  }
  address_ = "127.0.0.1:" + std::to_string(port);
}

TestServer::~TestServer() { server_->Shutdown(std::chrono::system_clock::now()); }

std::shared_ptr<grpc::Channel> ChannelAs(const TestServer& server, const std::string& org) {
  const std::string& certs = TestCertsDir();
  return common::OrganisationChannel(server.address(), certs, org, certs + "/ca.pem");
}

std::unique_ptr<grpc::ClientContext> ContextAs(const std::string& actor) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context->AddMetadata("x-actor", actor);
  return context;
}

std::unique_ptr<grpc::ClientContext> ContextOnBehalfOf(const std::string& organisation,
                                                       const std::string& actor,
                                                       const std::string& session_hash) {
  auto context = ContextAs(actor);
  context->AddMetadata("x-on-behalf-of", organisation);
  context->AddMetadata("x-session-hash", session_hash);
  return context;
}

}  // namespace ketenregie::testing
