// The directory service through real gRPC channels with mutual TLS, on a
// fresh PostgreSQL database per test: the services' copies, an
// organisation administrator's changes of their own users, the rules of
// workflow/directory.h, and the audit trail of every change.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/common/directory_follower.h"
#include "services/common/tls.h"
#include "services/directory/handler.h"
#include "services/directory/storage.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"

namespace ketenregie::directory {
namespace {

using namespace std::chrono;
using testing::ContextAs;
namespace pb = ketenregie::directory::v1;

const workflow::Instant kNow{sys_days{2026y / December / 3}.time_since_epoch() + hours{9}};

common::Directory::Entries LocalSeed() {
  return common::Directory::ReadSeed(
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/organisations.tsv",
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/users.tsv");
}

class DirectoryServiceTest : public ::testing::Test {
 protected:
  DirectoryServiceTest()
      : pool_(db_.Dsn("ketenregie_directory"), 4, &directory::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(kNow),
        copy_(seconds(15)),
        handler_(pool_, copy_, keys_, clock_, milliseconds(5000)),
        server_(handler_),
        essm_(pb::DirectoryService::NewStub(testing::ChannelAs(server_, "essm-rotterdam"))),
        gemeente_(pb::DirectoryService::NewStub(testing::ChannelAs(server_, "gemeente-rotterdam"))),
        service_(pb::DirectoryService::NewStub(testing::ChannelAs(server_, "svc-consent"))) {
    handler_.Seed(LocalSeed());
  }

  grpc::Status Create(const std::string& user, std::vector<pb::Role> roles, pb::User& out,
                      const std::string& request_id,
                      const std::string& organisation = "essm-rotterdam") {
    pb::CreateUserRequest request;
    request.set_request_id(request_id);
    request.set_organisation_id(organisation);
    request.mutable_user()->set_user_id(user);
    for (const auto role : roles) {
      request.mutable_user()->add_roles(role);
    }
    return essm_->CreateUser(ContextAs("beheer-1").get(), request, &out);
  }

  grpc::Status Deactivate(const pb::User& user, const std::string& request_id, pb::User& out,
                          const std::string& actor = "beheer-1") {
    pb::DeactivateUserRequest request;
    request.set_request_id(request_id);
    request.set_organisation_id(user.organisation_id());
    request.set_user_id(user.user_id());
    request.set_etag(user.etag());
    return essm_->DeactivateUser(ContextAs(actor).get(), request, &out);
  }

  pb::User Get(const std::string& user) {
    pb::GetUserRequest request;
    request.set_organisation_id("essm-rotterdam");
    request.set_user_id(user);
    pb::User out;
    EXPECT_TRUE(essm_->GetUser(ContextAs("beheer-1").get(), request, &out).ok());
    return out;
  }

  pb::DirectorySnapshot Snapshot(long long known = 0) {
    pb::GetDirectoryRequest request;
    request.set_known_revision(known);
    pb::DirectorySnapshot out;
    const auto status = service_->GetDirectory(ContextAs("consent-service").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  static bool Holds(const pb::DirectorySnapshot& snapshot, const std::string& org,
                    const std::string& user) {
    for (const auto& u : snapshot.users()) {
      if (u.organisation_id() == org && u.user_id() == user) {
        return true;
      }
    }
    return false;
  }

  long long Records(const std::string& where) {
    return db_.Count("SELECT count(*) FROM audit.records WHERE " + where);
  }

  testing::TestDatabase db_;
  common::DbPool pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  common::Directory copy_;
  DirectoryHandler handler_;
  testing::TestServer server_;
  std::unique_ptr<pb::DirectoryService::Stub> essm_;
  std::unique_ptr<pb::DirectoryService::Stub> gemeente_;
  std::unique_ptr<pb::DirectoryService::Stub> service_;
};

TEST_F(DirectoryServiceTest, TheSeedIsTheDirectory_AndAServiceReadsItWholeThenOnlyItsRevision) {
  const auto snapshot = Snapshot();
  EXPECT_GT(snapshot.revision(), 0);
  EXPECT_FALSE(snapshot.unchanged());
  EXPECT_TRUE(Holds(snapshot, "essm-rotterdam", "coordinator-1"));
  EXPECT_TRUE(Holds(snapshot, "svc-handoff", "handoff-service"));
  EXPECT_EQ(snapshot.organisations_size(), static_cast<int>(LocalSeed().organisations.size()));
  const auto again = Snapshot(snapshot.revision());
  EXPECT_TRUE(again.unchanged());
  EXPECT_EQ(again.revision(), snapshot.revision());
  EXPECT_EQ(again.users_size(), 0);
  // Every seeded user is on the audit trail as the directory's own change.
  EXPECT_EQ(Records("action = 5 AND subject = 'users/essm-rotterdam/coordinator-1' AND "
                    "organisation_id = 'svc-directory'"),
            1);
  // A second seed adds nothing and moves nothing.
  handler_.Seed(LocalSeed());
  EXPECT_TRUE(Snapshot(snapshot.revision()).unchanged());
}

TEST_F(DirectoryServiceTest, OnlyServicesReadTheWholeDirectory) {
  pb::GetDirectoryRequest request;
  pb::DirectorySnapshot out;
  const auto status = essm_->GetDirectory(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(testing::ReasonOf(status), "R-ACCESS-ROLE");
  const auto admin = essm_->GetDirectory(ContextAs("beheer-1").get(), request, &out);
  EXPECT_EQ(admin.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DirectoryServiceTest, AnAdministratorCreatesAUser_TheCopiesHaveThem_AndTheTrailSaysWho) {
  const long long before = Snapshot().revision();
  pb::User user;
  const auto status = Create("coordinator-7", {pb::ROLE_COORDINATOR}, user, "create-1");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(user.organisation_id(), "essm-rotterdam");
  EXPECT_EQ(user.state(), pb::USER_STATE_ACTIVE);
  EXPECT_FALSE(user.etag().empty());
  const auto snapshot = Snapshot(before);
  EXPECT_GT(snapshot.revision(), before);
  EXPECT_TRUE(Holds(snapshot, "essm-rotterdam", "coordinator-7"));
  // The service's own copy has them at once: the new user can call.
  EXPECT_TRUE(copy_.FindPrincipal("essm-rotterdam", "coordinator-7").has_value());
  EXPECT_EQ(Records("action = 5 AND method = 'CreateUser' AND actor = 'beheer-1' AND "
                    "subject = 'users/essm-rotterdam/coordinator-7'"),
            1);
  // A retry answers the same and writes nothing; a taken id is refused.
  pb::User retried;
  ASSERT_TRUE(Create("coordinator-7", {pb::ROLE_COORDINATOR}, retried, "create-1").ok());
  EXPECT_EQ(retried.etag(), user.etag());
  pb::User twice;
  const auto taken = Create("coordinator-7", {pb::ROLE_MELDPUNT}, twice, "create-2");
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(testing::ReasonOf(taken), "ALREADY_EXISTS");
  EXPECT_EQ(Records("action = 5 AND method = 'CreateUser'"), 1);
}

TEST_F(DirectoryServiceTest, BadInputNamesEveryFieldAndWritesNothing) {
  const long long revision = Snapshot().revision();
  pb::User out;
  const auto status = Create("Coordinator 7", {}, out, "");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::FieldsOf(status),
            (std::vector<std::string>{"request_id", "user.user_id", "user.roles"}));
  const auto unknown = Create("c-8", {static_cast<pb::Role>(42)}, out, "r-1");
  EXPECT_EQ(testing::FieldReasonOf(unknown, "user.roles"), "UNKNOWN_VALUE");
  const auto twice = Create("c-8", {pb::ROLE_COORDINATOR, pb::ROLE_COORDINATOR}, out, "r-2");
  EXPECT_EQ(testing::FieldReasonOf(twice, "user.roles"), "DUPLICATE");
  EXPECT_TRUE(Snapshot(revision).unchanged());
}

TEST_F(DirectoryServiceTest, RolesMustFitTheOrganisation) {
  pb::User out;
  const auto status = Create("c-9", {pb::ROLE_COORDINATOR, pb::ROLE_SHELTER_STAFF}, out, "r-1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-DIRECTORY-ROLES");
  const auto service = Create("c-9", {pb::ROLE_SERVICE}, out, "r-2");
  EXPECT_EQ(testing::ReasonOf(service), "R-DIRECTORY-ROLES");
  EXPECT_EQ(Records("action = 5 AND method = 'CreateUser'"), 0);
}

TEST_F(DirectoryServiceTest, AnAdministratorOfAnotherOrganisationIsRefusedAndRecorded) {
  pb::CreateUserRequest request;
  request.set_request_id("r-1");
  request.set_organisation_id("essm-rotterdam");
  request.mutable_user()->set_user_id("spy-1");
  request.mutable_user()->add_roles(pb::ROLE_COORDINATOR);
  pb::User out;
  const auto status = gemeente_->CreateUser(ContextAs("beheer-gemeente-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(testing::ReasonOf(status), "R-DIRECTORY-OWN-ORGANISATION");
  const pb::User coordinator = Get("coordinator-1");
  pb::DeactivateUserRequest deactivate;
  deactivate.set_request_id("r-2");
  deactivate.set_organisation_id("essm-rotterdam");
  deactivate.set_user_id("coordinator-1");
  deactivate.set_etag(coordinator.etag());
  const auto refused =
      gemeente_->DeactivateUser(ContextAs("beheer-gemeente-1").get(), deactivate, &out);
  EXPECT_EQ(testing::ReasonOf(refused), "R-DIRECTORY-OWN-ORGANISATION");
  pb::ListUsersRequest list;
  list.set_organisation_id("essm-rotterdam");
  pb::ListUsersResponse users;
  EXPECT_EQ(
      testing::ReasonOf(gemeente_->ListUsers(ContextAs("beheer-gemeente-1").get(), list, &users)),
      "R-DIRECTORY-OWN-ORGANISATION");
  EXPECT_EQ(Records("decision = 2 AND organisation_id = 'gemeente-rotterdam' AND "
                    "reason = 'R-DIRECTORY-OWN-ORGANISATION'"),
            3);
  EXPECT_EQ(Get("coordinator-1").etag(), coordinator.etag());
  // A coordinator is no administrator.
  const auto coordinator_lists = essm_->ListUsers(ContextAs("coordinator-1").get(), list, &users);
  EXPECT_EQ(testing::ReasonOf(coordinator_lists), "R-ACCESS-ROLE");
}

TEST_F(DirectoryServiceTest, ADeactivatedUserIsInNoCopyAndIsRefused_ThenReactivated) {
  const long long before = Snapshot().revision();
  const pb::User coordinator = Get("coordinator-2");
  pb::User deactivated;
  const auto status = Deactivate(coordinator, "d-1", deactivated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(deactivated.state(), pb::USER_STATE_DEACTIVATED);
  EXPECT_TRUE(deactivated.has_deactivate_time());
  EXPECT_FALSE(Holds(Snapshot(before), "essm-rotterdam", "coordinator-2"));
  EXPECT_FALSE(copy_.FindPrincipal("essm-rotterdam", "coordinator-2").has_value());
  EXPECT_EQ(Records("action = 5 AND method = 'DeactivateUser' AND "
                    "subject = 'users/essm-rotterdam/coordinator-2'"),
            1);
  // The same request again: the same answer, nothing new.
  pb::User retried;
  ASSERT_TRUE(Deactivate(coordinator, "d-1", retried).ok());
  EXPECT_EQ(retried.etag(), deactivated.etag());
  // A stale etag; then deactivating twice is refused by the account machine.
  pb::User out;
  EXPECT_EQ(Deactivate(coordinator, "d-2", out).error_code(), grpc::StatusCode::ABORTED);
  const auto twice = Deactivate(deactivated, "d-3", out);
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(twice), "R-STATE-ORDER");
  // A seed run does not bring them back.
  handler_.Seed(LocalSeed());
  EXPECT_EQ(Get("coordinator-2").state(), pb::USER_STATE_DEACTIVATED);
  pb::ReactivateUserRequest reactivate;
  reactivate.set_request_id("a-1");
  reactivate.set_organisation_id("essm-rotterdam");
  reactivate.set_user_id("coordinator-2");
  reactivate.set_etag(deactivated.etag());
  pb::User active;
  ASSERT_TRUE(essm_->ReactivateUser(ContextAs("beheer-1").get(), reactivate, &active).ok());
  EXPECT_EQ(active.state(), pb::USER_STATE_ACTIVE);
  EXPECT_FALSE(active.has_deactivate_time());
  EXPECT_TRUE(copy_.FindPrincipal("essm-rotterdam", "coordinator-2").has_value());
}

TEST_F(DirectoryServiceTest, TheLastAdministratorStays) {
  const pb::User admin = Get("beheer-1");
  pb::User out;
  const auto status = Deactivate(admin, "d-1", out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-DIRECTORY-LAST-ADMINISTRATOR");
  pb::ChangeUserRolesRequest demote;
  demote.set_request_id("c-1");
  demote.set_organisation_id("essm-rotterdam");
  demote.set_user_id("beheer-1");
  demote.set_etag(admin.etag());
  demote.add_roles(pb::ROLE_COORDINATOR);
  EXPECT_EQ(testing::ReasonOf(essm_->ChangeUserRoles(ContextAs("beheer-1").get(), demote, &out)),
            "R-DIRECTORY-LAST-ADMINISTRATOR");
  // With a second administrator, the first may go.
  pb::User second;
  ASSERT_TRUE(Create("beheer-2", {pb::ROLE_ORGANISATION_ADMINISTRATOR}, second, "n-1").ok());
  demote.set_request_id("c-2");
  const auto changed = essm_->ChangeUserRoles(ContextAs("beheer-1").get(), demote, &out);
  ASSERT_TRUE(changed.ok()) << changed.error_message();
  EXPECT_EQ(out.roles_size(), 1);
  EXPECT_EQ(out.roles(0), pb::ROLE_COORDINATOR);
  // beheer-1 is no administrator now: refused by the service's own copy.
  pb::ListUsersRequest list;
  list.set_organisation_id("essm-rotterdam");
  pb::ListUsersResponse users;
  EXPECT_EQ(essm_->ListUsers(ContextAs("beheer-1").get(), list, &users).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(essm_->ListUsers(ContextAs("beheer-2").get(), list, &users).ok());
  EXPECT_GE(users.users_size(), 5);
  for (const auto& user : users.users()) {
    EXPECT_EQ(user.organisation_id(), "essm-rotterdam");
  }
}

TEST_F(DirectoryServiceTest, ListUsersPagesInIdOrder) {
  pb::ListUsersRequest list;
  list.set_organisation_id("essm-rotterdam");
  list.mutable_page()->set_page_size(2);
  std::vector<std::string> ids;
  for (int pages = 0; pages < 10; ++pages) {
    pb::ListUsersResponse page;
    ASSERT_TRUE(essm_->ListUsers(ContextAs("beheer-1").get(), list, &page).ok());
    for (const auto& user : page.users()) {
      ids.push_back(user.user_id());
    }
    if (page.next_page_token().empty()) {
      break;
    }
    list.mutable_page()->set_page_token(page.next_page_token());
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(ids.size(), 5u);  // the five seeded users of essm-rotterdam
}

// Another service's copy follows the directory service: a deactivation is
// gone from it on its next round, and a copy that cannot reach the
// directory service stops being current.
TEST_F(DirectoryServiceTest, AFollowingCopyLosesADeactivatedUserOnItsNextRound) {
  common::PeerChannel channel(
      [this] { return server_.address(); },
      common::MutualTlsChannelCredentials(testing::TestCertsDir() + "/svc-consent.pem",
                                          testing::TestCertsDir() + "/svc-consent.key",
                                          testing::TestCertsDir() + "/ca.pem"));
  common::Directory copy(milliseconds(500));
  ASSERT_TRUE(common::FollowDirectory(copy, channel, "consent-service"));
  ASSERT_TRUE(copy.Current());
  ASSERT_TRUE(copy.FindPrincipal("essm-rotterdam", "coordinator-1").has_value());
  const long long revision = copy.Revision();
  ASSERT_TRUE(common::FollowDirectory(copy, channel, "consent-service"));
  EXPECT_EQ(copy.Revision(), revision);
  pb::User out;
  ASSERT_TRUE(Deactivate(Get("coordinator-1"), "d-1", out).ok());
  ASSERT_TRUE(common::FollowDirectory(copy, channel, "consent-service"));
  EXPECT_GT(copy.Revision(), revision);
  EXPECT_FALSE(copy.FindPrincipal("essm-rotterdam", "coordinator-1").has_value());
  // Nobody answering: the copy goes out of date, and then admits nobody.
  common::PeerChannel nowhere(
      [] { return std::string("127.0.0.1:1"); },
      common::MutualTlsChannelCredentials(testing::TestCertsDir() + "/svc-consent.pem",
                                          testing::TestCertsDir() + "/svc-consent.key",
                                          testing::TestCertsDir() + "/ca.pem"));
  EXPECT_FALSE(common::FollowDirectory(copy, nowhere, "consent-service"));
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_FALSE(copy.Current());
}

}  // namespace
}  // namespace ketenregie::directory
