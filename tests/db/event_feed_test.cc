// The shelter's event feed consumed by the trajectory service: every event
// reaches the trajectory's timeline exactly once, even when the consumer is
// killed mid-page and restarted, or two replicas consume at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <pqxx/pqxx>
#include <set>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/tls.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"
#include "services/trajectory/feed.h"
#include "services/trajectory/handler.h"
#include "services/trajectory/storage.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"

namespace ketenregie {
namespace {

using namespace std::chrono;
using testing::ContextAs;
namespace tpb = ketenregie::trajectory::v1;
namespace spb = ketenregie::shelter::v1;

class NoOpenWork final : public trajectory::OpenWork {
 public:
  grpc::Status Count(const std::string&, int& p, int& h) override {
    p = h = 0;
    return grpc::Status::OK;
  }
};

// Eligibility facts at the process edge: an adult woman, her trajectory
// open unless the test closed it.
class FactsFrom final : public shelter::TrajectoryFacts {
 public:
  grpc::Status Get(const std::string& id, workflow::PersonFacts& facts) override {
    facts = {workflow::AgeStatus::kConfirmedAdult, workflow::GenderIdentity::kWoman, 0,
             !closed.contains(id), "essm-rotterdam"};
    return grpc::Status::OK;
  }
  std::set<std::string> closed;
};

class EventFeedTest : public ::testing::Test {
 protected:
  EventFeedTest()
      : trajectory_pool_(db_.Dsn("ketenregie_trajectory"), 4, &trajectory::Prepare),
        shelter_pool_(db_.Dsn("ketenregie_shelter"), 4, &shelter::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(workflow::Instant{sys_days{2026y / November / 22}.time_since_epoch() + hours{9}}),
        trajectories_(trajectory_pool_, testing::TestDirectory(), keys_, clock_, open_work_, {}),
        shelters_(shelter_pool_, testing::TestDirectory(), keys_, clock_, facts_,
                  milliseconds(5000)),
        trajectory_server_(trajectories_),
        shelter_server_(shelters_),
        source_([this] { return shelter_server_.address(); },
                common::MutualTlsChannelCredentials(testing::TestCertsDir() + "/svc-trajectory.pem",
                                                    testing::TestCertsDir() + "/svc-trajectory.key",
                                                    testing::TestCertsDir() + "/ca.pem"),
                "trajectory-service") {}

  // A registered trajectory, placed in a crisis shelter and moved on.
  std::string PlaceAndEnd() {
    auto t =
        tpb::TrajectoryService::NewStub(testing::ChannelAs(trajectory_server_, "essm-rotterdam"));
    tpb::RegisterPersonRequest reg;
    reg.set_request_id("reg-1");
    reg.mutable_identity()->set_given_name("Grace");
    reg.set_age_status(tpb::AGE_STATUS_CONFIRMED_ADULT);
    tpb::RegisterPersonResponse registered;
    EXPECT_TRUE(t->RegisterPerson(ContextAs("coordinator-1").get(), reg, &registered).ok());
    const std::string id = registered.trajectory().id();

    auto staff =
        spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "crisisopvang-rotterdam"));
    auto essm = spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "essm-rotterdam"));
    spb::CreateShelterRequest create;
    create.set_request_id("s-1");
    create.mutable_shelter()->set_display_name("Opvang");
    create.mutable_shelter()->set_kind(spb::SHELTER_KIND_CRISIS);
    create.mutable_shelter()->set_capacity_beds(2);
    create.mutable_shelter()->set_secret_address("geheim");
    spb::Shelter shelter;
    EXPECT_TRUE(staff->CreateShelter(ContextAs("opvang-1").get(), create, &shelter).ok());
    spb::RequestPlacementRequest request;
    request.set_request_id("p-1");
    request.set_shelter_id(shelter.id());
    request.set_trajectory_id(id);
    spb::Placement p;
    EXPECT_TRUE(essm->RequestPlacement(ContextAs("coordinator-1").get(), request, &p).ok());
    spb::ConfirmPlacementRequest confirm;
    confirm.set_request_id("c-1");
    confirm.set_placement_id(p.id());
    confirm.set_etag(p.etag());
    EXPECT_TRUE(staff->ConfirmPlacement(ContextAs("opvang-1").get(), confirm, &p).ok());
    spb::EndPlacementRequest end;
    end.set_request_id("e-1");
    end.set_placement_id(p.id());
    end.set_etag(p.etag());
    end.set_move_on(spb::MOVE_ON_DESTINATION_FOLLOW_UP_PLACE);
    EXPECT_TRUE(staff->EndPlacement(ContextAs("opvang-1").get(), end, &p).ok());
    // The feed serves an event once every older transaction of the cluster
    // has ended, and other tests share the cluster: wait until all three
    // are served, so what a consumer pulls next does not depend on them.
    auto feed = spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "svc-trajectory"));
    EXPECT_EQ(testing::ReadFeed(*feed, "trajectory-service", 3).size(), 3u);
    return id;
  }

  std::map<std::string, int> ShelterEntries() {
    pqxx::connection c(db_.Dsn());
    pqxx::read_transaction tx(c);
    std::map<std::string, int> counts;
    for (const auto& r : tx.exec("SELECT kind, count(*) FROM trajectory.timeline WHERE actor = "
                                 "'shelter-service' GROUP BY kind")) {
      counts[r[0].as<std::string>()] = r[1].as<int>();
    }
    return counts;
  }

  testing::TestDatabase db_;
  common::DbPool trajectory_pool_;
  common::DbPool shelter_pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  NoOpenWork open_work_;
  FactsFrom facts_;
  trajectory::TrajectoryHandler trajectories_;
  shelter::ShelterHandler shelters_;
  testing::TestServer trajectory_server_;
  testing::TestServer shelter_server_;
  trajectory::ServiceEventSource<spb::ShelterService> source_;
};

TEST_F(EventFeedTest, ConsumerKilledMidPage_RestartsWithoutLossOrRepeat) {
  PlaceAndEnd();
  {
    trajectory::EventConsumer consumer(trajectory_pool_, source_, "shelter", milliseconds(5000));
    EXPECT_THROW(consumer.PullOnce(100, /*fail_after=*/2), std::runtime_error);
  }
  EXPECT_TRUE(ShelterEntries().empty()) << "nothing of the interrupted page applied";

  trajectory::EventConsumer restarted(trajectory_pool_, source_, "shelter", milliseconds(5000));
  EXPECT_EQ(restarted.PullOnce(2), 2);
  EXPECT_EQ(restarted.PullOnce(2), 1);
  EXPECT_EQ(restarted.PullOnce(2), 0);
  EXPECT_EQ(ShelterEntries(),
            (std::map<std::string, int>{
                {"placement.requested", 1}, {"placement.started", 1}, {"placement.ended", 1}}));
}

TEST_F(EventFeedTest, TwoReplicasConsumingAtOnce_ApplyEachEventOnce) {
  PlaceAndEnd();
  trajectory::EventConsumer a(trajectory_pool_, source_, "shelter", milliseconds(5000));
  trajectory::EventConsumer b(trajectory_pool_, source_, "shelter", milliseconds(5000));
  auto drain = [](trajectory::EventConsumer& c) {
    int total = 0;
    for (int i = 0; i < 10; ++i) {
      total += c.PullOnce(1);
    }
    return total;
  };
  auto fa = std::async(std::launch::async, [&] { return drain(a); });
  auto fb = std::async(std::launch::async, [&] { return drain(b); });
  EXPECT_EQ(fa.get() + fb.get(), 3);
  EXPECT_EQ(ShelterEntries(),
            (std::map<std::string, int>{
                {"placement.requested", 1}, {"placement.started", 1}, {"placement.ended", 1}}));
}

// Closing asks the shelter for open placements (R-CLOSE-REQUIRES), but one
// can be requested or confirmed in the moment between that question and the
// closing (the trajectory service here counts none: that moment). The
// shelter follows the trajectory feed: the request is cancelled, and the
// placement holding a bed, which the system does not end on its own, gives
// the coordinator a task.
TEST_F(EventFeedTest, TrajectoryClosed_RequestCancelled_ABedHeldAsksTheCoordinator) {
  auto t =
      tpb::TrajectoryService::NewStub(testing::ChannelAs(trajectory_server_, "essm-rotterdam"));
  tpb::RegisterPersonRequest reg;
  reg.set_request_id("reg-close");
  reg.mutable_identity()->set_given_name("Grace");
  reg.set_age_status(tpb::AGE_STATUS_CONFIRMED_ADULT);
  tpb::RegisterPersonResponse registered;
  ASSERT_TRUE(t->RegisterPerson(ContextAs("coordinator-1").get(), reg, &registered).ok());
  const std::string id = registered.trajectory().id();

  auto staff =
      spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "crisisopvang-rotterdam"));
  auto essm = spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "essm-rotterdam"));
  spb::CreateShelterRequest create;
  create.set_request_id("s-close");
  create.mutable_shelter()->set_display_name("Opvang");
  create.mutable_shelter()->set_kind(spb::SHELTER_KIND_CRISIS);
  create.mutable_shelter()->set_capacity_beds(2);
  create.mutable_shelter()->set_secret_address("geheim");
  spb::Shelter shelter;
  ASSERT_TRUE(staff->CreateShelter(ContextAs("opvang-1").get(), create, &shelter).ok());
  auto request = [&](const std::string& request_id, spb::Placement* out) {
    spb::RequestPlacementRequest r;
    r.set_request_id(request_id);
    r.set_shelter_id(shelter.id());
    r.set_trajectory_id(id);
    ASSERT_TRUE(essm->RequestPlacement(ContextAs("coordinator-1").get(), r, out).ok());
  };
  spb::Placement placed;
  request("p-placed", &placed);
  spb::ConfirmPlacementRequest confirm;
  confirm.set_request_id("c-placed");
  confirm.set_placement_id(placed.id());
  confirm.set_etag(placed.etag());
  ASSERT_TRUE(staff->ConfirmPlacement(ContextAs("opvang-1").get(), confirm, &placed).ok());
  spb::Placement requested;
  request("p-requested", &requested);

  tpb::CloseTrajectoryRequest close;
  close.set_request_id("close");
  close.set_trajectory_id(id);
  close.set_etag(registered.trajectory().etag());
  close.set_reason(tpb::CLOSURE_REASON_MOVED_ON);
  tpb::Trajectory closed;
  ASSERT_TRUE(t->CloseTrajectory(ContextAs("coordinator-1").get(), close, &closed).ok());
  facts_.closed.insert(id);

  common::PeerChannel trajectory_feed(
      [this] { return trajectory_server_.address(); },
      common::MutualTlsChannelCredentials(testing::TestCertsDir() + "/svc-shelter.pem",
                                          testing::TestCertsDir() + "/svc-shelter.key",
                                          testing::TestCertsDir() + "/ca.pem"));
  EXPECT_GT(shelters_.FollowTrajectoryFeed(trajectory_feed), 0);
  EXPECT_EQ(shelters_.FollowTrajectoryFeed(trajectory_feed), 0) << "each event once";
  auto state_of = [&](const spb::Placement& p) {
    spb::GetPlacementRequest get;
    get.set_id(p.id());
    spb::Placement now;
    EXPECT_TRUE(staff->GetPlacement(ContextAs("opvang-1").get(), get, &now).ok());
    return now.state();
  };
  EXPECT_EQ(state_of(requested), spb::PLACEMENT_STATE_CANCELLED);
  EXPECT_EQ(state_of(placed), spb::PLACEMENT_STATE_PLACED) << "she is there: not ended by itself";

  trajectory::EventConsumer consumer(trajectory_pool_, source_, "shelter", milliseconds(5000));
  while (consumer.PullOnce(100) > 0) {
  }
  pqxx::connection c(db_.Dsn());
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM trajectory.tasks WHERE trajectory_id = $1::uuid "
                            "AND kind = 'placement.open_after_closure'",
                            id)[0]
                .as<int>(),
            1);
}

// Transaction ids of at least `above`, so outbox rows written with smaller
// ids are below every running transaction and served by the feed. Each
// COMMIT of the procedure is a transaction of its own with an id.
// Each autocommit statement that asks for its transaction id is a short
// transaction of its own (a loop inside one procedure call could hold a
// snapshot back for the other tests' feeds while it runs).
void BurnTransactionIdsPast(const std::string& dsn, long long above) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  while (tx.exec1("SELECT pg_current_xact_id()::text::bigint")[0].as<long long>() <= above) {
  }
}

// The feed is read in (transaction id, sequence) order. Sorted as text, a
// transaction id of 1006 came before 932: a consumer's cursor went back and
// events were applied again, or jumped ahead past waiting ones.
TEST_F(EventFeedTest, FeedAcrossPowersOfTen_EveryEventInOrderOnce) {
  BurnTransactionIdsPast(db_.Dsn(), 10'010);
  // Written out of order, with the transaction ids of events committed
  // around 999 -> 1000 and 9,999 -> 10,000.
  const std::vector<long long> xids = {10'001, 998,   9'999, 1'000, 999,
                                       10'000, 1'001, 9'998, 997,   10'002};
  {
    pqxx::connection c(db_.Dsn());
    pqxx::work tx(c);
    for (const long long xid : xids) {
      tx.exec_params(
          "INSERT INTO shelter.outbox (event_type, subject, occurred_at, transaction_id) VALUES "
          "('placement.requested', 'placements/x', now(), $1::text::xid8)",
          xid);
    }
    tx.commit();
  }
  auto feed = spb::ShelterService::NewStub(testing::ChannelAs(shelter_server_, "svc-trajectory"));
  std::vector<long long> delivered;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {  // pages of three: several wait at every boundary
    common::v1::ListEventsRequest request;
    request.set_after_cursor(cursor);
    request.set_max_events(3);
    common::v1::ListEventsResponse events;
    ASSERT_TRUE(feed->ListEvents(ContextAs("trajectory-service").get(), request, &events).ok());
    for (const auto& event : events.events()) {
      delivered.push_back(std::stoll(event.cursor().substr(0, event.cursor().find('.'))));
      cursor = event.cursor();
    }
  }
  std::vector<long long> expected = xids;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(delivered, expected);
}

// At-least-once delivery, exactly-once effect: a page delivered again —
// here the stored cursor moved back to the start, as the text-sorted feed
// made it do — takes no effect a second time.
TEST_F(EventFeedTest, PageDeliveredAgain_AppliedOnce) {
  PlaceAndEnd();
  trajectory::EventConsumer consumer(trajectory_pool_, source_, "shelter", milliseconds(5000));
  EXPECT_EQ(consumer.PullOnce(100), 3);
  {
    pqxx::connection c(db_.Dsn());
    pqxx::work tx(c);
    tx.exec("UPDATE trajectory.feed_cursors SET cursor = '' WHERE source = 'shelter'");
    tx.commit();
  }
  EXPECT_EQ(consumer.PullOnce(100), 3) << "passed over again";
  EXPECT_EQ(ShelterEntries(),
            (std::map<std::string, int>{
                {"placement.requested", 1}, {"placement.started", 1}, {"placement.ended", 1}}));

  // The same page handed to the follower twice, whatever its cursor.
  common::v1::ListEventsResponse page;
  auto* event = page.add_events();
  event->set_sequence(424242);
  event->set_cursor("1.424242");
  int applied = 0;
  auto same_page = [&](const std::string&, int, common::v1::ListEventsResponse& out) {
    out = page;
    return grpc::Status::OK;
  };
  auto count = [&](pqxx::work&, const common::v1::OutboxEvent&) { return ++applied > 0; };
  EXPECT_EQ(
      common::FollowFeedWith(trajectory_pool_, milliseconds(5000), "handoff", 10, same_page, count),
      1);
  EXPECT_EQ(
      common::FollowFeedWith(trajectory_pool_, milliseconds(5000), "handoff", 10, same_page, count),
      1);
  EXPECT_EQ(applied, 1);
}

}  // namespace
}  // namespace ketenregie
