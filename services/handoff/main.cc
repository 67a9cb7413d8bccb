// The handoff service (DESIGN.md §5, issue #5): referrals to partners, the
// partner inbox, packets assembled from what consent permits at read time.
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
#include "services/handoff/handler.h"
#include "services/handoff/storage.h"

int main(int argc, char** argv) {
  using namespace ketenregie;
  common::DomainServiceFlags flags;
  std::string consent_addr;
  std::string trajectory_addr;
  std::string shelter_addr;
  return common::ServiceMain(
      argc, argv, "handoff",
      [&](CLI::App& app) {
        flags.Add(app);
        app.add_option("--consent-addr", consent_addr, "consent service address")
            ->envname("KETENREGIE_CONSENT_ADDR");
        app.add_option("--trajectory-addr", trajectory_addr, "trajectory service address")
            ->envname("KETENREGIE_TRAJECTORY_ADDR");
        app.add_option("--shelter-addr", shelter_addr, "shelter service address")
            ->envname("KETENREGIE_SHELTER_ADDR");
      },
      [&](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare(&handoff::Prepare);
        common::ServiceParts parts;
        auto directory =
            parts.FollowDirectory(config, flags, flags.directory_addr, "handoff-service");
        auto keys = std::make_shared<common::KeyringHolder>(flags.key_file);
        auto clock = common::ServiceClock(config);
        const auto credentials =
            common::MutualTlsChannelCredentials(flags.client_cert, flags.client_key, config.tls_ca);
        auto consent = std::make_shared<common::PeerChannel>(
            common::PeerAddress(consent_addr, flags.peers_file, "KETENREGIE_CONSENT_ADDR"),
            credentials);
        const auto trajectory_address =
            common::PeerAddress(trajectory_addr, flags.peers_file, "KETENREGIE_TRAJECTORY_ADDR");
        auto trajectory = std::make_shared<common::PeerChannel>(trajectory_address, credentials);
        auto shelter = std::make_shared<common::PeerChannel>(
            common::PeerAddress(shelter_addr, flags.peers_file, "KETENREGIE_SHELTER_ADDR"),
            credentials);
        auto facts = std::make_shared<common::RemoteTrajectoryFacts>(
            trajectory_address, credentials, "handoff-service");
        auto handler = std::make_shared<handoff::HandoffHandler>(
            db, *directory, *keys, *clock,
            handoff::HandoffHandler::Peers{*consent, *trajectory, *shelter, *facts},
            config.db_acquire_timeout);
        parts.ServeTestClock(config, clock);
        parts.services.push_back({handler.get(), handoff::v1::HandoffService::service_full_name()});
        const std::chrono::milliseconds every(flags.timer_interval_ms);
        parts.Drain("consent events", every, [handler] { return handler->FollowConsentFeed(); });
        parts.Drain("trajectory events", every,
                    [handler] { return handler->FollowTrajectoryFeed(); });
        parts.Drain("timers", every, [handler] { return handler->FireDueTimers(100); });
        parts.RotateKeys(keys, db, config.db_acquire_timeout, handoff::SealedColumns());
        parts.keep_alive.insert(parts.keep_alive.end(), {directory, keys, clock, consent,
                                                         trajectory, shelter, facts, handler});
        return parts;
      });
}
