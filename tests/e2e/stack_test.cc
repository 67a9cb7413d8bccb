// The local stack as a user starts it (deploy/local/stack), reached through
// real gRPC channels with mutual TLS.
#include <arpa/inet.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <thread>

#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/testing/v1/test_clock.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/client.h"
#include "services/common/credentials.h"
#include "services/common/crypto.h"
#include "services/common/peer.h"
#include "services/common/sealed.h"
#include "services/common/service_list.h"
#include "services/common/tls.h"
#include "services/consent/storage.h"
#include "services/handoff/storage.h"
#include "services/shelter/storage.h"
#include "services/trajectory/storage.h"
#include "tests/support/local_stack.h"
#include "tests/support/sockets.h"

namespace ketenregie::testing {
namespace {

using namespace std::chrono_literals;
using common::KetenregieServices;

// Holds 127.0.0.1:5432 for the suite when it is free, so the stack must
// choose another port. When something else holds it already, so much the
// better: it is taken either way.
class PortHolder {
 public:
  explicit PortHolder(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int reuse = 1;  // connections of a server just stopped may linger in TIME_WAIT
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(fd_, 16) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~PortHolder() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }

 private:
  int fd_ = -1;
};

bool PortAcceptsConnections(int port) {
  const int fd = ConnectLoopback(port);
  if (fd >= 0) {
    close(fd);
  }
  return fd >= 0;
}

int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

int PgPort(const common::StackEnv& env) {
  const std::string& dsn = env.At("KETENREGIE_PG_DSN");
  const auto at = dsn.find("port=") + 5;
  return std::stoi(dsn.substr(at, dsn.find(' ', at) - at));
}

// Runs, and is not a zombie waiting for a parent that may never reap it.
bool Alive(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("State:", 0) == 0) {
      return line.find('Z') == std::string::npos;
    }
  }
  return false;
}

// Polls the health check until it says `want`, for up to 15 s.
bool EventuallyHealth(grpc::Channel& channel, const std::string& service, const std::string& want) {
  const auto give_up = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (common::CheckHealth(channel, service, 2s) == want) {
      return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

class RunningStackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    port_5432_ = new PortHolder(5432);
    stack_ = new LocalStack();
    started_ = stack_->Start();
  }
  static void TearDownTestSuite() {
    delete stack_;
    delete port_5432_;
  }
  void SetUp() override { ASSERT_TRUE(started_) << "the stack did not start"; }

  static PortHolder* port_5432_;
  static LocalStack* stack_;
  static bool started_;
};
PortHolder* RunningStackTest::port_5432_ = nullptr;
LocalStack* RunningStackTest::stack_ = nullptr;
bool RunningStackTest::started_ = false;

TEST_F(RunningStackTest, StackEnvNamesEveryServiceCaAndCertificates) {
  for (const auto& service : KetenregieServices()) {
    EXPECT_EQ(stack_->env().At(service.env_key).rfind("127.0.0.1:", 0), 0u) << service.env_key;
  }
  for (const std::string org : {"essm-rotterdam", "gemeente-rotterdam", "politie-avim-rotterdam",
                                "crisisopvang-rotterdam", "advocatenkantoor-demo", "nidos"}) {
    const std::string base = stack_->env().At("KETENREGIE_CERTS_DIR") + "/" + org;
    EXPECT_TRUE(std::ifstream(base + ".pem").good()) << org;
    EXPECT_TRUE(std::ifstream(base + ".key").good()) << org;
  }
  EXPECT_TRUE(std::ifstream(stack_->env().At("KETENREGIE_CA")).good());
  EXPECT_EQ(stack_->env().At("KETENREGIE_WEB_URL").rfind("https://127.0.0.1:", 0), 0u);
}

// The web front door of the stack: `KETENREGIE_WEB_URL` answers over HTTPS
// with the deployment's certificate, and is ready once every service
// behind it answers its health check — which it asks with its own
// certificate, so the services admit the gateway's TLS identity.
TEST_F(RunningStackTest, WebFrontDoor_AnswersOverHttps_AndIsReadyWithEveryService) {
  const std::string url = stack_->env().At("KETENREGIE_WEB_URL");
  httplib::SSLClient client("127.0.0.1", PortOf(url.substr(0, url.size() - 1)));
  client.set_ca_cert_path(stack_->env().At("KETENREGIE_CA").c_str());
  client.enable_server_certificate_verification(true);
  auto ready = client.Get("/readyz");
  for (int i = 0; i < 50 && !(ready && ready->status == 200); ++i) {
    std::this_thread::sleep_for(200ms);
    ready = client.Get("/readyz");
  }
  ASSERT_TRUE(ready) << httplib::to_string(ready.error());
  EXPECT_EQ(ready->status, 200) << ready->body;
  const auto home = client.Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 200);
  EXPECT_NE(home->body.find("<html lang=\"nl\">"), std::string::npos);
  EXPECT_EQ(home->get_header_value("Cache-Control"), "no-store");
  EXPECT_NE(home->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
}

TEST_F(RunningStackTest, PostgresAvoidsPort5432WhenItIsTaken) {
  EXPECT_TRUE(PortAcceptsConnections(5432)) << "the suite holds 5432, or something else does";
  EXPECT_NE(PgPort(stack_->env()), 5432);
  EXPECT_TRUE(PortAcceptsConnections(PgPort(stack_->env())));
}

TEST_F(RunningStackTest, EveryServiceIsServingOverMutualTls) {
  for (const auto& service : KetenregieServices()) {
    auto channel = stack_->Channel(service.env_key);
    EXPECT_EQ(common::CheckHealth(*channel, service.full_name, 5s), "SERVING") << service.full_name;
    EXPECT_EQ(common::CheckHealth(*channel, "", 5s), "SERVING") << service.full_name;
  }
}

TEST_F(RunningStackTest, EveryServiceListsItselfThroughReflection) {
  for (const auto& service : KetenregieServices()) {
    auto channel = stack_->Channel(service.env_key, "nidos");
    const auto names = common::ListServicesByReflection(*channel, 5s);
    EXPECT_NE(std::find(names.begin(), names.end(), service.full_name), names.end())
        << service.full_name;
    EXPECT_NE(std::find(names.begin(), names.end(), "grpc.health.v1.Health"), names.end());
  }
}

TEST_F(RunningStackTest, ClientWithoutCertificate_IsRefused) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = common::ReadFile(stack_->env().At("KETENREGIE_CA"));
  for (const auto& service : KetenregieServices()) {
    auto channel =
        grpc::CreateChannel(stack_->env().At(service.env_key), grpc::SslCredentials(options));
    const std::string health = common::CheckHealth(*channel, service.full_name, 5s);
    EXPECT_EQ(health.rfind("ERROR 14", 0), 0u) << service.full_name << ": " << health;
  }
}

TEST_F(RunningStackTest, PlaintextClient_IsRefused) {
  for (const auto& service : KetenregieServices()) {
    auto channel =
        grpc::CreateChannel(stack_->env().At(service.env_key), grpc::InsecureChannelCredentials());
    const std::string health = common::CheckHealth(*channel, service.full_name, 5s);
    EXPECT_EQ(health.rfind("ERROR", 0), 0u) << service.full_name << ": " << health;
  }
}

TEST_F(RunningStackTest, CertificateFromAnotherCa_IsRefusedEvenWithATrustedName) {
  const std::string certs = stack_->env().At("KETENREGIE_CERTS_DIR");
  auto credentials = common::MutualTlsChannelCredentials(certs + "/untrusted/essm-rotterdam.pem",
                                                         certs + "/untrusted/essm-rotterdam.key",
                                                         stack_->env().At("KETENREGIE_CA"));
  for (const auto& service : KetenregieServices()) {
    auto channel = grpc::CreateChannel(stack_->env().At(service.env_key), credentials);
    const std::string health = common::CheckHealth(*channel, service.full_name, 5s);
    EXPECT_EQ(health.rfind("ERROR 14", 0), 0u) << service.full_name << ": " << health;
  }
}

TEST_F(RunningStackTest, StartingAgain_KeepsWhatRunsAndChangesNothing) {
  const auto pids_before = stack_->RecordedPids();
  const auto env_before = stack_->env().values;
  const CommandResult again = stack_->Run("start");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already running"), std::string::npos) << again.output;
  EXPECT_EQ(stack_->RecordedPids(), pids_before);
  EXPECT_EQ(common::LoadStackEnv(stack_->dir() + "/stack.env").values, env_before);
  for (const auto& service : KetenregieServices()) {
    EXPECT_EQ(common::CheckHealth(*stack_->Channel(service.env_key), service.full_name, 5s),
              "SERVING");
  }
}

TEST_F(RunningStackTest, StatusSaysWhatRuns) {
  const CommandResult status = stack_->Run("status");
  EXPECT_EQ(status.exit_code, 0);
  std::vector<std::string> names = {"postgresql", "web"};
  for (const auto& service : common::kServices) {
    names.emplace_back(service.name);
  }
  for (const std::string& name : names) {
    EXPECT_NE(status.output.find(name + ": running"), std::string::npos) << status.output;
  }
}

// The README's demo, through the public API of the running stack.
TEST_F(RunningStackTest, DemoDrivesTheThreeCasesThroughThePublicApi) {
  const CommandResult demo =
      RunCommand(std::string(KETENREGIE_BINARY_DIR) + "/services/cli/ketenregie demo --env '" +
                 stack_->dir() + "/stack.env'");
  ASSERT_EQ(demo.exit_code, 0) << demo.output;
  for (const std::string expected :
       {"route ROUTE_A_CHILD_PROTECTION -> TRAJECTORY_STATE_CHILD_PROTECTION",
        "non_punishment.set",
        "route ROUTE_B_ACTIVE -> TRAJECTORY_STATE_ACTIVE",
        "reflection.started",
        "decision=police_report",
        "permit.apply_permit",
        "route.a.notify_child_protection",
        "placed; three months at most",
        "1 of 6 beds occupied",
        "placement.started      by shelter-service",
        "task=placement.limit_in_14_days",
        "placement.overdue",
        "placement overdue: yes",
        "move_on=MOVE_ON_DESTINATION_FOLLOW_UP_PLACE",
        "consent CONSENT_STATE_GRANTED",
        "AUDIT_ACTION_READ by essm-rotterdam/coordinator-1 via GetTrajectory",
        "intact",
        "LOCATION                        not shared: no consent",
        "AUDIT_ACTION_DISCLOSURE by advocatenkantoor-demo/advocaat-1 via ReadPacket",
        "care plan: legal aid by Advocatenkantoor Demo"}) {
    EXPECT_NE(demo.output.find(expected), std::string::npos) << expected << "\n" << demo.output;
  }
  // Run twice: the same persons are found again through the blind index.
  const CommandResult again =
      RunCommand(std::string(KETENREGIE_BINARY_DIR) + "/services/cli/ketenregie demo --env '" +
                 stack_->dir() + "/stack.env'");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("seen before: 1 earlier trajectory"), std::string::npos)
      << again.output;
}

// Key rotation for every sealed value of every service (DESIGN.md §6): the
// operator adds a key to each service's file; each service reloads it and
// moves every value to it while it runs; then the old keys are retired from
// the files, and every value of all five services still reads.
TEST_F(RunningStackTest, KeyRotation_EveryValueOfEveryServiceMovesAndReadsWithoutTheOldKey) {
  const std::string cli = std::string(KETENREGIE_BINARY_DIR) + "/services/cli/ketenregie";
  const std::string env = " --env '" + stack_->dir() + "/stack.env'";
  const CommandResult demo = RunCommand(cli + " demo" + env);
  ASSERT_EQ(demo.exit_code, 0) << demo.output;

  // An override, so the consent service holds a sealed justification too.
  {
    auto trajectories =
        trajectory::v1::TrajectoryService::NewStub(stack_->Channel("KETENREGIE_TRAJECTORY_ADDR"));
    grpc::ClientContext list_context;
    list_context.AddMetadata("x-actor", "coordinator-1");
    trajectory::v1::ListTrajectoriesRequest list;
    trajectory::v1::ListTrajectoriesResponse listed;
    ASSERT_TRUE(trajectories->ListTrajectories(&list_context, list, &listed).ok());
    ASSERT_GT(listed.trajectories_size(), 0);
    consent::v1::RequestOverrideRequest request;
    request.set_request_id("rotation-override-1");
    auto* o = request.mutable_override();
    o->set_trajectory_id(listed.trajectories(0).id());
    o->set_basis(consent::v1::LEGAL_BASIS_VITAL_INTEREST);
    o->set_justification("acuut gevaar: de uitbuiter zoekt haar");
    o->set_recipient_organisation_id("politie-avim-rotterdam");
    o->add_categories(common::v1::DATA_CATEGORY_IDENTITY);
    o->set_purpose(common::v1::PURPOSE_CRIMINAL_INVESTIGATION);
    o->mutable_expires_at()->set_seconds(4'000'000'000);
    grpc::ClientContext context;
    context.AddMetadata("x-actor", "coordinator-1");
    consent::v1::Override answer;
    const grpc::Status requested =
        consent::v1::ConsentService::NewStub(stack_->Channel("KETENREGIE_CONSENT_ADDR"))
            ->RequestOverride(&context, request, &answer);
    ASSERT_TRUE(requested.ok()) << requested.error_message();
  }

  // What each service declares it keeps sealed (not a list kept here).
  const std::vector<std::pair<std::string, std::vector<common::SealedColumn>>> services = {
      {"trajectory", trajectory::SealedColumns()},
      {"shelter", shelter::SealedColumns()},
      {"consent", consent::SealedColumns()},
      {"handoff", handoff::SealedColumns()},
      {"audit", {}}};
  pqxx::connection db(stack_->env().At("KETENREGIE_PG_DSN"));
  for (const auto& [name, columns] : services) {
    pqxx::read_transaction tx(db);
    for (const auto& column : columns) {
      EXPECT_GT(common::AllValues(tx, column).size(), 0u)
          << column.table << "." << column.column << " holds nothing to rotate";
    }
  }

  // Rotate every service's keys.
  std::map<std::string, std::pair<std::string, std::string>> old_keys;  // service -> aead, blind
  for (const auto& [name, columns] : services) {
    const std::string file = stack_->dir() + "/keys/" + name + ".keys";
    const auto before = common::Keyring::Load(file);
    old_keys[name] = {before.active_key_id(), before.active_blind_key_id()};
    const CommandResult rotated =
        RunCommand(cli + " rotate-key --file '" + file + "' --id " + name + "2 --blind");
    ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  }

  // Each service moves its values on its own.
  const auto give_up = std::chrono::steady_clock::now() + 90s;
  long long stale = -1;
  while (std::chrono::steady_clock::now() < give_up) {
    stale = 0;
    pqxx::read_transaction tx(db);
    for (const auto& [name, columns] : services) {
      for (const auto& column : columns) {
        stale += common::CountStale(tx, column, name + "2");
      }
    }
    stale += tx.exec1(
                   "SELECT count(*) FROM trajectory.persons WHERE blind_index IS NOT NULL "
                   "AND blind_key_id <> 'trajectory2-blind'")[0]
                 .as<long long>();
    if (stale == 0) {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(stale, 0) << "values still under the old keys";

  // The stack stops (the audit service writes its checkpoint under the new
  // key as it goes), the old keys are retired, the stack starts again with
  // only the new keys in every file.
  ASSERT_EQ(stack_->Run("stop").exit_code, 0);
  for (const auto& [name, ids] : old_keys) {
    const std::string file = stack_->dir() + "/keys/" + name + ".keys";
    for (const std::string& id : {ids.first, ids.second}) {
      const CommandResult retired =
          RunCommand(cli + " retire-key --file '" + file + "' --id " + id);
      ASSERT_EQ(retired.exit_code, 0) << retired.output;
    }
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find(" " + ids.first + " "), std::string::npos) << file;
    EXPECT_EQ(text.find(" " + ids.second + " "), std::string::npos) << file;
  }
  ASSERT_TRUE(stack_->Start());

  // Every sealed value opens with the keys left in its service's file.
  pqxx::connection restarted(stack_->env().At("KETENREGIE_PG_DSN"));
  for (const auto& [name, columns] : services) {
    const auto keys = common::Keyring::Load(stack_->dir() + "/keys/" + name + ".keys");
    pqxx::read_transaction tx(restarted);
    for (const auto& column : columns) {
      for (const auto& value : common::AllValues(tx, column)) {
        EXPECT_NO_THROW(keys.Open(value.sealed, value.context))
            << column.table << "." << column.column;
      }
    }
  }
  // And through the services: the persons are found again by their blind
  // index, the packet is read, the audit chain verifies against its
  // checkpoint.
  const CommandResult after = RunCommand(cli + " demo" + env);
  ASSERT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(after.output.find("seen before"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("intact"), std::string::npos) << after.output;
}

// The consent service's actions reach the coordinator through its feed: an
// acute override asks a second coordinator to approve it within 72 hours,
// as a task in the trajectory service.
TEST_F(RunningStackTest, AcuteOverride_ASecondCoordinatorGetsTheApprovalTask) {
  auto trajectories =
      trajectory::v1::TrajectoryService::NewStub(stack_->Channel("KETENREGIE_TRAJECTORY_ADDR"));
  grpc::ClientContext list_context;
  list_context.AddMetadata("x-actor", "coordinator-1");
  trajectory::v1::ListTrajectoriesRequest list;
  trajectory::v1::ListTrajectoriesResponse listed;
  const CommandResult demo =
      RunCommand(std::string(KETENREGIE_BINARY_DIR) + "/services/cli/ketenregie demo --env '" +
                 stack_->dir() + "/stack.env'");
  ASSERT_EQ(demo.exit_code, 0) << demo.output;
  ASSERT_TRUE(trajectories->ListTrajectories(&list_context, list, &listed).ok());
  ASSERT_GT(listed.trajectories_size(), 0);
  const std::string trajectory_id = listed.trajectories(0).id();

  consent::v1::RequestOverrideRequest request;
  request.set_request_id("acute-override-task");
  auto* o = request.mutable_override();
  o->set_trajectory_id(trajectory_id);
  o->set_basis(consent::v1::LEGAL_BASIS_VITAL_INTEREST);
  o->set_acute_danger(true);
  o->set_justification("acuut gevaar");
  o->set_recipient_organisation_id("politie-avim-rotterdam");
  o->add_categories(common::v1::DATA_CATEGORY_LOCATION);
  o->set_purpose(common::v1::PURPOSE_CRIMINAL_INVESTIGATION);
  o->mutable_expires_at()->set_seconds(4'000'000'000);
  grpc::ClientContext context;
  context.AddMetadata("x-actor", "coordinator-1");
  consent::v1::Override answer;
  const grpc::Status requested =
      consent::v1::ConsentService::NewStub(stack_->Channel("KETENREGIE_CONSENT_ADDR"))
          ->RequestOverride(&context, request, &answer);
  ASSERT_TRUE(requested.ok()) << requested.error_message();

  bool found = false;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!found && std::chrono::steady_clock::now() < give_up) {
    grpc::ClientContext tasks_context;
    tasks_context.AddMetadata("x-actor", "coordinator-1");
    trajectory::v1::ListTasksRequest tasks;
    tasks.set_trajectory_id(trajectory_id);
    trajectory::v1::ListTasksResponse open;
    ASSERT_TRUE(trajectories->ListTasks(&tasks_context, tasks, &open).ok());
    for (const auto& task : open.tasks()) {
      found = found || task.kind() == "override.approval_needed";
    }
    if (!found) {
      std::this_thread::sleep_for(250ms);
    }
  }
  EXPECT_TRUE(found) << "no approval task reached the coordinator";
}

TEST_F(RunningStackTest, TestClockIsRefusedOffLoopback) {
  const std::string certs = stack_->env().At("KETENREGIE_CERTS_DIR");
  const CommandResult refused = RunCommand(
      std::string(KETENREGIE_BINARY_DIR) +
      "/services/handoff/ketenregie-handoff --listen 0.0.0.0:0 " + "--test-clock --tls-cert " +
      certs + "/server.pem --tls-key " + certs + "/server.key " + "--tls-ca " + certs +
      "/ca.pem --db-dsn host=127.0.0.1 --key-file x --client-cert x --client-key x");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("--test-clock: only on a loopback address"), std::string::npos)
      << refused.output;
}

// Every method of every service refuses a caller whose actor is a user of
// another organisation than the certificate's, before any other work, and
// every such refusal is on the audit trail: who, which method, and the
// trajectory the request names, so the privacy officer finds the attempt in
// that person's records and subject-access report.
TEST_F(RunningStackTest, EveryMethodRefusesASpoofedActor_AndEveryRefusalIsAudited) {
  const std::string trajectory = "00000000-0000-4000-8000-00000000a0d1";
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  // The services' descriptors, linked in by naming a message of each file.
  for (const auto* file :
       {trajectory::v1::Trajectory::descriptor()->file(),
        shelter::v1::Shelter::descriptor()->file(), consent::v1::Consent::descriptor()->file(),
        handoff::v1::Handoff::descriptor()->file(), audit::v1::AuditRecord::descriptor()->file(),
        directory::v1::User::descriptor()->file()}) {
    ASSERT_GT(file->service_count(), 0);
  }
  std::set<std::string> walked;
  std::set<std::string> naming_the_trajectory;
  for (const auto& service : KetenregieServices()) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service.full_name);
    ASSERT_NE(descriptor, nullptr) << service.full_name;
    auto channel = stack_->Channel(service.env_key, "essm-rotterdam");
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const auto* method = descriptor->method(i);
      std::unique_ptr<google::protobuf::Message> request(
          factory->GetPrototype(method->input_type())->New());
      for (int f = 0; f < method->input_type()->field_count(); ++f) {
        const auto* field = method->input_type()->field(f);
        if (field->name() == "trajectory_id" ||
            field->options().GetExtension(common::v1::trajectory_ref)) {
          request->GetReflection()->SetString(request.get(), field, trajectory);
          naming_the_trajectory.insert(method->name());
        }
      }
      std::unique_ptr<google::protobuf::Message> response(
          factory->GetPrototype(method->output_type())->New());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 10s);
      context.AddMetadata("x-actor", "advocaat-1");  // a user of the law firm, not of the ESSM
      const grpc::Status status = grpc::internal::BlockingUnaryCall(
          channel.get(),
          grpc::internal::RpcMethod(("/" + service.full_name + "/" + method->name()).c_str(),
                                    grpc::internal::RpcMethod::NORMAL_RPC),
          &context, *request, response.get());
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << method->full_name() << ": " << status.error_message();
      walked.insert(method->name());
    }
  }
  ASSERT_GT(walked.size(), 50u);

  auto audit = audit::v1::AuditService::NewStub(stack_->Channel("KETENREGIE_AUDIT_ADDR"));
  audit::v1::ListRecordsRequest search;
  search.set_organisation_id("essm-rotterdam");
  search.set_actor("advocaat-1");
  search.set_action(audit::v1::AUDIT_ACTION_IDENTITY_REFUSED);
  search.mutable_page()->set_page_size(500);
  std::set<std::string> audited;
  int about_the_trajectory = 0;
  for (int page = 0; page < 10; ++page) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    context.AddMetadata("x-actor", "privacy-1");
    audit::v1::ListRecordsResponse records;
    ASSERT_TRUE(audit->ListRecords(&context, search, &records).ok());
    for (const auto& record : records.records()) {
      EXPECT_EQ(record.decision(), audit::v1::DECISION_DENIED);
      audited.insert(record.method());
      about_the_trajectory += record.trajectory_id() == trajectory ? 1 : 0;
    }
    if (records.next_page_token().empty()) {
      break;
    }
    search.mutable_page()->set_page_token(records.next_page_token());
  }
  EXPECT_EQ(audited, walked) << "every method's refusal on the trail";
  EXPECT_GE(about_the_trajectory, static_cast<int>(naming_the_trajectory.size()));

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  context.AddMetadata("x-actor", "privacy-1");
  audit::v1::GetSubjectAccessReportRequest report_request;
  report_request.set_trajectory_id(trajectory);
  audit::v1::SubjectAccessReport report;
  ASSERT_TRUE(audit->GetSubjectAccessReport(&context, report_request, &report).ok());
  int refused_in_report = 0;
  for (const auto& record : report.disclosures()) {
    refused_in_report += record.action() == audit::v1::AUDIT_ACTION_IDENTITY_REFUSED ? 1 : 0;
  }
  EXPECT_GE(refused_in_report, static_cast<int>(naming_the_trajectory.size()))
      << "the attempts are in her subject-access report";
}

// Calls every method of every service with an empty request as `actor` of
// essm-rotterdam; returns the methods that did not refuse who is calling
// (any answer but PERMISSION_DENIED), by service.
std::map<std::string, std::set<std::string>> MethodsAdmitting(const LocalStack& stack,
                                                              const std::string& actor) {
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::map<std::string, std::set<std::string>> admitted;
  for (const auto& service : KetenregieServices()) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service.full_name);
    auto channel = stack.Channel(service.env_key, "essm-rotterdam");
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const auto* method = descriptor->method(i);
      std::unique_ptr<google::protobuf::Message> request(
          factory->GetPrototype(method->input_type())->New());
      std::unique_ptr<google::protobuf::Message> response(
          factory->GetPrototype(method->output_type())->New());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 10s);
      context.AddMetadata("x-actor", actor);
      const grpc::Status status = grpc::internal::BlockingUnaryCall(
          channel.get(),
          grpc::internal::RpcMethod(("/" + service.full_name + "/" + method->name()).c_str(),
                                    grpc::internal::RpcMethod::NORMAL_RPC),
          &context, *request, response.get());
      if (status.error_code() != grpc::StatusCode::PERMISSION_DENIED) {
        admitted[service.full_name].insert(method->name());
      }
    }
  }
  return admitted;
}

// Issue #13: a user their administrator deactivates is refused by every
// service within seconds — each follows the directory service — and is
// admitted again once reactivated.
TEST_F(RunningStackTest, AUserDeactivatedByTheirAdministrator_IsRefusedByEveryService) {
  namespace dpb = directory::v1;
  auto directory = dpb::DirectoryService::NewStub(stack_->Channel("KETENREGIE_DIRECTORY_ADDR"));
  const auto as_admin = [] {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + 10s);
    context->AddMetadata("x-actor", "beheer-1");
    return context;
  };
  dpb::CreateUserRequest create;
  create.set_request_id("e2e-deactivation-create");
  create.set_organisation_id("essm-rotterdam");
  create.mutable_user()->set_user_id("allround-1");
  for (const auto role :
       {dpb::ROLE_COORDINATOR, dpb::ROLE_PRIVACY_OFFICER, dpb::ROLE_ORGANISATION_ADMINISTRATOR}) {
    create.mutable_user()->add_roles(role);
  }
  dpb::User user;
  const auto created = directory->CreateUser(as_admin().get(), create, &user);
  ASSERT_TRUE(created.ok()) << created.error_message();

  // Every service admits her, once its copy has her (within seconds).
  std::map<std::string, std::set<std::string>> before;
  const auto give_up = std::chrono::steady_clock::now() + 15s;
  do {
    before = MethodsAdmitting(*stack_, "allround-1");
  } while (before.size() < KetenregieServices().size() &&
           std::chrono::steady_clock::now() < give_up);
  ASSERT_EQ(before.size(), KetenregieServices().size()) << "not every service admits her yet";

  dpb::DeactivateUserRequest deactivate;
  deactivate.set_request_id("e2e-deactivation");
  deactivate.set_organisation_id("essm-rotterdam");
  deactivate.set_user_id("allround-1");
  deactivate.set_etag(user.etag());
  const auto deactivated = directory->DeactivateUser(as_admin().get(), deactivate, &user);
  ASSERT_TRUE(deactivated.ok()) << deactivated.error_message();
  const auto at = std::chrono::steady_clock::now();
  std::map<std::string, std::set<std::string>> after;
  do {
    after = MethodsAdmitting(*stack_, "allround-1");
  } while (!after.empty() && std::chrono::steady_clock::now() < at + 15s);
  EXPECT_TRUE(after.empty()) << after.begin()->first << " still admits her";
  std::cout << "refused by every service "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - at)
                   .count()
            << " ms after the deactivation\n";

  dpb::ReactivateUserRequest reactivate;
  reactivate.set_request_id("e2e-reactivation");
  reactivate.set_organisation_id("essm-rotterdam");
  reactivate.set_user_id("allround-1");
  reactivate.set_etag(user.etag());
  ASSERT_TRUE(directory->ReactivateUser(as_admin().get(), reactivate, &user).ok());
  const auto back = std::chrono::steady_clock::now() + 15s;
  do {
    after = MethodsAdmitting(*stack_, "allround-1");
  } while (after.size() < KetenregieServices().size() && std::chrono::steady_clock::now() < back);
  EXPECT_EQ(after.size(), KetenregieServices().size()) << "not every service admits her again";
}

// The trajectory service is killed mid-load and started again with
// `stack start`: it comes back at the address its callers know, and the
// shelter and handoff services, which ask it for facts, work again by
// themselves within seconds. Every acknowledged registration is there once;
// every one not acknowledged, retried with its request_id, is applied once.
TEST_F(RunningStackTest, ServiceKilledMidLoad_ComesBackWhereItsCallersFindIt) {
  const std::string address = stack_->env().At("KETENREGIE_TRAJECTORY_ADDR");
  // The load dials as the services dial each other (common::PeerChannel).
  const std::string certs = stack_->env().At("KETENREGIE_CERTS_DIR");
  common::PeerChannel peer(
      [&] { return address; },
      common::MutualTlsChannelCredentials(certs + "/essm-rotterdam.pem",
                                          certs + "/essm-rotterdam.key", certs + "/ca.pem"));
  auto register_person = [&](const std::string& request_id, trajectory::v1::Trajectory* out) {
    auto trajectories = trajectory::v1::TrajectoryService::NewStub(peer.Get());
    trajectory::v1::RegisterPersonRequest request;
    request.set_request_id(request_id);
    request.mutable_identity()->set_given_name("Kim");
    request.mutable_identity()->set_gender_identity(trajectory::v1::GENDER_IDENTITY_WOMAN);
    request.set_age_status(trajectory::v1::AGE_STATUS_CONFIRMED_ADULT);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 3s);
    context.AddMetadata("x-actor", "coordinator-1");
    trajectory::v1::RegisterPersonResponse response;
    const auto status = trajectories->RegisterPerson(&context, request, &response);
    *out = response.trajectory();
    return status;
  };
  const std::string run = "kill-" + std::to_string(getpid()) + "-";
  constexpr int kClients = 4;
  std::vector<std::vector<std::string>> ids(kClients);
  std::atomic<int> unacknowledged = 0;
  std::atomic<bool> done = false;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !done; ++i) {
        const std::string request_id = run + std::to_string(c) + "-" + std::to_string(i);
        trajectory::v1::Trajectory t;
        bool first = true;
        for (int attempt = 0; attempt < 150; ++attempt) {
          const auto status = register_person(request_id, &t);
          if (status.ok()) {
            break;
          }

          unacknowledged += first ? 1 : 0;
          first = false;
          std::this_thread::sleep_for(100ms);
        }
        ids[static_cast<std::size_t>(c)].push_back(t.id());
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  int pid = 0;
  std::ifstream(stack_->dir() + "/run/trajectory.pid") >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const CommandResult restarted = stack_->Run("start");

  std::this_thread::sleep_for(1s);
  done = true;
  for (auto& client : clients) {
    client.join();
  }
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_GT(unacknowledged, 0) << "the kill came mid-load";
  EXPECT_EQ(common::LoadStackEnv(stack_->dir() + "/stack.env").At("KETENREGIE_TRAJECTORY_ADDR"),
            address)
      << "the same address as before";

  std::set<std::string> distinct;
  for (const auto& client : ids) {
    for (const auto& id : client) {
      EXPECT_FALSE(id.empty()) << "every registration acknowledged in the end";
      distinct.insert(id);
    }
  }
  std::size_t sent = 0;
  for (const auto& client : ids) {
    sent += client.size();
  }
  EXPECT_EQ(distinct.size(), sent) << "none applied twice";
  pqxx::connection db(stack_->env().At("KETENREGIE_PG_DSN"));
  pqxx::read_transaction tx(db);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM trajectory.request_log WHERE request_id LIKE "
                            "$1 || '%'",
                            run)[0]
                .as<std::size_t>(),
            sent);
  std::cout << "kill -9 mid-load: " << sent << " registrations, " << unacknowledged
            << " unacknowledged at first, retried, each applied once\n";

  // The shelter service asks the restarted trajectory service for facts:
  // working again within seconds, without a restart of its own.
  auto shelter = shelter::v1::ShelterService::NewStub(
      stack_->Channel("KETENREGIE_SHELTER_ADDR", "crisisopvang-rotterdam"));
  auto essm_shelter =
      shelter::v1::ShelterService::NewStub(stack_->Channel("KETENREGIE_SHELTER_ADDR"));
  shelter::v1::CreateShelterRequest create;
  create.set_request_id(run + "shelter");
  create.mutable_shelter()->set_display_name("Opvang Noord");
  create.mutable_shelter()->set_kind(shelter::v1::SHELTER_KIND_CRISIS);
  create.mutable_shelter()->set_capacity_beds(4);
  create.mutable_shelter()->set_secret_address("Noordstraat 1");
  shelter::v1::Shelter created;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("x-actor", "opvang-1");
    ASSERT_TRUE(shelter->CreateShelter(&context, create, &created).ok());
  }
  const auto since_restart = std::chrono::steady_clock::now();
  grpc::Status placed;
  for (int attempt = 0; attempt < 100; ++attempt) {
    shelter::v1::RequestPlacementRequest request;
    request.set_request_id(run + "placement");
    request.set_shelter_id(created.id());
    request.set_trajectory_id(ids[0].front());
    shelter::v1::Placement placement;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 3s);
    context.AddMetadata("x-actor", "coordinator-1");
    placed = essm_shelter->RequestPlacement(&context, request, &placement);
    if (placed.ok()) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(placed.ok()) << placed.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - since_restart, 10s);
}

// One call moves the clock of every service of the stack, the audit
// service's too: a demo or a test cannot leave them apart.
TEST_F(RunningStackTest, OneSetTimeMovesEveryServicesClock) {
  namespace tc = ketenregie::testing::v1;
  auto clock_of = [&](const std::string& key) {
    return tc::TestClockService::NewStub(stack_->Channel(key));
  };
  auto ask = [](grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("x-actor", "coordinator-1");
  };
  const std::int64_t target = 1'900'000'000;  // 2030-03-17
  {
    tc::SetTimeRequest set;
    set.mutable_now()->set_seconds(target);
    tc::SetTimeResponse response;
    grpc::ClientContext context;
    ask(context);
    ASSERT_TRUE(clock_of("KETENREGIE_AUDIT_ADDR")->SetTime(&context, set, &response).ok());
  }
  std::this_thread::sleep_for(300ms);  // each service reads the shared offset within 100 ms
  for (const auto& service : KetenregieServices()) {
    tc::SetTimeResponse now;
    grpc::ClientContext context;
    ask(context);
    ASSERT_TRUE(clock_of(service.env_key)->GetTime(&context, tc::GetTimeRequest{}, &now).ok());
    EXPECT_NEAR(static_cast<double>(now.now().seconds()), static_cast<double>(target), 30.0)
        << service.full_name;
  }
  tc::SetTimeRequest reset;
  reset.set_reset(true);
  tc::SetTimeResponse response;
  grpc::ClientContext context;
  ask(context);
  ASSERT_TRUE(clock_of("KETENREGIE_TRAJECTORY_ADDR")->SetTime(&context, reset, &response).ok());
}

// A stack of its own: stop must end exactly what start started.
TEST(StackLifecycleTest, StopLeavesNothingRunning) {
  LocalStack stack;
  ASSERT_TRUE(stack.Start());
  const auto pids = stack.RecordedPids();
  ASSERT_EQ(pids.size(), 8u) << "six services, the web front door and PostgreSQL";
  std::vector<int> ports;
  for (const auto& service : KetenregieServices()) {
    ports.push_back(PortOf(stack.env().At(service.env_key)));
  }
  const std::string web_url = stack.env().At("KETENREGIE_WEB_URL");
  ports.push_back(PortOf(web_url.substr(0, web_url.size() - 1)));
  ports.push_back(PgPort(stack.env()));

  // Health follows the database: PostgreSQL down → NOT_SERVING (a load
  // balancer takes the replica out), back up → SERVING, without a restart.
  const std::string pg_dir = stack.dir() + "/pg";
  const std::string lib = std::string(KETENREGIE_SOURCE_DIR) + "/deploy/lib.sh";
  const auto& trajectory = KetenregieServices().front();
  auto channel = stack.Channel(trajectory.env_key);
  ASSERT_EQ(RunCommand("bash -c '. " + lib + " && pg_cluster_stop " + pg_dir + "'").exit_code, 0);
  EXPECT_TRUE(EventuallyHealth(*channel, trajectory.full_name, "NOT_SERVING"));
  ASSERT_EQ(RunCommand("bash -c '. " + lib + " && pg_cluster_start " + pg_dir + "'").exit_code, 0);
  EXPECT_TRUE(EventuallyHealth(*channel, trajectory.full_name, "SERVING"));

  // The postmaster killed, and `start` run at once: it waits for the dead
  // postmaster to be gone (it found it "running" and failed at migrate),
  // starts the cluster on the port it had, and the services work on.
  const int pg_port = PgPort(stack.env());
  {
    int postmaster = 0;
    std::ifstream(pg_dir + "/data/postmaster.pid") >> postmaster;
    ASSERT_GT(postmaster, 0);
    ASSERT_EQ(kill(postmaster, SIGKILL), 0);
    const CommandResult again = stack.Run("start");
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(PgPort(common::LoadStackEnv(stack.dir() + "/stack.env")), pg_port)
        << "the cluster keeps its port";
    EXPECT_TRUE(EventuallyHealth(*channel, trajectory.full_name, "SERVING"));
  }
  // Its port taken by another program while it was down: not moved under
  // the services that know it — `start` says what is wrong.
  {
    ASSERT_EQ(RunCommand("bash -c '. " + lib + " && pg_cluster_stop " + pg_dir + "'").exit_code, 0);
    PortHolder squatter(pg_port);
    ASSERT_TRUE(PortAcceptsConnections(pg_port));
    const CommandResult refused = stack.Run("start");
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.output.find("port " + std::to_string(pg_port) + " of the cluster"),
              std::string::npos)
        << refused.output;
  }
  ASSERT_EQ(stack.Run("start").exit_code, 0);
  EXPECT_TRUE(EventuallyHealth(*channel, trajectory.full_name, "SERVING"));

  // A bystander process: stop must leave it alone.
  const CommandResult bystander = RunCommand("sleep 120 >/dev/null 2>&1 & echo $!");
  const int bystander_pid = std::stoi(bystander.output);

  const CommandResult stop = stack.Run("stop");
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  for (int pid : pids) {
    EXPECT_FALSE(Alive(pid)) << "pid " << pid << " still runs";
  }
  for (int port : ports) {
    EXPECT_FALSE(PortAcceptsConnections(port)) << "port " << port << " still answers";
  }
  EXPECT_TRUE(Alive(bystander_pid));
  kill(bystander_pid, SIGTERM);

  // Each service shut down on SIGTERM by itself, not by the KILL fallback.
  for (const auto& entry : common::kServices) {
    const std::string service(entry.name);
    std::ifstream log(stack.dir() + "/log/" + service + ".log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("signal 15: shutting down"), std::string::npos) << service << "\n" << text;
    EXPECT_NE(text.find(" stopped"), std::string::npos) << service << "\n" << text;
  }

  const CommandResult status = stack.Run("status");
  EXPECT_NE(status.exit_code, 0) << "status with nothing running";
  EXPECT_EQ(status.output.find(": running"), std::string::npos) << status.output;
}

TEST(StackLifecycleTest, ServiceRefusesToStartWithoutItsCertificates) {
  const CommandResult result = RunCommand(std::string(KETENREGIE_BINARY_DIR) +
                                          "/services/handoff/ketenregie-handoff "
                                          "--tls-cert /nonexistent.pem --tls-key /x --tls-ca /y "
                                          "--db-dsn host=127.0.0.1 --key-file x "
                                          "--client-cert x --client-key x");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--tls-cert"), std::string::npos) << result.output;
}

// A person in a browser, through the web front door of the stack: the
// cookie of their session and the CSRF token of the JSON API.
class Browser {
 public:
  Browser(const LocalStack& stack, std::string organisation, std::string admin, std::string user)
      : stack_(stack),
        organisation_(std::move(organisation)),
        admin_(std::move(admin)),
        user_(std::move(user)) {
    const std::string url = stack.env().At("KETENREGIE_WEB_URL");
    port_ = PortOf(url.substr(0, url.size() - 1));
  }

  std::unique_ptr<httplib::SSLClient> Client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path(stack_.env().At("KETENREGIE_CA").c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(15, 0);
    return client;
  }

  httplib::Headers Headers(bool with_csrf = true) const {
    httplib::Headers headers{{"Origin", "https://127.0.0.1:" + std::to_string(port_)},
                             {"Sec-Fetch-Site", "same-origin"}};
    if (!cookie_.empty()) {
      headers.emplace("Cookie", cookie_);
    }
    if (with_csrf && !csrf_.empty()) {
      headers.emplace("X-CSRF-Token", csrf_);
    }
    return headers;
  }

  // The administrator issues an enrolment code; the person sets up the
  // login on the enrolment pages and logs in with a recovery code (a
  // one-time code would wait for the app's next step).
  void LogIn() {
    namespace dpb = directory::v1;
    auto directory =
        dpb::DirectoryService::NewStub(stack_.Channel("KETENREGIE_DIRECTORY_ADDR", organisation_));
    const auto as_admin = [this] {
      auto context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(std::chrono::system_clock::now() + 10s);
      context->AddMetadata("x-actor", admin_);
      return context;
    };
    dpb::GetUserRequest get;
    get.set_organisation_id(organisation_);
    get.set_user_id(user_);
    dpb::User current;
    ASSERT_TRUE(directory->GetUser(as_admin().get(), get, &current).ok());
    dpb::IssueEnrolmentCodeRequest issue;
    issue.set_request_id("e2e-web-" + user_ + "-" + current.etag());
    issue.set_organisation_id(organisation_);
    issue.set_user_id(user_);
    issue.set_etag(current.etag());
    issue.set_reset_password(true);
    dpb::IssueEnrolmentCodeResponse issued;
    ASSERT_TRUE(directory->IssueEnrolmentCode(as_admin().get(), issue, &issued).ok());

    const auto client = Client();
    // The enrolment page hands out the form cookie and token its forms
    // post back.
    const auto form = client->Get("/activeren");
    ASSERT_TRUE(form);
    ASSERT_EQ(form->status, 200);
    const std::string form_cookie = form->get_header_value("Set-Cookie");
    cookie_ = form_cookie.substr(0, form_cookie.find(';'));
    std::smatch token;
    ASSERT_TRUE(std::regex_search(form->body, token,
                                  std::regex(R"re(name="csrf" value="([A-Za-z0-9_-]+)")re")));
    const std::string form_csrf = token[1];
    const std::string password = "een lange zin voor de test";
    httplib::Params start{{"csrf", form_csrf},
                          {"organisatie", organisation_},
                          {"gebruikersnaam", user_},
                          {"activeringscode", issued.enrolment_code()},
                          {"wachtwoord", password}};
    const auto secret_page = client->Post("/activeren", Headers(), start);
    ASSERT_TRUE(secret_page);
    ASSERT_EQ(secret_page->status, 200) << secret_page->body;
    std::smatch found;
    ASSERT_TRUE(std::regex_search(secret_page->body, found,
                                  std::regex(R"(<code class="secret">([A-Z2-7 ]+)</code>)")));
    std::string base32 = found[1];
    base32.erase(std::remove(base32.begin(), base32.end(), ' '), base32.end());
    const auto secret = common::TotpSecretFromBase32(base32);
    ASSERT_TRUE(secret.has_value());
    const std::string code = common::TotpCode(
        *secret,
        common::TotpStepAt(workflow::Instant{std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch())}));
    httplib::Params confirm{{"csrf", form_csrf},
                            {"organisatie", organisation_},
                            {"gebruikersnaam", user_},
                            {"activeringscode", issued.enrolment_code()},
                            {"code", code}};
    const auto done = client->Post("/activeren/bevestigen", Headers(), confirm);
    ASSERT_TRUE(done);
    ASSERT_EQ(done->status, 200) << done->body;
    ASSERT_TRUE(
        std::regex_search(done->body, found, std::regex(R"(<li><code>([a-z0-9-]+)</code>)")));
    httplib::Params login{{"csrf", form_csrf},
                          {"organisatie", organisation_},
                          {"gebruikersnaam", user_},
                          {"wachtwoord", password},
                          {"code", found[1].str()}};
    const auto in = client->Post("/inloggen", Headers(), login);
    ASSERT_TRUE(in);
    ASSERT_EQ(in->status, 303) << in->body;
    const std::string set = in->get_header_value("Set-Cookie");
    cookie_ = set.substr(0, set.find(';'));
    const auto session = client->Get("/v1/session", Headers());
    ASSERT_TRUE(session);
    ASSERT_EQ(session->status, 200) << session->body;
    csrf_ = session->get_header_value("X-CSRF-Token");
    ASSERT_FALSE(csrf_.empty());
  }

  httplib::Result Get(const std::string& path) const {
    return Client()->Get(path.c_str(), Headers());
  }
  httplib::Result Post(const std::string& path, const nlohmann::json& body,
                       bool with_csrf = true) const {
    return Client()->Post(path.c_str(), Headers(with_csrf), body.dump(), "application/json");
  }

 private:
  const LocalStack& stack_;
  std::string organisation_;
  std::string admin_;
  std::string user_;
  int port_ = 0;
  std::string cookie_;
  std::string csrf_;
};

// The reason of a google.rpc.Status as JSON: its ErrorInfo's.
std::string JsonReason(const std::string& body) {
  const auto status = nlohmann::json::parse(body);
  for (const auto& detail : status.value("details", nlohmann::json::array())) {
    if (detail.value("@type", "") == "type.googleapis.com/google.rpc.ErrorInfo") {
      return detail.value("reason", "");
    }
  }
  return "";
}

// The JSON API (issue #13 item 6) through the front door, with a browser
// session: routes from the google.api.http annotations, the services
// deciding every call on behalf of the person.
TEST_F(RunningStackTest, JsonApi_RoundTripsAsJson_AndTheServicesDecideOnBehalfOfTheSession) {
  Browser coordinator(*stack_, "essm-rotterdam", "beheer-1", "coordinator-1");
  ASSERT_NO_FATAL_FAILURE(coordinator.LogIn());
  const auto created = coordinator.Post(
      "/v1/signals", {{"requestId", "e2e-json-signal"},
                      {"reporterKind", "REPORTER_KIND_SCHOOL"},
                      {"observation", "Leerling vertelt over werk na schooltijd."}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(created->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(created->get_header_value("Cache-Control"), "no-store");
  const auto signal = nlohmann::json::parse(created->body);
  const std::string trajectory_id = signal.at("trajectoryId");
  const auto read = coordinator.Get("/v1/trajectories/" + trajectory_id);
  ASSERT_EQ(read->status, 200) << read->body;
  const auto trajectory = nlohmann::json::parse(read->body);
  EXPECT_EQ(trajectory.at("id"), trajectory_id);
  EXPECT_EQ(trajectory.at("state"), "TRAJECTORY_STATE_SIGNALLED");

  // A rule refusal comes back as google.rpc.Status with its rule.
  const auto closed = coordinator.Post("/v1/trajectories/" + trajectory_id + ":close",
                                       {{"requestId", "e2e-json-close"},
                                        {"etag", trajectory.at("etag")},
                                        {"reason", "CLOSURE_REASON_MOVED_ON"}});
  EXPECT_EQ(closed->status, 400) << closed->body;
  EXPECT_EQ(JsonReason(closed->body), "R-CLOSE-REQUIRES");
  EXPECT_EQ(nlohmann::json::parse(closed->body).at("code"), 9);

  // Without the CSRF token nothing is written; without a session nothing is read.
  const auto forged = coordinator.Post(
      "/v1/signals", {{"requestId", "e2e-json-forged"}, {"reporterKind", "REPORTER_KIND_SCHOOL"}},
      /*with_csrf=*/false);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(JsonReason(forged->body), "CSRF_REFUSED");
  const auto anonymous = Browser(*stack_, "essm-rotterdam", "beheer-1", "coordinator-1")
                             .Get("/v1/trajectories/" + trajectory_id);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(JsonReason(anonymous->body), "NO_SESSION");
  // Bad input names its field, as over gRPC.
  const auto bad = coordinator.Get("/v1/trajectories/not-a-uuid");
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("BadRequest"), std::string::npos) << bad->body;

  // A gemeente user's session: refused by the trajectory service's own rule.
  Browser gemeente(*stack_, "gemeente-rotterdam", "beheer-gemeente-1", "aandachtsfunctionaris-1");
  ASSERT_NO_FATAL_FAILURE(gemeente.LogIn());
  const auto refused = gemeente.Get("/v1/trajectories/" + trajectory_id);
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(JsonReason(refused->body), "R-ACCESS-ROLE");
  EXPECT_EQ(refused->body.find("Leerling"), std::string::npos);

  // The audit trail says the read came through the gateway, with the
  // session's hash: the privacy officer sees it.
  namespace apb = audit::v1;
  auto audit = apb::AuditService::NewStub(stack_->Channel("KETENREGIE_AUDIT_ADDR"));
  apb::ListRecordsRequest list;
  list.set_trajectory_id(trajectory_id);
  apb::ListRecordsResponse records;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  context.AddMetadata("x-actor", "privacy-1");
  ASSERT_TRUE(audit->ListRecords(&context, list, &records).ok());
  bool through_gateway = false;
  for (const auto& record : records.records()) {
    through_gateway = through_gateway || (record.gateway_organisation_id() == "svc-web" &&
                                          record.actor().organisation_id() == "gemeente-rotterdam");
  }
  EXPECT_TRUE(through_gateway) << "the gemeente's refused read is on the trail, via the gateway";
}

}  // namespace
}  // namespace ketenregie::testing
