// The consent service through real gRPC channels with mutual TLS, on a
// fresh PostgreSQL database per test: consent lifecycles, four-eyes
// overrides and the disclosure decision.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/tls.h"
#include "services/consent/handler.h"
#include "services/consent/storage.h"
#include "tests/support/bad_input.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"

namespace ketenregie::consent {
namespace {

using namespace std::chrono;
using testing::ContextAs;
namespace pb = ketenregie::consent::v1;
namespace cpb = ketenregie::common::v1;

class FakeFacts final : public common::TrajectoryFacts {
 public:
  grpc::Status Get(const std::string& id, workflow::PersonFacts& facts) override {
    facts = {
        minors.contains(id) ? workflow::AgeStatus::kMinor : workflow::AgeStatus::kConfirmedAdult,
        workflow::GenderIdentity::kWoman, 0, true, "essm-rotterdam"};
    if (const auto found = minor_until.find(id); found != minor_until.end()) {
      facts.minor_until = found->second;
    }
    return grpc::Status::OK;
  }
  std::set<std::string> minors;
  // Her 18th birthday by the date of birth on record, for some minors.
  std::map<std::string, workflow::Instant> minor_until;
};

// The trajectory service's feed at the process edge: the events a test puts
// in, served as ListEvents serves them.
class FakeTrajectoryFeed final : public trajectory::v1::TrajectoryService::Service {
 public:
  grpc::Status ListEvents(grpc::ServerContext*, const cpb::ListEventsRequest* request,
                          cpb::ListEventsResponse* response) override {
    for (const auto& event : events) {
      if (request->after_cursor().empty() || event.cursor() > request->after_cursor()) {
        *response->add_events() = event;
      }
    }
    return grpc::Status::OK;
  }
  void Add(const std::string& type, const std::string& trajectory_id) {
    auto& event = events.emplace_back();
    event.set_sequence(static_cast<long long>(events.size()));
    event.set_type(type);
    event.set_trajectory_id(trajectory_id);
    event.set_cursor("1." + std::to_string(100 + events.size()));
  }
  std::vector<cpb::OutboxEvent> events;
};

const workflow::Instant kNow{sys_days{2026y / November / 22}.time_since_epoch() + hours{9}};

std::string TrajectoryId(int n) {
  const std::string digits = std::to_string(n);
  return "00000000-0000-4000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

class ConsentServiceTest : public ::testing::Test {
 protected:
  ConsentServiceTest()
      : pool_(db_.Dsn("ketenregie_consent"), 8, &consent::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(kNow),
        handler_(pool_, testing::TestDirectory(), keys_, clock_, facts_, milliseconds(5000)),
        server_(handler_),
        essm_(pb::ConsentService::NewStub(testing::ChannelAs(server_, "essm-rotterdam"))),
        handoff_service_(pb::ConsentService::NewStub(testing::ChannelAs(server_, "svc-handoff"))) {}

  pb::Consent Propose(const std::string& trajectory, const std::string& recipient,
                      std::vector<cpb::DataCategory> categories, cpb::Purpose purpose,
                      const std::string& request_id, const std::string& guardian = "") {
    pb::ProposeConsentRequest request;
    request.set_request_id(request_id);
    auto* c = request.mutable_consent();
    c->set_trajectory_id(trajectory);
    c->set_grantor(guardian.empty() ? pb::GRANTOR_PERSON : pb::GRANTOR_GUARDIAN);
    c->set_guardian_organisation_id(guardian);
    c->set_recipient_organisation_id(recipient);
    for (const auto category : categories) {
      c->add_categories(category);
    }
    c->set_purpose(purpose);
    c->set_method(pb::CONSENT_METHOD_WRITTEN);
    c->mutable_valid_until()->set_seconds((kNow + days{90}).time_since_epoch().count());
    pb::Consent out;
    const auto status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  template <typename Request>
  pb::Consent Change(grpc::Status (pb::ConsentService::Stub::*method)(grpc::ClientContext*,
                                                                      const Request&, pb::Consent*),
                     const pb::Consent& consent, const std::string& request_id) {
    Request request;
    request.set_request_id(request_id);
    request.set_consent_id(consent.id());
    request.set_etag(consent.etag());
    pb::Consent out;
    const auto status = ((*essm_).*method)(ContextAs("coordinator-1").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  pb::Override RequestOverride(const std::string& trajectory, const std::string& recipient,
                               pb::LegalBasis basis, bool acute, const std::string& request_id) {
    pb::RequestOverrideRequest request;
    request.set_request_id(request_id);
    auto* o = request.mutable_override();
    o->set_trajectory_id(trajectory);
    o->set_basis(basis);
    o->set_acute_danger(acute);
    o->set_justification("Pooier gesignaleerd; directe dreiging");
    o->set_recipient_organisation_id(recipient);
    for (int c = 1; c <= 9; ++c) {
      o->add_categories(static_cast<cpb::DataCategory>(c));
    }
    o->mutable_expires_at()->set_seconds((kNow + days{7}).time_since_epoch().count());
    pb::Override out;
    const auto status = essm_->RequestOverride(ContextAs("coordinator-1").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  grpc::Status Decide(pb::Override& o, const std::string& actor, bool approve,
                      const std::string& request_id) {
    pb::Override out;
    grpc::Status status;
    if (approve) {
      pb::ApproveOverrideRequest request;
      request.set_request_id(request_id);
      request.set_override_id(o.id());
      request.set_etag(o.etag());
      status = essm_->ApproveOverride(ContextAs(actor).get(), request, &out);
    } else {
      pb::RevokeOverrideRequest request;
      request.set_request_id(request_id);
      request.set_override_id(o.id());
      request.set_etag(o.etag());
      status = essm_->RevokeOverride(ContextAs(actor).get(), request, &out);
    }
    if (status.ok()) {
      o = out;
    }
    return status;
  }

  // Categories the decision permits for `recipient`, checked as the handoff service.
  std::set<int> Permitted(const std::string& trajectory, const std::string& recipient,
                          cpb::Purpose purpose) {
    pb::CheckDisclosureRequest request;
    request.set_trajectory_id(trajectory);
    request.set_recipient_organisation_id(recipient);
    request.set_purpose(purpose);
    for (int c = 1; c <= 9; ++c) {
      request.add_categories(static_cast<cpb::DataCategory>(c));
    }
    pb::DisclosureDecision decision;
    const auto status =
        handoff_service_->CheckDisclosure(ContextAs("handoff-service").get(), request, &decision);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<int> out;
    for (const auto& d : decision.decisions()) {
      if (d.permitted()) {
        out.insert(d.category());
      } else {
        EXPECT_FALSE(d.rule().empty());
        EXPECT_FALSE(d.denial_reason().empty());
      }
    }
    return out;
  }

  testing::TestDatabase db_;
  common::DbPool pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  FakeFacts facts_;
  ConsentHandler handler_;
  testing::TestServer server_;
  std::unique_ptr<pb::ConsentService::Stub> essm_;
  std::unique_ptr<pb::ConsentService::Stub> handoff_service_;
};

// For every recipient and every state a consent or override can be in, the
// decision permits exactly the categories an active basis covers.
TEST_F(ConsentServiceTest, DisclosureMatrix_ExactlyThePermittedCategories) {
  const std::vector<std::pair<std::string, cpb::Purpose>> recipients = {
      {"gemeente-rotterdam", cpb::PURPOSE_MUNICIPAL_SUPPORT},
      {"politie-avim-rotterdam", cpb::PURPOSE_CRIMINAL_INVESTIGATION},
      {"advocatenkantoor-demo", cpb::PURPOSE_LEGAL_AID},
      {"crisisopvang-rotterdam", cpb::PURPOSE_SHELTER_PLACEMENT}};
  const std::vector<cpb::DataCategory> granted_categories = {
      cpb::DATA_CATEGORY_IDENTITY, cpb::DATA_CATEGORY_CONTACT, cpb::DATA_CATEGORY_LOCATION};
  const std::set<int> granted_set = {1, 2, 3};
  const std::set<int> all = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  int n = 0;
  for (const auto& [recipient, purpose] : recipients) {
    const std::string tag = recipient + "-";
    // No consent.
    EXPECT_TRUE(Permitted(TrajectoryId(++n), recipient, purpose).empty()) << recipient;
    // Proposed (not granted) and refused.
    {
      const std::string t = TrajectoryId(++n);
      const auto c = Propose(t, recipient, granted_categories, purpose, tag + "p");
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << recipient;
      Change(&pb::ConsentService::Stub::RefuseConsent, c, tag + "r");
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << recipient;
    }
    // Granted: exactly its categories; for another purpose nothing.
    {
      const std::string t = TrajectoryId(++n);
      auto c = Propose(t, recipient, granted_categories, purpose, tag + "g");
      c = Change(&pb::ConsentService::Stub::GrantConsent, c, tag + "g2");
      EXPECT_EQ(Permitted(t, recipient, purpose), granted_set) << recipient;
      EXPECT_TRUE(Permitted(t, recipient, cpb::PURPOSE_NATIONAL_REGISTRATION).empty());
      EXPECT_TRUE(Permitted(t, "nidos", cpb::PURPOSE_CHILD_PROTECTION).empty())
          << "other recipient";
      // Withdrawn: nothing, at once.
      Change(&pb::ConsentService::Stub::WithdrawConsent, c, tag + "w");
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << recipient;
    }
    // Expired: granted, then time passes its validity.
    {
      const std::string t = TrajectoryId(++n);
      auto c = Propose(t, recipient, granted_categories, purpose, tag + "e");
      Change(&pb::ConsentService::Stub::GrantConsent, c, tag + "e2");
      clock_.Advance(days{91});
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << recipient;
      clock_.Set(kNow);
    }
    // A guardian's consent for a minor; she turns 18: from that moment it
    // permits nothing, before anything else happens (R-CONSENT-GUARDIAN).
    {
      const std::string t = TrajectoryId(++n);
      facts_.minors.insert(t);
      facts_.minor_until[t] = kNow + days{10};
      auto c = Propose(t, recipient, granted_categories, purpose, tag + "guardian", "nidos");
      EXPECT_EQ(c.valid_until().seconds(), (kNow + days{10}).time_since_epoch().count())
          << "a guardian's consent holds until her 18th birthday at the latest";
      Change(&pb::ConsentService::Stub::GrantConsent, c, tag + "guardian2");
      clock_.Set(kNow + days{10} - seconds{1});
      EXPECT_EQ(Permitted(t, recipient, purpose), granted_set) << recipient;
      clock_.Set(kNow + days{10});
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << "guardian consent, person now adult";
      clock_.Set(kNow);
    }
    // Override pending (not acute), then approved by a second coordinator.
    {
      const std::string t = TrajectoryId(++n);
      auto o = RequestOverride(t, recipient, pb::LEGAL_BASIS_VITAL_INTEREST, false, tag + "o");
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << "pending permits nothing";
      ASSERT_TRUE(Decide(o, "coordinator-2", true, tag + "o2").ok());
      EXPECT_EQ(Permitted(t, recipient, purpose), all) << recipient;
      // Expired override: nothing.
      clock_.Advance(days{8});
      EXPECT_TRUE(Permitted(t, recipient, purpose).empty()) << recipient;
      clock_.Set(kNow);
    }
  }
}

TEST_F(ConsentServiceTest, Override_FourEyesAcuteDangerAndRevocation) {
  const std::string t = TrajectoryId(1);
  auto o =
      RequestOverride(t, "politie-avim-rotterdam", pb::LEGAL_BASIS_VITAL_INTEREST, false, "o1");
  const auto own = Decide(o, "coordinator-1", true, "o2");
  EXPECT_EQ(own.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(testing::ReasonOf(own), "R-OVERRIDE-FOUR-EYES");

  // Acute danger acts at once, flagged until approved; lapses after 72 hours.
  const std::string acute_t = TrajectoryId(2);
  auto acute = RequestOverride(acute_t, "politie-avim-rotterdam", pb::LEGAL_BASIS_VITAL_INTEREST,
                               true, "a1");
  EXPECT_EQ(acute.state(), pb::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL);
  pb::CheckDisclosureRequest check;
  check.set_trajectory_id(acute_t);
  check.set_recipient_organisation_id("politie-avim-rotterdam");
  check.set_purpose(cpb::PURPOSE_CRIMINAL_INVESTIGATION);
  check.add_categories(cpb::DATA_CATEGORY_LOCATION);
  pb::DisclosureDecision decision;
  ASSERT_TRUE(
      handoff_service_->CheckDisclosure(ContextAs("handoff-service").get(), check, &decision).ok());
  ASSERT_EQ(decision.decisions_size(), 1);
  EXPECT_TRUE(decision.decisions(0).permitted());
  EXPECT_EQ(decision.decisions(0).denial_reason(), "acute danger, approval pending");
  clock_.Advance(hours{72});
  ASSERT_TRUE(
      handoff_service_->CheckDisclosure(ContextAs("handoff-service").get(), check, &decision).ok());
  ASSERT_EQ(decision.decisions_size(), 1);
  EXPECT_FALSE(decision.decisions(0).permitted()) << "unapproved acute override lapsed";

  // Revoked: nothing.
  clock_.Set(kNow);
  ASSERT_TRUE(Decide(o, "coordinator-2", true, "o3").ok());
  EXPECT_FALSE(Permitted(t, "politie-avim-rotterdam", cpb::PURPOSE_CRIMINAL_INVESTIGATION).empty());
  ASSERT_TRUE(Decide(o, "coordinator-1", false, "o4").ok());
  EXPECT_TRUE(Permitted(t, "politie-avim-rotterdam", cpb::PURPOSE_CRIMINAL_INVESTIGATION).empty());

  // Child protection basis only for a child, towards child protection.
  const std::string adult = TrajectoryId(3);
  pb::RequestOverrideRequest request;
  request.set_request_id("c1");
  request.mutable_override()->set_trajectory_id(adult);
  request.mutable_override()->set_basis(pb::LEGAL_BASIS_CHILD_PROTECTION);
  request.mutable_override()->set_justification("Meldcode");
  request.mutable_override()->set_recipient_organisation_id("nidos");
  request.mutable_override()->add_categories(cpb::DATA_CATEGORY_IDENTITY);
  request.mutable_override()->mutable_expires_at()->set_seconds(
      (kNow + days{7}).time_since_epoch().count());
  pb::Override out;
  const auto refused = essm_->RequestOverride(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(refused), "R-OVERRIDE-CHILD-PROTECTION");
  facts_.minors.insert(adult);
  request.set_request_id("c2");
  EXPECT_TRUE(essm_->RequestOverride(ContextAs("coordinator-1").get(), request, &out).ok());
}

// The approval queue: every override of the organisation's trajectories
// that waits for a second coordinator, oldest first; another
// organisation's never.
TEST_F(ConsentServiceTest, ApprovalQueue_TheOrganisationsOverridesAwaitingADecision) {
  const auto requested = RequestOverride(TrajectoryId(1), "politie-avim-rotterdam",
                                         pb::LEGAL_BASIS_VITAL_INTEREST, false, "q1");
  clock_.Advance(std::chrono::minutes(1));
  const auto acute = RequestOverride(TrajectoryId(2), "politie-avim-rotterdam",
                                     pb::LEGAL_BASIS_VITAL_INTEREST, true, "q2");
  clock_.Advance(std::chrono::minutes(1));
  auto decided = RequestOverride(TrajectoryId(3), "politie-avim-rotterdam",
                                 pb::LEGAL_BASIS_VITAL_INTEREST, false, "q3");
  ASSERT_TRUE(Decide(decided, "coordinator-2", true, "q4").ok());

  auto queue = [&](bool awaiting, const std::string& trajectory = "-") {
    pb::ListOverridesRequest request;
    request.set_trajectory_id(trajectory);
    request.set_awaiting_approval(awaiting);
    pb::ListOverridesResponse out;
    const grpc::Status status =
        essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& o : out.overrides()) {
      ids.push_back(o.id());
    }
    return ids;
  };
  EXPECT_EQ(queue(true), (std::vector<std::string>{requested.id(), acute.id()}));
  EXPECT_EQ(queue(false), (std::vector<std::string>{requested.id(), acute.id(), decided.id()}));
  EXPECT_EQ(queue(true, TrajectoryId(3)), std::vector<std::string>{});
  EXPECT_EQ(queue(false, TrajectoryId(3)), std::vector<std::string>{decided.id()});
  // Their justifications are written about each person: every list put
  // one read on each shown trajectory's trail (two queues show 1 and 2,
  // the unfiltered list all three; the one of trajectory 3 only it).
  auto reads = [&](int trajectory) {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx
        .exec_params1(
            "SELECT count(*) FROM audit.records WHERE method = 'ListOverrides' AND actor = "
            "'coordinator-2' AND trajectory_id = $1::uuid",
            TrajectoryId(trajectory))[0]
        .as<long long>();
  };
  EXPECT_EQ(reads(1), 2);
  EXPECT_EQ(reads(2), 2);
  EXPECT_EQ(reads(3), 2);

  // Another organisation's coordinator sees none of them.
  auto amsterdam = pb::ConsentService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  pb::ListOverridesRequest request;
  request.set_trajectory_id("-");
  pb::ListOverridesResponse out;
  ASSERT_TRUE(amsterdam->ListOverrides(ContextAs("coordinator-ams-1").get(), request, &out).ok());
  EXPECT_EQ(out.overrides_size(), 0);
  // Anything else than an id or "-" is named.
  request.set_trajectory_id("alle");
  EXPECT_TRUE(testing::BadFields(
      essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out), {"trajectory_id"}));

  // Only which trajectories, and in what state (AIP-157): no justification
  // is read, and nothing is put on anyone's trail.
  request.set_trajectory_id("-");
  request.set_awaiting_approval(true);
  request.mutable_read_mask()->add_paths("trajectory_id");
  request.mutable_read_mask()->add_paths("state");
  ASSERT_TRUE(essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out).ok());
  ASSERT_EQ(out.overrides_size(), 2);
  EXPECT_EQ(out.overrides(1).trajectory_id(), TrajectoryId(2));
  EXPECT_EQ(out.overrides(1).state(), pb::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL);
  EXPECT_EQ(out.overrides(1).justification(), "");
  EXPECT_EQ(out.overrides(1).id(), "") << "only the fields asked for";
  EXPECT_EQ(reads(1), 2);
  EXPECT_EQ(reads(2), 2);
  // The basis alone says something about her (child protection: she is a
  // child): a read on her trail, though nothing sealed is opened.
  request.mutable_read_mask()->add_paths("basis");
  ASSERT_TRUE(essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out).ok());
  EXPECT_EQ(out.overrides(1).basis(), pb::LEGAL_BASIS_VITAL_INTEREST);
  EXPECT_EQ(out.overrides(1).justification(), "");
  EXPECT_EQ(reads(2), 3);
  // With the justification asked for, it is read and on her trail.
  request.mutable_read_mask()->add_paths("justification");
  ASSERT_TRUE(essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out).ok());
  EXPECT_FALSE(out.overrides(1).justification().empty());
  EXPECT_EQ(reads(2), 4);
  // A field Override does not have is named.
  request.mutable_read_mask()->add_paths("adres");
  EXPECT_TRUE(testing::BadFields(
      essm_->ListOverrides(ContextAs("coordinator-2").get(), request, &out), {"read_mask"}));
}

// The override machine's actions are carried out (one executor): an acute
// override asks a second coordinator for approval (a task, through the
// feed), its 72-hour deadline is a timer, and when it lapses the handoffs to
// the recipient are revoked and the coordinator is told.
TEST_F(ConsentServiceTest, AcuteOverride_TaskForTheApprover_LapsesOnItsTimer_RevokingHandoffs) {
  const std::string t = TrajectoryId(4);
  auto acute =
      RequestOverride(t, "politie-avim-rotterdam", pb::LEGAL_BASIS_VITAL_INTEREST, true, "l1");
  ASSERT_EQ(acute.state(), pb::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL);
  auto events_of = [&](const std::string& type) {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    std::vector<std::string> out;
    for (const auto& r : tx.exec_params(
             "SELECT coalesce(attributes->>'task', attributes->>'recipient') AS what FROM "
             "consent.outbox WHERE event_type = $1 AND trajectory_id = $2::uuid ORDER BY sequence",
             type, t)) {
      out.push_back(r["what"].as<std::string>());
    }
    return out;
  };
  EXPECT_EQ(events_of("task.requested"), std::vector<std::string>{"override.approval_needed"});
  EXPECT_EQ(handler_.FireDueTimers(10), 0) << "nothing is due before 72 hours";

  clock_.Advance(hours{72});
  EXPECT_EQ(handler_.FireDueTimers(10), 1);
  EXPECT_EQ(handler_.FireDueTimers(10), 0) << "a timer fires once";
  pb::GetOverrideRequest get;
  get.set_id(acute.id());
  pb::Override lapsed;
  ASSERT_TRUE(essm_->GetOverride(ContextAs("coordinator-1").get(), get, &lapsed).ok());
  EXPECT_EQ(lapsed.state(), pb::OVERRIDE_STATE_REVOKED);
  EXPECT_EQ(events_of("handoffs.revoke"), std::vector<std::string>{"politie-avim-rotterdam"});
  EXPECT_EQ(events_of("task.requested"),
            (std::vector<std::string>{"override.approval_needed", "override.approval_lapsed"}));

  // Approved in time, the deadline is gone and the expiry takes its place.
  clock_.Set(kNow);
  const std::string t2 = TrajectoryId(5);
  auto approved =
      RequestOverride(t2, "politie-avim-rotterdam", pb::LEGAL_BASIS_VITAL_INTEREST, true, "l2");
  ASSERT_TRUE(Decide(approved, "coordinator-2", true, "l3").ok());
  clock_.Advance(hours{72});
  EXPECT_EQ(handler_.FireDueTimers(10), 0) << "approved: no lapse";
  clock_.Set(kNow + days{7});
  EXPECT_EQ(handler_.FireDueTimers(10), 1) << "the override expires at its end";
  get.set_id(approved.id());
  pb::Override expired;
  ASSERT_TRUE(essm_->GetOverride(ContextAs("coordinator-1").get(), get, &expired).ok());
  EXPECT_EQ(expired.state(), pb::OVERRIDE_STATE_EXPIRED);
}

// A granted consent expires on its timer and the coordinator gets a task; a
// withdrawn one has no timer left.
TEST_F(ConsentServiceTest, GrantedConsent_ExpiresOnItsTimer_WithdrawnHasNone) {
  const std::string t = TrajectoryId(6);
  auto granted = Change(&pb::ConsentService::Stub::GrantConsent,
                        Propose(t, "advocatenkantoor-demo", {cpb::DATA_CATEGORY_IDENTITY},
                                cpb::PURPOSE_LEGAL_AID, "e1"),
                        "e2");
  ASSERT_EQ(granted.state(), pb::CONSENT_STATE_GRANTED);
  auto withdrawn = Change(&pb::ConsentService::Stub::WithdrawConsent,
                          Change(&pb::ConsentService::Stub::GrantConsent,
                                 Propose(t, "advocatenkantoor-demo", {cpb::DATA_CATEGORY_IDENTITY},
                                         cpb::PURPOSE_LEGAL_AID, "e3"),
                                 "e4"),
                          "e5");
  ASSERT_EQ(withdrawn.state(), pb::CONSENT_STATE_WITHDRAWN);
  clock_.Set(kNow + days{90});
  EXPECT_EQ(handler_.FireDueTimers(10), 1) << "only the granted consent's expiry";
  pb::GetConsentRequest get;
  get.set_id(granted.id());
  pb::Consent read;
  ASSERT_TRUE(essm_->GetConsent(ContextAs("coordinator-1").get(), get, &read).ok());
  EXPECT_EQ(read.state(), pb::CONSENT_STATE_EXPIRED);
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM consent.outbox WHERE event_type = "
                            "'task.requested' AND attributes->>'task' = 'consent.expired' AND "
                            "trajectory_id = $1::uuid",
                            t)[0]
                .as<int>(),
            1);
  // The withdrawal asked for its handoffs to be revoked, type-wide or not.
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM consent.outbox WHERE event_type = "
                            "'handoffs.revoke' AND attributes->>'recipient' = "
                            "'advocatenkantoor-demo' AND trajectory_id = $1::uuid",
                            t)[0]
                .as<int>(),
            1);
}

TEST_F(ConsentServiceTest, LocationToAWholeTypeIsRefused_AndAMinorsConsentComesFromTheGuardian) {
  pb::ProposeConsentRequest request;
  request.set_request_id("p1");
  auto* c = request.mutable_consent();
  c->set_trajectory_id(TrajectoryId(1));
  c->set_grantor(pb::GRANTOR_PERSON);
  c->set_recipient_type(cpb::ORGANISATION_TYPE_LEGAL_AID);
  c->add_categories(cpb::DATA_CATEGORY_LOCATION);
  c->set_purpose(cpb::PURPOSE_LEGAL_AID);
  c->set_method(pb::CONSENT_METHOD_VERBAL);
  c->mutable_valid_until()->set_seconds((kNow + days{30}).time_since_epoch().count());
  pb::Consent out;
  auto status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-LOCATION-SECRET");

  facts_.minors.insert(TrajectoryId(2));
  c->set_trajectory_id(TrajectoryId(2));
  c->clear_recipient_type();
  c->set_recipient_organisation_id("advocatenkantoor-demo");
  request.set_request_id("p2");
  status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CONSENT-GUARDIAN");
  c->set_grantor(pb::GRANTOR_GUARDIAN);
  c->set_guardian_organisation_id("nidos");
  request.set_request_id("p3");
  EXPECT_TRUE(essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out).ok());
}

// Withdrawal takes effect at once: no check that starts after a withdrawal
// was acknowledged permits, whatever the interleaving.
TEST_F(ConsentServiceTest, WithdrawalRacingChecks_NoCheckAfterTheAcknowledgementPermits) {
  constexpr int kPairs = 10'000;
  std::atomic<int> violations = 0;
  std::mt19937 random(20261122);
  for (int i = 0; i < kPairs; ++i) {
    const std::string t = TrajectoryId(1000 + i);
    auto c = Propose(t, "gemeente-rotterdam", {cpb::DATA_CATEGORY_CONTACT},
                     cpb::PURPOSE_MUNICIPAL_SUPPORT, "p" + std::to_string(i));
    c = Change(&pb::ConsentService::Stub::GrantConsent, c, "g" + std::to_string(i));
    std::atomic<bool> acknowledged = false;
    const auto delay = microseconds(std::uniform_int_distribution<int>(0, 400)(random));
    auto withdraw = std::async(std::launch::async, [&] {
      std::this_thread::sleep_for(delay);
      Change(&pb::ConsentService::Stub::WithdrawConsent, c, "w" + std::to_string(i));
      acknowledged = true;
    });
    for (int k = 0; k < 3; ++k) {
      const bool after = acknowledged.load();
      const bool permitted =
          !Permitted(t, "gemeente-rotterdam", cpb::PURPOSE_MUNICIPAL_SUPPORT).empty();
      if (after && permitted) {
        ++violations;
      }
    }
    withdraw.get();
    EXPECT_TRUE(Permitted(t, "gemeente-rotterdam", cpb::PURPOSE_MUNICIPAL_SUPPORT).empty());
  }
  EXPECT_EQ(violations.load(), 0);
}

TEST_F(ConsentServiceTest, OnlyServicesCheckDisclosures_OnlyCoordinatorsRecordConsent) {
  pb::CheckDisclosureRequest check;
  check.set_trajectory_id(TrajectoryId(1));
  check.set_recipient_organisation_id("gemeente-rotterdam");
  check.add_categories(cpb::DATA_CATEGORY_IDENTITY);
  pb::DisclosureDecision decision;
  EXPECT_TRUE(
      testing::Refused(essm_->CheckDisclosure(ContextAs("coordinator-1").get(), check, &decision),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  auto gemeente = pb::ConsentService::NewStub(testing::ChannelAs(server_, "gemeente-rotterdam"));
  pb::ProposeConsentRequest request;
  request.set_request_id("x");
  request.mutable_consent()->set_trajectory_id(TrajectoryId(1));
  request.mutable_consent()->set_recipient_organisation_id("gemeente-rotterdam");
  request.mutable_consent()->add_categories(cpb::DATA_CATEGORY_IDENTITY);
  request.mutable_consent()->set_purpose(cpb::PURPOSE_MUNICIPAL_SUPPORT);
  request.mutable_consent()->set_method(pb::CONSENT_METHOD_VERBAL);
  request.mutable_consent()->set_grantor(pb::GRANTOR_PERSON);
  request.mutable_consent()->mutable_valid_until()->set_seconds(
      (kNow + days{3}).time_since_epoch().count());
  pb::Consent out;
  EXPECT_TRUE(testing::Refused(
      gemeente->ProposeConsent(ContextAs("aandachtsfunctionaris-1").get(), request, &out),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // Another ESSM's coordinator: the trajectory is not theirs, so for them it
  // does not exist (R-ACCESS-ROLE), for a consent or an override.
  auto amsterdam = pb::ConsentService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  EXPECT_EQ(
      amsterdam->ProposeConsent(ContextAs("coordinator-ams-1").get(), request, &out).error_code(),
      grpc::StatusCode::NOT_FOUND);
  pb::RequestOverrideRequest override_request;
  override_request.set_request_id("ams-o");
  auto* o = override_request.mutable_override();
  o->set_trajectory_id(TrajectoryId(1));
  o->set_basis(pb::LEGAL_BASIS_LEGAL_OBLIGATION);
  o->set_justification("Wettelijke plicht");
  o->set_recipient_organisation_id("gemeente-rotterdam");
  o->add_categories(cpb::DATA_CATEGORY_IDENTITY);
  o->mutable_expires_at()->set_seconds((kNow + days{3}).time_since_epoch().count());
  pb::Override created;
  EXPECT_EQ(
      amsterdam->RequestOverride(ContextAs("coordinator-ams-1").get(), override_request, &created)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  // Bad input names the field.
  request.mutable_consent()->set_purpose(cpb::PURPOSE_UNSPECIFIED);
  const auto invalid = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_TRUE(testing::BadFields(invalid, {"consent.purpose"}));
}

TEST_F(ConsentServiceTest, BadInput_IsInvalidArgumentNamingEveryFieldAndWritesNothing) {
  using testing::ExpectBadInput;
  using testing::Sending;
  using Stub = pb::ConsentService::Stub;
  const std::string t = TrajectoryId(1);
  const auto consent = Propose(t, "gemeente-rotterdam", {cpb::DATA_CATEGORY_IDENTITY},
                               cpb::PURPOSE_MUNICIPAL_SUPPORT, "p0");
  auto o =
      RequestOverride(t, "politie-avim-rotterdam", pb::LEGAL_BASIS_VITAL_INTEREST, false, "o0");
  auto rows = [&] {
    return db_.Count(
        "SELECT (SELECT count(*) FROM consent.consents) + (SELECT count(*) FROM "
        "consent.overrides) + (SELECT count(*) FROM consent.request_log) + (SELECT "
        "count(*) FROM consent.outbox) + (SELECT sum(version) FROM consent.consents)");
  };
  const long long before = rows();
  const std::string as = "coordinator-1";
  {
    pb::ProposeConsentRequest r;
    r.set_request_id("x");
    auto* c = r.mutable_consent();
    c->set_trajectory_id(t);
    c->add_categories(cpb::DATA_CATEGORY_CONTACT);
    c->set_recipient_organisation_id("gemeente-rotterdam");
    c->set_purpose(cpb::PURPOSE_MUNICIPAL_SUPPORT);
    c->set_method(pb::CONSENT_METHOD_VERBAL);
    c->set_grantor(pb::GRANTOR_PERSON);
    c->mutable_valid_until()->set_seconds((kNow + days{30}).time_since_epoch().count());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::ProposeConsent, as),
        {{[](auto& r) { r.clear_request_id(); }, {"request_id"}},
         {[](auto& r) { r.mutable_consent()->clear_trajectory_id(); }, {"consent.trajectory_id"}},
         {[](auto& r) { r.mutable_consent()->clear_categories(); }, {"consent.categories"}},
         {[](auto& r) { r.mutable_consent()->add_categories(static_cast<cpb::DataCategory>(42)); },
          {"consent.categories"}},
         {[](auto& r) { r.mutable_consent()->set_recipient_organisation_id("unknown-org"); },
          {"consent.recipient_organisation_id"}},
         {[](auto& r) { r.mutable_consent()->clear_purpose(); }, {"consent.purpose"}},
         {[](auto& r) { r.mutable_consent()->clear_method(); }, {"consent.method"}},
         {[](auto& r) { r.mutable_consent()->clear_grantor(); }, {"consent.grantor"}},
         {[](auto& r) { r.mutable_consent()->clear_valid_until(); }, {"consent.valid_until"}},
         {[](auto& r) { r.mutable_consent()->mutable_valid_until()->set_seconds(9'000'000'000); },
          {"consent.valid_until"}},
         {[](auto& r) {
            r.mutable_consent()->clear_purpose();
            r.mutable_consent()->clear_method();
          },
          {"consent.purpose", "consent.method"}}});
  }
  auto consent_change = [&](auto request) {
    request.set_request_id("g");
    request.set_consent_id(consent.id());
    request.set_etag(consent.etag());
    return request;
  };
  ExpectBadInput(consent_change(pb::GrantConsentRequest()),
                 Sending(*essm_, &Stub::GrantConsent, as),
                 {{[](auto& r) { r.set_consent_id("nope"); }, {"consent_id"}},
                  {[](auto& r) { r.clear_etag(); }, {"etag"}},
                  {[](auto& r) {
                     r.set_consent_id("nope");
                     r.clear_etag();
                   },
                   {"consent_id", "etag"}}});
  ExpectBadInput(consent_change(pb::WithdrawConsentRequest()),
                 Sending(*essm_, &Stub::WithdrawConsent, as),
                 {{[](auto& r) { r.clear_request_id(); }, {"request_id"}}});
  ExpectBadInput(consent_change(pb::RefuseConsentRequest()),
                 Sending(*essm_, &Stub::RefuseConsent, as),
                 {{[](auto& r) { r.set_etag("1x"); }, {"etag"}}});
  ExpectBadInput(pb::GetConsentRequest(), Sending(*essm_, &Stub::GetConsent, as),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(pb::ListConsentsRequest(), Sending(*essm_, &Stub::ListConsents, as),
                 {{[](auto&) {}, {"trajectory_id"}},
                  {[](auto& r) { r.mutable_page()->set_page_size(-1); },
                   {"trajectory_id", "page.page_size"}}});
  {
    pb::RequestOverrideRequest r;
    r.set_request_id("o");
    auto* v = r.mutable_override();
    v->set_trajectory_id(t);
    v->add_categories(cpb::DATA_CATEGORY_IDENTITY);
    v->set_basis(pb::LEGAL_BASIS_LEGAL_OBLIGATION);
    v->set_justification("wettelijke plicht");
    v->set_recipient_organisation_id("nidos");
    v->mutable_expires_at()->set_seconds((kNow + days{7}).time_since_epoch().count());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::RequestOverride, as),
        {{[](auto& r) { r.mutable_override()->clear_basis(); }, {"override.basis"}},
         {[](auto& r) { r.mutable_override()->clear_justification(); }, {"override.justification"}},
         {[](auto& r) { r.mutable_override()->set_justification(std::string(4001, 'j')); },
          {"override.justification"}},
         {[](auto& r) { r.mutable_override()->clear_recipient_organisation_id(); },
          {"override.recipient_organisation_id"}},
         {[](auto& r) { r.mutable_override()->clear_expires_at(); }, {"override.expires_at"}},
         {[](auto& r) {
            r.mutable_override()->clear_basis();
            r.mutable_override()->clear_expires_at();
          },
          {"override.basis", "override.expires_at"}}});
  }
  auto override_change = [&](auto request) {
    request.set_request_id("a");
    request.set_override_id(o.id());
    request.set_etag(o.etag());
    return request;
  };
  ExpectBadInput(override_change(pb::ApproveOverrideRequest()),
                 Sending(*essm_, &Stub::ApproveOverride, "coordinator-2"),
                 {{[](auto& r) { r.clear_etag(); }, {"etag"}}});
  ExpectBadInput(override_change(pb::RejectOverrideRequest()),
                 Sending(*essm_, &Stub::RejectOverride, "coordinator-2"),
                 {{[](auto& r) { r.set_override_id("x"); }, {"override_id"}}});
  ExpectBadInput(override_change(pb::RevokeOverrideRequest()),
                 Sending(*essm_, &Stub::RevokeOverride, as),
                 {{[](auto& r) { r.set_reason(std::string(1001, 'r')); }, {"reason"}}});
  ExpectBadInput(pb::GetOverrideRequest(), Sending(*essm_, &Stub::GetOverride, as),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(pb::ListOverridesRequest(), Sending(*essm_, &Stub::ListOverrides, as),
                 {{[](auto&) {}, {"trajectory_id"}}});
  {
    pb::CheckDisclosureRequest r;
    r.set_trajectory_id(t);
    r.set_recipient_organisation_id("gemeente-rotterdam");
    r.add_categories(cpb::DATA_CATEGORY_IDENTITY);
    ExpectBadInput(r, Sending(*handoff_service_, &Stub::CheckDisclosure, "handoff-service"),
                   {{[](auto& r) { r.clear_categories(); }, {"categories"}},
                    {[](auto& r) {
                       r.clear_categories();
                       r.set_trajectory_id("x");
                     },
                     {"trajectory_id", "categories"}}});
  }
  ExpectBadInput(cpb::ListEventsRequest(),
                 Sending(*handoff_service_, &Stub::ListEvents, "handoff-service"),
                 {{[](auto& r) { r.set_max_events(-1); }, {"max_events"}}});
  EXPECT_EQ(rows(), before);
}

// A guardian grants only for a minor, and the guardian named is a
// child-protection organisation of the directory.
TEST_F(ConsentServiceTest, GuardianGrantsOnlyForAMinor_AndIsAChildProtectionOrganisation) {
  pb::ProposeConsentRequest request;
  request.set_request_id("g1");
  auto* c = request.mutable_consent();
  c->set_trajectory_id(TrajectoryId(1));  // an adult
  c->set_grantor(pb::GRANTOR_GUARDIAN);
  c->set_guardian_organisation_id("nidos");
  c->set_recipient_organisation_id("advocatenkantoor-demo");
  c->add_categories(cpb::DATA_CATEGORY_IDENTITY);
  c->set_purpose(cpb::PURPOSE_LEGAL_AID);
  c->set_method(pb::CONSENT_METHOD_WRITTEN);
  c->mutable_valid_until()->set_seconds((kNow + days{30}).time_since_epoch().count());
  pb::Consent out;
  auto status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CONSENT-GUARDIAN") << status.error_message();

  facts_.minors.insert(TrajectoryId(2));
  c->set_trajectory_id(TrajectoryId(2));
  c->set_guardian_organisation_id("gemeente-rotterdam");  // not child protection
  request.set_request_id("g2");
  status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CONSENT-GUARDIAN");

  c->set_guardian_organisation_id("no-such-organisation");
  request.set_request_id("g3");
  status = essm_->ProposeConsent(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_TRUE(testing::BadFields(status, {"consent.guardian_organisation_id"}));

  pqxx::connection conn(db_.Dsn());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM consent.consents")[0].as<int>(), 0)
      << "refusals write nothing";
}

// Her age is confirmed adult (no date of birth on record): the trajectory
// feed says so, and what a guardian granted or proposed for her expires.
TEST_F(ConsentServiceTest, GuardianConsent_EndsWhenTheFeedSaysSheIsAnAdult) {
  const std::string t = TrajectoryId(7);
  facts_.minors.insert(t);
  auto granted = Propose(t, "advocatenkantoor-demo", {cpb::DATA_CATEGORY_IDENTITY},
                         cpb::PURPOSE_LEGAL_AID, "p-g", "nidos");
  granted = Change(&pb::ConsentService::Stub::GrantConsent, granted, "p-g2");
  const auto proposed = Propose(t, "gemeente-rotterdam", {cpb::DATA_CATEGORY_CONTACT},
                                cpb::PURPOSE_MUNICIPAL_SUPPORT, "p-p", "nidos");
  EXPECT_FALSE(Permitted(t, "advocatenkantoor-demo", cpb::PURPOSE_LEGAL_AID).empty());

  FakeTrajectoryFeed feed;
  feed.Add("trajectory.state_changed", t);
  feed.Add("trajectory.adult", t);
  testing::TestServer feed_server(feed);
  common::PeerChannel trajectory(
      [&] { return feed_server.address(); },
      common::MutualTlsChannelCredentials(testing::TestCertsDir() + "/svc-consent.pem",
                                          testing::TestCertsDir() + "/svc-consent.key",
                                          testing::TestCertsDir() + "/ca.pem"));
  EXPECT_EQ(handler_.FollowTrajectoryFeed(trajectory), 2);
  // Delivered again (a cursor moved back): applied once.
  pqxx::connection conn(db_.Dsn());
  {
    pqxx::work tx(conn);
    tx.exec("UPDATE consent.feed_cursors SET cursor = '' WHERE source = 'trajectory'");
    tx.commit();
  }
  EXPECT_EQ(handler_.FollowTrajectoryFeed(trajectory), 2);

  EXPECT_TRUE(Permitted(t, "advocatenkantoor-demo", cpb::PURPOSE_LEGAL_AID).empty());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM consent.consents WHERE trajectory_id = $1::uuid "
                            "AND state = $2",
                            t, static_cast<int>(workflow::ConsentState::kExpired))[0]
                .as<int>(),
            2)
      << "granted and proposed";
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM consent.outbox WHERE event_type = 'consent.expired'")[0]
                .as<int>(),
            2)
      << "each once";
  (void)proposed;
}

// ListConsents and ListOverrides page like every list, and refuse a bad
// size or token (they answered OK to anything).
TEST_F(ConsentServiceTest, Lists_PageAndRefuseBadSizesAndTokens) {
  const std::string t = TrajectoryId(9);
  for (int i = 0; i < 5; ++i) {
    clock_.Set(kNow + seconds{i});
    Propose(t, "gemeente-rotterdam", {cpb::DATA_CATEGORY_CONTACT}, cpb::PURPOSE_MUNICIPAL_SUPPORT,
            "page-" + std::to_string(i));
  }
  clock_.Set(kNow);
  std::vector<std::string> seen;
  pb::ListConsentsRequest list;
  list.set_trajectory_id(t);
  list.mutable_page()->set_page_size(2);
  for (int page = 0; page < 5; ++page) {
    pb::ListConsentsResponse out;
    ASSERT_TRUE(essm_->ListConsents(ContextAs("coordinator-1").get(), list, &out).ok());
    for (const auto& c : out.consents()) {
      seen.push_back(c.id());
    }
    EXPECT_LE(out.consents_size(), 2);
    if (out.next_page_token().empty()) {
      break;
    }
    list.mutable_page()->set_page_token(out.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u) << "each once";
  // Another organisation's trajectory is not there for it: NOT_FOUND, not
  // an empty list.
  auto amsterdam = pb::ConsentService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  list.clear_page();
  pb::ListConsentsResponse theirs;
  EXPECT_EQ(
      amsterdam->ListConsents(ContextAs("coordinator-ams-1").get(), list, &theirs).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(theirs.consents_size(), 0);

  auto refused = [&](int size, const std::string& token, const std::string& field) {
    pb::ListConsentsRequest bad;
    bad.set_trajectory_id(t);
    bad.mutable_page()->set_page_size(size);
    bad.mutable_page()->set_page_token(token);
    pb::ListConsentsResponse out;
    const auto status = essm_->ListConsents(ContextAs("coordinator-1").get(), bad, &out);
    EXPECT_TRUE(testing::BadFields(status, {field})) << size << " " << token;
    pb::ListOverridesRequest bad_overrides;
    bad_overrides.set_trajectory_id(t);
    *bad_overrides.mutable_page() = bad.page();
    pb::ListOverridesResponse overrides;
    EXPECT_TRUE(testing::BadFields(
        essm_->ListOverrides(ContextAs("coordinator-1").get(), bad_overrides, &overrides), {field}))
        << size << " " << token;
  };
  refused(-1, "", "page.page_size");
  refused(-2147483648, "", "page.page_size");
  refused(0, "garbage", "page.page_token");
  refused(0, "p1.1.not-a-uuid", "page.page_token");
  refused(0, std::string("p1.1.\0", 6), "page.page_token");
}

// An override's justification kept NUL bytes; now refused, naming the field.
TEST_F(ConsentServiceTest, OverrideJustificationWithANul_IsRefusedNamingTheField) {
  pb::RequestOverrideRequest request;
  request.set_request_id("nul-o");
  auto* o = request.mutable_override();
  o->set_trajectory_id(TrajectoryId(3));
  o->set_basis(pb::LEGAL_BASIS_VITAL_INTEREST);
  o->set_justification(std::string("dreiging\0pooier", 15));
  o->set_recipient_organisation_id("politie-avim-rotterdam");
  o->add_categories(cpb::DATA_CATEGORY_LOCATION);
  o->mutable_expires_at()->set_seconds((kNow + days{7}).time_since_epoch().count());
  pb::Override out;
  const auto status = essm_->RequestOverride(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_TRUE(testing::BadFields(status, {"override.justification"}));
  pqxx::connection conn(db_.Dsn());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM consent.overrides")[0].as<int>(), 0);
}

}  // namespace
}  // namespace ketenregie::consent
