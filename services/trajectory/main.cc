// The trajectory service (DESIGN.md §4, issue #4): signals, registration,
// screening, routes, reflection period, closure, timeline, reminders.
#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/peer.h"
#include "services/common/service_main.h"
#include "services/common/tls.h"
#include "services/trajectory/feed.h"
#include "services/trajectory/handler.h"
#include "services/trajectory/open_work.h"
#include "services/trajectory/storage.h"

namespace {

struct Flags {
  ketenregie::common::DomainServiceFlags common;
  std::string shelter_addr;
  std::string handoff_addr;
  std::string consent_addr;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace ketenregie;
  Flags flags;
  return common::ServiceMain(
      argc, argv, "trajectory",
      [&flags](CLI::App& app) {
        flags.common.Add(app);
        app.add_option("--shelter-addr", flags.shelter_addr, "shelter service address")
            ->envname("KETENREGIE_SHELTER_ADDR");
        app.add_option("--handoff-addr", flags.handoff_addr, "handoff service address")
            ->envname("KETENREGIE_HANDOFF_ADDR");
        app.add_option("--consent-addr", flags.consent_addr, "consent service address")
            ->envname("KETENREGIE_CONSENT_ADDR");
      },
      [&flags](const common::ServiceConfig& config, common::DbPool& db) {
        // Statements are registered on every new connection of the pool.
        db.SetPrepare(&trajectory::Prepare);
        common::ServiceParts parts;
        auto directory = parts.FollowDirectory(config, flags.common, flags.common.directory_addr,
                                               "trajectory-service");
        auto keyring = std::make_shared<common::KeyringHolder>(flags.common.key_file);
        auto clock = common::ServiceClock(config);
        const auto shelter_address = common::PeerAddress(
            flags.shelter_addr, flags.common.peers_file, "KETENREGIE_SHELTER_ADDR");
        const auto handoff_address = common::PeerAddress(
            flags.handoff_addr, flags.common.peers_file, "KETENREGIE_HANDOFF_ADDR");
        auto resolve = [shelter_address, handoff_address](const std::string& key) {
          return key == "KETENREGIE_SHELTER_ADDR" ? shelter_address() : handoff_address();
        };
        auto open_work = std::make_shared<trajectory::RemoteOpenWork>(
            resolve,
            common::MutualTlsChannelCredentials(flags.common.client_cert, flags.common.client_key,
                                                config.tls_ca),
            "trajectory-service");
        auto handler = std::make_shared<trajectory::TrajectoryHandler>(
            db, *directory, *keyring, *clock, *open_work,
            trajectory::Settings{config.db_acquire_timeout, {}, {}});
        const auto credentials = common::MutualTlsChannelCredentials(
            flags.common.client_cert, flags.common.client_key, config.tls_ca);
        auto shelter_feed =
            std::make_shared<trajectory::ServiceEventSource<shelter::v1::ShelterService>>(
                shelter_address, credentials, "trajectory-service");
        auto handoff_feed =
            std::make_shared<trajectory::ServiceEventSource<handoff::v1::HandoffService>>(
                handoff_address, credentials, "trajectory-service");
        auto consent_feed =
            std::make_shared<trajectory::ServiceEventSource<consent::v1::ConsentService>>(
                common::PeerAddress(flags.consent_addr, flags.common.peers_file,
                                    "KETENREGIE_CONSENT_ADDR"),
                credentials, "trajectory-service");
        auto consent_consumer = std::make_shared<trajectory::EventConsumer>(
            db, *consent_feed, "consent", config.db_acquire_timeout);
        auto consumer = std::make_shared<trajectory::EventConsumer>(db, *shelter_feed, "shelter",
                                                                    config.db_acquire_timeout);
        auto handoff_consumer = std::make_shared<trajectory::EventConsumer>(
            db, *handoff_feed, "handoff", config.db_acquire_timeout);
        parts.ServeTestClock(config, clock);
        parts.services.push_back(
            {handler.get(), trajectory::v1::TrajectoryService::service_full_name()});
        const std::chrono::milliseconds every(flags.common.timer_interval_ms);
        parts.Drain("shelter events", every, [consumer] { return consumer->PullOnce(); });
        parts.Drain("handoff events", every,
                    [handoff_consumer] { return handoff_consumer->PullOnce(); });
        parts.Drain("consent events", every,
                    [consent_consumer] { return consent_consumer->PullOnce(); });
        parts.Drain("timers", every, [handler] { return handler->FireDueTimers(100); });
        parts.RotateKeys(keyring, db, config.db_acquire_timeout, trajectory::SealedColumns(),
                         &trajectory::TrajectoryHandler::ReencryptIdentities);
        parts.keep_alive.insert(
            parts.keep_alive.end(),
            {directory, keyring, clock, open_work, handler, shelter_feed, handoff_feed, consumer,
             handoff_consumer, consent_feed, consent_consumer});
        return parts;
      });
}
