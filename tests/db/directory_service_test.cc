// The directory service through real gRPC channels with mutual TLS, on a
// fresh PostgreSQL database per test: the services' copies, an
// organisation administrator's changes of their own users, the rules of
// workflow/directory.h, and the audit trail of every change.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/common/credentials.h"
#include "services/common/directory_follower.h"
#include "services/common/tls.h"
#include "services/directory/handler.h"
#include "services/directory/storage.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

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
        service_(pb::DirectoryService::NewStub(testing::ChannelAs(server_, "svc-consent"))),
        web_(pb::DirectoryService::NewStub(testing::ChannelAs(server_, "svc-web"))) {
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
  // The gateway (the web front door), calling as itself.
  std::unique_ptr<pb::DirectoryService::Stub> web_;
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

TEST_F(DirectoryServiceTest, ThePeopleOfTheChainListItsOrganisations_NoServicesNoUsers) {
  std::vector<std::string> ids;
  pb::ListOrganisationsRequest request;
  request.mutable_page()->set_page_size(3);
  for (int pages = 0; pages < 10; ++pages) {
    pb::ListOrganisationsResponse page;
    // A partner through the web front door, on behalf of its user.
    const auto status = web_->ListOrganisations(
        testing::ContextOnBehalfOf("advocatenkantoor-demo", "advocaat-1", std::string(64, 'a'))
            .get(),
        request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& organisation : page.organisations()) {
      ids.push_back(organisation.id());
      EXPECT_FALSE(organisation.display_name().empty());
      EXPECT_NE(organisation.type(), "SERVICE");
      EXPECT_NE(organisation.type(), "GATEWAY");
    }
    if (page.next_page_token().empty()) {
      break;
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  }
  std::vector<std::string> expected;
  for (const auto& [id, organisation] : LocalSeed().organisations) {
    if (workflow::IsOrganisationOfPeople(organisation.type)) {
      expected.push_back(id);
    }
  }
  EXPECT_EQ(ids, expected);  // every one once, by id
  EXPECT_GE(ids.size(), 7u);
  // Not a service (it has the whole directory), nor the gateway as itself.
  pb::ListOrganisationsResponse none;
  EXPECT_TRUE(testing::Refused(
      service_->ListOrganisations(ContextAs("consent-service").get(), request, &none),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  EXPECT_TRUE(
      testing::Refused(web_->ListOrganisations(ContextAs("web-service").get(), request, &none),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
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

// Logins (issue #13 item 3): set up with an enrolment code, then a
// password and a second factor, within the limits of R-LOGIN-THROTTLE.
class LoginTest : public DirectoryServiceTest {
 protected:
  static constexpr const char* kPassword = "een lange zin die ik onthoud";

  pb::IssueEnrolmentCodeResponse Issue(const std::string& user, bool reset_password = false) {
    pb::IssueEnrolmentCodeRequest request;
    request.set_request_id("issue-" + std::to_string(++requests_));
    request.set_organisation_id("essm-rotterdam");
    request.set_user_id(user);
    request.set_etag(Get(user).etag());
    request.set_reset_password(reset_password);
    pb::IssueEnrolmentCodeResponse out;
    const auto status = essm_->IssueEnrolmentCode(ContextAs("beheer-1").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  static pb::LoginClaim Claim(const std::string& user, const std::string& address) {
    pb::LoginClaim claim;
    claim.set_organisation_id("essm-rotterdam");
    claim.set_user_id(user);
    claim.set_client_address(address);
    return claim;
  }

  grpc::Status Start(const std::string& user, const std::string& code, const std::string& password,
                     pb::StartEnrolmentResponse& out) {
    pb::StartEnrolmentRequest request;
    *request.mutable_claim() = Claim(user, kAddress);
    request.set_enrolment_code(code);
    request.set_password(password);
    return web_->StartEnrolment(ContextAs("web-service").get(), request, &out);
  }

  grpc::Status Complete(const std::string& user, const std::string& code,
                        const std::string& one_time_code, pb::CompleteEnrolmentResponse& out) {
    pb::CompleteEnrolmentRequest request;
    *request.mutable_claim() = Claim(user, kAddress);
    request.set_enrolment_code(code);
    request.set_one_time_code(one_time_code);
    return web_->CompleteEnrolment(ContextAs("web-service").get(), request, &out);
  }

  struct Enrolled {
    common::TotpSecret secret{};
    std::vector<std::string> recovery_codes;
  };
  // Sets up `user`'s login through both steps, as a person would.
  Enrolled Enrol(const std::string& user) {
    const auto issued = Issue(user);
    pb::StartEnrolmentResponse started;
    EXPECT_TRUE(Start(user, issued.enrolment_code(), kPassword, started).ok());
    Enrolled out;
    out.secret = common::TotpSecretFromBase32(started.secret_base32()).value();
    pb::CompleteEnrolmentResponse completed;
    const auto status = Complete(user, issued.enrolment_code(), CodeNow(out.secret), completed);
    EXPECT_TRUE(status.ok()) << status.error_message();
    out.recovery_codes.assign(completed.recovery_codes().begin(), completed.recovery_codes().end());
    // The next login's code belongs to a later step.
    clock_.Advance(seconds(30));
    return out;
  }

  std::string CodeNow(const common::TotpSecret& secret) {
    return common::TotpCode(secret, common::TotpStepAt(clock_.Now()));
  }

  grpc::Status Login(const std::string& user, const std::string& password,
                     const std::string& one_time_code, pb::AuthenticateResponse* out = nullptr,
                     const std::string& address = kAddress, std::string session = "") {
    if (session.empty()) {
      session = SessionHash(++sessions_);
    }
    pb::AuthenticateRequest request;
    *request.mutable_claim() = Claim(user, address);
    request.set_session_hash(session);
    request.set_password(password);
    request.set_one_time_code(one_time_code);
    pb::AuthenticateResponse ignored;
    return web_->Authenticate(ContextAs("web-service").get(), request, out ? out : &ignored);
  }

  grpc::Status LoginWithRecoveryCode(const std::string& user, const std::string& code,
                                     pb::AuthenticateResponse& out) {
    pb::AuthenticateRequest request;
    *request.mutable_claim() = Claim(user, kAddress);
    request.set_session_hash(SessionHash(++sessions_));
    request.set_password(kPassword);
    request.set_recovery_code(code);
    return web_->Authenticate(ContextAs("web-service").get(), request, &out);
  }

  grpc::Status Check(const std::string& session, pb::Session* out = nullptr) {
    pb::CheckSessionRequest request;
    request.set_session_hash(session);
    pb::Session ignored;
    return web_->CheckSession(ContextAs("web-service").get(), request, out ? out : &ignored);
  }

  // A distinct session hash for the n-th login of a test.
  static std::string SessionHash(int n) {
    std::string hash = std::to_string(n);
    return std::string(64 - hash.size(), 'e') + hash;
  }

  static constexpr const char* kAddress = "192.0.2.10";
  int requests_ = 0;
  int sessions_ = 0;
};

TEST_F(LoginTest, ALoginIsSetUpWithAnEnrolmentCode_ThenACodeWorksOnlyOnce) {
  const auto issued = Issue("coordinator-1");
  EXPECT_EQ(issued.enrolment_code().size(), 14u);
  EXPECT_EQ(issued.user().login().enrolment_expire_time().seconds(),
            common::EpochOf(kNow + hours(72)));
  EXPECT_FALSE(issued.user().login().password_set());
  // No login before it is set up; the answer does not say why.
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, "123456"),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  // A short password is refused by its rule, naming it; a wrong code fails.
  pb::StartEnrolmentResponse started;
  EXPECT_TRUE(testing::Refused(Start("coordinator-1", issued.enrolment_code(), "kort", started),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-PASSWORD"));
  EXPECT_TRUE(testing::Refused(Start("coordinator-1", "aaaa-bbbb-cccc", kPassword, started),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  ASSERT_TRUE(Start("coordinator-1", issued.enrolment_code(), kPassword, started).ok());
  EXPECT_NE(started.qr_code_svg().find("<svg"), std::string::npos);
  EXPECT_EQ(started.otpauth_uri().rfind("otpauth://totp/Ketenregie:coordinator-1?", 0), 0u);
  const auto secret = common::TotpSecretFromBase32(started.secret_base32());
  ASSERT_TRUE(secret.has_value());
  // The app's code proves it holds the secret; a wrong one does not.
  pb::CompleteEnrolmentResponse completed;
  EXPECT_TRUE(
      testing::Refused(Complete("coordinator-1", issued.enrolment_code(), "000000", completed),
                       grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  const std::string enrolment_step_code = CodeNow(*secret);
  ASSERT_TRUE(
      Complete("coordinator-1", issued.enrolment_code(), enrolment_step_code, completed).ok());
  EXPECT_EQ(completed.recovery_codes_size(), 10);
  EXPECT_TRUE(completed.user().login().second_factor_set());
  EXPECT_FALSE(completed.user().login().has_enrolment_expire_time());
  // The enrolment code is used.
  EXPECT_TRUE(testing::Refused(Start("coordinator-1", issued.enrolment_code(), kPassword, started),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  // The code the enrolment took counts once: not again for the login.
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, enrolment_step_code),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-CODE-ONCE"));
  clock_.Advance(seconds(30));
  const std::string code = CodeNow(*secret);
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", "een ander wachtwoord", code),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  pb::AuthenticateResponse in;
  const auto status = Login("coordinator-1", kPassword, code, &in);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(in.user().user_id(), "coordinator-1");
  EXPECT_EQ(in.user().login().failed_logins(), 0) << "a success forgets the failures";
  EXPECT_EQ(in.recovery_codes_left(), 10);
  // The same code twice: refused, even within its step.
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, code),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-CODE-ONCE"));
  // Nothing of a secret is stored in clear: the password as argon2id, the
  // authenticator secret sealed (its 20 bytes appear nowhere in the row).
  std::string secret_hex;
  for (const auto byte : *secret) {
    secret_hex += fmt::format("{:02x}", byte);
  }
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.users WHERE user_id = 'coordinator-1' AND "
                      "password_hash LIKE '$argon2id$%' AND totp_secret IS NOT NULL AND "
                      "position(decode('" +
                      secret_hex +
                      "', 'hex') in totp_secret) = 0 AND cardinality(recovery_codes) = "
                      "10 AND recovery_codes[1] LIKE '$argon2id$%'"),
            1);
  // Every attempt for a user the directory has is on the trail, the
  // gateway's call, with how it ended.
  EXPECT_EQ(Records("action = 6 AND subject = 'users/essm-rotterdam/coordinator-1' AND "
                    "organisation_id = 'svc-web' AND decision = 1 AND method = 'Authenticate'"),
            1);
  EXPECT_EQ(Records("action = 6 AND subject = 'users/essm-rotterdam/coordinator-1' AND "
                    "decision = 2 AND reason = 'R-LOGIN-CODE-ONCE'"),
            2);
  EXPECT_EQ(Records("action = 5 AND method = 'IssueEnrolmentCode' AND actor = 'beheer-1'"), 1);
}

TEST_F(LoginTest, ARecoveryCodeWorksOnce) {
  const auto enrolled = Enrol("coordinator-1");
  ASSERT_EQ(enrolled.recovery_codes.size(), 10u);
  pb::AuthenticateResponse in;
  ASSERT_TRUE(LoginWithRecoveryCode("coordinator-1", enrolled.recovery_codes[3], in).ok());
  EXPECT_EQ(in.recovery_codes_left(), 9);
  // Typed in capitals and without dashes it is the same code: used.
  std::string typed;
  for (const char c : enrolled.recovery_codes[3]) {
    if (c != '-') {
      typed += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  EXPECT_TRUE(testing::Refused(LoginWithRecoveryCode("coordinator-1", typed, in),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  ASSERT_TRUE(LoginWithRecoveryCode("coordinator-1", enrolled.recovery_codes[4], in).ok());
  EXPECT_EQ(in.recovery_codes_left(), 8);
  EXPECT_EQ(Get("coordinator-1").login().recovery_codes_left(), 8);
}

TEST_F(LoginTest, RepeatedFailuresSlowDown_ThenLock_AndTheAdministratorSeesWhyAndUnlocks) {
  const auto enrolled = Enrol("coordinator-1");
  // Three failures cost nothing.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        testing::Refused(Login("coordinator-1", "fout wachtwoord 1", CodeNow(enrolled.secret)),
                         grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  }
  // Each next one makes the one after it wait: refused unchecked, even
  // with the right password, saying until when.
  EXPECT_TRUE(
      testing::Refused(Login("coordinator-1", "fout wachtwoord 1", CodeNow(enrolled.secret)),
                       grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  const auto waiting = Login("coordinator-1", kPassword, CodeNow(enrolled.secret));
  EXPECT_TRUE(testing::Refused(waiting, grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-THROTTLE"));
  EXPECT_EQ(testing::MetadataOf(waiting, "limit"), "account");
  EXPECT_EQ(testing::MetadataOf(waiting, "retry_at"),
            workflow::FormatUtc(clock_.Now() + seconds(1)));
  EXPECT_EQ(Get("coordinator-1").login().failed_logins(), 4) << "a refused attempt is no failure";
  // Failures up to the tenth, each after its wait: then the account is locked.
  for (int failures = 4; failures < 10; ++failures) {
    clock_.Advance(seconds(60));
    EXPECT_TRUE(
        testing::Refused(Login("coordinator-1", "fout wachtwoord 1", CodeNow(enrolled.secret)),
                         grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  }
  clock_.Advance(seconds(60));
  const auto locked = Login("coordinator-1", kPassword, CodeNow(enrolled.secret));
  EXPECT_TRUE(testing::Refused(locked, grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-THROTTLE"));
  EXPECT_FALSE(testing::MetadataOf(locked, "locked_until").empty());
  EXPECT_FALSE(testing::DutchOf(locked).empty());
  // The administrator sees why, and unlocks.
  const pb::User seen = Get("coordinator-1");
  EXPECT_EQ(seen.login().failed_logins(), 10);
  EXPECT_EQ(seen.login().locked_until().seconds(),
            common::EpochOf(clock_.Now() - seconds(60) + minutes(60)));
  pb::UnlockUserRequest unlock;
  unlock.set_request_id("unlock-1");
  unlock.set_organisation_id("essm-rotterdam");
  unlock.set_user_id("coordinator-1");
  unlock.set_etag(seen.etag());
  pb::User unlocked;
  ASSERT_TRUE(essm_->UnlockUser(ContextAs("beheer-1").get(), unlock, &unlocked).ok());
  EXPECT_EQ(unlocked.login().failed_logins(), 0);
  EXPECT_FALSE(unlocked.login().has_locked_until());
  EXPECT_TRUE(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)).ok());
  EXPECT_EQ(Records("action = 5 AND method = 'UnlockUser' AND actor = 'beheer-1'"), 1);
}

TEST_F(LoginTest, ALockEndsAfterAnHour) {
  const auto enrolled = Enrol("coordinator-1");
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(seconds(60));
    ASSERT_TRUE(testing::Refused(Login("coordinator-1", "fout wachtwoord 1", "000000"),
                                 grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  }
  clock_.Advance(minutes(59));
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-THROTTLE"));
  clock_.Advance(minutes(1));
  EXPECT_TRUE(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)).ok());
}

TEST_F(LoginTest, AnUnknownUserFailsLikeAWrongPassword_AndOneAddressIsSlowedNeverLocked) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(testing::Refused(Login("nobody-" + std::to_string(i), kPassword, "123456"),
                                 grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  }
  const auto slowed = Login("nobody-20", kPassword, "123456");
  EXPECT_TRUE(testing::Refused(slowed, grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-THROTTLE"));
  EXPECT_EQ(testing::MetadataOf(slowed, "limit"), "address");
  // Another address is not slowed by this one.
  EXPECT_TRUE(testing::Refused(Login("nobody-21", kPassword, "123456", nullptr, "192.0.2.99"),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  // What was typed as a name is never on the trail; the address only hashed.
  EXPECT_EQ(Records("action = 6"), 0);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.login_addresses WHERE "
                      "position(convert_to('192.0.2', 'UTF8') in address_key) > 0"),
            0);
  // After the window the address starts afresh.
  clock_.Advance(minutes(16));
  EXPECT_TRUE(testing::Refused(Login("nobody-22", kPassword, "123456"),
                               grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
}

TEST_F(LoginTest, AResetSecondFactorEndsTheOldOne_AndAnEnrolmentCodeExpires) {
  const auto enrolled = Enrol("coordinator-1");
  const auto reset = Issue("coordinator-1");
  EXPECT_TRUE(reset.user().login().password_set());
  EXPECT_FALSE(reset.user().login().second_factor_set());
  EXPECT_EQ(reset.user().login().recovery_codes_left(), 0);
  // The old app and recovery codes no longer log in: the password is right,
  // so the person is told to set up a new second factor.
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-TWO-FACTORS"));
  pb::AuthenticateResponse in;
  EXPECT_TRUE(
      testing::Refused(LoginWithRecoveryCode("coordinator-1", enrolled.recovery_codes[0], in),
                       grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-TWO-FACTORS"));
  // The account keeps its password: the enrolment asks for it.
  pb::StartEnrolmentResponse started;
  EXPECT_TRUE(testing::Refused(
      Start("coordinator-1", reset.enrolment_code(), "een nieuw wachtwoord van mij", started),
      grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  // 72 hours later the code no longer works.
  clock_.Advance(hours(72));
  EXPECT_TRUE(testing::Refused(Start("coordinator-1", reset.enrolment_code(), kPassword, started),
                               grpc::StatusCode::FAILED_PRECONDITION, "R-LOGIN-ENROLMENT"));
  // A forgotten password: the administrator resets it too.
  const auto fresh = Issue("coordinator-1", /*reset_password=*/true);
  EXPECT_FALSE(fresh.user().login().password_set());
  ASSERT_TRUE(
      Start("coordinator-1", fresh.enrolment_code(), "een nieuw wachtwoord van mij", started).ok());
  const auto secret = common::TotpSecretFromBase32(started.secret_base32()).value();
  pb::CompleteEnrolmentResponse completed;
  ASSERT_TRUE(Complete("coordinator-1", fresh.enrolment_code(), CodeNow(secret), completed).ok());
  clock_.Advance(seconds(30));
  EXPECT_TRUE(Login("coordinator-1", "een nieuw wachtwoord van mij", CodeNow(secret)).ok());
}

TEST_F(LoginTest, ADeactivatedUserIsToldSo_OnlyOnceTheirLoginIsProved) {
  const auto enrolled = Enrol("coordinator-1");
  pb::User out;
  ASSERT_TRUE(Deactivate(Get("coordinator-1"), "d-login", out).ok());
  EXPECT_TRUE(
      testing::Refused(Login("coordinator-1", "fout wachtwoord 1", CodeNow(enrolled.secret)),
                       grpc::StatusCode::UNAUTHENTICATED, "LOGIN_FAILED"));
  EXPECT_TRUE(testing::Refused(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
}

TEST_F(LoginTest, OnlyTheGatewayChecksLogins_AsItselfForNobody) {
  pb::AuthenticateRequest request;
  *request.mutable_claim() = Claim("coordinator-1", kAddress);
  request.set_password(kPassword);
  request.set_one_time_code("123456");
  pb::AuthenticateResponse out;
  // An organisation's own certificate, and a service's.
  EXPECT_TRUE(testing::Refused(essm_->Authenticate(ContextAs("beheer-1").get(), request, &out),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  EXPECT_TRUE(
      testing::Refused(service_->Authenticate(ContextAs("consent-service").get(), request, &out),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // The gateway on behalf of someone: a login is for nobody.
  EXPECT_TRUE(testing::Refused(
      web_->Authenticate(
          testing::ContextOnBehalfOf("essm-rotterdam", "coordinator-1", std::string(64, 'c')).get(),
          request, &out),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
  // And the gateway's own principal does nothing else.
  pb::GetUserRequest get;
  get.set_organisation_id("essm-rotterdam");
  get.set_user_id("coordinator-1");
  pb::User user;
  EXPECT_TRUE(testing::Refused(web_->GetUser(ContextAs("web-service").get(), get, &user),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-GATEWAY"));
}

// Sessions (R-SESSION-TIMEOUT): opened by a login, kept by the directory for
// every replica of the gateway, ended by time, logout or the account.
TEST_F(LoginTest, ALoginOpensASession_WhichEndsWhenIdle_AtLogout_AndWithTheAccount) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string idle(64, '1');
  pb::AuthenticateResponse in;
  ASSERT_TRUE(
      Login("coordinator-1", kPassword, CodeNow(enrolled.secret), &in, kAddress, idle).ok());
  EXPECT_EQ(in.session().user_id(), "coordinator-1");
  EXPECT_EQ(in.session().end_time().seconds(), common::EpochOf(clock_.Now() + minutes(15)));
  EXPECT_EQ(in.session().warn_time().seconds(), common::EpochOf(clock_.Now() + minutes(13)));
  // Each request moves the idle end on.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(minutes(14));
    pb::Session session;
    ASSERT_TRUE(Check(idle, &session).ok()) << i;
    EXPECT_EQ(session.organisation_id(), "essm-rotterdam");
    ASSERT_EQ(session.roles_size(), 1);
    EXPECT_EQ(session.roles(0), pb::ROLE_COORDINATOR);
  }
  clock_.Advance(minutes(15));
  const auto ended = Check(idle);
  EXPECT_TRUE(testing::Refused(ended, grpc::StatusCode::FAILED_PRECONDITION, "R-SESSION-TIMEOUT"));
  EXPECT_EQ(testing::MetadataOf(ended, "ended"), "idle");

  // Logout ends it at once; ending it again is no error.
  const std::string out(64, '2');
  clock_.Advance(seconds(30));
  ASSERT_TRUE(
      Login("coordinator-1", kPassword, CodeNow(enrolled.secret), nullptr, kAddress, out).ok());
  ASSERT_TRUE(Check(out).ok());
  pb::EndSessionRequest end;
  end.set_session_hash(out);
  pb::EndSessionResponse done;
  ASSERT_TRUE(web_->EndSession(ContextAs("web-service").get(), end, &done).ok());
  ASSERT_TRUE(web_->EndSession(ContextAs("web-service").get(), end, &done).ok());
  EXPECT_EQ(testing::MetadataOf(Check(out), "ended"), "logged_out");
  EXPECT_EQ(Records("action = 6 AND method = 'EndSession'"), 1);

  // Deactivating the account ends its sessions.
  const std::string third(64, '3');
  clock_.Advance(seconds(30));
  ASSERT_TRUE(
      Login("coordinator-1", kPassword, CodeNow(enrolled.secret), nullptr, kAddress, third).ok());
  pb::User deactivated;
  ASSERT_TRUE(Deactivate(Get("coordinator-1"), "d-session", deactivated).ok());
  EXPECT_TRUE(
      testing::Refused(Check(third), grpc::StatusCode::FAILED_PRECONDITION, "R-SESSION-TIMEOUT"));
  // A session nobody has.
  EXPECT_EQ(Check(std::string(64, '9')).error_code(), grpc::StatusCode::NOT_FOUND);
  // Only the gateway checks sessions.
  pb::CheckSessionRequest check;
  check.set_session_hash(third);
  pb::Session session;
  EXPECT_EQ(essm_->CheckSession(ContextAs("coordinator-2").get(), check, &session).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(LoginTest, ASessionEndsTenHoursAfterItsLogin_HoweverBusy) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string busy(64, '4');
  ASSERT_TRUE(
      Login("coordinator-1", kPassword, CodeNow(enrolled.secret), nullptr, kAddress, busy).ok());
  const auto login = clock_.Now();
  while (clock_.Now() + minutes(10) < login + hours(10)) {
    clock_.Advance(minutes(10));
    ASSERT_TRUE(Check(busy).ok());
  }
  clock_.Set(login + hours(10));
  EXPECT_EQ(testing::MetadataOf(Check(busy), "ended"), "absolute");
}

TEST_F(LoginTest, AResetSecondFactorEndsTheSessions) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string session(64, '5');
  ASSERT_TRUE(
      Login("coordinator-1", kPassword, CodeNow(enrolled.secret), nullptr, kAddress, session).ok());
  Issue("coordinator-1");
  EXPECT_EQ(testing::MetadataOf(Check(session), "ended"), "logged_out");
}

TEST_F(LoginTest, BadInputNamesEveryFieldAndCountsNoFailure) {
  pb::AuthenticateRequest request;
  request.mutable_claim()->set_organisation_id("Not An Id");
  pb::AuthenticateResponse out;
  EXPECT_TRUE(testing::BadFields(web_->Authenticate(ContextAs("web-service").get(), request, &out),
                                 {"claim.organisation_id", "claim.user_id", "claim.client_address",
                                  "password", "session_hash", "one_time_code"}));
  // A real account with one field wrong: nothing counted, nothing on the trail.
  const auto enrolled = Enrol("coordinator-1");
  pb::AuthenticateRequest one_wrong;
  *one_wrong.mutable_claim() = Claim("coordinator-1", kAddress);
  one_wrong.set_password("fout wachtwoord 1");
  one_wrong.set_one_time_code(CodeNow(enrolled.secret));
  EXPECT_TRUE(testing::BadFields(
      web_->Authenticate(ContextAs("web-service").get(), one_wrong, &out), {"session_hash"}));
  EXPECT_EQ(Get("coordinator-1").login().failed_logins(), 0);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.login_addresses"), 0);
  EXPECT_EQ(Records("action = 6 AND method = 'Authenticate'"), 0);
}

// A claim nobody has is answered exactly as an account is: the same
// refusals, with the same facts, at the same failures.
TEST_F(LoginTest, AnUnknownUserIsSlowedAndLockedLikeAnAccount) {
  const auto enrolled = Enrol("coordinator-1");
  const auto answers = [&](const std::string& user, const std::string& address) {
    std::vector<std::string> out;
    for (int i = 0; i < 12; ++i) {
      const auto status = Login(user, "fout wachtwoord 1", "123456", nullptr, address);
      out.push_back(std::to_string(status.error_code()) + " " + testing::ReasonOf(status) + " " +
                    testing::MetadataOf(status, "limit") + " " +
                    testing::MetadataOf(status, "retry_at") +
                    testing::MetadataOf(status, "locked_until"));
      clock_.Advance(seconds(70));
    }
    return out;
  };
  const auto start = clock_.Now();
  const auto real = answers("coordinator-1", "192.0.2.1");
  clock_.Set(start);
  const auto nobody = answers("nobody-at-all", "192.0.2.2");
  EXPECT_EQ(real, nobody);
  EXPECT_EQ(real.back().rfind("9 R-LOGIN-THROTTLE account", 0), 0u) << real.back();
}

// Attempts in parallel are decided one after the other: one code logs in
// once, and one address's failures are all counted.
TEST_F(LoginTest, ParallelAttemptsAreCountedOneByOne) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string code = CodeNow(enrolled.secret);
  std::vector<std::future<grpc::Status>> logins;
  for (int i = 0; i < 6; ++i) {
    logins.push_back(std::async(std::launch::async, [&, i] {
      return Login("coordinator-1", kPassword, code, nullptr, kAddress, SessionHash(100 + i));
    }));
  }
  int succeeded = 0;
  for (auto& login : logins) {
    succeeded += login.get().ok() ? 1 : 0;
  }
  EXPECT_EQ(succeeded, 1) << "one code, one login";

  std::vector<std::future<grpc::Status>> guesses;
  for (int i = 0; i < 30; ++i) {
    guesses.push_back(std::async(std::launch::async, [&, i] {
      return Login("nobody-" + std::to_string(i), kPassword, "123456", nullptr, "192.0.2.77");
    }));
  }
  int checked = 0;
  int busy = 0;
  for (auto& guess : guesses) {
    const grpc::Status status = guess.get();
    const std::string reason = testing::ReasonOf(status);
    checked += reason == "LOGIN_FAILED" ? 1 : 0;
    // On a loaded machine some wait longer than kLoginSlotWait for one of
    // the four check slots, and are turned away before they are decided.
    busy += status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? 1 : 0;
    EXPECT_TRUE(reason == "LOGIN_FAILED" || reason == workflow::rules::kLoginThrottle ||
                status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
        << status.error_code() << " " << reason;
  }
  // Of those decided, the first kAddressSlowAfter are checked, one by one;
  // the rest wait, unchecked.
  EXPECT_EQ(checked, std::min(workflow::kAddressSlowAfter, 30 - busy))
      << busy << " turned away busy";
}

// Key rotation (DESIGN.md §6) moves the authenticator secrets too: after
// it, a login works with the new key alone.
TEST_F(LoginTest, KeyRotationMovesTheAuthenticatorSecrets) {
  const auto enrolled = Enrol("coordinator-1");
  const auto rotated =
      common::Keyring::FromKeys({{"k1", std::string(32, 'a')}, {"k2", std::string(32, 'c')}}, "k2",
                                {{"b1", std::string(32, 'b')}}, "b1");
  {
    auto lease = pool_.Acquire(seconds(5));
    pqxx::work tx(*lease);
    EXPECT_GT(common::ReencryptColumns(tx, rotated, SealedColumns(), 100), 0);
    for (const auto& column : SealedColumns()) {
      EXPECT_EQ(common::CountStale(tx, column, "k2"), 0) << column.table << "." << column.column;
    }
    tx.commit();
  }
  keys_.Set(common::Keyring::FromKeys({{"k2", std::string(32, 'c')}}, "k2",
                                      {{"b1", std::string(32, 'b')}}, "b1"));
  EXPECT_TRUE(Login("coordinator-1", kPassword, CodeNow(enrolled.secret)).ok());
}

TEST_F(LoginTest, AnEnrolmentCodeIsInItsAnswerOnly_NotInARetry) {
  pb::IssueEnrolmentCodeRequest request;
  request.set_request_id("issue-once");
  request.set_organisation_id("essm-rotterdam");
  request.set_user_id("coordinator-1");
  request.set_etag(Get("coordinator-1").etag());
  pb::IssueEnrolmentCodeResponse first;
  ASSERT_TRUE(essm_->IssueEnrolmentCode(ContextAs("beheer-1").get(), request, &first).ok());
  EXPECT_FALSE(first.enrolment_code().empty());
  pb::IssueEnrolmentCodeResponse retry;
  ASSERT_TRUE(essm_->IssueEnrolmentCode(ContextAs("beheer-1").get(), request, &retry).ok());
  EXPECT_TRUE(retry.enrolment_code().empty());
  EXPECT_EQ(retry.user().etag(), first.user().etag()) << "applied once";
  pb::StartEnrolmentResponse started;
  EXPECT_TRUE(Start("coordinator-1", first.enrolment_code(), kPassword, started).ok());
}

}  // namespace
}  // namespace ketenregie::directory
