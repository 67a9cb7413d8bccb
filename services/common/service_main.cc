#include "services/common/service_main.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "services/common/config.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/logging.h"
#include "services/common/test_clock.h"

namespace ketenregie::common {

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

void AddKeyAndDirectoryFlags(CLI::App& app, std::string& key_file, std::string& organisations,
                             std::string& users) {
  app.add_option("--key-file", key_file, "key file (field encryption, or the audit MAC key)")
      ->envname("KETENREGIE_KEY_FILE")
      ->required();
  app.add_option("--directory-organisations", organisations, "organisations.tsv")
      ->envname("KETENREGIE_DIRECTORY_ORGANISATIONS")
      ->required();
  app.add_option("--directory-users", users, "users.tsv")
      ->envname("KETENREGIE_DIRECTORY_USERS")
      ->required();
}

void DomainServiceFlags::Add(CLI::App& app) {
  AddKeyAndDirectoryFlags(app, key_file, organisations, users);
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
    return RunServer(config, parts.services, db, parts.background);
  } catch (const std::exception& e) {
    // Start-up errors name files and settings, never data.
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
}

}  // namespace ketenregie::common
