#pragma once

#include <grpcpp/impl/codegen/service_type.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/signals.h"

namespace ketenregie::common {

class DbPool;

/// A gRPC service to serve, with its fully qualified name for health checks
/// (e.g. "ketenregie.trajectory.v1.TrajectoryService").
struct ServedService {
  grpc::Service* service;
  std::string full_name;
};

/// Work a service does beside answering calls (e.g. firing due timers):
/// `tick` runs every `interval` on its own thread until shutdown begins.
/// An exception from tick is logged and the next tick runs as planned.
struct BackgroundTask {
  std::string name;
  std::function<void()> tick;
  std::chrono::milliseconds interval;
  /// Tick once more when shutdown begins (e.g. a final checkpoint).
  bool run_on_stop = false;
};

/// Serves `services` on config.listen with mutual TLS, the standard health
/// service and server reflection, until SIGINT or SIGTERM. Health says
/// SERVING while `db` answers and every `ready` holds (the directory copy
/// is current), NOT_SERVING while not or while shutting down. Writes the bound port to
/// config.port_file. Shutdown waits up to config.shutdown_grace_seconds for calls in flight.
/// Returns the process exit code.
int RunServer(const ServiceConfig& config, const std::vector<ServedService>& services, DbPool& db,
              const std::vector<BackgroundTask>& background = {},
              const std::vector<std::function<bool()>>& ready = {});

}  // namespace ketenregie::common
