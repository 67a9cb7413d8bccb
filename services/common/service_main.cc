#include "services/common/service_main.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "services/common/config.h"
#include "services/common/db_pool.h"
#include "services/common/logging.h"

namespace ketenregie::common {

void DomainServiceFlags::Add(CLI::App& app) {
  app.add_option("--key-file", key_file, "field-encryption key file")
      ->envname("KETENREGIE_KEY_FILE")
      ->required();
  app.add_option("--directory-organisations", organisations, "organisations.tsv")
      ->envname("KETENREGIE_DIRECTORY_ORGANISATIONS")
      ->required();
  app.add_option("--directory-users", users, "users.tsv")
      ->envname("KETENREGIE_DIRECTORY_USERS")
      ->required();
  app.add_option("--client-cert", client_cert,
                 "this service's client certificate, for calling the others")
      ->envname("KETENREGIE_CLIENT_CERT")
      ->required();
  app.add_option("--client-key", client_key, "its key")
      ->envname("KETENREGIE_CLIENT_KEY")
      ->required();
  app.add_option("--peers-file", peers_file,
                 "KEY=value file naming the other services (local stack.env), read when first "
                 "needed")
      ->envname("KETENREGIE_PEERS_FILE");
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
