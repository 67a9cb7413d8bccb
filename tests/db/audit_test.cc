// The audit trail: appended in the acting service's transaction, hash
// chained, verified against a checkpoint kept outside the database.
#include "services/common/audit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/audit/handler.h"
#include "services/audit/storage.h"
#include "services/audit/verifier.h"
#include "services/common/mutation.h"
#include "services/trajectory/handler.h"
#include "services/trajectory/storage.h"
#include "tests/support/bad_input.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"

namespace ketenregie {
namespace {

using namespace std::chrono;
using testing::ContextAs;
namespace apb = ketenregie::audit::v1;
namespace tpb = ketenregie::trajectory::v1;

class NoOpenWork final : public trajectory::OpenWork {
 public:
  grpc::Status Count(const std::string&, int& p, int& h) override {
    p = h = 0;
    return grpc::Status::OK;
  }
};

class AuditTest : public ::testing::Test {
 protected:
  AuditTest()
      : checkpoint_(
            (std::filesystem::temp_directory_path() / ("audit-checkpoint-" + db_.name())).string()),
        audit_pool_(db_.Dsn("ketenregie_audit"), 2, &audit::Prepare),
        trajectory_pool_(db_.Dsn("ketenregie_trajectory"), 2, &trajectory::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'm')}}, "b1")),
        clock_(workflow::Instant{sys_days{2026y / November / 22}.time_since_epoch()}),
        audit_(audit_pool_, testing::TestDirectory(), keys_, clock_, checkpoint_,
               milliseconds(5000)),
        trajectories_(trajectory_pool_, testing::TestDirectory(), keys_, clock_, open_work_, {}),
        audit_server_(audit_),
        trajectory_server_(trajectories_),
        privacy_(apb::AuditService::NewStub(testing::ChannelAs(audit_server_, "essm-rotterdam"))),
        essm_(tpb::TrajectoryService::NewStub(
            testing::ChannelAs(trajectory_server_, "essm-rotterdam"))) {}
  ~AuditTest() override { std::filesystem::remove(checkpoint_); }

  std::string Register() {
    tpb::RegisterPersonRequest reg;
    reg.set_request_id("reg-1");
    reg.mutable_identity()->set_given_name("Grace");
    tpb::RegisterPersonResponse out;
    EXPECT_TRUE(essm_->RegisterPerson(ContextAs("coordinator-1").get(), reg, &out).ok());
    return out.trajectory().id();
  }

  grpc::Status Read(const std::string& id, tpb::Trajectory* out) {
    tpb::GetTrajectoryRequest get;
    get.set_id(id);
    return essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, out);
  }

  apb::VerifyChainResponse Verify() {
    apb::VerifyChainResponse out;
    EXPECT_TRUE(privacy_->VerifyChain(ContextAs("privacy-1").get(), {}, &out).ok());
    return out;
  }

  void Superuser(const std::string& sql) {
    pqxx::connection c(db_.Dsn());
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
  }

  testing::TestDatabase db_;
  std::string checkpoint_;
  common::DbPool audit_pool_;
  common::DbPool trajectory_pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  NoOpenWork open_work_;
  audit::AuditHandler audit_;
  trajectory::TrajectoryHandler trajectories_;
  testing::TestServer audit_server_;
  testing::TestServer trajectory_server_;
  std::unique_ptr<apb::AuditService::Stub> privacy_;
  std::unique_ptr<tpb::TrajectoryService::Stub> essm_;
};

TEST_F(AuditTest, EveryReadHasExactlyOneRecordAndTheChainVerifies) {
  const std::string id = Register();
  for (int i = 0; i < 5; ++i) {
    tpb::Trajectory t;
    ASSERT_TRUE(Read(id, &t).ok());
  }
  apb::GetSubjectAccessReportRequest request;
  request.set_trajectory_id(id);
  apb::SubjectAccessReport report;
  ASSERT_TRUE(
      privacy_->GetSubjectAccessReport(ContextAs("privacy-1").get(), request, &report).ok());
  ASSERT_EQ(report.disclosures_size(), 5);
  for (const auto& r : report.disclosures()) {
    EXPECT_EQ(r.method(), "GetTrajectory");
    EXPECT_EQ(r.actor().user_id(), "coordinator-1");
    EXPECT_EQ(r.action(), apb::AUDIT_ACTION_READ);
  }
  const auto verified = Verify();
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_EQ(verified.records_checked(), 5);
  // Only privacy officers read the trail; a coordinator's attempt is itself
  // recorded.
  apb::VerifyChainResponse out;
  EXPECT_TRUE(testing::Refused(privacy_->VerifyChain(ContextAs("coordinator-1").get(), {}, &out),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  apb::ListRecordsRequest list;
  apb::ListRecordsResponse records;
  ASSERT_TRUE(privacy_->ListRecords(ContextAs("privacy-1").get(), list, &records).ok());
  ASSERT_EQ(records.records_size(), 6);
  // A known user whose role may not: denied (an actor who is no user of the
  // certificate's organisation is IDENTITY_REFUSED).
  EXPECT_EQ(records.records(5).action(), apb::AUDIT_ACTION_DENIED);
  EXPECT_EQ(records.records(5).decision(), apb::DECISION_DENIED);
  EXPECT_EQ(records.records(5).method(), "VerifyChain");
  // One trajectory's records, a page of four and then the rest, in order.
  list.set_trajectory_id(id);
  list.mutable_page()->set_page_size(4);
  std::vector<long long> sequences;
  do {
    records.Clear();
    ASSERT_TRUE(privacy_->ListRecords(ContextAs("privacy-1").get(), list, &records).ok());
    EXPECT_LE(records.records_size(), 4);
    for (const auto& r : records.records()) {
      EXPECT_EQ(r.trajectory_id(), id);
      sequences.push_back(r.sequence());
    }
    list.mutable_page()->set_page_token(records.next_page_token());
  } while (!records.next_page_token().empty());
  EXPECT_EQ(sequences, (std::vector<long long>{1, 2, 3, 4, 5}));
}

TEST_F(AuditTest, ARowChangedByASuperuser_IsFoundAtItsLink) {
  const std::string id = Register();
  tpb::Trajectory t;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Read(id, &t).ok());
  }
  Superuser("UPDATE audit.records SET actor = 'someone-else' WHERE sequence = 4");
  const auto verified = Verify();
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_broken_sequence(), 4);
}

TEST_F(AuditTest, ATableRewrittenWithAFreshChain_IsCaughtByTheCheckpoint) {
  const std::string id = Register();
  tpb::Trajectory t;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Read(id, &t).ok());
  }
  audit_.Checkpoint();
  // Rewrite record 2 and re-chain everything after it, consistently.
  {
    pqxx::connection c(db_.Dsn());
    pqxx::work tx(c);
    std::string previous(32, '\0');
    for (long long s = 1; s <= 4; ++s) {
      const pqxx::row row = tx.exec_params1(
          "SELECT extract(epoch from occurred_at)::bigint, organisation_id, actor, "
          "coalesce(trajectory_id::text, ''), action, array_to_string(categories, ','), "
          "basis_id, decision, method FROM audit.records WHERE sequence = $1",
          s);
      common::AuditRecord r;
      r.sequence = s;
      r.occurred_at = workflow::Instant{seconds{row[0].as<long long>()}};
      r.organisation_id = row[1].as<std::string>();
      r.actor = s == 2 ? "covered-up" : row[2].as<std::string>();
      r.trajectory_id = row[3].as<std::string>();
      r.action = static_cast<common::AuditAction>(row[4].as<int>());
      r.categories = {workflow::DataCategory::kExploitation,
                      workflow::DataCategory::kResidenceStatus,
                      workflow::DataCategory::kCriminalProceedings};
      r.decision = static_cast<common::AuditDecision>(row[7].as<int>());
      r.method = row[8].as<std::string>();
      const std::string hash = common::AuditHash(r, previous);
      tx.exec_params(
          "UPDATE audit.records SET actor = $2, previous_hash = $3, hash = $4 WHERE "
          "sequence = $1",
          s, r.actor, pqxx::binarystring(previous), pqxx::binarystring(hash));
      previous = hash;
    }
    tx.exec_params("UPDATE audit.head SET hash = $1", pqxx::binarystring(previous));
    tx.commit();
  }
  const auto verified = Verify();
  EXPECT_FALSE(verified.intact());
  EXPECT_EQ(verified.first_broken_sequence(), 4) << verified.problem();
  EXPECT_NE(verified.problem().find("checkpoint"), std::string::npos) << verified.problem();
  // A forged checkpoint file does not help.
  std::ofstream(checkpoint_) << "4 " << std::string(64, '0') << " " << std::string(64, '0') << "\n";
  const auto forged = Verify();
  EXPECT_FALSE(forged.intact());
  EXPECT_NE(forged.problem().find("MAC"), std::string::npos) << forged.problem();
}

TEST_F(AuditTest, AuditTrailDown_NoPersonalDataLeaves) {
  const std::string id = Register();
  Superuser("REVOKE INSERT ON audit.records FROM ketenregie_trajectory");
  tpb::Trajectory t;
  const grpc::Status status = Read(id, &t);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(t.id().empty()) << "nothing of the trajectory left the service";
  Superuser("GRANT INSERT ON audit.records TO ketenregie_trajectory");
  EXPECT_TRUE(Read(id, &t).ok());
}

// A privacy officer searches the trail by organisation, actor, action,
// decision and period, paginated — not only by trajectory.
TEST_F(AuditTest, SearchByActorActionDecisionAndPeriod) {
  const std::string id = Register();
  const auto start = clock_.Now();
  for (int day = 0; day < 3; ++day) {
    clock_.Set(start + days{day});
    tpb::Trajectory t;
    ASSERT_TRUE(Read(id, &t).ok());
  }
  // A refused caller: a user of the law firm presenting the ESSM's certificate.
  {
    tpb::GetTrajectoryRequest get;
    get.set_id(id);
    tpb::Trajectory t;
    EXPECT_TRUE(testing::Refused(essm_->GetTrajectory(ContextAs("advocaat-1").get(), get, &t),
                                 grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  }
  auto search = [&](apb::ListRecordsRequest request) {
    std::vector<apb::AuditRecord> found;
    request.mutable_page()->set_page_size(2);
    for (int page = 0; page < 20; ++page) {
      apb::ListRecordsResponse out;
      const auto status = privacy_->ListRecords(ContextAs("privacy-1").get(), request, &out);
      EXPECT_TRUE(status.ok()) << status.error_message();
      found.insert(found.end(), out.records().begin(), out.records().end());
      if (out.next_page_token().empty()) {
        break;
      }
      request.mutable_page()->set_page_token(out.next_page_token());
    }
    return found;
  };
  apb::ListRecordsRequest reads;
  reads.set_actor("coordinator-1");
  reads.set_organisation_id("essm-rotterdam");
  reads.set_action(apb::AUDIT_ACTION_READ);
  reads.set_trajectory_id(id);
  EXPECT_EQ(search(reads).size(), 3u);
  // The second day only: [start + 1 day, start + 2 days).
  reads.mutable_occurred_after()->set_seconds((start + days{1}).time_since_epoch().count());
  reads.mutable_occurred_before()->set_seconds((start + days{2}).time_since_epoch().count());
  const auto second_day = search(reads);
  ASSERT_EQ(second_day.size(), 1u);
  EXPECT_EQ(second_day[0].occurred_at().seconds(), (start + days{1}).time_since_epoch().count());
  apb::ListRecordsRequest denied;
  denied.set_decision(apb::DECISION_DENIED);
  const auto refusals = search(denied);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].actor().user_id(), "advocaat-1");
  EXPECT_EQ(refusals[0].trajectory_id(), id) << "the attempt is in her records";
  apb::ListRecordsRequest other;
  other.set_actor("coordinator-2");
  EXPECT_TRUE(search(other).empty());
}

// Through the front door (R-ACCESS-GATEWAY): the web service calls with its
// own certificate for a logged-in person. The call is the person's, decided
// by the trajectory service's own rules, and the record says it came through
// the gateway, with a hash of the session.
TEST_F(AuditTest, ThroughTheGateway_TheCallIsThePersonsAndItsRecordSaysSo) {
  const std::string id = Register();
  const std::string session(64, 'a');
  auto gateway = tpb::TrajectoryService::NewStub(testing::ChannelAs(trajectory_server_, "svc-web"));
  tpb::GetTrajectoryRequest get;
  get.set_id(id);
  tpb::Trajectory t;
  const auto read = gateway->GetTrajectory(
      testing::ContextOnBehalfOf("essm-rotterdam", "coordinator-1", session).get(), get, &t);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(t.id(), id);
  // A gemeente user's session reads no ESSM trajectory: the service's own
  // role rule refuses, whoever carried the call.
  EXPECT_TRUE(testing::Refused(
      gateway->GetTrajectory(
          testing::ContextOnBehalfOf("gemeente-rotterdam", "aandachtsfunctionaris-1", session)
              .get(),
          get, &t),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // A user the directory does not have at that organisation: refused too.
  EXPECT_TRUE(testing::Refused(
      gateway->GetTrajectory(
          testing::ContextOnBehalfOf("essm-rotterdam", "aandachtsfunctionaris-1", session).get(),
          get, &t),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));

  apb::ListRecordsRequest list;
  list.set_trajectory_id(id);
  apb::ListRecordsResponse records;
  ASSERT_TRUE(privacy_->ListRecords(ContextAs("privacy-1").get(), list, &records).ok());
  ASSERT_EQ(records.records_size(), 3);
  const auto& permitted = records.records(0);
  EXPECT_EQ(permitted.action(), apb::AUDIT_ACTION_READ);
  EXPECT_EQ(permitted.actor().organisation_id(), "essm-rotterdam");
  EXPECT_EQ(permitted.actor().user_id(), "coordinator-1");
  EXPECT_EQ(permitted.gateway_organisation_id(), "svc-web");
  EXPECT_EQ(permitted.session_hash(), session);
  EXPECT_EQ(permitted.reason(), "");
  const auto& refused = records.records(1);
  EXPECT_EQ(refused.action(), apb::AUDIT_ACTION_DENIED);
  EXPECT_EQ(refused.actor().organisation_id(), "gemeente-rotterdam");
  EXPECT_EQ(refused.gateway_organisation_id(), "svc-web");
  EXPECT_EQ(refused.reason(), "R-ACCESS-ROLE");
  EXPECT_EQ(records.records(2).action(), apb::AUDIT_ACTION_IDENTITY_REFUSED);
  EXPECT_EQ(records.records(2).reason(), "R-ACCESS-ROLE");

  // The new fields are in the chain: the trail verifies, and a session hash
  // changed afterwards is found at its link.
  const auto verified = Verify();
  EXPECT_TRUE(verified.intact()) << verified.problem();
  Superuser("UPDATE audit.records SET session_hash = repeat('b', 64) WHERE sequence = " +
            std::to_string(permitted.sequence()));
  const auto broken = Verify();
  EXPECT_FALSE(broken.intact());
  EXPECT_EQ(broken.first_broken_sequence(), permitted.sequence());
}

// Only the gateway may say on whose behalf it calls; it always does, and
// never for a service. Every refusal is on the trail with its rule.
TEST_F(AuditTest, OnBehalfOfFromAnyoneButTheGateway_IsRefusedAndRecorded) {
  const std::string id = Register();
  const std::string session(64, 'c');
  tpb::GetTrajectoryRequest get;
  get.set_id(id);
  tpb::Trajectory t;
  // An organisation's own certificate, even a service's, asking to act for
  // another organisation.
  for (const char* org : {"gemeente-rotterdam", "essm-rotterdam", "svc-shelter"}) {
    SCOPED_TRACE(org);
    auto other = tpb::TrajectoryService::NewStub(testing::ChannelAs(trajectory_server_, org));
    EXPECT_TRUE(testing::Refused(
        other->GetTrajectory(
            testing::ContextOnBehalfOf("essm-rotterdam", "coordinator-1", session).get(), get, &t),
        grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
    EXPECT_TRUE(t.id().empty());
  }
  auto gateway = tpb::TrajectoryService::NewStub(testing::ChannelAs(trajectory_server_, "svc-web"));
  // The gateway is nobody itself, and never a service.
  EXPECT_TRUE(testing::Refused(gateway->GetTrajectory(ContextAs("coordinator-1").get(), get, &t),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
  EXPECT_TRUE(testing::Refused(
      gateway->GetTrajectory(
          testing::ContextOnBehalfOf("svc-shelter", "shelter-service", session).get(), get, &t),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
  EXPECT_TRUE(t.id().empty());
  // Malformed on-behalf-of metadata names its key, like a bad field.
  EXPECT_TRUE(testing::BadFields(
      gateway->GetTrajectory(
          testing::ContextOnBehalfOf("essm-rotterdam", "coordinator-1", "not-a-hash").get(), get,
          &t),
      {"x-session-hash"}));
  {
    auto context = ContextAs("coordinator-1");
    context->AddMetadata("x-on-behalf-of", "essm-rotterdam");
    EXPECT_TRUE(
        testing::BadFields(gateway->GetTrajectory(context.get(), get, &t), {"x-session-hash"}));
  }

  apb::ListRecordsRequest list;
  list.set_action(apb::AUDIT_ACTION_IDENTITY_REFUSED);
  apb::ListRecordsResponse records;
  ASSERT_TRUE(privacy_->ListRecords(ContextAs("privacy-1").get(), list, &records).ok());
  ASSERT_EQ(records.records_size(), 5);
  std::vector<std::string> who;
  for (const auto& r : records.records()) {
    EXPECT_EQ(r.reason(), "R-ACCESS-GATEWAY");
    EXPECT_EQ(r.decision(), apb::DECISION_DENIED);
    EXPECT_EQ(r.trajectory_id(), id) << "the attempt is in her records";
    EXPECT_EQ(r.method(), "GetTrajectory");
    EXPECT_EQ(r.gateway_organisation_id(), "") << "no gateway carried these calls";
    who.push_back(r.actor().organisation_id());
  }
  EXPECT_EQ(who, (std::vector<std::string>{"gemeente-rotterdam", "essm-rotterdam", "svc-shelter",
                                           "svc-web", "svc-web"}));
}

// The audit service refuses bad input naming every bad field, and writes
// nothing (not even a record of the read).
TEST_F(AuditTest, BadInput_IsInvalidArgumentNamingEveryFieldAndWritesNothing) {
  using testing::ExpectBadInput;
  using testing::Sending;
  using Stub = apb::AuditService::Stub;
  auto rows = [&] { return db_.Count("SELECT count(*) FROM audit.records"); };
  const long long before = rows();
  ExpectBadInput(apb::ListRecordsRequest(), Sending(*privacy_, &Stub::ListRecords, "privacy-1"),
                 {{[](auto& r) {
                     r.mutable_occurred_after()->set_seconds(2000);
                     r.mutable_occurred_before()->set_seconds(1000);
                   },
                   {"occurred_before"}},
                  {[](auto& r) { r.mutable_occurred_after()->set_seconds(-5'000'000'000); },
                   {"occurred_after"}},
                  {[](auto& r) { r.set_actor("Not An Id"); }, {"actor"}},
                  {[](auto& r) { r.set_organisation_id("Niet Geldig"); }, {"organisation_id"}},
                  {[](auto& r) { r.set_trajectory_id("x"); }, {"trajectory_id"}},
                  {[](auto& r) { r.set_action(static_cast<apb::AuditAction>(77)); }, {"action"}},
                  {[](auto& r) { r.set_decision(static_cast<apb::Decision>(9)); }, {"decision"}},
                  {[](auto& r) { r.mutable_page()->set_page_size(-1); }, {"page.page_size"}},
                  {[](auto& r) {
                     r.set_actor("Not An Id");
                     r.set_decision(static_cast<apb::Decision>(9));
                   },
                   {"actor", "decision"}}});
  ExpectBadInput(apb::GetSubjectAccessReportRequest(),
                 Sending(*privacy_, &Stub::GetSubjectAccessReport, "privacy-1"),
                 {{[](auto&) {}, {"trajectory_id"}},
                  {[](auto& r) { r.set_trajectory_id("12"); }, {"trajectory_id"}}});
  EXPECT_EQ(rows(), before);
}

}  // namespace
}  // namespace ketenregie
