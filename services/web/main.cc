// The web front door (issue #13): HTTPS for the people who work with
// Ketenregie, in front of the gRPC services, which it calls with its own
// certificate — a GATEWAY organisation that can only act on behalf of a
// person who logged in, and grants nothing itself (R-ACCESS-GATEWAY).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "services/common/config.h"
#include "services/common/logging.h"
#include "services/common/signals.h"
#include "services/common/tls.h"
#include "services/web/accounts.h"
#include "services/web/backends.h"
#include "services/web/json_api.h"
#include "services/web/on_behalf.h"
#include "services/web/pages.h"
#include "services/web/web_server.h"

int main(int argc, char** argv) {
  using namespace ketenregie;
  common::BlockShutdownSignals();

  common::ServiceConfig endpoint;
  web::WebConfig web;
  common::PeerFlags peers;
  int max_body_kib = static_cast<int>(web.max_body_bytes / 1024);
  CLI::App app("Ketenregie web front door");
  common::AddEndpointFlags(app, endpoint);
  common::AddPeerFlags(app, peers);
  app.add_option("--max-body-kib", max_body_kib, "largest request body accepted, in KiB")
      ->envname("KETENREGIE_WEB_MAX_BODY_KIB")
      ->check(CLI::Range(1, 16 * 1024));
  app.add_option("--threads", web.threads, "connections served at once")
      ->envname("KETENREGIE_WEB_THREADS")
      ->check(CLI::Range(4, 1024));
  try {
    app.parse(argc, argv);
    common::ValidateEndpointConfig(endpoint);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::invalid_argument& e) {
    std::cerr << "ketenregie-web: " << e.what() << '\n';
    return 2;
  }
  web.listen = endpoint.listen;
  web.tls_cert = endpoint.tls_cert;
  web.tls_key = endpoint.tls_key;
  web.max_body_bytes = static_cast<std::size_t>(max_body_kib) * 1024;

  common::InitLogging("web", endpoint.log_level);
  try {
    const web::Pages pages;
    web::Backends backends(
        common::MutualTlsChannelCredentials(peers.client_cert, peers.client_key, endpoint.tls_ca),
        peers.peers_file);
    const web::Accounts accounts([&backends] { return backends.Channel("directory"); });
    const web::ChannelOf channel_of = [&backends](std::string_view name) {
      return backends.Channel(name);
    };
    const web::JsonApi api(channel_of);
    const web::OnBehalfCalls calls(channel_of);
    web::WebServer server(
        web, pages, [&backends] { return backends.NotServing(std::chrono::seconds(1)); }, &accounts,
        &api, &calls);
    const int port = server.Bind();
    if (!endpoint.port_file.empty()) {
      common::WritePortFile(endpoint.port_file, port);
    }
    spdlog::info("listening on port {} with TLS", port);

    // A signal stops the server; requests in flight get the grace period,
    // and what still runs after it is cut off with the process.
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    std::thread signal_watch([&] {
      const int signal = common::WaitForShutdownSignal();
      spdlog::info("signal {}: shutting down", signal);
      server.Stop();
      std::unique_lock lock(mutex);
      if (!done.wait_for(lock, std::chrono::seconds(endpoint.shutdown_grace_seconds),
                         [&] { return finished; })) {
        spdlog::warn("requests still in flight after {} s: exiting",
                     endpoint.shutdown_grace_seconds);
        std::_Exit(1);
      }
    });
    const bool served = server.Serve();
    if (!served) {
      spdlog::error("serving stopped unexpectedly");
      kill(getpid(), SIGTERM);  // ends signal_watch, which waits for it
    }
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    done.notify_all();
    signal_watch.join();
    spdlog::info("stopped");
    return served ? 0 : 1;
  } catch (const std::exception& e) {
    // Start-up errors name files and settings, never data.
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
}
