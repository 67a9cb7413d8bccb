// The trajectory service through real gRPC channels with mutual TLS, on a
// fresh PostgreSQL database per test. The clock is settable; the shelter and
// handoff services are replaced at the process edge by FakeOpenWork.
#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/peer.h"
#include "services/trajectory/handler.h"
#include "services/trajectory/mapping.h"
#include "services/trajectory/storage.h"
#include "tests/support/bad_input.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"
#include "workflow/calendar.h"

namespace ketenregie::trajectory {
namespace {

using namespace std::chrono;
using testing::ContextAs;
using testing::TestDatabase;
namespace pb = ketenregie::trajectory::v1;

class FakeOpenWork final : public OpenWork {
 public:
  grpc::Status Count(const std::string&, int& placements, int& handoffs) override {
    placements = open_placements;
    handoffs = unanswered_handoffs;
    return reachable ? grpc::Status::OK
                     : common::PeerUnavailable("shelter service", "nothing is closed");
  }
  int open_placements = 0;
  int unanswered_handoffs = 0;
  bool reachable = true;
};

common::Keyring TestKeys(const std::string& active = "k1") {
  return common::Keyring::FromKeys({{"k1", std::string(32, 'a')}, {"k2", std::string(32, 'b')}},
                                   active, {{"b1", std::string(32, 'c')}}, "b1");
}

// 2026-11-22 10:00 Amsterdam.
const workflow::Instant kStart =
    workflow::FromAmsterdam({year_month_day{year{2026}, November, day{22}}, hours{10}});

class TrajectoryServiceTest : public ::testing::Test {
 protected:
  TrajectoryServiceTest()
      : pool_(db_.Dsn("ketenregie_trajectory"), 4, &Prepare),
        keys_(TestKeys()),
        clock_(kStart),
        handler_(pool_, testing::TestDirectory(), keys_, clock_, open_work_, {}),
        server_(handler_),
        essm_(pb::TrajectoryService::NewStub(testing::ChannelAs(server_, "essm-rotterdam"))),
        gemeente_(
            pb::TrajectoryService::NewStub(testing::ChannelAs(server_, "gemeente-rotterdam"))),
        shelter_service_(
            pb::TrajectoryService::NewStub(testing::ChannelAs(server_, "svc-shelter"))) {}

  // Counts every row the service writes, to prove a refusal wrote nothing.
  long long RowsWritten() {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx
        .exec1(
            "SELECT (SELECT count(*) FROM trajectory.trajectories) + (SELECT count(*) FROM "
            "trajectory.persons) + (SELECT count(*) FROM trajectory.signals) + (SELECT "
            "count(*) FROM trajectory.timeline) + (SELECT count(*) FROM trajectory.timers) + "
            "(SELECT count(*) FROM trajectory.tasks) + (SELECT count(*) FROM "
            "trajectory.request_log) + (SELECT coalesce(sum(version), 0) FROM "
            "trajectory.trajectories)")[0]
        .as<long long>();
  }

  pb::Trajectory Register(const std::string& request_id, const std::string& given,
                          pb::AgeStatus age = pb::AGE_STATUS_CONFIRMED_ADULT,
                          pb::RegisterPersonResponse* full = nullptr) {
    pb::RegisterPersonRequest request;
    request.set_request_id(request_id);
    request.mutable_identity()->set_given_name(given);
    request.mutable_identity()->set_family_name("de Vries");
    request.mutable_identity()->mutable_date_of_birth()->set_year(1998);
    request.mutable_identity()->mutable_date_of_birth()->set_month(4);
    request.mutable_identity()->mutable_date_of_birth()->set_day(12);
    request.mutable_identity()->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
    request.mutable_identity()->set_nationality("NG");
    request.set_age_status(age);
    pb::RegisterPersonResponse response;
    const grpc::Status status =
        essm_->RegisterPerson(ContextAs("coordinator-1").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (full != nullptr) {
      *full = response;
    }
    return response.trajectory();
  }

  pb::Trajectory Screen(const pb::Trajectory& t, bool means = true) {
    pb::RecordScreeningRequest request;
    request.set_request_id("screen-" + t.id() + t.etag());
    request.set_trajectory_id(t.id());
    request.set_etag(t.etag());
    auto* act = request.mutable_screening()->add_indicators();
    act->set_indicator(pb::INDICATOR_RECRUITMENT);
    act->set_score(pb::INDICATOR_SCORE_EVIDENCE);
    if (means) {
      auto* threat = request.mutable_screening()->add_indicators();
      threat->set_indicator(pb::INDICATOR_THREAT);
      threat->set_score(pb::INDICATOR_SCORE_SIGNALS);
    }
    request.mutable_screening()->add_forms(pb::EXPLOITATION_FORM_SEXUAL);
    pb::Trajectory out;
    const grpc::Status status =
        essm_->RecordScreening(ContextAs("coordinator-1").get(), request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  grpc::Status Route(const pb::Trajectory& t, pb::Route route, pb::Trajectory* out) {
    pb::DecideRouteRequest request;
    request.set_request_id("route-" + t.id() + t.etag());
    request.set_trajectory_id(t.id());
    request.set_etag(t.etag());
    request.set_route(route);
    request.set_consents_to_referral(route == pb::ROUTE_B_ACTIVE);
    return essm_->DecideRoute(ContextAs("coordinator-1").get(), request, out);
  }

  TestDatabase db_;
  common::DbPool pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  FakeOpenWork open_work_;
  TrajectoryHandler handler_;
  testing::TestServer server_;
  std::unique_ptr<pb::TrajectoryService::Stub> essm_;
  std::unique_ptr<pb::TrajectoryService::Stub> gemeente_;
  std::unique_ptr<pb::TrajectoryService::Stub> shelter_service_;
};

TEST_F(TrajectoryServiceTest, AnonymousConsultation_OpensASignalAndClosesAsConsultationOnly) {
  pb::CreateSignalRequest request;
  request.set_request_id("signal-1");
  request.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
  request.set_anonymous(true);
  request.set_observation("Leerling van 17 heeft nieuwe dure spullen en een oudere vriend");
  pb::Signal signal;
  ASSERT_TRUE(essm_->CreateSignal(ContextAs("meldpunt-1").get(), request, &signal).ok());
  EXPECT_EQ(signal.observation(), request.observation());

  pb::Trajectory t;
  pb::GetTrajectoryRequest get;
  get.set_id(signal.trajectory_id());
  ASSERT_TRUE(essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, &t).ok());
  EXPECT_EQ(t.state(), pb::TRAJECTORY_STATE_SIGNALLED);

  pb::CloseTrajectoryRequest close;
  close.set_request_id("close-1");
  close.set_trajectory_id(t.id());
  close.set_etag(t.etag());
  close.set_reason(pb::CLOSURE_REASON_MOVED_ON);
  pb::Trajectory closed;
  grpc::Status status = essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CLOSE-REQUIRES");
  close.set_request_id("close-2");
  close.set_reason(pb::CLOSURE_REASON_CONSULTATION_ONLY);
  status = essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(closed.state(), pb::TRAJECTORY_STATE_CLOSED);

  // The observation is stored only as ciphertext.
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  const std::string stored =
      pqxx::binarystring(tx.exec1("SELECT observation FROM trajectory.signals")[0]).str();
  EXPECT_EQ(stored.find("Leerling"), std::string::npos);
}

TEST_F(TrajectoryServiceTest, Registration_EncryptsIdentityAndFindsEarlierTrajectories) {
  const pb::Trajectory first = Register("reg-1", "Anna");
  EXPECT_EQ(first.state(), pb::TRAJECTORY_STATE_REGISTERED);
  {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    const std::string identity =
        pqxx::binarystring(tx.exec1("SELECT identity FROM trajectory.persons")[0]).str();
    EXPECT_EQ(identity.find("Anna"), std::string::npos);
    EXPECT_EQ(identity.find("Vries"), std::string::npos);
  }
  // The same person registered again, names written differently: the
  // coordinator sees the earlier trajectory.
  pb::RegisterPersonResponse again;
  pb::RegisterPersonRequest request;
  request.set_request_id("reg-2");
  request.mutable_identity()->set_given_name("DE VRIES");
  request.mutable_identity()->set_family_name("anna");
  request.mutable_identity()->mutable_date_of_birth()->set_year(1998);
  request.mutable_identity()->mutable_date_of_birth()->set_month(4);
  request.mutable_identity()->mutable_date_of_birth()->set_day(12);
  request.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
  ASSERT_TRUE(essm_->RegisterPerson(ContextAs("coordinator-1").get(), request, &again).ok());
  ASSERT_EQ(again.earlier_trajectories_size(), 1);
  EXPECT_EQ(again.earlier_trajectories(0).id(), first.id());
  // Another person is not matched.
  pb::RegisterPersonResponse other;
  Register("reg-3", "Beatrix", pb::AGE_STATUS_CONFIRMED_ADULT, &other);
  EXPECT_EQ(other.earlier_trajectories_size(), 0);
}

TEST_F(TrajectoryServiceTest, RouteB_ReflectionPeriodDecisionPermitAndClosure_WithTimeline) {
  pb::Trajectory t = Screen(Register("reg-1", "Anna"));
  EXPECT_EQ(t.screening().outcome(), pb::SCREENING_OUTCOME_POSSIBLE_VICTIM);
  EXPECT_TRUE(t.screening().act_present() && t.screening().means_present());
  ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
  EXPECT_EQ(t.state(), pb::TRAJECTORY_STATE_ACTIVE);

  pb::StartReflectionPeriodRequest start;
  start.set_request_id("refl-1");
  start.set_trajectory_id(t.id());
  start.set_etag(t.etag());
  ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &t).ok());
  EXPECT_EQ(t.reflection_period().state(), pb::REFLECTION_STATE_RUNNING);
  EXPECT_EQ(workflow::ToAmsterdam(ToInstant(t.reflection_period().ends_at())).date,
            year{2027} / February / day{22});

  pb::DecideReflectionPeriodRequest decide;
  decide.set_request_id("refl-2");
  decide.set_trajectory_id(t.id());
  decide.set_etag(t.etag());
  decide.set_decision(pb::REFLECTION_DECISION_POLICE_REPORT);
  ASSERT_TRUE(essm_->DecideReflectionPeriod(ContextAs("coordinator-1").get(), decide, &t).ok());

  pb::RecordResidencePermitRequest permit;
  permit.set_request_id("permit-1");
  permit.set_trajectory_id(t.id());
  permit.set_etag(t.etag());
  permit.set_permit_state(pb::PERMIT_STATE_APPLIED);
  ASSERT_TRUE(essm_->RecordResidencePermit(ContextAs("coordinator-1").get(), permit, &t).ok());
  EXPECT_EQ(t.reflection_period().permit_state(), pb::PERMIT_STATE_APPLIED);

  pb::CloseTrajectoryRequest close;
  close.set_request_id("close-1");
  close.set_trajectory_id(t.id());
  close.set_etag(t.etag());
  close.set_reason(pb::CLOSURE_REASON_MOVED_ON);
  open_work_.open_placements = 1;
  pb::Trajectory closed;
  grpc::Status status = essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-CLOSE-REQUIRES");
  open_work_.open_placements = 0;
  open_work_.reachable = false;
  close.set_request_id("close-2");
  EXPECT_EQ(essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  open_work_.reachable = true;
  close.set_request_id("close-3");
  ASSERT_TRUE(essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed).ok());
  EXPECT_EQ(closed.closure_reason(), pb::CLOSURE_REASON_MOVED_ON);

  // The timeline, two entries a page, in order, without personal data.
  std::vector<std::string> kinds;
  pb::ListTimelineRequest list;
  list.set_trajectory_id(t.id());
  list.mutable_page()->set_page_size(2);
  do {
    pb::ListTimelineResponse page;
    ASSERT_TRUE(essm_->ListTimeline(ContextAs("coordinator-1").get(), list, &page).ok());
    EXPECT_LE(page.entries_size(), 2);
    for (const auto& e : page.entries()) {
      kinds.push_back(e.kind());
      for (const auto& [key, value] : e.attributes()) {
        EXPECT_EQ(value.find("Anna"), std::string::npos) << key;
      }
    }
    list.mutable_page()->set_page_token(page.next_page_token());
  } while (!list.page().page_token().empty());
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"person.registered", "screening.recorded", "route.decided",
                                      "reflection.started", "reflection.decided",
                                      "permit.apply_permit", "trajectory.closed"}));

  // The other services follow its lifecycle through the feed, in order, with
  // the state after each change and nothing personal; the refused closings
  // left nothing in it. Services only.
  common::v1::ListEventsRequest feed;
  feed.set_max_events(3);
  common::v1::ListEventsResponse events;
  EXPECT_TRUE(testing::Refused(essm_->ListEvents(ContextAs("coordinator-1").get(), feed, &events),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  std::vector<std::string> types;
  std::vector<std::string> states;
  for (const auto& e : testing::ReadFeed(*shelter_service_, "shelter-service", 4, 3)) {
    EXPECT_EQ(e.trajectory_id(), t.id());
    EXPECT_EQ(e.attributes().at("organisation_id"), "essm-rotterdam");
    types.push_back(e.type());
    states.push_back(e.attributes().at("state"));
    EXPECT_EQ(e.SerializeAsString().find("Anna"), std::string::npos);
  }
  // Its lifecycle only: what the screening found or the police report is
  // not the other services' business.
  EXPECT_EQ(types, (std::vector<std::string>{"trajectory.opened", "trajectory.state_changed",
                                             "trajectory.state_changed", "trajectory.closed"}));
  EXPECT_EQ(states, (std::vector<std::string>{"registered", "screened", "active", "closed"}));
}

// Route D ends the trajectory as closing does; the services that act on a
// closing (R-CLOSE-REQUIRES) hear it as one.
TEST_F(TrajectoryServiceTest, RouteD_IsAClosingInTheFeed) {
  pb::Trajectory t = Screen(Register("reg-d", "Dana"), /*means=*/false);
  const auto routed = Route(t, pb::ROUTE_D_GENERAL_HELP, &t);
  ASSERT_TRUE(routed.ok()) << routed.error_message();
  ASSERT_EQ(t.state(), pb::TRAJECTORY_STATE_CLOSED);
  // Opened, screened, closed by route D.
  const auto events = testing::ReadFeed(*shelter_service_, "shelter-service", 3);
  ASSERT_FALSE(events.empty());
  const auto& last = events.back();
  EXPECT_EQ(last.type(), "trajectory.closed");
  EXPECT_EQ(last.trajectory_id(), t.id());
  EXPECT_EQ(last.attributes().at("state"), "closed");
}

TEST_F(TrajectoryServiceTest, RouteA_ForADoubtedAge_CreatesTheChildProtectionTask) {
  pb::Trajectory t = Screen(Register("reg-1", "Mila", pb::AGE_STATUS_DOUBTED), false);
  EXPECT_EQ(t.screening().outcome(), pb::SCREENING_OUTCOME_POSSIBLE_VICTIM) << "R-CHILD-NO-MEANS";
  pb::Trajectory refused;
  const grpc::Status b = Route(t, pb::ROUTE_B_ACTIVE, &refused);
  EXPECT_EQ(b.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(b), "R-ROUTE-A-CHILD");
  ASSERT_TRUE(Route(t, pb::ROUTE_A_CHILD_PROTECTION, &t).ok());
  pb::ListTasksRequest tasks;
  pb::ListTasksResponse response;
  ASSERT_TRUE(essm_->ListTasks(ContextAs("coordinator-1").get(), tasks, &response).ok());
  ASSERT_EQ(response.tasks_size(), 1);
  EXPECT_EQ(response.tasks(0).kind(), "route.a.notify_child_protection");
  EXPECT_EQ(response.tasks(0).assignee_user_id(), "coordinator-1");
}

TEST_F(TrajectoryServiceTest, RouteB_NeedsTheRecordedConsentToReferral) {
  const pb::Trajectory t = Screen(Register("reg-1", "Anna"));
  pb::DecideRouteRequest request;
  request.set_request_id("route-1");
  request.set_trajectory_id(t.id());
  request.set_etag(t.etag());
  request.set_route(pb::ROUTE_B_ACTIVE);
  pb::Trajectory out;
  const grpc::Status status = essm_->DecideRoute(ContextAs("coordinator-1").get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-ROUTE-B-CONSENT");
}

TEST_F(TrajectoryServiceTest, ReopeningWithARunningReflectionPeriod_KeepsItsDeadline) {
  pb::Trajectory t = Screen(Register("reg-1", "Anna"));
  ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
  pb::StartReflectionPeriodRequest start;
  start.set_request_id("refl-1");
  start.set_trajectory_id(t.id());
  start.set_etag(t.etag());
  ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &t).ok());
  pb::CloseTrajectoryRequest close;
  close.set_request_id("close-1");
  close.set_trajectory_id(t.id());
  close.set_etag(t.etag());
  close.set_reason(pb::CLOSURE_REASON_CONTACT_LOST);
  ASSERT_TRUE(essm_->CloseTrajectory(ContextAs("coordinator-1").get(), close, &t).ok());
  pb::ReopenTrajectoryRequest reopen;
  reopen.set_request_id("reopen-1");
  reopen.set_trajectory_id(t.id());
  reopen.set_etag(t.etag());
  ASSERT_TRUE(essm_->ReopenTrajectory(ContextAs("coordinator-1").get(), reopen, &t).ok());
  clock_.Advance(days{100});
  while (handler_.FireDueTimers(10) > 0) {
  }
  pb::GetTrajectoryRequest get;
  get.set_id(t.id());
  ASSERT_TRUE(essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, &t).ok());
  EXPECT_EQ(t.reflection_period().state(), pb::REFLECTION_STATE_EXPIRED);
}

TEST_F(TrajectoryServiceTest, RequestLog_HoldsNoPersonalDataInClear) {
  pb::CreateSignalRequest signal;
  signal.set_request_id("signal-1");
  signal.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
  signal.set_observation("Zichtbare waarneming over Mila");
  pb::Signal s;
  ASSERT_TRUE(essm_->CreateSignal(ContextAs("meldpunt-1").get(), signal, &s).ok());
  Register("reg-1", "Anna");
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  for (const auto& row : tx.exec("SELECT response, request_digest FROM trajectory.request_log")) {
    const std::string stored = pqxx::binarystring(row[0]).str();
    EXPECT_EQ(stored.find("Mila"), std::string::npos);
    EXPECT_EQ(stored.find("Vries"), std::string::npos);
    EXPECT_TRUE(pqxx::binarystring(row[1]).str().empty());
  }
}

TEST_F(TrajectoryServiceTest, DisclosureSections_OnlyTheAskedCategoriesOnlyForServices) {
  const pb::Trajectory t = Register("reg-1", "Anna");
  ketenregie::common::v1::GetDisclosureSectionsRequest request;
  request.set_trajectory_id(t.id());
  request.add_categories(common::v1::DATA_CATEGORY_IDENTITY);
  request.add_categories(common::v1::DATA_CATEGORY_LOCATION);
  ketenregie::common::v1::DisclosureSections sections;
  EXPECT_TRUE(testing::Refused(
      essm_->GetDisclosureSections(ContextAs("coordinator-1").get(), request, &sections),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  auto handoff = pb::TrajectoryService::NewStub(testing::ChannelAs(server_, "svc-handoff"));
  ASSERT_TRUE(
      handoff->GetDisclosureSections(ContextAs("handoff-service").get(), request, &sections).ok());
  ASSERT_EQ(sections.sections_size(), 1) << "no LOCATION is held here";
  EXPECT_EQ(sections.sections(0).category(), common::v1::DATA_CATEGORY_IDENTITY);
  EXPECT_EQ(sections.sections(0).fields().at("given_name"), "Anna");
  EXPECT_EQ(sections.sections(0).fields().at("date_of_birth"), "1998-04-12");
  EXPECT_FALSE(sections.sections(0).fields().contains("contact")) << "CONTACT was not asked";
}

TEST_F(TrajectoryServiceTest, StaleEtag_IsAbortedAndWritesNothing) {
  const pb::Trajectory t = Register("reg-1", "Anna");
  const pb::Trajectory screened = Screen(t);
  const long long before = RowsWritten();
  pb::SetAgeStatusRequest request;
  request.set_request_id("age-1");
  request.set_trajectory_id(t.id());
  request.set_etag(t.etag());  // stale: the screening bumped it
  request.set_age_status(pb::AGE_STATUS_MINOR);
  pb::Trajectory out;
  EXPECT_TRUE(testing::Refused(essm_->SetAgeStatus(ContextAs("coordinator-1").get(), request, &out),
                               grpc::StatusCode::ABORTED, "STALE_ETAG"));
  EXPECT_EQ(RowsWritten(), before);
  request.set_etag(screened.etag());
  EXPECT_TRUE(essm_->SetAgeStatus(ContextAs("coordinator-1").get(), request, &out).ok());
}

TEST_F(TrajectoryServiceTest, Retry_ReturnsTheFirstAnswerAndWritesNothingEvenAfterARestart) {
  const pb::Trajectory first = Register("reg-1", "Anna");
  const long long before = RowsWritten();
  // A new handler over the same database: as after a restart.
  FakeOpenWork open_work;
  TrajectoryHandler restarted(pool_, testing::TestDirectory(), keys_, clock_, open_work, {});
  testing::TestServer server(restarted);
  auto stub = pb::TrajectoryService::NewStub(testing::ChannelAs(server, "essm-rotterdam"));
  pb::RegisterPersonRequest request;
  request.set_request_id("reg-1");
  request.mutable_identity()->set_given_name("Anna");
  request.mutable_identity()->set_family_name("de Vries");
  request.mutable_identity()->mutable_date_of_birth()->set_year(1998);
  request.mutable_identity()->mutable_date_of_birth()->set_month(4);
  request.mutable_identity()->mutable_date_of_birth()->set_day(12);
  request.mutable_identity()->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
  request.mutable_identity()->set_nationality("NG");
  request.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
  pb::RegisterPersonResponse replay;
  ASSERT_TRUE(stub->RegisterPerson(ContextAs("coordinator-1").get(), request, &replay).ok());
  EXPECT_EQ(replay.trajectory().id(), first.id());
  EXPECT_EQ(replay.trajectory().etag(), first.etag());
  EXPECT_EQ(RowsWritten(), before);

  // The same request_id for another request is refused.
  request.mutable_identity()->set_given_name("Someone else");
  const grpc::Status reused =
      stub->RegisterPerson(ContextAs("coordinator-1").get(), request, &replay);
  EXPECT_TRUE(testing::BadFields(reused, {"request_id"}));
  EXPECT_EQ(RowsWritten(), before);
}

TEST_F(TrajectoryServiceTest, ConcurrentRetriesOfOneRequest_ApplyOnce) {
  const pb::Trajectory t = Register("reg-1", "Anna");
  pb::SetNonPunishmentFlagRequest request;
  request.set_request_id("np-1");
  request.set_trajectory_id(t.id());
  request.set_etag(t.etag());
  request.set_flag(true);
  std::vector<std::future<std::pair<grpc::StatusCode, std::string>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      pb::Trajectory out;
      const auto status =
          essm_->SetNonPunishmentFlag(ContextAs("coordinator-1").get(), request, &out);
      return std::pair{status.error_code(), out.etag()};
    }));
  }
  std::set<std::string> etags;
  for (auto& call : calls) {
    const auto [code, etag] = call.get();
    ASSERT_EQ(code, grpc::StatusCode::OK);
    etags.insert(etag);
  }
  EXPECT_EQ(etags.size(), 1u) << "every retry sees the one answer";
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(
      tx.exec1("SELECT count(*) FROM trajectory.timeline WHERE kind = 'non_punishment.set'")[0]
          .as<int>(),
      1);
}

// A client that is not ours — Debian's python3-grpcio and python3-protobuf
// (tests/python/read_error_details.py) — reads a refusal's details as this
// C++ client does: ErrorInfo's reason and domain, every field BadRequest
// names, the Dutch message.
TEST_F(TrajectoryServiceTest, AnOutsideClientReadsTheErrorDetails) {
  const pb::Trajectory t = Register("reg-py", "Anna");
  const std::string command = std::string("/usr/bin/python3 ") + KETENREGIE_SOURCE_DIR +
                              "/tests/python/read_error_details.py --generated " +
                              KETENREGIE_PYTHON_MODULES + " --address " + server_.address() +
                              " --certs " + testing::TestCertsDir() +
                              " --organisation essm-rotterdam --actor coordinator-1 --trajectory " +
                              t.id() + " --etag " + t.etag() + " 2>&1";
  std::string output;
  {
    std::unique_ptr<FILE, int (*)(FILE*)> python(::popen(command.c_str(), "r"), ::pclose);
    ASSERT_NE(python, nullptr);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, python.get())) {
      output.append(buffer, n);
    }
  }
  nlohmann::json read;
  ASSERT_NO_THROW(read = nlohmann::json::parse(output)) << output;

  // The same two requests from C++.
  pb::RegisterPersonRequest bad;
  bad.set_request_id("python-1");
  bad.set_signal_id("not-a-uuid");
  bad.mutable_identity()->set_given_name(std::string(201, 'x'));
  pb::RegisterPersonResponse registered;
  const auto bad_status = essm_->RegisterPerson(ContextAs("coordinator-1").get(), bad, &registered);
  ASSERT_TRUE(testing::BadFields(bad_status, {"identity.given_name", "signal_id"}));
  pb::DecideRouteRequest route;
  route.set_request_id("python-2");
  route.set_trajectory_id(t.id());
  route.set_etag(t.etag());
  route.set_route(pb::ROUTE_B_ACTIVE);
  pb::Trajectory out;
  const auto rule_status = essm_->DecideRoute(ContextAs("coordinator-1").get(), route, &out);
  ASSERT_EQ(rule_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_EQ(testing::ReasonOf(rule_status).rfind("R-", 0), 0u) << "a rule refuses";

  const auto& python_bad = read.at("bad_input");
  EXPECT_EQ(python_bad.at("code"), "INVALID_ARGUMENT");
  EXPECT_EQ(python_bad.at("reason"), "FIELD_INVALID");
  EXPECT_EQ(python_bad.at("domain"), "ketenregie.nl");
  EXPECT_EQ(python_bad.at("fields").get<std::vector<std::string>>(), testing::FieldsOf(bad_status));
  EXPECT_EQ(python_bad.at("locale"), "nl-NL");
  EXPECT_EQ(python_bad.at("dutch"), testing::DutchOf(bad_status));
  const auto& python_rule = read.at("rule");
  EXPECT_EQ(python_rule.at("code"), "FAILED_PRECONDITION");
  EXPECT_EQ(python_rule.at("reason"), testing::ReasonOf(rule_status));
  EXPECT_EQ(python_rule.at("dutch"), testing::DutchOf(rule_status));
  EXPECT_FALSE(python_rule.at("dutch").get<std::string>().empty());
}

TEST_F(TrajectoryServiceTest, Identity_IsDecryptedForItsOwnCoordinatorsOnly_EachReadAudited) {
  const pb::Trajectory t = Register("reg-1", "Anna");
  auto identity_reads = [&] {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    return tx
        .exec_params1(
            "SELECT count(*) FROM audit.records WHERE method = 'GetPersonIdentity' AND "
            "trajectory_id = $1::uuid AND actor = 'coordinator-2' AND categories @> '{1,2}' "
            "AND decision = $2",
            t.id(), static_cast<int>(common::AuditDecision::kPermitted))[0]
        .as<long long>();
  };
  pb::GetPersonIdentityRequest request;
  request.set_trajectory_id(t.id());
  pb::PersonIdentity identity;
  // Any coordinator of her organisation, not only the one who registered her.
  grpc::Status status =
      essm_->GetPersonIdentity(ContextAs("coordinator-2").get(), request, &identity);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(identity.given_name(), "Anna");
  EXPECT_EQ(identity.family_name(), "de Vries");
  EXPECT_EQ(identity.date_of_birth().year(), 1998);
  EXPECT_EQ(identity.nationality(), "NG");
  EXPECT_EQ(identity_reads(), 1);
  ASSERT_TRUE(essm_->GetPersonIdentity(ContextAs("coordinator-2").get(), request, &identity).ok());
  EXPECT_EQ(identity_reads(), 2);

  // Another coordination organisation's coordinator: not found, as if
  // there were no such trajectory.
  auto amsterdam = pb::TrajectoryService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  pb::PersonIdentity none;
  EXPECT_EQ(amsterdam->GetPersonIdentity(ContextAs("coordinator-ams-1").get(), request, &none)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(none.given_name(), "");
  // Of her own organisation, a role without it.
  EXPECT_TRUE(
      testing::Refused(essm_->GetPersonIdentity(ContextAs("meldpunt-1").get(), request, &none),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  EXPECT_EQ(identity_reads(), 2);

  // A signal has nobody registered yet.
  pb::CreateSignalRequest signal_request;
  signal_request.set_request_id("signal-1");
  signal_request.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
  signal_request.set_observation("Zorg over een leerling");
  pb::Signal signal;
  ASSERT_TRUE(essm_->CreateSignal(ContextAs("meldpunt-1").get(), signal_request, &signal).ok());
  request.set_trajectory_id(signal.trajectory_id());
  status = essm_->GetPersonIdentity(ContextAs("coordinator-1").get(), request, &none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // And a bad id is named.
  request.set_trajectory_id("geen-id");
  EXPECT_TRUE(
      testing::BadFields(essm_->GetPersonIdentity(ContextAs("coordinator-1").get(), request, &none),
                         {"trajectory_id"}));
}

TEST_F(TrajectoryServiceTest, OnlyCoordinatorsOfACareCoordinationOrganisation) {
  pb::RegisterPersonRequest request;
  request.set_request_id("reg-x");
  request.mutable_identity()->set_given_name("Anna");
  pb::RegisterPersonResponse response;
  grpc::Status status =
      gemeente_->RegisterPerson(ContextAs("aandachtsfunctionaris-1").get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(testing::ReasonOf(status), "R-ACCESS-ROLE");
  // A user of the coordination organisation without the role.
  status = essm_->RegisterPerson(ContextAs("meldpunt-1").get(), request, &response);
  EXPECT_TRUE(testing::Refused(status, grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // A user name from another organisation, presented with ESSM's certificate.
  status = essm_->RegisterPerson(ContextAs("aandachtsfunctionaris-1").get(), request, &response);
  EXPECT_TRUE(testing::Refused(status, grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // No actor at all.
  grpc::ClientContext no_actor;
  no_actor.set_deadline(system_clock::now() + seconds(5));
  status = essm_->RegisterPerson(&no_actor, request, &response);
  EXPECT_TRUE(testing::BadFields(status, {"x-actor"}));

  // Eligibility facts are for services only.
  const pb::Trajectory t = Register("reg-1", "Anna");
  pb::GetEligibilityFactsRequest facts;
  facts.set_trajectory_id(t.id());
  pb::EligibilityFacts out;
  EXPECT_TRUE(
      testing::Refused(essm_->GetEligibilityFacts(ContextAs("coordinator-1").get(), facts, &out),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  ASSERT_TRUE(
      shelter_service_->GetEligibilityFacts(ContextAs("shelter-service").get(), facts, &out).ok());
  EXPECT_EQ(out.gender_identity(), pb::GENDER_IDENTITY_WOMAN);
  EXPECT_EQ(out.age_status(), pb::AGE_STATUS_CONFIRMED_ADULT);
}

// Every method refuses bad input with INVALID_ARGUMENT naming every bad
// field in its BadRequest, and writes nothing.
TEST_F(TrajectoryServiceTest, BadInput_IsInvalidArgumentNamingEveryFieldAndWritesNothing) {
  using testing::ExpectBadInput;
  using testing::Sending;
  using Stub = pb::TrajectoryService::Stub;
  const pb::Trajectory t = Register("reg-0", "Anna");
  const long long before = RowsWritten();
  const std::string as = "coordinator-1";
  {
    pb::CreateSignalRequest r;
    r.set_request_id("s");
    r.set_reporter_kind(pb::REPORTER_KIND_POLICE);
    r.set_observation("Zorgen over werk en huisvesting");
    ExpectBadInput(r, Sending(*essm_, &Stub::CreateSignal, as),
                   {{[](auto& r) { r.clear_request_id(); }, {"request_id"}},
                    {[](auto& r) { r.set_reporter_kind(static_cast<pb::ReporterKind>(99)); },
                     {"reporter_kind"}},
                    {[](auto& r) { r.set_observation(std::string(10'001, 'x')); }, {"observation"}},
                    {[](auto& r) {
                       r.clear_request_id();
                       r.set_observation(std::string(10'001, 'x'));
                     },
                     {"request_id", "observation"}}});
  }
  {
    pb::RegisterPersonRequest r;
    r.set_request_id("r");
    r.mutable_identity()->set_given_name("Anna");
    r.set_age_status(pb::AGE_STATUS_MINOR);
    auto date_of_birth = [](pb::RegisterPersonRequest& r, int day) {
      auto* d = r.mutable_identity()->mutable_date_of_birth();
      d->set_year(2001);
      d->set_month(2);
      d->set_day(day);
    };
    ExpectBadInput(
        r, Sending(*essm_, &Stub::RegisterPerson, as),
        {{[](auto& r) { r.set_request_id(std::string(129, 'r')); }, {"request_id"}},
         {[](auto& r) { r.clear_identity(); }, {"identity"}},
         {[](auto& r) { r.mutable_identity()->set_given_name(std::string(201, 'a')); },
          {"identity.given_name"}},
         {[&](auto& r) { date_of_birth(r, 30); }, {"identity.date_of_birth"}},
         {[](auto& r) { r.set_age_status(static_cast<pb::AgeStatus>(7)); }, {"age_status"}},
         {[](auto& r) { r.set_signal_id("not-a-uuid"); }, {"signal_id"}},
         {[&](auto& r) {
            date_of_birth(r, 30);
            r.set_signal_id("not-a-uuid");
          },
          {"identity.date_of_birth", "signal_id"}}});
  }
  {
    pb::SetAgeStatusRequest r;
    r.set_request_id("a");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    r.set_age_status(pb::AGE_STATUS_MINOR);
    ExpectBadInput(r, Sending(*essm_, &Stub::SetAgeStatus, as),
                   {{[](auto& r) { r.set_trajectory_id("x"); }, {"trajectory_id"}},
                    {[](auto& r) { r.clear_etag(); }, {"etag"}},
                    {[](auto& r) { r.set_age_status(pb::AGE_STATUS_UNSPECIFIED); }, {"age_status"}},
                    {[](auto& r) {
                       r.clear_request_id();
                       r.set_etag("abc");
                     },
                     {"request_id", "etag"}}});
  }
  {
    pb::RecordScreeningRequest r;
    r.set_request_id("s");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    auto* i = r.mutable_screening()->add_indicators();
    i->set_indicator(pb::INDICATOR_THREAT);
    i->set_score(pb::INDICATOR_SCORE_SIGNALS);
    ExpectBadInput(
        r, Sending(*essm_, &Stub::RecordScreening, as),
        {{[](auto& r) { r.clear_screening(); }, {"screening"}},
         {[](auto& r) {
            r.mutable_screening()->mutable_indicators(0)->set_indicator(
                static_cast<pb::Indicator>(13));
          },
          {"screening.indicators.indicator"}},
         {[](auto& r) {
            r.mutable_screening()->mutable_indicators(0)->set_score(
                static_cast<pb::IndicatorScore>(5));
          },
          {"screening.indicators.score"}},
         {[](auto& r) { r.mutable_screening()->mutable_indicators(0)->clear_score(); },
          {"screening.indicators.score"}},
         {[](auto& r) { r.mutable_screening()->add_forms(pb::EXPLOITATION_FORM_UNSPECIFIED); },
          {"screening.forms"}}});
  }
  {
    pb::DecideRouteRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(r, Sending(*essm_, &Stub::DecideRoute, as),
                   {{[](auto&) {}, {"route"}},
                    {[](auto& r) { r.set_trajectory_id("x"); }, {"trajectory_id", "route"}}});
  }
  {
    pb::AssignCoordinatorRequest r;
    r.set_request_id("c");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    r.set_coordinator_user_id("coordinator-2");
    ExpectBadInput(
        r, Sending(*essm_, &Stub::AssignCoordinator, as),
        {{[](auto& r) { r.set_coordinator_user_id("Not Valid"); }, {"coordinator_user_id"}},
         {[](auto& r) { r.set_coordinator_user_id("aandachtsfunctionaris-1"); },
          {"coordinator_user_id"}}});
  }
  {
    pb::StartReflectionPeriodRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::StartReflectionPeriod, as),
        {{[](auto& r) {
            r.mutable_starts_at()->set_seconds((kStart - days{400}).time_since_epoch().count());
          },
          {"starts_at"}}});
  }
  {
    pb::DecideReflectionPeriodRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(r, Sending(*essm_, &Stub::DecideReflectionPeriod, as),
                   {{[](auto&) {}, {"decision"}}});
  }
  {
    pb::RecordResidencePermitRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    r.set_permit_state(pb::PERMIT_STATE_APPLIED);
    ExpectBadInput(
        r, Sending(*essm_, &Stub::RecordResidencePermit, as),
        {{[](auto& r) { r.clear_permit_state(); }, {"permit_state"}},
         {[](auto& r) { r.set_permit_state(pb::PERMIT_STATE_GRANTED); }, {"valid_until"}}});
  }
  {
    pb::CloseTrajectoryRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::CloseTrajectory, as),
        {{[](auto&) {}, {"reason"}}, {[](auto& r) { r.clear_etag(); }, {"etag", "reason"}}});
  }
  {
    pb::LinkTrajectoryRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::LinkTrajectory, as),
        {{[](auto& r) { r.set_linked_trajectory_id("nope"); }, {"linked_trajectory_id"}}});
  }
  {
    pb::ReopenTrajectoryRequest r;
    r.set_request_id("r");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(r, Sending(*essm_, &Stub::ReopenTrajectory, as),
                   {{[](auto& r) { r.clear_request_id(); }, {"request_id"}}});
  }
  {
    pb::ReactivateTrajectoryRequest r;
    r.set_request_id("n");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(r, Sending(*essm_, &Stub::ReactivateTrajectory, as),
                   {{[](auto& r) { r.clear_trajectory_id(); }, {"trajectory_id"}}});
  }
  {
    pb::SetNonPunishmentFlagRequest r;
    r.set_request_id("n");
    r.set_trajectory_id(t.id());
    r.set_etag(t.etag());
    ExpectBadInput(r, Sending(*essm_, &Stub::SetNonPunishmentFlag, as),
                   {{[](auto& r) { r.set_etag("abc"); }, {"etag"}}});
  }
  {
    pb::ListTrajectoriesRequest r;
    r.mutable_page()->set_page_size(10);
    ExpectBadInput(
        r, Sending(*essm_, &Stub::ListTrajectories, as),
        {{[](auto& r) { r.mutable_page()->set_page_size(-1); }, {"page.page_size"}},
         {[](auto& r) { r.mutable_page()->set_page_token("forged"); }, {"page.page_token"}},
         {[](auto& r) { r.set_state(static_cast<pb::TrajectoryState>(42)); }, {"state"}},
         {[](auto& r) {
            r.mutable_page()->set_page_size(-1);
            r.set_state(static_cast<pb::TrajectoryState>(42));
          },
          {"page.page_size", "state"}}});
  }
  {
    pb::ListTimelineRequest r;
    r.set_trajectory_id(t.id());
    ExpectBadInput(r, Sending(*essm_, &Stub::ListTimeline, as),
                   {{[](auto& r) { r.set_trajectory_id("x"); }, {"trajectory_id"}}});
  }
  {
    pb::CompleteTaskRequest r;
    r.set_request_id("r");
    r.set_etag("1");
    ExpectBadInput(r, Sending(*essm_, &Stub::CompleteTask, as),
                   {{[](auto& r) { r.set_task_id("x"); }, {"task_id"}},
                    {[](auto& r) { r.clear_etag(); }, {"task_id", "etag"}}});
  }
  {
    pb::ListSignalsRequest r;
    r.mutable_page()->set_page_size(5);
    ExpectBadInput(r, Sending(*essm_, &Stub::ListSignals, as),
                   {{[](auto& r) { r.mutable_page()->set_page_size(-5); }, {"page.page_size"}},
                    {[](auto& r) { r.mutable_page()->set_page_token("p1.12.not-a-uuid"); },
                     {"page.page_token"}}});
  }
  {
    pb::ListTasksRequest r;
    r.set_state(pb::TASK_STATE_OPEN);
    ExpectBadInput(r, Sending(*essm_, &Stub::ListTasks, as),
                   {{[](auto& r) { r.set_state(static_cast<pb::TaskState>(9)); }, {"state"}},
                    {[](auto& r) { r.set_assignee_user_id("Bad Name"); }, {"assignee_user_id"}},
                    {[](auto& r) { r.set_trajectory_id("not-a-uuid"); }, {"trajectory_id"}},
                    {[](auto& r) {
                       r.set_state(static_cast<pb::TaskState>(9));
                       r.set_assignee_user_id("Bad Name");
                     },
                     {"state", "assignee_user_id"}}});
  }
  {
    pb::GetEligibilityFactsRequest r;
    ExpectBadInput(r, Sending(*shelter_service_, &Stub::GetEligibilityFacts, "shelter-service"),
                   {{[](auto& r) { r.set_trajectory_id("12"); }, {"trajectory_id"}}});
  }
  ExpectBadInput(pb::GetSignalRequest(), Sending(*essm_, &Stub::GetSignal, as),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(pb::GetTrajectoryRequest(), Sending(*essm_, &Stub::GetTrajectory, as),
                 {{[](auto&) {}, {"id"}}});
  EXPECT_EQ(RowsWritten(), before);
}

TEST_F(TrajectoryServiceTest, Lists_FilterAndPageInAStableOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    clock_.Advance(minutes(1));
    ids.push_back(Register("reg-" + std::to_string(i), "P" + std::to_string(i)).id());
  }
  pb::Trajectory screened;
  pb::GetTrajectoryRequest get;
  get.set_id(ids[2]);
  ASSERT_TRUE(essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, &screened).ok());
  Screen(screened);

  std::vector<std::string> seen;
  pb::ListTrajectoriesRequest request;
  request.mutable_page()->set_page_size(3);
  do {
    pb::ListTrajectoriesResponse page;
    ASSERT_TRUE(essm_->ListTrajectories(ContextAs("coordinator-1").get(), request, &page).ok());
    for (const auto& s : page.trajectories()) {
      seen.push_back(s.id());
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  } while (!request.page().page_token().empty());
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend())) << "newest first, each once";

  pb::ListTrajectoriesRequest by_state;
  by_state.set_state(pb::TRAJECTORY_STATE_SCREENED);
  pb::ListTrajectoriesResponse screened_only;
  ASSERT_TRUE(
      essm_->ListTrajectories(ContextAs("coordinator-1").get(), by_state, &screened_only).ok());
  ASSERT_EQ(screened_only.trajectories_size(), 1);
  EXPECT_EQ(screened_only.trajectories(0).id(), ids[2]);
}

TEST_F(TrajectoryServiceTest, ASummary_SaysAgeFlagAndTheNextDeadline_OfItsOpenTasks) {
  pb::Trajectory t = Screen(Register("reg-1", "Anna"));
  ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
  clock_.Advance(minutes(1));
  const pb::Trajectory quiet = Register("reg-2", "Bea");
  // Her age comes in doubt on route B: route A is now her coordinator's
  // task, due at once (R-AGE-DOUBT).
  clock_.Advance(minutes(5));
  pb::SetAgeStatusRequest doubt;
  doubt.set_request_id("age-1");
  doubt.set_trajectory_id(t.id());
  doubt.set_etag(t.etag());
  doubt.set_age_status(pb::AGE_STATUS_DOUBTED);
  ASSERT_TRUE(essm_->SetAgeStatus(ContextAs("coordinator-1").get(), doubt, &t).ok());
  pb::SetNonPunishmentFlagRequest flag;
  flag.set_request_id("np-1");
  flag.set_trajectory_id(t.id());
  flag.set_etag(t.etag());
  flag.set_flag(true);
  ASSERT_TRUE(essm_->SetNonPunishmentFlag(ContextAs("coordinator-1").get(), flag, &t).ok());

  pb::ListTrajectoriesResponse listed;
  ASSERT_TRUE(essm_
                  ->ListTrajectories(ContextAs("coordinator-1").get(),
                                     pb::ListTrajectoriesRequest(), &listed)
                  .ok());
  ASSERT_EQ(listed.trajectories_size(), 2);
  const pb::TrajectorySummary& doubted = listed.trajectories(1);
  ASSERT_EQ(doubted.id(), t.id());
  EXPECT_EQ(doubted.age_status(), pb::AGE_STATUS_DOUBTED);
  EXPECT_TRUE(doubted.non_punishment_flag());
  ASSERT_TRUE(doubted.has_next_deadline());
  EXPECT_EQ(doubted.next_deadline_kind(), "route.a_required");
  EXPECT_EQ(doubted.next_deadline().seconds(), clock_.Now().time_since_epoch().count());
  const pb::TrajectorySummary& other = listed.trajectories(0);
  ASSERT_EQ(other.id(), quiet.id());
  EXPECT_EQ(other.age_status(), pb::AGE_STATUS_CONFIRMED_ADULT);
  EXPECT_FALSE(other.non_punishment_flag());
  EXPECT_FALSE(other.has_next_deadline()) << "no open task, no date of her route to come";
  // What the list showed of each is on the audit trail, per trajectory:
  // the non-punishment flag (criminal proceedings) for both.
  EXPECT_EQ(db_.Count("SELECT count(*) FROM audit.records WHERE method = 'ListTrajectories' "
                      "AND action = 2 AND trajectory_id IS NOT NULL"),
            2);

  // A running reflection period: its end is the next deadline, not the
  // reminders ahead of it.
  clock_.Advance(minutes(1));
  pb::Trajectory woman = Screen(Register("reg-3", "Grace"));
  ASSERT_TRUE(Route(woman, pb::ROUTE_B_ACTIVE, &woman).ok());
  pb::StartReflectionPeriodRequest start;
  start.set_request_id("refl-1");
  start.set_trajectory_id(woman.id());
  start.set_etag(woman.etag());
  ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &woman).ok());
  pb::ListTrajectoriesResponse again;
  ASSERT_TRUE(essm_
                  ->ListTrajectories(ContextAs("coordinator-1").get(),
                                     pb::ListTrajectoriesRequest(), &again)
                  .ok());
  ASSERT_EQ(again.trajectories(0).id(), woman.id());
  EXPECT_EQ(again.trajectories(0).next_deadline_kind(), "reflection.expiry");
  EXPECT_EQ(again.trajectories(0).next_deadline().seconds(),
            woman.reflection_period().ends_at().seconds());
}

TEST_F(TrajectoryServiceTest, DeadlineWindow_ListsReflectionPeriodsEndingSoonestFirst) {
  std::vector<std::pair<std::string, int>> started;  // id, days ago started
  for (const int days_ago : {80, 30, 85, 10}) {
    pb::Trajectory t =
        Screen(Register("reg-" + std::to_string(days_ago), "P" + std::to_string(days_ago)));
    ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
    pb::StartReflectionPeriodRequest start;
    start.set_request_id("refl-" + t.id());
    start.set_trajectory_id(t.id());
    start.set_etag(t.etag());
    start.mutable_starts_at()->set_seconds((kStart - days{days_ago}).time_since_epoch().count());
    ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &t).ok());
    started.push_back({t.id(), days_ago});
  }
  pb::ListTrajectoriesRequest request;
  *request.mutable_reflection_ends_before() = ToTimestamp(kStart + days{14});
  request.mutable_page()->set_page_size(1);
  std::vector<std::string> ending;
  do {
    pb::ListTrajectoriesResponse page;
    ASSERT_TRUE(essm_->ListTrajectories(ContextAs("coordinator-1").get(), request, &page).ok());
    for (const auto& s : page.trajectories()) {
      ending.push_back(s.id());
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  } while (!request.page().page_token().empty());
  // Started 85 and 80 days ago: they end within 14 days, the older first.
  EXPECT_EQ(ending, (std::vector<std::string>{started[2].first, started[0].first}));
}

// Two replicas fire the same due timers at once: every timer becomes exactly
// one task, and the expiry deadline expires the reflection period once.
TEST_F(TrajectoryServiceTest, DueTimers_FireExactlyOnceAcrossTwoReplicas) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    pb::Trajectory t = Screen(Register("reg-" + std::to_string(i), "P" + std::to_string(i)));
    ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
    pb::StartReflectionPeriodRequest start;
    start.set_request_id("refl-" + t.id());
    start.set_trajectory_id(t.id());
    start.set_etag(t.etag());
    ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &t).ok());
    ids.push_back(t.id());
  }
  // Three months and a day later every reminder and every expiry is due.
  clock_.Advance(days{93});
  common::DbPool second_pool(db_.Dsn("ketenregie_trajectory"), 4, &Prepare);
  FakeOpenWork open_work;
  TrajectoryHandler replica(second_pool, testing::TestDirectory(), keys_, clock_, open_work, {});
  auto fire_all = [](TrajectoryHandler& h) {
    int fired = 0;
    for (int n = h.FireDueTimers(7); n > 0; n = h.FireDueTimers(7)) {
      fired += n;
    }
    return fired;
  };
  auto a = std::async(std::launch::async, [&] { return fire_all(handler_); });
  auto b = std::async(std::launch::async, [&] { return fire_all(replica); });
  const int fired = a.get() + b.get();
  EXPECT_EQ(fired, 20 * 3);

  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.timers WHERE fired_at IS NULL")[0].as<int>(),
            0);
  // Two reminders a trajectory become tasks; the expiry makes its own task.
  EXPECT_EQ(
      tx.exec1("SELECT count(*) FROM trajectory.tasks WHERE timer_id IS NOT NULL")[0].as<int>(),
      40);
  EXPECT_EQ(tx.exec1("SELECT count(DISTINCT timer_id) FROM trajectory.tasks")[0].as<int>(), 40);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.tasks WHERE kind = 'reflection.expired'")[0]
                .as<int>(),
            20);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.trajectories WHERE reflection_state = 4")[0]
                .as<int>(),
            20)
      << "every period expired once";
}

TEST_F(TrajectoryServiceTest, ADecisionInTime_CancelsTheReminders) {
  pb::Trajectory t = Screen(Register("reg-1", "Anna"));
  ASSERT_TRUE(Route(t, pb::ROUTE_B_ACTIVE, &t).ok());
  pb::StartReflectionPeriodRequest start;
  start.set_request_id("refl-1");
  start.set_trajectory_id(t.id());
  start.set_etag(t.etag());
  ASSERT_TRUE(essm_->StartReflectionPeriod(ContextAs("coordinator-1").get(), start, &t).ok());
  pb::DecideReflectionPeriodRequest decide;
  decide.set_request_id("refl-2");
  decide.set_trajectory_id(t.id());
  decide.set_etag(t.etag());
  decide.set_decision(pb::REFLECTION_DECISION_OTHER_COOPERATION);
  ASSERT_TRUE(essm_->DecideReflectionPeriod(ContextAs("coordinator-1").get(), decide, &t).ok());
  clock_.Advance(days{120});
  EXPECT_EQ(handler_.FireDueTimers(100), 0);
}

TEST_F(TrajectoryServiceTest, TasksAreCompletedOnceWithTheirEtag) {
  pb::Trajectory t = Screen(Register("reg-1", "Mila", pb::AGE_STATUS_MINOR));
  ASSERT_TRUE(Route(t, pb::ROUTE_A_CHILD_PROTECTION, &t).ok());
  pb::ListTasksResponse tasks;
  ASSERT_TRUE(essm_->ListTasks(ContextAs("coordinator-1").get(), {}, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  pb::CompleteTaskRequest done;
  done.set_request_id("done-1");
  done.set_task_id(tasks.tasks(0).id());
  done.set_etag(tasks.tasks(0).etag());
  pb::Task out;
  ASSERT_TRUE(essm_->CompleteTask(ContextAs("coordinator-2").get(), done, &out).ok());
  EXPECT_EQ(out.state(), pb::TASK_STATE_DONE);
  done.set_request_id("done-2");
  EXPECT_TRUE(testing::Refused(essm_->CompleteTask(ContextAs("coordinator-2").get(), done, &out),
                               grpc::StatusCode::ABORTED, "STALE_ETAG"));
}

// Rotation while the service runs: values sealed under the old keys stay
// readable, the background job moves them to the new keys, and then the old
// keys can go. The blind index keeps finding the person throughout.
TEST_F(TrajectoryServiceTest, KeyRotation_ReencryptsWhileServing) {
  pb::CreateSignalRequest signal;
  signal.set_request_id("signal-1");
  signal.set_reporter_kind(pb::REPORTER_KIND_POLICE);
  signal.set_observation("waarneming");
  pb::Signal s;
  ASSERT_TRUE(essm_->CreateSignal(ContextAs("meldpunt-1").get(), signal, &s).ok());
  const pb::Trajectory before = Screen(Register("reg-1", "Anna"));

  const std::string k1(32, 'a');
  const std::string k2(32, 'b');
  const std::string b1(32, 'c');
  const std::string b2(32, 'd');
  keys_.Set(
      common::Keyring::FromKeys({{"k1", k1}, {"k2", k2}}, "k2", {{"b1", b1}, {"b2", b2}}, "b2"));
  // Before re-encryption: old values still open, the person is still found.
  pb::RegisterPersonResponse again;
  Register("reg-2", "Anna", pb::AGE_STATUS_CONFIRMED_ADULT, &again);
  EXPECT_EQ(again.earlier_trajectories_size(), 1);

  int moved = 0;
  for (int n = handler_.ReencryptBatch(1); n > 0; n = handler_.ReencryptBatch(1)) {
    moved += n;
  }
  EXPECT_EQ(moved, 6) << "one identity, one observation, one screening and the three "
                         "request-log entries of those calls, under k1/b1";
  {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.persons WHERE key_id <> 'k2' OR "
                       "blind_key_id <> 'b2'")[0]
                  .as<int>(),
              0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.signals WHERE key_id <> 'k2'")[0].as<int>(),
              0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM trajectory.request_log WHERE substring(response "
                       "from 3 for get_byte(response, 1)) <> 'k2'::bytea")[0]
                  .as<int>(),
              0);
  }
  // The old keys retired: everything still reads, the person is still found.
  keys_.Set(common::Keyring::FromKeys({{"k2", k2}}, "k2", {{"b2", b2}}, "b2"));
  pb::GetTrajectoryRequest get;
  get.set_id(before.id());
  pb::Trajectory after;
  ASSERT_TRUE(essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, &after).ok());
  EXPECT_EQ(after.screening().outcome(), pb::SCREENING_OUTCOME_POSSIBLE_VICTIM);
  EXPECT_EQ(after.screening().indicators_size(), 2);
  pb::GetSignalRequest get_signal;
  get_signal.set_id(s.id());
  pb::Signal read;
  ASSERT_TRUE(essm_->GetSignal(ContextAs("coordinator-1").get(), get_signal, &read).ok());
  EXPECT_EQ(read.observation(), "waarneming");
  pb::RegisterPersonResponse third;
  Register("reg-3", "Anna", pb::AGE_STATUS_CONFIRMED_ADULT, &third);
  EXPECT_EQ(third.earlier_trajectories_size(), 2);
}

// --- issue #10: the date of birth on record decides the age ----------------

// Registered with a date of birth 17 years and 11 months ago.
pb::RegisterPersonRequest NearlyEighteen(const std::string& request_id, pb::AgeStatus age) {
  pb::RegisterPersonRequest request;
  request.set_request_id(request_id);
  request.mutable_identity()->set_given_name("Lena");
  request.mutable_identity()->set_family_name("Bakker");
  request.mutable_identity()->mutable_date_of_birth()->set_year(2008);
  request.mutable_identity()->mutable_date_of_birth()->set_month(12);
  request.mutable_identity()->mutable_date_of_birth()->set_day(22);
  request.mutable_identity()->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
  request.set_age_status(age);
  return request;
}

TEST_F(TrajectoryServiceTest, ConfirmedAdultAgainstADateOfBirthUnder18_IsRefusedUntilCorrected) {
  pb::RegisterPersonResponse registered;
  const auto before = RowsWritten();
  const auto refused = essm_->RegisterPerson(
      ContextAs("coordinator-1").get(), NearlyEighteen("reg-adult", pb::AGE_STATUS_CONFIRMED_ADULT),
      &registered);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(refused), "R-AGE-DATE-OF-BIRTH") << refused.error_message();
  EXPECT_EQ(RowsWritten(), before) << "a refusal writes nothing";

  ASSERT_TRUE(essm_
                  ->RegisterPerson(ContextAs("coordinator-1").get(),
                                   NearlyEighteen("reg-child", pb::AGE_STATUS_UNSPECIFIED),
                                   &registered)
                  .ok());
  pb::Trajectory t = registered.trajectory();
  EXPECT_EQ(t.age_status(), pb::AGE_STATUS_MINOR) << "a child by her date of birth";

  pb::SetAgeStatusRequest adult;
  adult.set_request_id("age-adult");
  adult.set_trajectory_id(t.id());
  adult.set_etag(t.etag());
  adult.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
  pb::Trajectory out;
  const auto overruled = essm_->SetAgeStatus(ContextAs("coordinator-1").get(), adult, &out);
  EXPECT_EQ(overruled.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(overruled), "R-AGE-DATE-OF-BIRTH");

  // The explicit correction, on the timeline without the date itself.
  pb::CorrectDateOfBirthRequest correct;
  correct.set_request_id("dob-fix");
  correct.set_trajectory_id(t.id());
  correct.set_etag(t.etag());
  correct.mutable_date_of_birth()->set_year(2004);
  correct.mutable_date_of_birth()->set_month(12);
  correct.mutable_date_of_birth()->set_day(22);
  ASSERT_TRUE(essm_->CorrectDateOfBirth(ContextAs("coordinator-1").get(), correct, &t).ok());
  adult.set_request_id("age-adult-2");
  adult.set_etag(t.etag());
  ASSERT_TRUE(essm_->SetAgeStatus(ContextAs("coordinator-1").get(), adult, &t).ok());
  EXPECT_EQ(t.age_status(), pb::AGE_STATUS_CONFIRMED_ADULT);

  pb::ListTimelineRequest timeline;
  timeline.set_trajectory_id(t.id());
  pb::ListTimelineResponse entries;
  ASSERT_TRUE(essm_->ListTimeline(ContextAs("coordinator-1").get(), timeline, &entries).ok());
  bool corrected = false;
  for (const auto& e : entries.entries()) {
    corrected = corrected || e.kind() == "person.date_of_birth_corrected";
    EXPECT_EQ(e.SerializeAsString().find("2004"), std::string::npos) << "no date in the timeline";
  }
  EXPECT_TRUE(corrected);
  // The identity holds the corrected date (and the blind index follows it).
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_FALSE(tx.exec_params1("SELECT blind_index IS NULL FROM trajectory.persons p JOIN "
                               "trajectory.trajectories t ON t.person_id = p.id WHERE t.id = "
                               "$1::uuid",
                               t.id())[0]
                   .as<bool>());
}

TEST_F(TrajectoryServiceTest, Turning18_TheFactsFollowTheDay_AndTheCoordinatorGetsATask) {
  pb::RegisterPersonResponse registered;
  ASSERT_TRUE(essm_
                  ->RegisterPerson(ContextAs("coordinator-1").get(),
                                   NearlyEighteen("reg-18", pb::AGE_STATUS_MINOR), &registered)
                  .ok());
  const std::string id = registered.trajectory().id();
  pb::GetEligibilityFactsRequest ask;
  ask.set_trajectory_id(id);
  pb::EligibilityFacts facts;
  ASSERT_TRUE(
      shelter_service_->GetEligibilityFacts(ContextAs("shelter-service").get(), ask, &facts).ok());
  EXPECT_EQ(facts.age_status(), pb::AGE_STATUS_MINOR);
  const auto birthday =
      workflow::FromAmsterdam({year_month_day{year{2026}, December, day{22}}, hours{0}});
  EXPECT_EQ(facts.minor_until().seconds(), birthday.time_since_epoch().count());

  // Her birthday, before any timer ran: the facts of that day.
  clock_.Set(birthday + hours{8});
  ASSERT_TRUE(
      shelter_service_->GetEligibilityFacts(ContextAs("shelter-service").get(), ask, &facts).ok());
  EXPECT_EQ(facts.age_status(), pb::AGE_STATUS_CONFIRMED_ADULT);
  EXPECT_FALSE(facts.has_minor_until());

  while (handler_.FireDueTimers(10) > 0) {
  }
  pb::ListTasksRequest tasks;
  tasks.set_trajectory_id(id);
  pb::ListTasksResponse open;
  ASSERT_TRUE(essm_->ListTasks(ContextAs("coordinator-1").get(), tasks, &open).ok());
  ASSERT_EQ(open.tasks_size(), 1);
  EXPECT_EQ(open.tasks(0).kind(), "age.turned_18");
  EXPECT_EQ(open.tasks(0).due_at().seconds(), (birthday + hours{8}).time_since_epoch().count());
  pb::GetTrajectoryRequest get;
  get.set_id(id);
  pb::Trajectory now;
  ASSERT_TRUE(essm_->GetTrajectory(ContextAs("coordinator-1").get(), get, &now).ok());
  EXPECT_EQ(now.age_status(), pb::AGE_STATUS_CONFIRMED_ADULT);
  // The consent service hears she is an adult (a guardian's consent ends).
  int adult = 0;
  // Opened, then "adult".
  for (const auto& e : testing::ReadFeed(*shelter_service_, "shelter-service", 2)) {
    adult += e.type() == "trajectory.adult" && e.trajectory_id() == id ? 1 : 0;
  }
  EXPECT_EQ(adult, 1);
  // Fired once: nothing more on another pass.
  EXPECT_EQ(handler_.FireDueTimers(10), 0);
}

// ListTasks filters by trajectory (it could not).
TEST_F(TrajectoryServiceTest, ListTasks_ByTrajectory) {
  auto c_route = [&](const std::string& reg, const std::string& name) {
    pb::Trajectory t = Screen(Register(reg, name));
    pb::Trajectory out;
    EXPECT_TRUE(Route(t, pb::ROUTE_C_DECLINED_FOR_NOW, &out).ok());
    return out.id();
  };
  const std::string first = c_route("reg-a", "Ada");
  const std::string second = c_route("reg-b", "Bea");
  clock_.Set(kStart + days{40});
  while (handler_.FireDueTimers(10) > 0) {
  }
  pb::ListTasksRequest all;
  pb::ListTasksResponse everything;
  ASSERT_TRUE(essm_->ListTasks(ContextAs("coordinator-1").get(), all, &everything).ok());
  EXPECT_EQ(everything.tasks_size(), 2);
  pb::ListTasksRequest one;
  one.set_trajectory_id(second);
  pb::ListTasksResponse only;
  ASSERT_TRUE(essm_->ListTasks(ContextAs("coordinator-1").get(), one, &only).ok());
  ASSERT_EQ(only.tasks_size(), 1);
  EXPECT_EQ(only.tasks(0).trajectory_id(), second);
  one.set_trajectory_id("not-a-uuid");
  EXPECT_TRUE(testing::BadFields(essm_->ListTasks(ContextAs("coordinator-1").get(), one, &only),
                                 {"trajectory_id"}));
  (void)first;
}

}  // namespace
}  // namespace ketenregie::trajectory
