#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/config.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/common/sealed.h"
#include "services/common/server.h"

namespace CLI {
class App;
}

namespace ketenregie::common {

class DbPool;
class KeyringHolder;
class OffsetClock;

/// What a service adds to the bootstrap: its own flags, and — once the
/// flags are parsed and the pool exists — its handlers and background work.
/// The factory keeps what the handlers need alive in `keep_alive`.
/// The service's clock: the real one, moved only on a test stack
/// (--test-clock), where every service shares one offset
/// (--test-clock-file).
std::shared_ptr<OffsetClock> ServiceClock(const ServiceConfig& config);

struct ServiceParts {
  std::vector<ServedService> services;
  std::vector<BackgroundTask> background;
  std::vector<std::shared_ptr<void>> keep_alive;

  /// Also serves the settable test clock over `clock` when the
  /// configuration allows it (a loopback test stack only, DESIGN.md §4).
  void ServeTestClock(const ServiceConfig& config, const std::shared_ptr<OffsetClock>& clock);
  /// Every `interval`, runs `step` until it returns 0: a backlog (due
  /// timers, a feed's pages) drains in one round.
  void Drain(std::string name, std::chrono::milliseconds interval, std::function<int()> step);
  /// Key rotation without downtime (DESIGN.md §6): every ten seconds picks
  /// up a changed key file, and moves every value of `columns` still sealed
  /// under an older key to the active one, in batches — after start-up,
  /// after a key file change, and every ten minutes (a replica that picked
  /// up the new key later may have written under the old one meanwhile).
  /// `also` moves what the service moves itself (SealedColumn::
  /// moved_by_service), returning how many values it moved.
  /// A copy of the directory that follows the directory service (at
  /// `directory_addr`, or its address in the peers file), asking every
  /// second as `actor`, this service's own user; the service is ready
  /// (health SERVING) only while the copy is current.
  std::shared_ptr<Directory> FollowDirectory(const ServiceConfig& config, const PeerFlags& peer,
                                             const std::string& directory_addr, std::string actor);
  /// Whether the service may answer: health says NOT_SERVING while any of
  /// these is false (and while the database does not answer).
  std::vector<std::function<bool()>> ready;
  void RotateKeys(const std::shared_ptr<KeyringHolder>& keys, DbPool& db,
                  std::chrono::milliseconds db_timeout, std::vector<SealedColumn> columns,
                  std::function<int(pqxx::work&, const Keyring&, int limit)> also = nullptr);
};
using FlagAdder = std::function<void(CLI::App& app)>;
using ServiceFactory = std::function<ServiceParts(const ServiceConfig& config, DbPool& db)>;

/// --key-file: the service's keys (field encryption, or the audit MAC key).
void AddKeyFlag(CLI::App& app, std::string& key_file);
/// --directory-addr: where the directory service is, when not in the
/// peers file (KETENREGIE_DIRECTORY_ADDR).
void AddDirectoryFlag(CLI::App& app, std::string& directory_addr);

/// Settings every domain service takes beyond ServiceConfig: its key file,
/// its own client certificate for calling the other services, where to find
/// them (the directory service among them), and how often its timers fire.
struct DomainServiceFlags : PeerFlags {
  std::string key_file;
  std::string directory_addr;
  int timer_interval_ms = 1000;
  void Add(CLI::App& app);
};

/// The whole main() of a service: flags and environment, logging, the
/// database pool, then RunServer until SIGINT/SIGTERM. `name` is the short
/// service name ("trajectory"), used in logs and --help.
int ServiceMain(int argc, char** argv, std::string_view name, const FlagAdder& add_flags,
                const ServiceFactory& factory);

}  // namespace ketenregie::common
