// The shelter service (DESIGN.md §4, issue #6): shelters, beds, placements,
// the three-month rule.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/service_main.h"
#include "services/common/stack_env.h"
#include "services/common/test_clock.h"
#include "services/common/tls.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"

namespace {

struct Flags {
  std::string key_file;
  std::string organisations;
  std::string users;
  std::string client_cert;
  std::string client_key;
  std::string peers_file;
  std::string trajectory_addr;
  int timer_interval_ms = 1000;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace ketenregie;
  Flags flags;
  return common::ServiceMain(
      argc, argv, "shelter",
      [&flags](CLI::App& app) {
        app.add_option("--key-file", flags.key_file, "field-encryption key file")
            ->envname("KETENREGIE_KEY_FILE")
            ->required();
        app.add_option("--directory-organisations", flags.organisations, "organisations.tsv")
            ->envname("KETENREGIE_DIRECTORY_ORGANISATIONS")
            ->required();
        app.add_option("--directory-users", flags.users, "users.tsv")
            ->envname("KETENREGIE_DIRECTORY_USERS")
            ->required();
        app.add_option("--client-cert", flags.client_cert, "this service's client certificate")
            ->envname("KETENREGIE_CLIENT_CERT")
            ->required();
        app.add_option("--client-key", flags.client_key, "its key")
            ->envname("KETENREGIE_CLIENT_KEY")
            ->required();
        app.add_option("--trajectory-addr", flags.trajectory_addr, "trajectory service address")
            ->envname("KETENREGIE_TRAJECTORY_ADDR");
        app.add_option("--peers-file", flags.peers_file,
                       "KEY=value file naming the other services (local stack.env)")
            ->envname("KETENREGIE_PEERS_FILE");
        app.add_option("--timer-interval-ms", flags.timer_interval_ms, "how often due timers fire")
            ->envname("KETENREGIE_TIMER_INTERVAL_MS")
            ->check(CLI::Range(10, 600000));
      },
      [&flags](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare([](pqxx::connection& connection) {
          common::PrepareRequestLog(connection, "shelter");
          common::PrepareOutbox(connection, "shelter");
          shelter::Prepare(connection);
        });
        auto directory = std::make_shared<common::Directory>(
            common::Directory::Load(flags.organisations, flags.users));
        auto keys = std::make_shared<common::KeyringHolder>(flags.key_file);
        auto clock = std::make_shared<common::OffsetClock>();
        auto facts = std::make_shared<shelter::RemoteTrajectoryFacts>(
            [flags]() -> std::string {
              if (!flags.trajectory_addr.empty()) {
                return flags.trajectory_addr;
              }
              if (!flags.peers_file.empty() && std::filesystem::exists(flags.peers_file)) {
                const auto env = common::LoadStackEnv(flags.peers_file);
                const auto found = env.values.find("KETENREGIE_TRAJECTORY_ADDR");
                return found == env.values.end() ? "" : found->second;
              }
              return "";
            },
            common::MutualTlsChannelCredentials(flags.client_cert, flags.client_key,
                                                config.tls_ca),
            "shelter-service");
        auto handler = std::make_shared<shelter::ShelterHandler>(
            db, *directory, *keys, *clock, *facts, config.db_acquire_timeout);
        common::ServiceParts parts;
        std::shared_ptr<common::TestClockService> test_clock;
        if (config.test_clock) {
          test_clock = std::make_shared<common::TestClockService>(*clock);
          parts.services.push_back(
              {test_clock.get(), ketenregie::testing::v1::TestClock::service_full_name()});
        }
        parts.services.push_back({handler.get(), shelter::v1::ShelterService::service_full_name()});
        parts.background.push_back({"timers",
                                    [handler] {
                                      while (handler->FireDueTimers(100) > 0) {
                                      }
                                    },
                                    std::chrono::milliseconds(flags.timer_interval_ms)});
        parts.background.push_back({"key file", [keys] { keys->ReloadIfChanged(); },
                                    std::chrono::seconds(10)});
        parts.keep_alive = {test_clock, directory, keys, clock, facts, handler};
        return parts;
      });
}
