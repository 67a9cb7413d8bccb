// Handoffs through real gRPC with mutual TLS: the trajectory, shelter,
// consent and handoff services in this process on one fresh database, as in
// the stack.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/tls.h"
#include "services/consent/handler.h"
#include "services/consent/storage.h"
#include "services/handoff/handler.h"
#include "services/handoff/storage.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"
#include "services/trajectory/feed.h"
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
namespace cpb = ketenregie::common::v1;
namespace kpb = ketenregie::consent::v1;
namespace hpb = ketenregie::handoff::v1;
namespace spb = ketenregie::shelter::v1;
namespace tpb = ketenregie::trajectory::v1;

class NoOpenWork final : public trajectory::OpenWork {
 public:
  grpc::Status Count(const std::string&, int& p, int& h) override {
    p = h = 0;
    return grpc::Status::OK;
  }
};

class AdultFacts final : public common::TrajectoryFacts {
 public:
  grpc::Status Get(const std::string&, workflow::PersonFacts& facts) override {
    facts = {workflow::AgeStatus::kConfirmedAdult, workflow::GenderIdentity::kWoman, 0, true,
             "essm-rotterdam"};
    return grpc::Status::OK;
  }
};

std::shared_ptr<grpc::ChannelCredentials> ServiceCredentials(const std::string& service) {
  const std::string& certs = testing::TestCertsDir();
  return common::MutualTlsChannelCredentials(certs + "/svc-" + service + ".pem",
                                             certs + "/svc-" + service + ".key", certs + "/ca.pem");
}

// Follows a feed until `done` holds, for up to ten seconds; returns the
// events passed. The feed serves an event once every transaction older than
// it has ended, and the other tests running on the same cluster can hold
// the last ones back for a moment while the earlier ones pass.
template <typename Follow, typename Done>
int FollowUntil(Follow follow, Done done) {
  const auto give_up = steady_clock::now() + seconds(10);
  int passed = 0;
  for (;;) {
    passed += follow();
    if (done() || steady_clock::now() > give_up) {
      return passed;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
}

class HandoffServiceTest : public ::testing::Test {
 protected:
  HandoffServiceTest()
      : trajectory_pool_(db_.Dsn("ketenregie_trajectory"), 4, &trajectory::Prepare),
        consent_pool_(db_.Dsn("ketenregie_consent"), 4, &consent::Prepare),
        shelter_pool_(db_.Dsn("ketenregie_shelter"), 4, &shelter::Prepare),
        handoff_pool_(db_.Dsn("ketenregie_handoff"), 4, &handoff::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(workflow::Instant{sys_days{2026y / November / 22}.time_since_epoch() + hours{9}}),
        trajectories_(trajectory_pool_, testing::TestDirectory(), keys_, clock_, open_work_, {}),
        consents_(consent_pool_, testing::TestDirectory(), keys_, clock_, facts_,
                  milliseconds(5000)),
        shelters_(shelter_pool_, testing::TestDirectory(), keys_, clock_, facts_,
                  milliseconds(5000)),
        trajectory_server_(trajectories_),
        consent_server_(consents_),
        shelter_server_(shelters_),
        consent_peer_([this] { return consent_server_.address(); }, ServiceCredentials("handoff")),
        trajectory_peer_([this] { return trajectory_server_.address(); },
                         ServiceCredentials("handoff")),
        shelter_peer_([this] { return shelter_server_.address(); }, ServiceCredentials("handoff")),
        trajectory_facts_([this] { return trajectory_server_.address(); },
                          ServiceCredentials("handoff"), "handoff-service"),
        handoffs_(handoff_pool_, testing::TestDirectory(), keys_, clock_,
                  {consent_peer_, trajectory_peer_, shelter_peer_, trajectory_facts_},
                  milliseconds(5000)),
        handoff_server_(handoffs_),
        essm_trajectory_(tpb::TrajectoryService::NewStub(
            testing::ChannelAs(trajectory_server_, "essm-rotterdam"))),
        essm_consent_(
            kpb::ConsentService::NewStub(testing::ChannelAs(consent_server_, "essm-rotterdam"))),
        essm_(hpb::HandoffService::NewStub(testing::ChannelAs(handoff_server_, "essm-rotterdam"))),
        lawyer_(hpb::HandoffService::NewStub(
            testing::ChannelAs(handoff_server_, "advocatenkantoor-demo"))) {}

  void SetUp() override {
    tpb::RegisterPersonRequest reg;
    reg.set_request_id("reg-1");
    reg.mutable_identity()->set_given_name("Grace");
    reg.mutable_identity()->set_family_name("Okafor");
    reg.set_age_status(tpb::AGE_STATUS_CONFIRMED_ADULT);
    tpb::RegisterPersonResponse registered;
    ASSERT_TRUE(
        essm_trajectory_->RegisterPerson(ContextAs("coordinator-1").get(), reg, &registered).ok());
    trajectory_id_ = registered.trajectory().id();

    kpb::ProposeConsentRequest propose;
    propose.set_request_id("c-1");
    auto* c = propose.mutable_consent();
    c->set_trajectory_id(trajectory_id_);
    c->set_grantor(kpb::GRANTOR_PERSON);
    c->set_recipient_organisation_id("advocatenkantoor-demo");
    c->add_categories(cpb::DATA_CATEGORY_IDENTITY);
    c->add_categories(cpb::DATA_CATEGORY_RESIDENCE_STATUS);
    c->set_purpose(cpb::PURPOSE_LEGAL_AID);
    c->set_method(kpb::CONSENT_METHOD_WRITTEN);
    c->mutable_valid_until()->set_seconds((clock_.Now() + days{90}).time_since_epoch().count());
    ASSERT_TRUE(
        essm_consent_->ProposeConsent(ContextAs("coordinator-1").get(), propose, &consent_).ok());
    kpb::GrantConsentRequest grant;
    grant.set_request_id("c-2");
    grant.set_consent_id(consent_.id());
    grant.set_etag(consent_.etag());
    ASSERT_TRUE(
        essm_consent_->GrantConsent(ContextAs("coordinator-1").get(), grant, &consent_).ok());

    hpb::CreateHandoffRequest create;
    create.set_request_id("h-1");
    create.set_trajectory_id(trajectory_id_);
    create.set_recipient_organisation_id("advocatenkantoor-demo");
    create.set_purpose(hpb::HANDOFF_PURPOSE_LEGAL_AID);
    create.set_message("Verzoek om rechtsbijstand");
    ASSERT_TRUE(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &handoff_).ok());
  }

  void Send() {
    hpb::SendHandoffRequest send;
    send.set_request_id("h-2");
    send.set_handoff_id(handoff_.id());
    send.set_etag(handoff_.etag());
    ASSERT_TRUE(essm_->SendHandoff(ContextAs("coordinator-1").get(), send, &handoff_).ok());
  }

  // Whether the handoff is revoked, read from its table (no call, so
  // nothing on the audit trail).
  bool Revoked(const std::string& id) {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx
        .exec_params1("SELECT state = $2 FROM handoff.handoffs WHERE id = $1::uuid", id,
                      handoff::kHandoffStates.Of(workflow::HandoffState::kRevoked))[0]
        .as<bool>();
  }

  grpc::Status Read(hpb::Packet* packet) {
    hpb::ReadPacketRequest read;
    read.set_handoff_id(handoff_.id());
    return lawyer_->ReadPacket(ContextAs("advocaat-1").get(), read, packet);
  }

  // Places the person of `trajectory` in the crisis shelter (made on first
  // use, its address secret), as a coordinator and the shelter's staff do.
  void PlaceInCrisisShelter(const std::string& trajectory) {
    auto staff =
        spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "crisisopvang-rotterdam"));
    if (crisis_shelter_.id().empty()) {
      spb::CreateShelterRequest create;
      create.set_request_id("crisis-shelter");
      create.mutable_shelter()->set_display_name("Opvang Noord");
      create.mutable_shelter()->set_kind(spb::SHELTER_KIND_CRISIS);
      create.mutable_shelter()->set_capacity_beds(100);
      create.mutable_shelter()->set_secret_address(kSecretAddress);
      ASSERT_TRUE(staff->CreateShelter(ContextAs("opvang-1").get(), create, &crisis_shelter_).ok());
    }
    auto essm = spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "essm-rotterdam"));
    spb::RequestPlacementRequest request;
    request.set_request_id("place-" + trajectory);
    request.set_shelter_id(crisis_shelter_.id());
    request.set_trajectory_id(trajectory);
    spb::Placement placement;
    ASSERT_TRUE(essm->RequestPlacement(ContextAs("coordinator-1").get(), request, &placement).ok());
    spb::ConfirmPlacementRequest confirm;
    confirm.set_request_id("confirm-" + trajectory);
    confirm.set_placement_id(placement.id());
    confirm.set_etag(placement.etag());
    ASSERT_TRUE(staff->ConfirmPlacement(ContextAs("opvang-1").get(), confirm, &placement).ok());
  }

  // One more consent of the person to the lawyer, for legal aid, granted.
  void GrantToLawyer(std::initializer_list<cpb::DataCategory> categories, kpb::Consent* out) {
    kpb::ProposeConsentRequest propose;
    propose.set_request_id("extra-consent");
    auto* c = propose.mutable_consent();
    c->set_trajectory_id(trajectory_id_);
    c->set_grantor(kpb::GRANTOR_PERSON);
    c->set_recipient_organisation_id("advocatenkantoor-demo");
    for (const auto category : categories) {
      c->add_categories(category);
    }
    c->set_purpose(cpb::PURPOSE_LEGAL_AID);
    c->set_method(kpb::CONSENT_METHOD_VERBAL);
    c->mutable_valid_until()->set_seconds((clock_.Now() + days{30}).time_since_epoch().count());
    ASSERT_TRUE(essm_consent_->ProposeConsent(ContextAs("coordinator-1").get(), propose, out).ok());
    kpb::GrantConsentRequest grant;
    grant.set_request_id("extra-consent-grant");
    grant.set_consent_id(out->id());
    grant.set_etag(out->etag());
    ASSERT_TRUE(essm_consent_->GrantConsent(ContextAs("coordinator-1").get(), grant, out).ok());
  }

  // Closes the trajectory (this trajectory service counts no open work).
  void CloseTrajectory(tpb::Trajectory* out) {
    tpb::GetTrajectoryRequest get;
    get.set_id(trajectory_id_);
    ASSERT_TRUE(essm_trajectory_->GetTrajectory(ContextAs("coordinator-1").get(), get, out).ok());
    tpb::CloseTrajectoryRequest close;
    close.set_request_id("close");
    close.set_trajectory_id(trajectory_id_);
    close.set_etag(out->etag());
    close.set_reason(tpb::CLOSURE_REASON_MOVED_ON);
    const auto closed =
        essm_trajectory_->CloseTrajectory(ContextAs("coordinator-1").get(), close, out);
    ASSERT_TRUE(closed.ok()) << closed.error_message();
  }

  static constexpr const char* kSecretAddress = "Geheimstraat 7, 3011 AA Rotterdam";

  int AuditRecords() {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx.exec1("SELECT count(*) FROM audit.records WHERE method = 'ReadPacket'")[0].as<int>();
  }

  testing::TestDatabase db_;
  common::DbPool trajectory_pool_;
  common::DbPool consent_pool_;
  common::DbPool shelter_pool_;
  common::DbPool handoff_pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  NoOpenWork open_work_;
  AdultFacts facts_;
  trajectory::TrajectoryHandler trajectories_;
  consent::ConsentHandler consents_;
  shelter::ShelterHandler shelters_;
  testing::TestServer trajectory_server_;
  testing::TestServer consent_server_;
  testing::TestServer shelter_server_;
  common::PeerChannel consent_peer_;
  common::PeerChannel trajectory_peer_;
  common::PeerChannel shelter_peer_;
  common::RemoteTrajectoryFacts trajectory_facts_;
  handoff::HandoffHandler handoffs_;
  testing::TestServer handoff_server_;
  std::unique_ptr<tpb::TrajectoryService::Stub> essm_trajectory_;
  std::unique_ptr<kpb::ConsentService::Stub> essm_consent_;
  std::unique_ptr<hpb::HandoffService::Stub> essm_;
  std::unique_ptr<hpb::HandoffService::Stub> lawyer_;
  std::string trajectory_id_;
  kpb::Consent consent_;
  hpb::Handoff handoff_;
  spb::Shelter crisis_shelter_;
};

TEST_F(HandoffServiceTest, PacketHoldsExactlyThePermittedCategories_OthersVisiblyWithheld) {
  hpb::ListInboxResponse inbox;
  ASSERT_TRUE(lawyer_->ListInbox(ContextAs("advocaat-1").get(), {}, &inbox).ok());
  EXPECT_EQ(inbox.handoffs_size(), 0) << "a draft is not in the partner's inbox";
  Send();
  ASSERT_TRUE(lawyer_->ListInbox(ContextAs("advocaat-1").get(), {}, &inbox).ok());
  ASSERT_EQ(inbox.handoffs_size(), 1);
  {
    // The message in the inbox is written about her: a read on her trail,
    // by the partner that read it.
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit.records WHERE method = 'ListInbox' "
                              "AND actor = 'advocaat-1' AND trajectory_id = $1::uuid",
                              trajectory_id_)[0]
                  .as<int>(),
              1);
  }

  hpb::Packet packet;
  ASSERT_TRUE(Read(&packet).ok());
  EXPECT_EQ(packet.message(), "Verzoek om rechtsbijstand");
  ASSERT_EQ(packet.sections_size(), 9);
  for (const auto& section : packet.sections()) {
    const bool consented = section.category() == cpb::DATA_CATEGORY_IDENTITY ||
                           section.category() == cpb::DATA_CATEGORY_RESIDENCE_STATUS;
    EXPECT_EQ(section.shared(), consented) << cpb::DataCategory_Name(section.category());
    if (consented) {
      EXPECT_EQ(section.basis_id(), consent_.id());
    } else {
      EXPECT_TRUE(section.fields().empty());
      EXPECT_EQ(section.withheld_reason(), "not shared: no consent");
    }
    if (section.category() == cpb::DATA_CATEGORY_IDENTITY) {
      EXPECT_EQ(section.fields().at("given_name"), "Grace");
    }
  }
  EXPECT_EQ(AuditRecords(), 1);
  ASSERT_TRUE(Read(&packet).ok());
  EXPECT_EQ(AuditRecords(), 2) << "every packet read has exactly one record";

  // A user of another organisation presented with the lawyer's certificate
  // is refused, and the attempt is on the audit trail.
  hpb::ReadPacketRequest impostor;
  impostor.set_handoff_id(handoff_.id());
  EXPECT_TRUE(
      testing::Refused(lawyer_->ReadPacket(ContextAs("rechercheur-1").get(), impostor, &packet),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM audit.records WHERE action = 4 AND actor = "
                       "'rechercheur-1' AND organisation_id = 'advocatenkantoor-demo'")[0]
                  .as<int>(),
              1);
  }
  // Another organisation does not see it at all.
  auto gemeente =
      hpb::HandoffService::NewStub(testing::ChannelAs(handoff_server_, "gemeente-rotterdam"));
  hpb::ReadPacketRequest read;
  read.set_handoff_id(handoff_.id());
  EXPECT_EQ(
      gemeente->ReadPacket(ContextAs("aandachtsfunctionaris-1").get(), read, &packet).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(HandoffServiceTest, Withdrawal_DeniesTheNextReadThenRevokesTheHandoff) {
  Send();
  kpb::WithdrawConsentRequest withdraw;
  withdraw.set_request_id("c-3");
  withdraw.set_consent_id(consent_.id());
  withdraw.set_etag(consent_.etag());
  const auto withdrawn =
      essm_consent_->WithdrawConsent(ContextAs("coordinator-1").get(), withdraw, &consent_);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.error_message();
  hpb::Packet packet;
  ASSERT_TRUE(Read(&packet).ok());
  for (const auto& section : packet.sections()) {
    EXPECT_FALSE(section.shared()) << "withdrawal takes effect at once";
  }
  EXPECT_EQ(packet.sections(0).withheld_reason(), "not shared: consent withdrawn");
  // The feed revokes the open handoff; the partner is told why.
  EXPECT_GT(FollowUntil([&] { return handoffs_.FollowConsentFeed(); },
                        [&] { return Revoked(handoff_.id()); }),
            0);
  const grpc::Status revoked = Read(&packet);
  EXPECT_TRUE(
      testing::Refused(revoked, grpc::StatusCode::PERMISSION_DENIED, "R-WITHDRAWAL-IMMEDIATE"));
  EXPECT_NE(revoked.error_message().find("consent withdrawn"), std::string::npos)
      << revoked.error_message();
  // The refused read is on the trail, in her records.
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(
      tx.exec_params1(
            "SELECT count(*) FROM audit.records WHERE method = 'ReadPacket' AND action = 3 AND "
            "decision = 2 AND actor = 'advocaat-1' AND trajectory_id = $1::uuid",
            trajectory_id_)[0]
          .as<int>(),
      1);
}

// A consent to a whole type of organisation (every legal-aid office): its
// withdrawal revokes the handoffs to each organisation of that type.
TEST_F(HandoffServiceTest, TypeWideWithdrawal_RevokesTheHandoffsToEveryOrganisationOfThatType) {
  Send();
  kpb::ProposeConsentRequest propose;
  propose.set_request_id("type-wide");
  auto* c = propose.mutable_consent();
  c->set_trajectory_id(trajectory_id_);
  c->set_grantor(kpb::GRANTOR_PERSON);
  c->set_recipient_type(cpb::ORGANISATION_TYPE_LEGAL_AID);
  c->add_categories(cpb::DATA_CATEGORY_IDENTITY);
  c->set_purpose(cpb::PURPOSE_LEGAL_AID);
  c->set_method(kpb::CONSENT_METHOD_WRITTEN);
  c->mutable_valid_until()->set_seconds((clock_.Now() + days{30}).time_since_epoch().count());
  kpb::Consent type_wide;
  const auto proposed =
      essm_consent_->ProposeConsent(ContextAs("coordinator-1").get(), propose, &type_wide);
  ASSERT_TRUE(proposed.ok()) << proposed.error_message();
  kpb::GrantConsentRequest grant;
  grant.set_request_id("type-wide-grant");
  grant.set_consent_id(type_wide.id());
  grant.set_etag(type_wide.etag());
  ASSERT_TRUE(
      essm_consent_->GrantConsent(ContextAs("coordinator-1").get(), grant, &type_wide).ok());
  kpb::WithdrawConsentRequest withdraw;
  withdraw.set_request_id("type-wide-withdraw");
  withdraw.set_consent_id(type_wide.id());
  withdraw.set_etag(type_wide.etag());
  const auto withdrawn =
      essm_consent_->WithdrawConsent(ContextAs("coordinator-1").get(), withdraw, &type_wide);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.error_message();

  // A replica whose copy of the directory is not current yet (just
  // started, the directory service not heard) cannot tell which offices are
  // LEGAL_AID: it leaves the withdrawal in the feed instead of passing it
  // revoking nothing (which lost it for good before).
  common::Directory copy(seconds(15));
  handoff::HandoffHandler replica(
      handoff_pool_, copy, keys_, clock_,
      {consent_peer_, trajectory_peer_, shelter_peer_, trajectory_facts_}, milliseconds(5000));
  for (int round = 0; round < 3; ++round) {
    replica.FollowConsentFeed();
  }
  EXPECT_FALSE(Revoked(handoff_.id()));
  copy.Replace(common::Directory::ReadSeed(
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/organisations.tsv",
      std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/users.tsv"));

  hpb::GetHandoffRequest get;
  get.set_id(handoff_.id());
  hpb::Handoff after;
  EXPECT_GT(FollowUntil([&] { return replica.FollowConsentFeed(); },
                        [&] { return Revoked(handoff_.id()); }),
            0);
  ASSERT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), get, &after).ok());
  EXPECT_EQ(after.state(), hpb::HANDOFF_STATE_REVOKED) << "the lawyer's office is LEGAL_AID";
  EXPECT_EQ(after.reason(), "consent withdrawn");
}

TEST_F(HandoffServiceTest, PartnerAnswers_DeclineNeedsAReason_AcceptedFormsTheCarePlan) {
  Send();
  hpb::DeclineHandoffRequest decline;
  decline.set_request_id("d-1");
  decline.set_handoff_id(handoff_.id());
  decline.set_etag(handoff_.etag());
  hpb::Handoff out;
  const auto refused = lawyer_->DeclineHandoff(ContextAs("advocaat-1").get(), decline, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(refused), "R-HANDOFF-ANSWER");
  hpb::AcceptHandoffRequest accept;
  accept.set_request_id("a-1");
  accept.set_handoff_id(handoff_.id());
  accept.set_etag(handoff_.etag());
  accept.set_assigned_office("Advocatenkantoor Demo, mr. J. de Boer");
  ASSERT_TRUE(lawyer_->AcceptHandoff(ContextAs("advocaat-1").get(), accept, &out).ok());
  hpb::GetCarePlanRequest plan_request;
  plan_request.set_trajectory_id(trajectory_id_);
  hpb::CarePlan plan;
  ASSERT_TRUE(essm_->GetCarePlan(ContextAs("coordinator-1").get(), plan_request, &plan).ok());
  ASSERT_EQ(plan.items_size(), 1);
  EXPECT_EQ(plan.items(0).state(), hpb::HANDOFF_STATE_ACCEPTED);
  EXPECT_EQ(plan.items(0).assigned_office(), "Advocatenkantoor Demo, mr. J. de Boer");
  // The coordinator cannot answer for the partner.
  hpb::CompleteHandoffRequest complete;
  complete.set_request_id("x-1");
  complete.set_handoff_id(handoff_.id());
  complete.set_etag(out.etag());
  EXPECT_TRUE(
      testing::Refused(essm_->CompleteHandoff(ContextAs("coordinator-1").get(), complete, &out),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
}

// No answer in time: the handoff expires, and through the handoff feed the
// trajectory's timeline shows it and the coordinator gets a task.
TEST_F(HandoffServiceTest, UnansweredHandoff_ExpiresAndTheCoordinatorGetsATask) {
  Send();
  EXPECT_EQ(handoffs_.FireDueTimers(10), 0) << "not due yet";
  clock_.Advance(days{6});
  EXPECT_EQ(handoffs_.FireDueTimers(10), 1);
  hpb::GetHandoffRequest get;
  get.set_id(handoff_.id());
  hpb::Handoff now;
  ASSERT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), get, &now).ok());
  EXPECT_EQ(now.state(), hpb::HANDOFF_STATE_EXPIRED);

  trajectory::ServiceEventSource<hpb::HandoffService> source(
      [this] { return handoff_server_.address(); }, ServiceCredentials("trajectory"),
      "trajectory-service");
  trajectory::EventConsumer consumer(trajectory_pool_, source, "handoff", milliseconds(5000));
  tpb::ListTasksResponse tasks;
  FollowUntil(
      [&] { return consumer.PullOnce(); },
      [&] {
        return essm_trajectory_->ListTasks(ContextAs("coordinator-1").get(), {}, &tasks).ok() &&
               tasks.tasks_size() > 0;
      });
  ASSERT_TRUE(essm_trajectory_->ListTasks(ContextAs("coordinator-1").get(), {}, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).kind(), "handoff.unanswered");
  tpb::ListTimelineRequest timeline;
  timeline.set_trajectory_id(trajectory_id_);
  tpb::ListTimelineResponse entries;
  ASSERT_TRUE(
      essm_trajectory_->ListTimeline(ContextAs("coordinator-1").get(), timeline, &entries).ok());
  std::vector<std::string> kinds;
  for (const auto& e : entries.entries()) {
    kinds.push_back(e.kind());
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"person.registered", "handoff.sent", "handoff.expired",
                                             "task.requested"}));
}

// The disclosure matrix at the partner's end: for recipients of every kind
// and every state a basis can be in, a packet read shares exactly the
// categories an active basis covers.
TEST_F(HandoffServiceTest, DisclosureMatrix_PacketReadsShareExactlyWhatIsPermitted) {
  struct Recipient {
    std::string org;
    std::string user;
    hpb::HandoffPurpose purpose;
    cpb::Purpose disclosure_purpose;
  };
  const std::vector<Recipient> recipients = {
      {"gemeente-rotterdam", "aandachtsfunctionaris-1", hpb::HANDOFF_PURPOSE_MUNICIPALITY,
       cpb::PURPOSE_MUNICIPAL_SUPPORT},
      {"politie-avim-rotterdam", "rechercheur-1", hpb::HANDOFF_PURPOSE_POLICE,
       cpb::PURPOSE_CRIMINAL_INVESTIGATION},
      {"advocatenkantoor-demo", "advocaat-1", hpb::HANDOFF_PURPOSE_LEGAL_AID,
       cpb::PURPOSE_LEGAL_AID},
      {"crisisopvang-rotterdam", "opvang-1", hpb::HANDOFF_PURPOSE_SHELTER_REQUEST,
       cpb::PURPOSE_SHELTER_PLACEMENT},
      {"nidos", "voogd-1", hpb::HANDOFF_PURPOSE_CHILD_PROTECTION, cpb::PURPOSE_CHILD_PROTECTION}};
  enum class Basis {
    kNone,
    kGranted,
    kWithdrawn,
    kExpired,
    kRefused,
    kOverrideApproved,
    kOverridePending
  };
  const std::vector<Basis> bases = {
      Basis::kNone,    Basis::kGranted,          Basis::kWithdrawn,      Basis::kExpired,
      Basis::kRefused, Basis::kOverrideApproved, Basis::kOverridePending};
  const std::set<int> consented = {cpb::DATA_CATEGORY_IDENTITY, cpb::DATA_CATEGORY_CONTACT,
                                   cpb::DATA_CATEGORY_LOCATION};
  const std::set<int> overridden = {cpb::DATA_CATEGORY_IDENTITY, cpb::DATA_CATEGORY_LOCATION};
  const auto start = clock_.Now();
  int n = 0;
  for (const auto& r : recipients) {
    for (const Basis basis : bases) {
      clock_.Set(start);
      const std::string tag = r.org + "-" + std::to_string(++n);
      tpb::RegisterPersonRequest reg;
      reg.set_request_id(tag + "reg");
      reg.mutable_identity()->set_given_name("P" + tag);
      reg.set_age_status(tpb::AGE_STATUS_CONFIRMED_ADULT);
      tpb::RegisterPersonResponse registered;
      ASSERT_TRUE(
          essm_trajectory_->RegisterPerson(ContextAs("coordinator-1").get(), reg, &registered)
              .ok());
      const std::string t = registered.trajectory().id();
      PlaceInCrisisShelter(t);

      if (basis == Basis::kGranted || basis == Basis::kWithdrawn || basis == Basis::kExpired ||
          basis == Basis::kRefused) {
        kpb::ProposeConsentRequest propose;
        propose.set_request_id(tag + "c");
        auto* c = propose.mutable_consent();
        c->set_trajectory_id(t);
        c->set_grantor(kpb::GRANTOR_PERSON);
        c->set_recipient_organisation_id(r.org);
        for (const int category : consented) {
          c->add_categories(static_cast<cpb::DataCategory>(category));
        }
        c->set_purpose(r.disclosure_purpose);
        c->set_method(kpb::CONSENT_METHOD_WRITTEN);
        c->mutable_valid_until()->set_seconds((start + days{30}).time_since_epoch().count());
        kpb::Consent consent;
        ASSERT_TRUE(
            essm_consent_->ProposeConsent(ContextAs("coordinator-1").get(), propose, &consent)
                .ok());
        if (basis == Basis::kRefused) {
          kpb::RefuseConsentRequest refuse;
          refuse.set_request_id(tag + "cr");
          refuse.set_consent_id(consent.id());
          refuse.set_etag(consent.etag());
          ASSERT_TRUE(
              essm_consent_->RefuseConsent(ContextAs("coordinator-1").get(), refuse, &consent)
                  .ok());
        } else {
          kpb::GrantConsentRequest grant;
          grant.set_request_id(tag + "cg");
          grant.set_consent_id(consent.id());
          grant.set_etag(consent.etag());
          ASSERT_TRUE(
              essm_consent_->GrantConsent(ContextAs("coordinator-1").get(), grant, &consent).ok());
        }
        if (basis == Basis::kWithdrawn) {
          kpb::WithdrawConsentRequest withdraw;
          withdraw.set_request_id(tag + "cw");
          withdraw.set_consent_id(consent.id());
          withdraw.set_etag(consent.etag());
          ASSERT_TRUE(
              essm_consent_->WithdrawConsent(ContextAs("coordinator-1").get(), withdraw, &consent)
                  .ok());
        }
      }
      if (basis == Basis::kOverrideApproved || basis == Basis::kOverridePending) {
        kpb::RequestOverrideRequest request;
        request.set_request_id(tag + "o");
        auto* o = request.mutable_override();
        o->set_trajectory_id(t);
        o->set_basis(kpb::LEGAL_BASIS_LEGAL_OBLIGATION);
        o->set_justification("Wettelijke plicht");
        o->set_recipient_organisation_id(r.org);
        for (const int category : overridden) {
          o->add_categories(static_cast<cpb::DataCategory>(category));
        }
        o->mutable_expires_at()->set_seconds((start + days{30}).time_since_epoch().count());
        kpb::Override created;
        ASSERT_TRUE(
            essm_consent_->RequestOverride(ContextAs("coordinator-1").get(), request, &created)
                .ok());
        if (basis == Basis::kOverrideApproved) {
          kpb::ApproveOverrideRequest approve;
          approve.set_request_id(tag + "oa");
          approve.set_override_id(created.id());
          approve.set_etag(created.etag());
          ASSERT_TRUE(
              essm_consent_->ApproveOverride(ContextAs("coordinator-2").get(), approve, &created)
                  .ok());
        }
      }
      hpb::CreateHandoffRequest create;
      create.set_request_id(tag + "h");
      create.set_trajectory_id(t);
      create.set_recipient_organisation_id(r.org);
      create.set_purpose(r.purpose);
      hpb::Handoff h;
      ASSERT_TRUE(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &h).ok());
      hpb::SendHandoffRequest send;
      send.set_request_id(tag + "hs");
      send.set_handoff_id(h.id());
      send.set_etag(h.etag());
      ASSERT_TRUE(essm_->SendHandoff(ContextAs("coordinator-1").get(), send, &h).ok());
      if (basis == Basis::kExpired) {
        clock_.Set(start + days{31});
      }
      auto partner = hpb::HandoffService::NewStub(testing::ChannelAs(handoff_server_, r.org));
      hpb::ReadPacketRequest read;
      read.set_handoff_id(h.id());
      hpb::Packet packet;
      const auto status = partner->ReadPacket(ContextAs(r.user).get(), read, &packet);
      ASSERT_TRUE(status.ok()) << tag << ": " << status.error_message();
      std::set<int> shared;
      for (const auto& section : packet.sections()) {
        if (section.shared()) {
          shared.insert(section.category());
        } else {
          EXPECT_FALSE(section.withheld_reason().empty());
          EXPECT_TRUE(section.fields().empty()) << "withheld data present";
        }
      }
      const std::set<int> expected = basis == Basis::kGranted            ? consented
                                     : basis == Basis::kOverrideApproved ? overridden
                                                                         : std::set<int>{};
      EXPECT_EQ(shared, expected) << tag << " basis " << static_cast<int>(basis);
      // Where she stays reaches the partner exactly when LOCATION is
      // permitted for it, from the shelter service; never anywhere else.
      const bool location = expected.contains(cpb::DATA_CATEGORY_LOCATION);
      EXPECT_EQ(packet.SerializeAsString().find(kSecretAddress) != std::string::npos, location)
          << tag;
      for (const auto& section : packet.sections()) {
        if (section.category() == cpb::DATA_CATEGORY_LOCATION && location) {
          EXPECT_EQ(section.fields().at("address"), kSecretAddress) << tag;
          EXPECT_EQ(section.fields().at("shelter"), "Opvang Noord") << tag;
        }
      }
    }
  }
}

// Withdrawal during a partner's session, 10,000 times with random
// interleaving: no packet read that starts after the withdrawal was
// acknowledged returns the withdrawn categories.
TEST_F(HandoffServiceTest, WithdrawalsRacingPacketReads_NoReadAfterTheAcknowledgementShares) {
  Send();
  constexpr int kPairs = 10'000;
  std::mt19937 random(20261122);
  int violations = 0;
  int shared_before = 0;
  for (int i = 0; i < kPairs; ++i) {
    kpb::ProposeConsentRequest propose;
    propose.set_request_id("race-p" + std::to_string(i));
    auto* c = propose.mutable_consent();
    c->set_trajectory_id(trajectory_id_);
    c->set_grantor(kpb::GRANTOR_PERSON);
    c->set_recipient_organisation_id("advocatenkantoor-demo");
    c->add_categories(cpb::DATA_CATEGORY_CONTACT);
    c->set_purpose(cpb::PURPOSE_LEGAL_AID);
    c->set_method(kpb::CONSENT_METHOD_VERBAL);
    c->mutable_valid_until()->set_seconds((clock_.Now() + days{30}).time_since_epoch().count());
    kpb::Consent consent;
    ASSERT_TRUE(
        essm_consent_->ProposeConsent(ContextAs("coordinator-1").get(), propose, &consent).ok());
    kpb::GrantConsentRequest grant;
    grant.set_request_id("race-g" + std::to_string(i));
    grant.set_consent_id(consent.id());
    grant.set_etag(consent.etag());
    ASSERT_TRUE(
        essm_consent_->GrantConsent(ContextAs("coordinator-1").get(), grant, &consent).ok());

    std::atomic<bool> acknowledged = false;
    const auto delay = microseconds(std::uniform_int_distribution<int>(0, 3000)(random));
    auto withdraw = std::async(std::launch::async, [&] {
      std::this_thread::sleep_for(delay);
      kpb::WithdrawConsentRequest request;
      request.set_request_id("race-w" + std::to_string(i));
      request.set_consent_id(consent.id());
      request.set_etag(consent.etag());
      kpb::Consent out;
      EXPECT_TRUE(
          essm_consent_->WithdrawConsent(ContextAs("coordinator-1").get(), request, &out).ok());
      acknowledged = true;
    });
    const bool after = acknowledged.load();
    hpb::Packet packet;
    ASSERT_TRUE(Read(&packet).ok());
    const bool contact_shared = packet.sections(cpb::DATA_CATEGORY_CONTACT - 1).shared();
    violations += after && contact_shared ? 1 : 0;
    shared_before += !after && contact_shared ? 1 : 0;
    withdraw.get();
  }
  EXPECT_EQ(violations, 0);
  EXPECT_GT(shared_before, 0) << "the race was real: some reads ran before the withdrawal";
}

TEST_F(HandoffServiceTest, BadInput_IsInvalidArgumentNamingEveryFieldAndWritesNothing) {
  using testing::ExpectBadInput;
  using testing::Sending;
  using Stub = hpb::HandoffService::Stub;
  auto rows = [&] {
    return db_.Count(
        "SELECT (SELECT count(*) FROM handoff.handoffs) + (SELECT sum(version) FROM "
        "handoff.handoffs) + (SELECT count(*) FROM handoff.request_log) + (SELECT "
        "count(*) FROM handoff.outbox) + (SELECT count(*) FROM audit.records)");
  };
  const long long before = rows();
  const std::string as = "coordinator-1";
  const std::string partner = "advocaat-1";
  {
    hpb::CreateHandoffRequest r;
    r.set_request_id("c");
    r.set_trajectory_id(trajectory_id_);
    r.set_recipient_organisation_id("advocatenkantoor-demo");
    r.set_purpose(hpb::HANDOFF_PURPOSE_LEGAL_AID);
    ExpectBadInput(
        r, Sending(*essm_, &Stub::CreateHandoff, as),
        {{[](auto& r) { r.clear_request_id(); }, {"request_id"}},
         {[](auto& r) { r.clear_trajectory_id(); }, {"trajectory_id"}},
         {[](auto& r) { r.set_recipient_organisation_id("nobody"); },
          {"recipient_organisation_id"}},
         {[](auto& r) { r.clear_purpose(); }, {"purpose"}},
         {[](auto& r) { r.set_message(std::string(10'001, 'm')); }, {"message"}},
         {[](auto& r) { r.set_message(std::string("aangifte\0wens", 13)); }, {"message"}},
         {[](auto& r) {
            r.clear_purpose();
            r.set_message(std::string(10'001, 'm'));
          },
          {"purpose", "message"}}});
  }
  auto change = [&](auto request) {
    request.set_request_id("s");
    request.set_handoff_id(handoff_.id());
    request.set_etag(handoff_.etag());
    return request;
  };
  ExpectBadInput(change(hpb::SendHandoffRequest()), Sending(*essm_, &Stub::SendHandoff, as),
                 {{[](auto& r) { r.set_handoff_id("x"); }, {"handoff_id"}},
                  {[](auto& r) { r.clear_etag(); }, {"etag"}},
                  {[](auto& r) {
                     r.set_handoff_id("x");
                     r.clear_etag();
                   },
                   {"handoff_id", "etag"}}});
  ExpectBadInput(change(hpb::RevokeHandoffRequest()), Sending(*essm_, &Stub::RevokeHandoff, as),
                 {{[](auto& r) { r.set_reason(std::string(1001, 'r')); }, {"reason"}}});
  ExpectBadInput(
      change(hpb::AcceptHandoffRequest()), Sending(*lawyer_, &Stub::AcceptHandoff, partner),
      {{[](auto& r) { r.set_assigned_office(std::string(201, 'o')); }, {"assigned_office"}}});
  ExpectBadInput(change(hpb::DeclineHandoffRequest()),
                 Sending(*lawyer_, &Stub::DeclineHandoff, partner),
                 {{[](auto& r) { r.set_reason(std::string(1001, 'r')); }, {"reason"}}});
  ExpectBadInput(change(hpb::CompleteHandoffRequest()),
                 Sending(*lawyer_, &Stub::CompleteHandoff, partner),
                 {{[](auto& r) { r.clear_request_id(); }, {"request_id"}}});
  ExpectBadInput(hpb::GetHandoffRequest(), Sending(*essm_, &Stub::GetHandoff, as),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(hpb::ListHandoffsRequest(), Sending(*essm_, &Stub::ListHandoffs, as),
                 {{[](auto&) {}, {"trajectory_id"}}});
  ExpectBadInput(hpb::ListInboxRequest(), Sending(*lawyer_, &Stub::ListInbox, partner),
                 {{[](auto& r) { r.set_state(static_cast<hpb::HandoffState>(40)); }, {"state"}},
                  {[](auto& r) {
                     r.set_state(static_cast<hpb::HandoffState>(40));
                     r.mutable_page()->set_page_token("forged");
                   },
                   {"state", "page.page_token"}}});
  ExpectBadInput(hpb::ReadPacketRequest(), Sending(*lawyer_, &Stub::ReadPacket, partner),
                 {{[](auto&) {}, {"handoff_id"}}});
  ExpectBadInput(hpb::GetCarePlanRequest(), Sending(*essm_, &Stub::GetCarePlan, as),
                 {{[](auto&) {}, {"trajectory_id"}}});
  EXPECT_EQ(rows(), before);
}

// LOCATION and the placements of CARE_PLAN come from the shelter service,
// and only the one the decision permits; the care plan's placements never
// name the shelter or its address.
TEST_F(HandoffServiceTest, LocationFromTheShelterService_OnlyWithLocationPermitted) {
  PlaceInCrisisShelter(trajectory_id_);
  Send();
  hpb::Packet packet;
  ASSERT_TRUE(Read(&packet).ok());
  EXPECT_EQ(packet.SerializeAsString().find(kSecretAddress), std::string::npos)
      << "the consent covers IDENTITY and RESIDENCE_STATUS only";

  // A new consent adds LOCATION and CARE_PLAN for this lawyer.
  kpb::Consent location;
  GrantToLawyer({cpb::DATA_CATEGORY_LOCATION, cpb::DATA_CATEGORY_CARE_PLAN}, &location);

  ASSERT_TRUE(Read(&packet).ok());
  bool saw_location = false;
  bool saw_care_plan = false;
  for (const auto& section : packet.sections()) {
    if (section.category() == cpb::DATA_CATEGORY_LOCATION) {
      saw_location = true;
      ASSERT_TRUE(section.shared());
      EXPECT_EQ(section.basis_id(), location.id());
      EXPECT_EQ(section.fields().at("address"), kSecretAddress);
      EXPECT_EQ(section.fields().at("shelter"), "Opvang Noord");
      EXPECT_EQ(section.fields().at("since"), "2026-11-22T09:00:00Z");
    }
    if (section.category() == cpb::DATA_CATEGORY_CARE_PLAN) {
      saw_care_plan = true;
      ASSERT_TRUE(section.shared());
      EXPECT_EQ(section.fields().at("state"), "TRAJECTORY_STATE_REGISTERED") << "from trajectory";
      const std::string placements = section.fields().at("placements");
      EXPECT_NE(placements.find("crisis placed from 2026-11-22T09:00:00Z"), std::string::npos)
          << placements;
      EXPECT_EQ(placements.find("Opvang Noord"), std::string::npos);
      EXPECT_EQ(placements.find("Geheimstraat"), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_location);
  EXPECT_TRUE(saw_care_plan);
  {
    // The address leaving the shelter service is on the audit trail there
    // too, beside the one record of the packet read.
    pqxx::connection conn(db_.Dsn());
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit.records WHERE method = "
                              "'GetDisclosureSections' AND organisation_id = 'svc-handoff' AND "
                              "position($1 in basis_id) > 0",
                              location.id())[0]
                  .as<int>(),
              1)
        << "with the basis it was handed out on";
  }
  EXPECT_EQ(AuditRecords(), 2);
}

// Without the shelter service's sections no packet goes out at all: the
// shelter's audit store refusing means UNAVAILABLE, and no packet read is
// recorded as having happened.
TEST_F(HandoffServiceTest, ShelterServiceFailing_NoPacketDataLeaves) {
  PlaceInCrisisShelter(trajectory_id_);
  kpb::Consent location;
  GrantToLawyer({cpb::DATA_CATEGORY_LOCATION}, &location);
  Send();
  {
    pqxx::connection conn(db_.Dsn());
    pqxx::work tx(conn);
    tx.exec("REVOKE INSERT ON audit.records FROM ketenregie_shelter");
    tx.commit();
  }
  hpb::Packet packet;
  EXPECT_EQ(Read(&packet).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(packet.sections_size(), 0);
  EXPECT_EQ(AuditRecords(), 0);
}

// Closing checks for unanswered handoffs (R-CLOSE-REQUIRES), but one can be
// sent in the moment between that check and the closing: the trajectory feed
// then revokes it, and the draft with it; the accepted referral stays in the
// care plan. Nothing new is created or sent until the trajectory reopens.
// (The trajectory service here counts no open handoffs: that moment.)
TEST_F(HandoffServiceTest, TrajectoryClosed_UnansweredHandoffsRevoked_NoNewOnes) {
  Send();
  auto create = [&](const std::string& id, const std::string& recipient, hpb::Handoff* out) {
    hpb::CreateHandoffRequest request;
    request.set_request_id(id);
    request.set_trajectory_id(trajectory_id_);
    request.set_recipient_organisation_id(recipient);
    request.set_purpose(hpb::HANDOFF_PURPOSE_LEGAL_AID);
    return essm_->CreateHandoff(ContextAs("coordinator-1").get(), request, out);
  };
  hpb::Handoff draft;
  ASSERT_TRUE(create("h-draft", "gemeente-rotterdam", &draft).ok());
  hpb::Handoff accepted;
  ASSERT_TRUE(create("h-acc", "advocatenkantoor-demo", &accepted).ok());
  hpb::SendHandoffRequest send;
  send.set_request_id("h-acc-send");
  send.set_handoff_id(accepted.id());
  send.set_etag(accepted.etag());
  ASSERT_TRUE(essm_->SendHandoff(ContextAs("coordinator-1").get(), send, &accepted).ok());
  hpb::AcceptHandoffRequest accept;
  accept.set_request_id("h-acc-accept");
  accept.set_handoff_id(accepted.id());
  accept.set_etag(accepted.etag());
  accept.set_assigned_office("Kantoor Demo");
  ASSERT_TRUE(lawyer_->AcceptHandoff(ContextAs("advocaat-1").get(), accept, &accepted).ok());

  tpb::Trajectory t;
  CloseTrajectory(&t);

  // Sending the draft now is refused: the trajectory is not open.
  hpb::SendHandoffRequest send_draft;
  send_draft.set_request_id("h-draft-send");
  send_draft.set_handoff_id(draft.id());
  send_draft.set_etag(draft.etag());
  hpb::Handoff unsent;
  const auto refused_send =
      essm_->SendHandoff(ContextAs("coordinator-1").get(), send_draft, &unsent);
  EXPECT_EQ(refused_send.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(refused_send), "R-CLOSE-REQUIRES");
  // A retry of the acknowledged create still gets its first answer.
  hpb::Handoff again;
  ASSERT_TRUE(create("h-draft", "gemeente-rotterdam", &again).ok());
  EXPECT_EQ(again.id(), draft.id());

  hpb::Packet packet;
  EXPECT_GT(FollowUntil([&] { return handoffs_.FollowTrajectoryFeed(); },
                        [&] { return Revoked(handoff_.id()); }),
            0);
  EXPECT_EQ(handoffs_.FollowTrajectoryFeed(), 0) << "each event once";
  const auto denied = Read(&packet);
  EXPECT_TRUE(
      testing::Refused(denied, grpc::StatusCode::PERMISSION_DENIED, "R-WITHDRAWAL-IMMEDIATE"));
  EXPECT_NE(denied.error_message().find("trajectory closed"), std::string::npos)
      << denied.error_message();
  auto state_of = [&](const std::string& id) {
    hpb::GetHandoffRequest request;
    request.set_id(id);
    hpb::Handoff h;
    EXPECT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), request, &h).ok());
    return h.state();
  };
  EXPECT_EQ(state_of(handoff_.id()), hpb::HANDOFF_STATE_REVOKED);
  EXPECT_EQ(state_of(draft.id()), hpb::HANDOFF_STATE_REVOKED);
  EXPECT_EQ(state_of(accepted.id()), hpb::HANDOFF_STATE_ACCEPTED);

  hpb::Handoff refused;
  const auto status = create("h-after", "gemeente-rotterdam", &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CLOSE-REQUIRES");
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM handoff.outbox WHERE event_type = 'handoff.revoked'")[0]
                .as<int>(),
            2);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM handoff.handoffs")[0].as<int>(), 3);
}

// A closing applied late, after the trajectory reopened and a new referral
// went out: what the reopened trajectory holds stays.
TEST_F(HandoffServiceTest, ClosingAppliedAfterAReopening_LeavesTheReopenedTrajectoryAlone) {
  Send();
  tpb::Trajectory t;
  CloseTrajectory(&t);
  tpb::ReopenTrajectoryRequest reopen;
  reopen.set_request_id("reopen");
  reopen.set_trajectory_id(trajectory_id_);
  reopen.set_etag(t.etag());
  const auto reopened =
      essm_trajectory_->ReopenTrajectory(ContextAs("coordinator-1").get(), reopen, &t);
  ASSERT_TRUE(reopened.ok()) << reopened.error_message();
  hpb::CreateHandoffRequest create;
  create.set_request_id("h-new");
  create.set_trajectory_id(trajectory_id_);
  create.set_recipient_organisation_id("gemeente-rotterdam");
  create.set_purpose(hpb::HANDOFF_PURPOSE_MUNICIPALITY);
  hpb::Handoff fresh;
  ASSERT_TRUE(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &fresh).ok());

  while (handoffs_.FollowTrajectoryFeed() > 0) {
  }
  hpb::Packet packet;
  EXPECT_TRUE(Read(&packet).ok()) << "the sent handoff still stands";
  hpb::GetHandoffRequest request;
  request.set_id(fresh.id());
  hpb::Handoff h;
  ASSERT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), request, &h).ok());
  EXPECT_EQ(h.state(), hpb::HANDOFF_STATE_DRAFT);
}

// Consents, overrides and handoffs of a trajectory come only from the
// organisation that keeps it: to another ESSM it does not exist.
TEST_F(HandoffServiceTest, AnotherOrganisationsTrajectory_IsNotFound) {
  auto amsterdam =
      hpb::HandoffService::NewStub(testing::ChannelAs(handoff_server_, "essm-amsterdam"));
  hpb::CreateHandoffRequest create;
  create.set_request_id("ams-1");
  create.set_trajectory_id(trajectory_id_);
  create.set_recipient_organisation_id("advocatenkantoor-demo");
  create.set_purpose(hpb::HANDOFF_PURPOSE_LEGAL_AID);
  hpb::Handoff h;
  EXPECT_EQ(amsterdam->CreateHandoff(ContextAs("coordinator-ams-1").get(), create, &h).error_code(),
            grpc::StatusCode::NOT_FOUND);
  create.set_trajectory_id("6f1c2d3e-0000-4000-8000-000000000001");
  EXPECT_EQ(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &h).error_code(),
            grpc::StatusCode::NOT_FOUND);
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM handoff.handoffs")[0].as<int>(), 1) << "only SetUp's";
}

TEST_F(HandoffServiceTest, ListHandoffs_PagesNewestFirst_EachReadOnHerTrail) {
  // SetUp's handoff and four more, a second apart.
  std::vector<std::string> made = {handoff_.id()};
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    hpb::CreateHandoffRequest create;
    create.set_request_id("more-" + std::to_string(i));
    create.set_trajectory_id(trajectory_id_);
    create.set_recipient_organisation_id("gemeente-rotterdam");
    create.set_purpose(hpb::HANDOFF_PURPOSE_MUNICIPALITY);
    hpb::Handoff h;
    ASSERT_TRUE(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &h).ok());
    made.push_back(h.id());
  }
  const auto reads = [&] {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx.exec1("SELECT count(*) FROM audit.records WHERE method = 'ListHandoffs'")[0]
        .as<int>();
  };
  hpb::ListHandoffsRequest request;
  request.set_trajectory_id(trajectory_id_);
  request.mutable_page()->set_page_size(2);
  std::vector<std::string> listed;
  int pages = 0;
  do {
    hpb::ListHandoffsResponse page;
    ASSERT_TRUE(essm_->ListHandoffs(ContextAs("coordinator-1").get(), request, &page).ok());
    EXPECT_LE(page.handoffs_size(), 2);
    for (const auto& h : page.handoffs()) {
      listed.push_back(h.id());
    }
    request.mutable_page()->set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page().page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, std::vector<std::string>(made.rbegin(), made.rend()))
      << "newest first, once each";
  EXPECT_EQ(reads(), 3) << "one record per page read";

  // Another organisation: not there for it (no list, no page token that
  // would tell ids and times), and nothing is put on her trail.
  auto amsterdam =
      hpb::HandoffService::NewStub(testing::ChannelAs(handoff_server_, "essm-amsterdam"));
  request.clear_page();
  request.mutable_page()->set_page_size(2);
  hpb::ListHandoffsResponse none;
  EXPECT_EQ(
      amsterdam->ListHandoffs(ContextAs("coordinator-ams-1").get(), request, &none).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(none.handoffs_size(), 0);
  EXPECT_TRUE(none.next_page_token().empty());
  EXPECT_EQ(reads(), 3);

  // Only whether something waits and until when (a time bar): no message,
  // nothing on her trail. Asking for the purpose too is a read of her data.
  request.clear_page();
  for (const char* field : {"state", "sent_at", "answer_due_at"}) {
    request.mutable_read_mask()->add_paths(field);
  }
  hpb::ListHandoffsResponse masked;
  ASSERT_TRUE(essm_->ListHandoffs(ContextAs("coordinator-1").get(), request, &masked).ok());
  ASSERT_EQ(masked.handoffs_size(), 5);
  EXPECT_EQ(masked.handoffs(4).message(), "");
  EXPECT_EQ(masked.handoffs(4).recipient_organisation_id(), "");
  EXPECT_EQ(masked.handoffs(4).state(), handoff_.state());
  EXPECT_EQ(reads(), 3);
  request.mutable_read_mask()->add_paths("purpose");
  ASSERT_TRUE(essm_->ListHandoffs(ContextAs("coordinator-1").get(), request, &masked).ok());
  EXPECT_EQ(masked.handoffs(4).purpose(), handoff_.purpose());
  EXPECT_EQ(reads(), 4);
  request.mutable_read_mask()->add_paths("adres");
  EXPECT_TRUE(testing::BadFields(
      essm_->ListHandoffs(ContextAs("coordinator-1").get(), request, &masked), {"read_mask"}));

  // One handoff read by itself: on her trail too.
  hpb::GetHandoffRequest get;
  get.set_id(handoff_.id());
  hpb::Handoff one;
  ASSERT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), get, &one).ok());
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM audit.records WHERE method = 'GetHandoff'")[0].as<int>(),
            1);
}

TEST_F(HandoffServiceTest, AuditStoreDown_NoPacketDataLeaves) {
  Send();
  {
    pqxx::connection c(db_.Dsn());
    pqxx::work tx(c);
    tx.exec("REVOKE INSERT ON audit.records FROM ketenregie_handoff");
    tx.commit();
  }
  hpb::Packet packet;
  EXPECT_EQ(Read(&packet).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(packet.sections_size(), 0);
  EXPECT_TRUE(packet.message().empty());
}

// A message with a NUL byte was kept as sent; no client expects one. The
// handoff answers the consent purpose its packet is disclosed for.
TEST_F(HandoffServiceTest, ControlCharactersRefused_LineBreaksKept_ConsentPurposeAnswered) {
  EXPECT_EQ(handoff_.consent_purpose(), cpb::PURPOSE_LEGAL_AID);
  hpb::CreateHandoffRequest create;
  create.set_request_id("nul-h");
  create.set_trajectory_id(trajectory_id_);
  create.set_recipient_organisation_id("politie-avim-rotterdam");
  create.set_purpose(hpb::HANDOFF_PURPOSE_POLICE);
  create.set_message(std::string("aangifte\0wens", 13));
  hpb::Handoff out;
  const auto refused = essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &out);
  EXPECT_TRUE(testing::BadFields(refused, {"message"}));
  create.set_message("Regel 1\r\nRegel 2\tmet tab");
  ASSERT_TRUE(essm_->CreateHandoff(ContextAs("coordinator-1").get(), create, &out).ok());
  EXPECT_EQ(out.message(), "Regel 1\r\nRegel 2\tmet tab");
  EXPECT_EQ(out.consent_purpose(), cpb::PURPOSE_CRIMINAL_INVESTIGATION);
  hpb::GetHandoffRequest get;
  get.set_id(out.id());
  hpb::Handoff read;
  ASSERT_TRUE(essm_->GetHandoff(ContextAs("coordinator-1").get(), get, &read).ok());
  EXPECT_EQ(read.message(), out.message()) << "stored as answered";
}

}  // namespace
}  // namespace ketenregie
