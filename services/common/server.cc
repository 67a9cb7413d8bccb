#include "services/common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "services/common/db_pool.h"
#include "services/common/error_details.h"
#include "services/common/signals.h"
#include "services/common/tls.h"

namespace ketenregie::common {
namespace {

constexpr auto kHealthInterval = std::chrono::seconds(2);

}  // namespace

int RunServer(const ServiceConfig& config, const std::vector<ServedService>& services, DbPool& db,
              const std::vector<BackgroundTask>& background,
              const std::vector<std::function<bool()>>& ready) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      config.listen, MutualTlsServerCredentials(config.tls_cert, config.tls_key, config.tls_ca),
      &port);
  for (const auto& served : services) {
    builder.RegisterService(served.service);
  }
  builder.experimental().SetInterceptorCreators(ServerInterceptors());
  // Keep enough polling threads alive for the pool's workers, so that a
  // steady load does not create and destroy a thread per burst of calls.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
                              std::max(2, config.db_pool_size / 2));
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::max(4, config.db_pool_size));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on {}", config.listen);
    return 1;
  }

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  std::atomic<bool> stopping = false;
  auto set_health = [&](bool serving) {
    health->SetServingStatus(serving);
    for (const auto& served : services) {
      health->SetServingStatus(served.full_name, serving);
    }
  };
  const auto all_ready = [&ready] {
    return std::all_of(ready.begin(), ready.end(), [](const auto& holds) { return holds(); });
  };
  set_health(db.Ping(std::chrono::seconds(2)) && all_ready());

  if (!config.port_file.empty()) {
    WritePortFile(config.port_file, port);
  }
  spdlog::info("listening on port {} with mutual TLS", port);

  // Health follows the database and the service's readiness (its copy of
  // the directory): a replica that cannot reach PostgreSQL, or could not
  // tell a deactivated user, is taken out of rotation by any standard
  // health-checking load balancer.
  std::mutex mutex;
  std::condition_variable wake;
  std::thread health_watch([&] {
    bool last = true;
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      const bool serving = db.Ping(std::chrono::seconds(1));
      lock.lock();
      if (stopping) {
        break;
      }
      if (serving != last) {
        spdlog::warn("database {}", serving ? "reachable again" : "unreachable");
        last = serving;
      }
      set_health(serving && all_ready());
      wake.wait_for(lock, kHealthInterval, [&] { return stopping.load(); });
    }
  });

  std::vector<std::thread> workers;
  for (const auto& task : background) {
    workers.emplace_back([&, &task = task] {
      std::unique_lock lock(mutex);
      while (!stopping) {
        lock.unlock();
        try {
          task.tick();
        } catch (const std::exception& e) {
          // Messages from the storage layer carry no personal data.
          spdlog::error("{} failed: {}", task.name, e.what());
        }
        lock.lock();
        wake.wait_for(lock, task.interval, [&] { return stopping.load(); });
      }
      lock.unlock();
      if (task.run_on_stop) {
        try {
          task.tick();
        } catch (const std::exception& e) {
          spdlog::error("{} failed at shutdown: {}", task.name, e.what());
        }
      }
    });
  }

  std::thread signal_watch([&] {
    const int signal = WaitForShutdownSignal();
    spdlog::info("signal {}: shutting down", signal);
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    set_health(false);
    server->Shutdown(std::chrono::system_clock::now() +
                     std::chrono::seconds(config.shutdown_grace_seconds));
  });

  server->Wait();
  signal_watch.join();
  health_watch.join();
  for (auto& worker : workers) {
    worker.join();
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace ketenregie::common
