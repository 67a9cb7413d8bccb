#pragma once

#include <chrono>
#include <string>

namespace CLI {
class App;
}

namespace ketenregie::common {

/// Settings every service takes, from flags or the environment
/// (flag wins). Secrets are passed as file paths, never as values.
struct ServiceConfig {
  /// Where to listen; port 0 lets the kernel choose (see port_file).
  std::string listen = "127.0.0.1:0";
  /// When set, the chosen port is written here once the server listens.
  std::string port_file;
  /// PEM files: server certificate chain, its key, and the CA that signs
  /// organisations' client certificates.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// libpq connection string; passwords belong in a passfile= it names.
  std::string db_dsn;
  int db_pool_size = 8;
  std::chrono::milliseconds db_acquire_timeout{2000};
  std::string log_level = "info";
  /// Seconds a shutdown waits for calls in flight.
  int shutdown_grace_seconds = 10;
  /// Serve the TestClockService (tests and the local demo only; refused
  /// unless listening on a loopback address).
  bool test_clock = false;
  /// With test_clock: the file every service of the local stack keeps its
  /// clock's offset in (OffsetClock), so they all show one time.
  std::string test_clock_file;
};

/// Registers the flags of anything that listens (--listen, --port-file,
/// --tls-*, --log-level, --shutdown-grace-seconds), each with its
/// KETENREGIE_* variable: the web front door takes these.
void AddEndpointFlags(CLI::App& app, ServiceConfig& config);
/// Registers the endpoint flags and those of a gRPC service with a
/// database (--db-*, --test-clock*).
void AddServiceFlags(CLI::App& app, ServiceConfig& config);

/// Checks what flags cannot: the TLS files exist. Throws
/// std::invalid_argument naming the setting.
void ValidateEndpointConfig(const ServiceConfig& config);
/// Also checks the database settings and the test clock's address.
void ValidateServiceConfig(const ServiceConfig& config);

/// How a caller of the services finds and reaches them: its own client
/// certificate and key, and the KEY=value file naming their addresses (the
/// local stack.env), read when first needed.
struct PeerFlags {
  std::string client_cert;
  std::string client_key;
  std::string peers_file;
};
/// Registers --client-cert, --client-key (required) and --peers-file.
void AddPeerFlags(CLI::App& app, PeerFlags& flags);

/// Writes the port a server bound to `path`, under a temporary name first,
/// so a reader never sees half a port. Throws std::runtime_error.
void WritePortFile(const std::string& path, int port);

}  // namespace ketenregie::common
