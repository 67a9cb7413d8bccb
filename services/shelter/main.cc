// The shelter service (DESIGN.md §4, issue #6): shelters, beds, placements,
// the three-month rule.
#include <CLI/CLI.hpp>

#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/peer.h"
#include "services/common/service_main.h"
#include "services/common/test_clock.h"
#include "services/common/tls.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"

namespace {

struct Flags {
  ketenregie::common::DomainServiceFlags common;
  std::string trajectory_addr;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace ketenregie;
  Flags flags;
  return common::ServiceMain(
      argc, argv, "shelter",
      [&flags](CLI::App& app) {
        flags.common.Add(app);
        app.add_option("--trajectory-addr", flags.trajectory_addr, "trajectory service address")
            ->envname("KETENREGIE_TRAJECTORY_ADDR");
      },
      [&flags](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare([](pqxx::connection& connection) {
          common::PrepareRequestLog(connection, "shelter");
          common::PrepareOutbox(connection, "shelter");
          shelter::Prepare(connection);
        });
        auto directory = std::make_shared<common::Directory>(
            common::Directory::Load(flags.common.organisations, flags.common.users));
        auto keys = std::make_shared<common::KeyringHolder>(flags.common.key_file);
        auto clock = std::make_shared<common::OffsetClock>();
        const auto credentials = common::MutualTlsChannelCredentials(
            flags.common.client_cert, flags.common.client_key, config.tls_ca);
        const auto trajectory_addr = common::PeerAddress(
            flags.trajectory_addr, flags.common.peers_file, "KETENREGIE_TRAJECTORY_ADDR");
        auto facts = std::make_shared<shelter::RemoteTrajectoryFacts>(trajectory_addr, credentials,
                                                                      "shelter-service");
        auto trajectory = std::make_shared<common::PeerChannel>(trajectory_addr, credentials);
        auto handler = std::make_shared<shelter::ShelterHandler>(db, *directory, *keys, *clock,
                                                                 *facts, config.db_acquire_timeout);
        common::ServiceParts parts;
        std::shared_ptr<common::TestClockService> test_clock;
        if (config.test_clock) {
          test_clock = std::make_shared<common::TestClockService>(*clock);
          parts.services.push_back(
              {test_clock.get(), ketenregie::testing::v1::TestClock::service_full_name()});
        }
        parts.services.push_back({handler.get(), shelter::v1::ShelterService::service_full_name()});
        parts.background.push_back({"trajectory events",
                                    [handler, trajectory] {
                                      while (handler->FollowTrajectoryFeed(*trajectory) > 0) {
                                      }
                                    },
                                    std::chrono::milliseconds(flags.common.timer_interval_ms)});
        parts.background.push_back({"timers",
                                    [handler] {
                                      while (handler->FireDueTimers(100) > 0) {
                                      }
                                    },
                                    std::chrono::milliseconds(flags.common.timer_interval_ms)});
        parts.background.push_back(
            {"key file", [keys] { keys->ReloadIfChanged(); }, std::chrono::seconds(10)});
        parts.keep_alive = {test_clock, directory, keys, clock, facts, trajectory, handler};
        return parts;
      });
}
