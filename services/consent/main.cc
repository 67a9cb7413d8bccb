// The consent service (DESIGN.md §5, issue #5): consent records, legal-basis
// overrides with four eyes, and the disclosure decision.
#include <CLI/CLI.hpp>

#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/peer.h"
#include "services/common/service_main.h"
#include "services/common/tls.h"
#include "services/common/trajectory_facts.h"
#include "services/consent/handler.h"
#include "services/consent/storage.h"

int main(int argc, char** argv) {
  using namespace ketenregie;
  common::DomainServiceFlags flags;
  std::string trajectory_addr;
  return common::ServiceMain(
      argc, argv, "consent",
      [&](CLI::App& app) {
        flags.Add(app);
        app.add_option("--trajectory-addr", trajectory_addr, "trajectory service address")
            ->envname("KETENREGIE_TRAJECTORY_ADDR");
      },
      [&](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare(&consent::Prepare);
        common::ServiceParts parts;
        auto directory =
            parts.FollowDirectory(config, flags, flags.directory_addr, "consent-service");
        auto keys = std::make_shared<common::KeyringHolder>(flags.key_file);
        auto clock = common::ServiceClock(config);
        auto facts = std::make_shared<common::RemoteTrajectoryFacts>(
            common::PeerAddress(trajectory_addr, flags.peers_file, "KETENREGIE_TRAJECTORY_ADDR"),
            common::MutualTlsChannelCredentials(flags.client_cert, flags.client_key, config.tls_ca),
            "consent-service");
        auto handler = std::make_shared<consent::ConsentHandler>(db, *directory, *keys, *clock,
                                                                 *facts, config.db_acquire_timeout);
        auto trajectory = std::make_shared<common::PeerChannel>(
            common::PeerAddress(trajectory_addr, flags.peers_file, "KETENREGIE_TRAJECTORY_ADDR"),
            common::MutualTlsChannelCredentials(flags.client_cert, flags.client_key,
                                                config.tls_ca));
        parts.ServeTestClock(config, clock);
        parts.services.push_back({handler.get(), consent::v1::ConsentService::service_full_name()});
        parts.Drain("trajectory events", std::chrono::milliseconds(flags.timer_interval_ms),
                    [handler, trajectory] { return handler->FollowTrajectoryFeed(*trajectory); });
        parts.Drain("timers", std::chrono::milliseconds(flags.timer_interval_ms),
                    [handler] { return handler->FireDueTimers(100); });
        parts.RotateKeys(keys, db, config.db_acquire_timeout, consent::SealedColumns());
        parts.keep_alive.insert(parts.keep_alive.end(),
                                {directory, keys, clock, facts, trajectory, handler});
        return parts;
      });
}
