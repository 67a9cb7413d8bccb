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
        db.SetPrepare(&shelter::Prepare);
        common::ServiceParts parts;
        auto directory = parts.FollowDirectory(config, flags.common, flags.common.directory_addr,
                                               "shelter-service");
        auto keys = std::make_shared<common::KeyringHolder>(flags.common.key_file);
        auto clock = common::ServiceClock(config);
        const auto credentials = common::MutualTlsChannelCredentials(
            flags.common.client_cert, flags.common.client_key, config.tls_ca);
        const auto trajectory_addr = common::PeerAddress(
            flags.trajectory_addr, flags.common.peers_file, "KETENREGIE_TRAJECTORY_ADDR");
        auto facts = std::make_shared<shelter::RemoteTrajectoryFacts>(trajectory_addr, credentials,
                                                                      "shelter-service");
        auto trajectory = std::make_shared<common::PeerChannel>(trajectory_addr, credentials);
        auto handler = std::make_shared<shelter::ShelterHandler>(db, *directory, *keys, *clock,
                                                                 *facts, config.db_acquire_timeout);
        parts.ServeTestClock(config, clock);
        parts.services.push_back({handler.get(), shelter::v1::ShelterService::service_full_name()});
        const std::chrono::milliseconds every(flags.common.timer_interval_ms);
        parts.Drain("trajectory events", every,
                    [handler, trajectory] { return handler->FollowTrajectoryFeed(*trajectory); });
        parts.Drain("timers", every, [handler] { return handler->FireDueTimers(100); });
        parts.RotateKeys(keys, db, config.db_acquire_timeout, shelter::SealedColumns());
        parts.keep_alive.insert(parts.keep_alive.end(),
                                {directory, keys, clock, facts, trajectory, handler});
        return parts;
      });
}
