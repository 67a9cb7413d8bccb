// The audit service (DESIGN.md §5, issue #5): the hash-chained trail every
// service appends to, its verification against a checkpoint kept outside
// the database, and the subject-access report (AVG art. 15).
#include <CLI/CLI.hpp>

#include "services/audit/handler.h"
#include "services/audit/storage.h"
#include "services/common/audit.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/service_main.h"

int main(int argc, char** argv) {
  using namespace ketenregie;
  std::string key_file;
  std::string directory_addr;
  common::PeerFlags peer;
  std::string checkpoint;
  return common::ServiceMain(
      argc, argv, "audit",
      [&](CLI::App& app) {
        common::AddKeyFlag(app, key_file);
        common::AddDirectoryFlag(app, directory_addr);
        // Its own certificate, only for following the directory service.
        common::AddPeerFlags(app, peer);
        app.add_option("--checkpoint-file", checkpoint,
                       "where the signed chain head is kept, outside the database")
            ->envname("KETENREGIE_AUDIT_CHECKPOINT")
            ->required();
      },
      [&](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare(&audit::Prepare);
        common::ServiceParts parts;
        auto directory = parts.FollowDirectory(config, peer, directory_addr, "audit-service");
        auto keys = std::make_shared<common::KeyringHolder>(key_file);
        auto clock = common::ServiceClock(config);
        auto handler = std::make_shared<audit::AuditHandler>(db, *directory, *keys, *clock,
                                                             checkpoint, config.db_acquire_timeout);
        parts.ServeTestClock(config, clock);
        parts.services.push_back({handler.get(), audit::v1::AuditService::service_full_name()});
        // The checkpoint's MAC moves to a new key with the next checkpoint.
        parts.RotateKeys(keys, db, config.db_acquire_timeout, {});
        parts.background.push_back({"checkpoint", [handler] { handler->Checkpoint(); },
                                    std::chrono::seconds(60), /*run_on_stop=*/true});
        parts.keep_alive.insert(parts.keep_alive.end(), {directory, keys, clock, handler});
        return parts;
      });
}
