#include "services/common/service_main.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "services/common/config.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory_follower.h"
#include "services/common/logging.h"
#include "services/common/peer.h"
#include "services/common/test_clock.h"
#include "services/common/tls.h"

namespace ketenregie::common {
namespace {

// One round of following the directory, saying once when the copy goes out
// of date and once when it is current again (`current_reported`).
void FollowDirectoryOnce(Directory& copy, PeerChannel& channel, const std::string& actor,
                         bool& current_reported) {
  bool answered = false;
  try {
    answered = FollowDirectory(copy, channel, actor);
  } catch (const std::invalid_argument& e) {
    spdlog::error("directory copy not taken: {}", e.what());
  }
  const bool current = copy.Current();
  if (current != current_reported) {
    if (current) {
      spdlog::info("directory copy current, at revision {}", copy.Revision());
    } else {
      spdlog::warn("directory copy out of date ({}): every caller is refused until it is current",
                   answered ? "not taken" : "the directory service does not answer");
    }
    current_reported = current;
  }
}

}  // namespace

std::shared_ptr<OffsetClock> ServiceClock(const ServiceConfig& config) {
  return std::make_shared<OffsetClock>(config.test_clock ? config.test_clock_file : "");
}

void ServiceParts::ServeTestClock(const ServiceConfig& config,
                                  const std::shared_ptr<OffsetClock>& clock) {
  if (!config.test_clock) {
    return;
  }
  auto service = std::make_shared<TestClockHandler>(*clock);
  services.push_back(
      {service.get(), ketenregie::testing::v1::TestClockService::service_full_name()});
  keep_alive.push_back(service);
}

void ServiceParts::Drain(std::string name, std::chrono::milliseconds interval,
                         std::function<int()> step) {
  background.push_back({std::move(name),
                        [step = std::move(step)] {
                          while (step() > 0) {
                          }
                        },
                        interval});
}

void ServiceParts::RotateKeys(const std::shared_ptr<KeyringHolder>& keys, DbPool& db,
                              std::chrono::milliseconds db_timeout,
                              std::vector<SealedColumn> columns,
                              std::function<int(pqxx::work&, const Keyring&, int)> also) {
  auto rounds = std::make_shared<int>(0);
  background.push_back(
      {"key rotation",
       [keys, &db, db_timeout, columns = std::move(columns), also = std::move(also), rounds] {
         if (keys->ReloadIfChanged()) {
           *rounds = 0;
         }
         if ((*rounds)++ % 60 != 0) {
           return;
         }
         const auto keyring = keys->Get();
         long long total = 0;
         for (int moved = 1; moved > 0; total += moved) {
           moved = RunTransaction(db, db_timeout, [&](pqxx::work& tx) {
             return ReencryptColumns(tx, *keyring, columns, 100) +
                    (also ? also(tx, *keyring, 100) : 0);
           });
         }
         if (total > 0) {
           // Counts and a key id only: never a value.
           spdlog::info("key rotation: {} values moved to key {}", total, keyring->active_key_id());
         }
       },
       std::chrono::seconds(10)});
}

std::shared_ptr<Directory> ServiceParts::FollowDirectory(const ServiceConfig& config,
                                                         const PeerFlags& peer,
                                                         const std::string& directory_addr,
                                                         std::string actor) {
  auto copy = std::make_shared<Directory>(kDirectoryMaxAge);
  auto channel = std::make_shared<PeerChannel>(
      PeerAddress(directory_addr, peer.peers_file, "KETENREGIE_DIRECTORY_ADDR"),
      MutualTlsChannelCredentials(peer.client_cert, peer.client_key, config.tls_ca));
  auto reported = std::make_shared<bool>(true);
  background.push_back({"directory",
                        [copy, channel, actor = std::move(actor), reported] {
                          FollowDirectoryOnce(*copy, *channel, actor, *reported);
                        },
                        std::chrono::seconds(1)});
  ready.push_back([copy] { return copy->Current(); });
  keep_alive.insert(keep_alive.end(), {copy, channel});
  return copy;
}

void AddKeyFlag(CLI::App& app, std::string& key_file) {
  app.add_option("--key-file", key_file, "key file (field encryption, or the audit MAC key)")
      ->envname("KETENREGIE_KEY_FILE")
      ->required();
}

void AddDirectoryFlag(CLI::App& app, std::string& directory_addr) {
  app.add_option("--directory-addr", directory_addr,
                 "directory service address (else the peers file's)")
      ->envname("KETENREGIE_DIRECTORY_ADDR");
}

void DomainServiceFlags::Add(CLI::App& app) {
  AddKeyFlag(app, key_file);
  AddDirectoryFlag(app, directory_addr);
  AddPeerFlags(app, *this);
  app.add_option("--timer-interval-ms", timer_interval_ms, "how often due timers fire")
      ->envname("KETENREGIE_TIMER_INTERVAL_MS")
      ->check(CLI::Range(10, 600000));
}

int ServiceMain(int argc, char** argv, std::string_view name, const FlagAdder& add_flags,
                const ServiceFactory& factory) {
  BlockShutdownSignals();

  ServiceConfig config;
  CLI::App app("Ketenregie " + std::string(name) + " service");
  AddServiceFlags(app, config);
  if (add_flags) {
    add_flags(app);
  }
  try {
    app.parse(argc, argv);
    ValidateServiceConfig(config);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::invalid_argument& e) {
    std::cerr << "ketenregie-" << name << ": " << e.what() << '\n';
    return 2;
  }

  InitLogging(name, config.log_level);
  try {
    DbPool db(config.db_dsn, static_cast<std::size_t>(config.db_pool_size));
    const ServiceParts parts = factory(config, db);
    return RunServer(config, parts.services, db, parts.background, parts.ready);
  } catch (const std::exception& e) {
    // Start-up errors name files and settings, never data.
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
}

}  // namespace ketenregie::common
