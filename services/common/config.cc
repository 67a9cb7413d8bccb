#include "services/common/config.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "services/common/test_clock.h"

namespace ketenregie::common {

void AddEndpointFlags(CLI::App& app, ServiceConfig& config) {
  app.add_option("--listen", config.listen, "address:port to listen on (port 0: any free port)")
      ->envname("KETENREGIE_LISTEN");
  app.add_option("--port-file", config.port_file, "write the chosen port to this file")
      ->envname("KETENREGIE_PORT_FILE");
  app.add_option("--tls-cert", config.tls_cert, "server certificate chain (PEM)")
      ->envname("KETENREGIE_TLS_CERT")
      ->required();
  app.add_option("--tls-key", config.tls_key, "server private key (PEM)")
      ->envname("KETENREGIE_TLS_KEY")
      ->required();
  app.add_option("--tls-ca", config.tls_ca,
                 "the deployment's CA, which signs the client and service certificates (PEM)")
      ->envname("KETENREGIE_TLS_CA")
      ->required();
  app.add_option("--log-level", config.log_level, "trace|debug|info|warn|error")
      ->envname("KETENREGIE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--shutdown-grace-seconds", config.shutdown_grace_seconds,
                 "how long shutdown waits for calls in flight")
      ->envname("KETENREGIE_SHUTDOWN_GRACE_SECONDS")
      ->check(CLI::Range(0, 300));
}

void AddServiceFlags(CLI::App& app, ServiceConfig& config) {
  AddEndpointFlags(app, config);
  app.add_option("--db-dsn", config.db_dsn, "libpq connection string (password via passfile=)")
      ->envname("KETENREGIE_DB_DSN")
      ->required();
  app.add_option("--db-pool-size", config.db_pool_size, "database connections")
      ->envname("KETENREGIE_DB_POOL_SIZE")
      ->check(CLI::Range(1, 256));
  app.add_flag("--test-clock", config.test_clock,
               "serve a settable clock (tests and the local demo; loopback only)")
      ->envname("KETENREGIE_TEST_CLOCK");
  app.add_option("--test-clock-file", config.test_clock_file,
                 "with --test-clock: the clock offset shared by every service of the stack")
      ->envname("KETENREGIE_TEST_CLOCK_FILE");
}

void ValidateEndpointConfig(const ServiceConfig& config) {
  for (const auto& [name, path] :
       {std::pair{"tls-cert", &config.tls_cert}, std::pair{"tls-key", &config.tls_key},
        std::pair{"tls-ca", &config.tls_ca}}) {
    if (!std::filesystem::is_regular_file(*path)) {
      throw std::invalid_argument(std::string("--") + name + ": no such file");
    }
  }
}

void ValidateServiceConfig(const ServiceConfig& config) {
  ValidateEndpointConfig(config);
  if (config.db_dsn.empty()) {
    throw std::invalid_argument("--db-dsn: empty");
  }
  if (config.test_clock && !IsLoopbackListen(config.listen)) {
    throw std::invalid_argument("--test-clock: only on a loopback address, never in a deployment");
  }
}

void AddPeerFlags(CLI::App& app, PeerFlags& flags) {
  app.add_option("--client-cert", flags.client_cert,
                 "this service's own client certificate, for calling the others")
      ->envname("KETENREGIE_CLIENT_CERT")
      ->required();
  app.add_option("--client-key", flags.client_key, "its key")
      ->envname("KETENREGIE_CLIENT_KEY")
      ->required();
  app.add_option("--peers-file", flags.peers_file,
                 "KEY=value file naming the other services (local stack.env), read when first "
                 "needed")
      ->envname("KETENREGIE_PEERS_FILE");
}

void WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << '\n';
    if (!out) {
      throw std::runtime_error("cannot write " + temporary);
    }
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace ketenregie::common
