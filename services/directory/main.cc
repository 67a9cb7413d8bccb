// The directory service (DESIGN.md §4, §6, issue #13): the one owner of the
// organisations of the chain, their users and roles. The deployment's seed
// files add what the directory lacks at every start; its organisation
// administrators change the rest.
#include <CLI/CLI.hpp>

#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/directory.h"
#include "services/common/service_main.h"
#include "services/directory/handler.h"
#include "services/directory/storage.h"

int main(int argc, char** argv) {
  using namespace ketenregie;
  std::string key_file;
  std::string organisations;
  std::string users;
  return common::ServiceMain(
      argc, argv, "directory",
      [&](CLI::App& app) {
        common::AddKeyFlag(app, key_file);
        app.add_option("--seed-organisations", organisations,
                       "organisations.tsv: organisations to add when the directory lacks them")
            ->envname("KETENREGIE_DIRECTORY_ORGANISATIONS")
            ->required();
        app.add_option("--seed-users", users,
                       "users.tsv: users to add when the directory lacks them")
            ->envname("KETENREGIE_DIRECTORY_USERS")
            ->required();
      },
      [&](const common::ServiceConfig& config, common::DbPool& db) {
        db.SetPrepare(&directory::Prepare);
        // Its own callers are checked against its own copy, read from its
        // tables; like every copy it is current only while it is read.
        auto copy = std::make_shared<common::Directory>(common::kDirectoryMaxAge);
        auto keys = std::make_shared<common::KeyringHolder>(key_file);
        auto clock = common::ServiceClock(config);
        auto handler = std::make_shared<directory::DirectoryHandler>(db, *copy, *keys, *clock,
                                                                     config.db_acquire_timeout);
        handler->Seed(common::Directory::ReadSeed(organisations, users));
        common::ServiceParts parts;
        parts.ServeTestClock(config, clock);
        parts.services.push_back(
            {handler.get(), directory::v1::DirectoryService::service_full_name()});
        parts.background.push_back(
            {"directory copy", [handler] { handler->RefreshCopy(); }, std::chrono::seconds(1)});
        parts.ready.push_back([copy] { return copy->Current(); });
        parts.RotateKeys(keys, db, config.db_acquire_timeout, directory::SealedColumns());
        parts.keep_alive.insert(parts.keep_alive.end(), {copy, keys, clock, handler});
        return parts;
      });
}
