// The shelter service through real gRPC channels with mutual TLS, on a fresh
// PostgreSQL database per test. The trajectory service's eligibility facts
// come from a fake at the process edge.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"
#include "tests/support/bad_input.h"
#include "tests/support/error_details.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"
#include "workflow/calendar.h"

namespace ketenregie::shelter {
namespace {

using namespace std::chrono;
using testing::ContextAs;
using testing::TestDatabase;
namespace pb = ketenregie::shelter::v1;

class FakeFacts final : public TrajectoryFacts {
 public:
  grpc::Status Get(const std::string& trajectory_id, workflow::PersonFacts& facts) override {
    std::lock_guard lock(mutex_);
    const auto found = people.find(trajectory_id);
    if (found == people.end()) {
      return common::NotFound("trajectory");  // as the trajectory service answers
    }
    facts = found->second;
    return grpc::Status::OK;
  }
  std::map<std::string, workflow::PersonFacts> people;

 private:
  std::mutex mutex_;
};

const workflow::Instant kStart =
    workflow::FromAmsterdam({year_month_day{year{2026}, November, day{30}}, hours{15}});

class ShelterServiceTest : public ::testing::Test {
 protected:
  ShelterServiceTest()
      : pool_(db_.Dsn("ketenregie_shelter"), 8, &Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(kStart),
        handler_(pool_, testing::TestDirectory(), keys_, clock_, facts_, milliseconds(5000)),
        server_(handler_),
        staff_(pb::ShelterService::NewStub(testing::ChannelAs(server_, "crisisopvang-rotterdam"))),
        essm_(pb::ShelterService::NewStub(testing::ChannelAs(server_, "essm-rotterdam"))),
        police_(pb::ShelterService::NewStub(testing::ChannelAs(server_, "politie-avim-rotterdam"))),
        trajectory_service_(
            pb::ShelterService::NewStub(testing::ChannelAs(server_, "svc-trajectory"))),
        handoff_service_(pb::ShelterService::NewStub(testing::ChannelAs(server_, "svc-handoff"))) {}

  std::string Person(workflow::AgeStatus age, workflow::GenderIdentity gender, int children = 0) {
    const std::string id = "00000000-0000-4000-8000-" +
                           std::string(12 - std::to_string(next_).size(), '0') +
                           std::to_string(next_);
    ++next_;
    facts_.people[id] = {age, gender, children, true, "essm-rotterdam"};
    return id;
  }
  // A woman whose trajectory records `children` accompanying children.
  std::string Woman(int children = 0) {
    return Person(workflow::AgeStatus::kConfirmedAdult, workflow::GenderIdentity::kWoman, children);
  }

  pb::Shelter CreateCrisisShelter(int beds) {
    pb::CreateShelterRequest request;
    request.set_request_id("shelter-" + std::to_string(beds));
    request.mutable_shelter()->set_display_name("Crisisopvang Zuid");
    request.mutable_shelter()->set_kind(pb::SHELTER_KIND_CRISIS);
    request.mutable_shelter()->set_capacity_beds(beds);
    request.mutable_shelter()->set_secret_address("Geheimstraat 1, Rotterdam");
    pb::Shelter shelter;
    const auto status = staff_->CreateShelter(ContextAs("opvang-1").get(), request, &shelter);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return shelter;
  }

  grpc::Status Request(const pb::Shelter& shelter, const std::string& trajectory, int children,
                       pb::Placement* out, const std::string& request_id) {
    pb::RequestPlacementRequest request;
    request.set_request_id(request_id);
    request.set_shelter_id(shelter.id());
    request.set_trajectory_id(trajectory);
    request.set_accompanying_children(children);
    return essm_->RequestPlacement(ContextAs("coordinator-1").get(), request, out);
  }

  grpc::Status Confirm(const pb::Placement& p, pb::Placement* out) {
    pb::ConfirmPlacementRequest request;
    request.set_request_id("confirm-" + p.id());
    request.set_placement_id(p.id());
    request.set_etag(p.etag());
    return staff_->ConfirmPlacement(ContextAs("opvang-1").get(), request, out);
  }

  TestDatabase db_;
  common::DbPool pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  FakeFacts facts_;
  ShelterHandler handler_;
  testing::TestServer server_;
  std::unique_ptr<pb::ShelterService::Stub> staff_;
  std::unique_ptr<pb::ShelterService::Stub> essm_;
  std::unique_ptr<pb::ShelterService::Stub> police_;
  std::unique_ptr<pb::ShelterService::Stub> trajectory_service_;
  std::unique_ptr<pb::ShelterService::Stub> handoff_service_;
  int next_ = 1;
};

TEST_F(ShelterServiceTest, CrisisShelter_EligibilityIsCheckedNotTrusted) {
  const pb::Shelter shelter = CreateCrisisShelter(4);
  pb::Placement out;
  auto refused =
      Request(shelter, Person(workflow::AgeStatus::kDoubted, workflow::GenderIdentity::kWoman), 0,
              &out, "r1");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(refused), "R-CRISIS-ELIGIBILITY");
  EXPECT_NE(refused.error_message().find("route A"), std::string::npos) << "the hint";
  refused =
      Request(shelter, Person(workflow::AgeStatus::kConfirmedAdult, workflow::GenderIdentity::kMan),
              0, &out, "r2");
  EXPECT_TRUE(
      testing::Refused(refused, grpc::StatusCode::FAILED_PRECONDITION, "R-CRISIS-ELIGIBILITY"));
  EXPECT_NE(refused.error_message().find("another kind of shelter"), std::string::npos);
  EXPECT_EQ(Request(shelter, "00000000-0000-4000-8000-999999999999", 0, &out, "r3").error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Request(shelter, Woman(1), 1, &out, "r4").ok());
  EXPECT_EQ(out.state(), pb::PLACEMENT_STATE_REQUESTED);
  // Planned at most three months: 30 November + 3 months = 28 February.
  EXPECT_EQ(workflow::ToAmsterdam(workflow::Instant{seconds{out.planned_end_at().seconds()}}).date,
            year{2027} / February / day{28});
  // The placement says its kind and its limit (R-CRISIS-MAX-3M), never the
  // address: what a trajectory's time bar draws.
  EXPECT_EQ(out.shelter_kind(), pb::SHELTER_KIND_CRISIS);
  ASSERT_TRUE(out.has_limit_at());
  EXPECT_EQ(workflow::ToAmsterdam(workflow::Instant{seconds{out.limit_at().seconds()}}).date,
            year{2027} / February / day{28});
  pb::RequestPlacementRequest too_long;
  too_long.set_request_id("r5");
  too_long.set_shelter_id(shelter.id());
  too_long.set_trajectory_id(Woman());
  too_long.mutable_planned_end_at()->set_seconds((kStart + days{95}).time_since_epoch().count());
  const auto long_status =
      police_->RequestPlacement(ContextAs("rechercheur-1").get(), too_long, &out);
  EXPECT_EQ(long_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(long_status), "R-CRISIS-MAX-3M");
  // The refusal names the last allowed moment, as the coordinator reads it.
  EXPECT_NE(
      long_status.error_message().find("ends at the latest 2027-02-28 15:00 Europe/Amsterdam"),
      std::string::npos)
      << long_status.error_message();
}

// 50 staff members confirm 50 requests for the last bed at once: exactly one
// is placed; the rest are refused naming the rule.
TEST_F(ShelterServiceTest, FiftyConcurrentConfirmationsForTheLastBed_ExactlyOneSucceeds) {
  const pb::Shelter shelter = CreateCrisisShelter(1);
  std::vector<pb::Placement> requested(50);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Request(shelter, Woman(), 0, &requested[static_cast<std::size_t>(i)],
                        "req-" + std::to_string(i))
                    .ok());
  }
  std::vector<std::future<grpc::Status>> confirmations;
  for (const auto& p : requested) {
    confirmations.push_back(std::async(std::launch::async, [&, p] {
      pb::Placement out;
      return Confirm(p, &out);
    }));
  }
  int placed = 0;
  int refused = 0;
  for (auto& c : confirmations) {
    const grpc::Status status = c.get();
    if (status.ok()) {
      ++placed;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
      EXPECT_EQ(testing::ReasonOf(status), "R-NO-OVERBOOKING");
      ++refused;
    }
  }
  EXPECT_EQ(placed, 1);
  EXPECT_EQ(refused, 49);
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT coalesce(sum(beds), 0) FROM shelter.placements WHERE state = 2")[0]
                .as<int>(),
            1);
}

// A mother registered with two children was placed with
// accompanying_children = 0 and took one bed. The children counted are the
// ones her trajectory records; a request that states another number is
// refused, and one that states none takes the record.
TEST_F(ShelterServiceTest, ChildrenOnRecord_AreCounted_AndARequestCannotLeaveThemOut) {
  const pb::Shelter shelter = CreateCrisisShelter(4);
  const std::string mother = Woman(2);
  pb::Placement p;
  const auto fewer = Request(shelter, mother, 0, &p, "r-fewer");
  EXPECT_EQ(fewer.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(fewer), "R-NO-OVERBOOKING") << fewer.error_message();
  EXPECT_NE(fewer.error_message().find("records 2"), std::string::npos) << fewer.error_message();

  pb::RequestPlacementRequest unstated;
  unstated.set_request_id("r-unstated");
  unstated.set_shelter_id(shelter.id());
  unstated.set_trajectory_id(mother);
  ASSERT_TRUE(essm_->RequestPlacement(ContextAs("coordinator-1").get(), unstated, &p).ok());
  EXPECT_EQ(p.accompanying_children(), 2);
  pb::Placement placed;
  ASSERT_TRUE(Confirm(p, &placed).ok());
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT coalesce(sum(beds), 0) FROM shelter.placements WHERE state = 2")[0]
                .as<int>(),
            3)
      << "she and both children";
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM shelter.placements")[0].as<int>(), 1)
      << "the refused request wrote nothing";
}

TEST_F(ShelterServiceTest, AMothersChildrenNeedBedsToo) {
  const pb::Shelter shelter = CreateCrisisShelter(2);
  pb::Placement p;
  ASSERT_TRUE(Request(shelter, Woman(2), 2, &p, "r1").ok());
  pb::Placement out;
  const auto status = Confirm(p, &out);
  EXPECT_TRUE(testing::Refused(status, grpc::StatusCode::FAILED_PRECONDITION, "R-NO-OVERBOOKING"));
  EXPECT_NE(status.error_message().find("3 needed, 2 free"), std::string::npos)
      << status.error_message();
}

TEST_F(ShelterServiceTest, ThreeMonthRule_RemindersOverdueContinuationAndMoveOn_InTheFeed) {
  const pb::Shelter shelter = CreateCrisisShelter(3);
  const std::string person = Woman();
  pb::Placement p;
  ASSERT_TRUE(Request(shelter, person, 0, &p, "r1").ok());
  ASSERT_TRUE(Confirm(p, &p).ok());
  EXPECT_EQ(p.state(), pb::PLACEMENT_STATE_PLACED);

  // 14 and 7 days before the limit, then the limit itself.
  clock_.Set(workflow::FromAmsterdam({year{2027} / February / day{14}, hours{16}}));
  EXPECT_EQ(handler_.FireDueTimers(10), 1);
  clock_.Set(workflow::FromAmsterdam({year{2027} / February / day{21}, hours{16}}));
  EXPECT_EQ(handler_.FireDueTimers(10), 1);
  clock_.Set(workflow::FromAmsterdam({year{2027} / February / day{28}, hours{16}}));
  EXPECT_EQ(handler_.FireDueTimers(10), 1);

  pb::GetPlacementRequest get;
  get.set_id(p.id());
  ASSERT_TRUE(staff_->GetPlacement(ContextAs("opvang-1").get(), get, &p).ok());
  EXPECT_TRUE(p.overdue()) << "shown as overdue until it ends; never pretended to have ended";
  EXPECT_EQ(p.state(), pb::PLACEMENT_STATE_PLACED);

  pb::OccupancyBoard board;
  ASSERT_TRUE(essm_->GetOccupancyBoard(ContextAs("coordinator-1").get(), {}, &board).ok());
  ASSERT_EQ(board.rows_size(), 1);
  EXPECT_EQ(board.rows(0).occupied_beds(), 1);
  EXPECT_EQ(board.rows(0).placements_overdue(), 1);

  pb::RecordContinuationReasonRequest reason;
  reason.set_request_id("cont-1");
  reason.set_placement_id(p.id());
  reason.set_etag(p.etag());
  reason.set_reason("Wacht op plek begeleid wonen");
  ASSERT_TRUE(staff_->RecordContinuationReason(ContextAs("opvang-1").get(), reason, &p).ok());
  pb::EndPlacementRequest end;
  end.set_request_id("end-1");
  end.set_placement_id(p.id());
  end.set_etag(p.etag());
  end.set_move_on(pb::MOVE_ON_DESTINATION_FOLLOW_UP_PLACE);
  ASSERT_TRUE(staff_->EndPlacement(ContextAs("opvang-1").get(), end, &p).ok());
  EXPECT_EQ(p.state(), pb::PLACEMENT_STATE_ENDED);

  // The feed, read in small steps with the cursor, gives every event once,
  // in order.
  std::vector<std::string> types;
  for (const auto& e : testing::ReadFeed(*trajectory_service_, "trajectory-service", 8, 2)) {
    EXPECT_EQ(e.trajectory_id(), person);
    types.push_back(e.type() +
                    (e.attributes().contains("task") ? ":" + e.attributes().at("task") : ""));
  }
  EXPECT_EQ(
      types,
      (std::vector<std::string>{
          "placement.requested", "placement.started", "task.requested:placement.limit_in_14_days",
          "task.requested:placement.limit_in_7_days", "placement.overdue",
          "task.requested:placement.overdue", "placement.continued", "placement.ended"}));
}

TEST_F(ShelterServiceTest, WhoSeesWhat_AddressesOnlyForTheShelterItself) {
  const pb::Shelter shelter = CreateCrisisShelter(2);
  EXPECT_EQ(shelter.secret_address(), "Geheimstraat 1, Rotterdam");
  pb::GetShelterRequest get;
  get.set_id(shelter.id());
  pb::Shelter seen;
  ASSERT_TRUE(essm_->GetShelter(ContextAs("coordinator-1").get(), get, &seen).ok());
  EXPECT_TRUE(seen.secret_address().empty()) << "LOCATION needs consent or an override";
  {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    EXPECT_EQ(pqxx::binarystring(tx.exec1("SELECT address FROM shelter.shelters")[0])
                  .str()
                  .find("Geheim"),
              std::string::npos);
  }
  // Police request; coordinators may not confirm; the municipality may not request.
  pb::Placement p;
  pb::RequestPlacementRequest request;
  request.set_request_id("p1");
  request.set_shelter_id(shelter.id());
  request.set_trajectory_id(Woman());
  ASSERT_TRUE(police_->RequestPlacement(ContextAs("rechercheur-1").get(), request, &p).ok());
  pb::ConfirmPlacementRequest confirm;
  confirm.set_request_id("c1");
  confirm.set_placement_id(p.id());
  confirm.set_etag(p.etag());
  pb::Placement out;
  EXPECT_TRUE(
      testing::Refused(essm_->ConfirmPlacement(ContextAs("coordinator-1").get(), confirm, &out),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  auto amsterdam = pb::ShelterService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  request.set_request_id("p-ams");
  EXPECT_EQ(
      amsterdam->RequestPlacement(ContextAs("coordinator-ams-1").get(), request, &out).error_code(),
      grpc::StatusCode::NOT_FOUND)
      << "another ESSM's trajectory";
  auto gemeente = pb::ShelterService::NewStub(testing::ChannelAs(server_, "gemeente-rotterdam"));
  request.set_request_id("p2");
  EXPECT_TRUE(testing::Refused(
      gemeente->RequestPlacement(ContextAs("aandachtsfunctionaris-1").get(), request, &out),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  // The police see their own request; another requester would not.
  pb::ListPlacementsResponse listed;
  ASSERT_TRUE(police_->ListPlacements(ContextAs("rechercheur-1").get(), {}, &listed).ok());
  EXPECT_EQ(listed.placements_size(), 1);
  ASSERT_TRUE(essm_->ListPlacements(ContextAs("coordinator-1").get(), {}, &listed).ok());
  EXPECT_EQ(listed.placements_size(), 0);
}

// For the handoff service only: LOCATION is the shelter holding her bed now,
// with its address (and that read on the audit trail); CARE_PLAN lists the
// placements without naming a shelter. Nothing before she is placed.
TEST_F(ShelterServiceTest, DisclosureSections_LocationOnlyWhilePlaced_OnlyForServices) {
  const pb::Shelter shelter = CreateCrisisShelter(2);
  const std::string person = Woman();
  common::v1::GetDisclosureSectionsRequest request;
  request.set_trajectory_id(person);
  request.add_categories(common::v1::DATA_CATEGORY_LOCATION);
  request.add_categories(common::v1::DATA_CATEGORY_CARE_PLAN);
  request.add_categories(common::v1::DATA_CATEGORY_IDENTITY);
  common::v1::DisclosureSections sections;
  EXPECT_TRUE(testing::Refused(
      essm_->GetDisclosureSections(ContextAs("coordinator-1").get(), request, &sections),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  EXPECT_TRUE(testing::Refused(trajectory_service_->GetDisclosureSections(
                                   ContextAs("trajectory-service").get(), request, &sections),
                               grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"))
      << "only the service that assembles packets";
  ASSERT_TRUE(handoff_service_
                  ->GetDisclosureSections(ContextAs("handoff-service").get(), request, &sections)
                  .ok());
  EXPECT_EQ(sections.sections_size(), 0) << "no placement yet: nothing held";

  pb::Placement requested;
  ASSERT_TRUE(Request(shelter, person, 0, &requested, "p1").ok());
  ASSERT_TRUE(handoff_service_
                  ->GetDisclosureSections(ContextAs("handoff-service").get(), request, &sections)
                  .ok());
  ASSERT_EQ(sections.sections_size(), 1) << "requested, not placed: a care plan, no location";
  EXPECT_EQ(sections.sections(0).category(), common::v1::DATA_CATEGORY_CARE_PLAN);

  pb::Placement placed;
  ASSERT_TRUE(Confirm(requested, &placed).ok());
  sections.Clear();
  ASSERT_TRUE(handoff_service_
                  ->GetDisclosureSections(ContextAs("handoff-service").get(), request, &sections)
                  .ok());
  ASSERT_EQ(sections.sections_size(), 2);
  for (const auto& section : sections.sections()) {
    if (section.category() == common::v1::DATA_CATEGORY_LOCATION) {
      EXPECT_EQ(section.fields().at("address"), "Geheimstraat 1, Rotterdam");
      EXPECT_EQ(section.fields().at("shelter"), "Crisisopvang Zuid");
    } else {
      EXPECT_EQ(section.category(), common::v1::DATA_CATEGORY_CARE_PLAN);
      EXPECT_EQ(section.fields().at("placements").find("Geheim"), std::string::npos);
      EXPECT_EQ(section.fields().at("placements").find("Zuid"), std::string::npos);
      EXPECT_EQ(section.fields().at("placements").rfind("crisis placed from ", 0), 0u)
          << section.fields().at("placements");
    }
  }
  {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM audit.records WHERE method = "
                              "'GetDisclosureSections' AND categories = '{3}' AND "
                              "trajectory_id::text = $1",
                              person)[0]
                  .as<int>(),
              1);
  }
  // Only what was asked: CARE_PLAN alone never carries the address.
  common::v1::GetDisclosureSectionsRequest care_only;
  care_only.set_trajectory_id(person);
  care_only.add_categories(common::v1::DATA_CATEGORY_CARE_PLAN);
  sections.Clear();
  ASSERT_TRUE(handoff_service_
                  ->GetDisclosureSections(ContextAs("handoff-service").get(), care_only, &sections)
                  .ok());
  EXPECT_EQ(sections.SerializeAsString().find("Geheim"), std::string::npos);
}

TEST_F(ShelterServiceTest, CapacityNeverBelowTheBedsInUse_AndRetriesAreIdempotent) {
  const pb::Shelter shelter = CreateCrisisShelter(2);
  pb::Placement requested;
  ASSERT_TRUE(Request(shelter, Woman(1), 1, &requested, "r1").ok());
  pb::Placement placed;
  ASSERT_TRUE(Confirm(requested, &placed).ok());
  pb::Placement again;
  ASSERT_TRUE(Confirm(requested, &again).ok()) << "same request_id: the first answer";
  EXPECT_EQ(again.etag(), placed.etag());
  pb::UpdateCapacityRequest lower;
  lower.set_request_id("cap-1");
  lower.set_shelter_id(shelter.id());
  lower.set_etag(shelter.etag());
  lower.set_capacity_beds(1);
  pb::Shelter out;
  const auto status = staff_->UpdateCapacity(ContextAs("opvang-1").get(), lower, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ReasonOf(status), "R-NO-OVERBOOKING");
  lower.set_request_id("cap-2");
  lower.set_capacity_beds(-1);
  EXPECT_TRUE(testing::BadFields(staff_->UpdateCapacity(ContextAs("opvang-1").get(), lower, &out),
                                 {"capacity_beds"}));
}

TEST_F(ShelterServiceTest, BadInput_IsInvalidArgumentNamingEveryFieldAndWritesNothing) {
  using testing::ExpectBadInput;
  using testing::Sending;
  using Stub = pb::ShelterService::Stub;
  const pb::Shelter shelter = CreateCrisisShelter(2);
  pb::Placement p;
  ASSERT_TRUE(Request(shelter, Woman(), 0, &p, "r1").ok());
  auto rows = [&] {
    return db_.Count(
        "SELECT (SELECT count(*) FROM shelter.shelters) + (SELECT count(*) FROM "
        "shelter.placements) + (SELECT count(*) FROM shelter.outbox) + (SELECT "
        "count(*) FROM shelter.request_log) + (SELECT count(*) FROM shelter.timers) + "
        "(SELECT sum(version) FROM shelter.placements)");
  };
  const long long before = rows();
  const std::string staff = "opvang-1";
  const std::string coordinator = "coordinator-1";
  {
    pb::CreateShelterRequest r;
    r.set_request_id("x");
    r.mutable_shelter()->set_display_name("Opvang");
    r.mutable_shelter()->set_kind(pb::SHELTER_KIND_CRISIS);
    r.mutable_shelter()->set_capacity_beds(1);
    r.mutable_shelter()->set_secret_address("Geheimstraat 1");
    ExpectBadInput(
        r, Sending(*staff_, &Stub::CreateShelter, staff),
        {{[](auto& r) { r.clear_request_id(); }, {"request_id"}},
         {[](auto& r) { r.mutable_shelter()->clear_display_name(); }, {"shelter.display_name"}},
         {[](auto& r) { r.mutable_shelter()->set_kind(static_cast<pb::ShelterKind>(9)); },
          {"shelter.kind"}},
         {[](auto& r) { r.mutable_shelter()->set_capacity_beds(-1); }, {"shelter.capacity_beds"}},
         {[](auto& r) { r.mutable_shelter()->clear_secret_address(); }, {"shelter.secret_address"}},
         {[](auto& r) {
            r.mutable_shelter()->set_capacity_beds(-1);
            r.mutable_shelter()->clear_secret_address();
          },
          {"shelter.capacity_beds", "shelter.secret_address"}}});
  }
  ExpectBadInput(pb::GetShelterRequest(), Sending(*essm_, &Stub::GetShelter, coordinator),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(pb::ListSheltersRequest(), Sending(*essm_, &Stub::ListShelters, coordinator),
                 {{[](auto& r) { r.mutable_page()->set_page_size(-1); }, {"page.page_size"}},
                  {[](auto& r) { r.set_kind(static_cast<pb::ShelterKind>(7)); }, {"kind"}},
                  {[](auto& r) {
                     r.mutable_page()->set_page_size(-1);
                     r.set_kind(static_cast<pb::ShelterKind>(7));
                   },
                   {"page.page_size", "kind"}}});
  {
    pb::UpdateCapacityRequest r;
    r.set_request_id("u");
    r.set_shelter_id(shelter.id());
    r.set_etag(shelter.etag());
    r.set_capacity_beds(3);
    ExpectBadInput(r, Sending(*staff_, &Stub::UpdateCapacity, staff),
                   {{[](auto& r) { r.set_shelter_id("nope"); }, {"shelter_id"}},
                    {[](auto& r) { r.clear_etag(); }, {"etag"}},
                    {[](auto& r) { r.set_capacity_beds(5000); }, {"capacity_beds"}},
                    {[](auto& r) { r.set_capacity_beds(-1); }, {"capacity_beds"}}});
  }
  {
    pb::RequestPlacementRequest r;
    r.set_request_id("q");
    r.set_shelter_id(shelter.id());
    r.set_trajectory_id(Woman());
    ExpectBadInput(
        r, Sending(*essm_, &Stub::RequestPlacement, coordinator),
        {{[](auto& r) { r.set_trajectory_id("zz"); }, {"trajectory_id"}},
         {[](auto& r) { r.set_accompanying_children(-1); }, {"accompanying_children"}},
         {[](auto& r) {
            r.mutable_starts_at()->set_seconds((kStart + days{400}).time_since_epoch().count());
          },
          {"starts_at"}},
         {[](auto& r) {
            r.mutable_planned_end_at()->set_seconds((kStart - days{1}).time_since_epoch().count());
          },
          {"planned_end_at"}},
         {[](auto& r) {
            r.set_trajectory_id("zz");
            r.set_accompanying_children(-1);
          },
          {"trajectory_id", "accompanying_children"}}});
  }
  auto placement_change = [&](auto request) {
    request.set_request_id("c");
    request.set_placement_id(p.id());
    request.set_etag(p.etag());
    return request;
  };
  ExpectBadInput(placement_change(pb::ConfirmPlacementRequest()),
                 Sending(*staff_, &Stub::ConfirmPlacement, staff),
                 {{[](auto& r) { r.set_etag("x1"); }, {"etag"}},
                  {[](auto& r) { r.set_placement_id("x"); }, {"placement_id"}}});
  ExpectBadInput(placement_change(pb::EndPlacementRequest()),
                 Sending(*staff_, &Stub::EndPlacement, staff),
                 {{[](auto&) {}, {"move_on"}},
                  {[](auto& r) { r.clear_request_id(); }, {"request_id", "move_on"}}});
  ExpectBadInput(placement_change(pb::CancelPlacementRequest()),
                 Sending(*essm_, &Stub::CancelPlacement, coordinator),
                 {{[](auto& r) { r.set_reason(std::string(1001, 'r')); }, {"reason"}}});
  ExpectBadInput(placement_change(pb::RecordContinuationReasonRequest()),
                 Sending(*staff_, &Stub::RecordContinuationReason, staff),
                 {{[](auto&) {}, {"reason"}}});
  ExpectBadInput(pb::GetPlacementRequest(), Sending(*staff_, &Stub::GetPlacement, staff),
                 {{[](auto&) {}, {"id"}}});
  ExpectBadInput(pb::ListPlacementsRequest(), Sending(*staff_, &Stub::ListPlacements, staff),
                 {{[](auto& r) { r.set_shelter_id("bad"); }, {"shelter_id"}},
                  {[](auto& r) { r.set_state(static_cast<pb::PlacementState>(12)); }, {"state"}},
                  {[](auto& r) {
                     r.set_shelter_id("bad");
                     r.set_state(static_cast<pb::PlacementState>(12));
                   },
                   {"shelter_id", "state"}}});
  ExpectBadInput(pb::GetOccupancyBoardRequest(),
                 Sending(*essm_, &Stub::GetOccupancyBoard, coordinator),
                 {{[](auto& r) { r.set_kind(static_cast<pb::ShelterKind>(8)); }, {"kind"}}});
  {
    common::v1::GetDisclosureSectionsRequest r;
    r.set_trajectory_id(Woman());
    r.add_categories(common::v1::DATA_CATEGORY_LOCATION);
    ExpectBadInput(r, Sending(*handoff_service_, &Stub::GetDisclosureSections, "handoff-service"),
                   {{[](auto& r) { r.clear_trajectory_id(); }, {"trajectory_id"}},
                    {[](auto& r) { r.add_categories(static_cast<common::v1::DataCategory>(99)); },
                     {"categories"}}});
  }
  ExpectBadInput(common::v1::ListEventsRequest(),
                 Sending(*trajectory_service_, &Stub::ListEvents, "trajectory-service"),
                 {{[](auto& r) { r.set_after_cursor("not-a-cursor"); }, {"after_cursor"}},
                  {[](auto& r) { r.set_max_events(-1); }, {"max_events"}},
                  {[](auto& r) {
                     r.set_after_cursor("not-a-cursor");
                     r.set_max_events(-1);
                   },
                   {"after_cursor", "max_events"}}});
  EXPECT_EQ(rows(), before);
}

// A display name with a NUL byte was answered as sent and stored cut at the
// NUL. Every text field refuses control characters, naming the field, and
// writes nothing; line breaks only where several lines are meant.
TEST_F(ShelterServiceTest, ControlCharacters_AreRefusedNamingTheField_AndWhatIsAnsweredIsStored) {
  auto rows = [&] {
    return db_.Count(
        "SELECT (SELECT count(*) FROM shelter.shelters) + (SELECT count(*) FROM "
        "shelter.request_log)");
  };
  const long long before = rows();
  pb::CreateShelterRequest r;
  r.set_request_id("nul-1");
  r.mutable_shelter()->set_display_name(std::string("x\0x", 3));
  r.mutable_shelter()->set_kind(pb::SHELTER_KIND_CRISIS);
  r.mutable_shelter()->set_capacity_beds(2);
  r.mutable_shelter()->set_secret_address("Geheimstraat 1\r\n3011 AA Rotterdam");
  pb::Shelter out;
  auto status = staff_->CreateShelter(ContextAs("opvang-1").get(), r, &out);
  EXPECT_TRUE(testing::BadFields(status, {"shelter.display_name"}));
  r.mutable_shelter()->set_display_name("Opvang\nZuid");  // one line meant
  status = staff_->CreateShelter(ContextAs("opvang-1").get(), r, &out);
  EXPECT_TRUE(testing::BadFields(status, {"shelter.display_name"}));
  r.mutable_shelter()->set_display_name("Opvang \xC2\x85Zuid");  // C1 control (NEL)
  status = staff_->CreateShelter(ContextAs("opvang-1").get(), r, &out);
  EXPECT_TRUE(testing::BadFields(status, {"shelter.display_name"}));
  r.mutable_shelter()->set_display_name("Opvang Zuid");
  r.set_request_id(std::string("nul\0id", 6));
  status = staff_->CreateShelter(ContextAs("opvang-1").get(), r, &out);
  EXPECT_TRUE(testing::BadFields(status, {"request_id"}));
  EXPECT_EQ(rows(), before) << "nothing written";

  // A multi-line address keeps its line breaks, and is read back as answered.
  r.set_request_id("nul-2");
  ASSERT_TRUE(staff_->CreateShelter(ContextAs("opvang-1").get(), r, &out).ok());
  pb::GetShelterRequest get;
  get.set_id(out.id());
  pb::Shelter read;
  ASSERT_TRUE(staff_->GetShelter(ContextAs("opvang-1").get(), get, &read).ok());
  EXPECT_EQ(read.display_name(), out.display_name());
  EXPECT_EQ(read.secret_address(), "Geheimstraat 1\r\n3011 AA Rotterdam");
}

// The police ask for beds, so they list shelters and see free beds — never
// an address; a shelter's staff register only the kind their organisation
// runs.
TEST_F(ShelterServiceTest, PoliceListSheltersWithoutAddresses_AndTheKindFollowsTheOperator) {
  const pb::Shelter shelter = CreateCrisisShelter(3);
  pb::ListSheltersRequest list;
  pb::ListSheltersResponse shelters;
  ASSERT_TRUE(police_->ListShelters(ContextAs("rechercheur-1").get(), list, &shelters).ok());
  ASSERT_EQ(shelters.shelters_size(), 1);
  EXPECT_EQ(shelters.shelters(0).id(), shelter.id());
  EXPECT_TRUE(shelters.shelters(0).secret_address().empty());
  EXPECT_EQ(shelters.SerializeAsString().find("Geheimstraat"), std::string::npos);
  pb::GetOccupancyBoardRequest board;
  pb::OccupancyBoard occupancy;
  ASSERT_TRUE(police_->GetOccupancyBoard(ContextAs("rechercheur-1").get(), board, &occupancy).ok());
  EXPECT_EQ(occupancy.SerializeAsString().find("Geheimstraat"), std::string::npos);

  pb::CreateShelterRequest cosm;
  cosm.set_request_id("cosm");
  cosm.mutable_shelter()->set_display_name("COSM");
  cosm.mutable_shelter()->set_kind(pb::SHELTER_KIND_CATEGORICAL);
  cosm.mutable_shelter()->set_capacity_beds(5);
  cosm.mutable_shelter()->set_secret_address("Ergens 2");
  pb::Shelter out;
  const auto refused = staff_->CreateShelter(ContextAs("opvang-1").get(), cosm, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(testing::ReasonOf(refused), "R-ACCESS-ROLE") << refused.error_message();
}

// A refusal decided on the data (another region's coordinator cancelling a
// placement she did not request) is on the audit trail with the placement's
// trajectory, so it shows in that person's records; a role refusal (the
// police confirming a placement) comes before anything is read.
TEST_F(ShelterServiceTest, RefusalsDecidedOnTheData_AreAuditedWithTheirTrajectory) {
  const pb::Shelter shelter = CreateCrisisShelter(2);
  const std::string woman = Woman();
  pb::Placement p;
  ASSERT_TRUE(Request(shelter, woman, 0, &p, "r-audit").ok());
  auto amsterdam = pb::ShelterService::NewStub(testing::ChannelAs(server_, "essm-amsterdam"));
  pb::CancelPlacementRequest cancel;
  cancel.set_request_id("cancel-ams");
  cancel.set_placement_id(p.id());
  cancel.set_etag(p.etag());
  pb::Placement out;
  EXPECT_TRUE(testing::Refused(
      amsterdam->CancelPlacement(ContextAs("coordinator-ams-1").get(), cancel, &out),
      grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));
  pb::ConfirmPlacementRequest confirm;
  confirm.set_request_id("confirm-police");
  confirm.set_placement_id(p.id());
  confirm.set_etag(p.etag());
  EXPECT_TRUE(
      testing::Refused(police_->ConfirmPlacement(ContextAs("rechercheur-1").get(), confirm, &out),
                       grpc::StatusCode::PERMISSION_DENIED, "R-ACCESS-ROLE"));

  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  const auto rows = tx.exec(
      "SELECT actor, coalesce(trajectory_id::text, ''), method, action, decision FROM "
      "audit.records WHERE decision = 2 ORDER BY sequence");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].as<std::string>(), "coordinator-ams-1");
  EXPECT_EQ(rows[0][1].as<std::string>(), woman) << "the placement's trajectory";
  EXPECT_EQ(rows[0][2].as<std::string>(), "CancelPlacement");
  EXPECT_EQ(rows[0][3].as<int>(), static_cast<int>(common::AuditAction::kDenied));
  EXPECT_EQ(rows[1][0].as<std::string>(), "rechercheur-1");
  EXPECT_EQ(rows[1][2].as<std::string>(), "ConfirmPlacement");
  EXPECT_EQ(tx.exec1("SELECT version FROM shelter.placements")[0].as<int>(), 1)
      << "nothing changed";
}

}  // namespace
}  // namespace ketenregie::shelter
