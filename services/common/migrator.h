#pragma once

#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

namespace ketenregie::common {

/// One forward-only migration: migrations/<schema>/V<version>__<what>.sql.
struct Migration {
  std::string schema;
  int version = 0;
  /// The file name, e.g. "V001__create_trajectory.sql".
  std::string file_name;
  /// SHA-256 of the file's bytes, lower-case hex.
  std::string checksum;
  std::string sql;

  /// "<schema>/<file_name>", how errors name it.
  std::string Label() const { return schema + "/" + file_name; }
};

/// A migration set that cannot be applied; the message names the file.
class MigrationError final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads every migrations/<schema>/V###__name.sql under `root`, in the order
/// they apply: by version, then by schema — all V001 files before any V002,
/// so a later file of one schema may rely on the roles and tables that the
/// earlier versions of every schema created. Throws MigrationError for a
/// badly named file or a version given twice in one schema.
std::vector<Migration> LoadMigrations(const std::filesystem::path& root);

struct MigrateReport {
  std::vector<std::string> applied;
  int already_applied = 0;
};

/// Applies the pending migrations in order, each in its own transaction with
/// its record (version, checksum) in ketenregie_meta.schema_migrations, all
/// under one session-level advisory lock: a concurrent run waits, then finds
/// nothing to do. Refuses — before applying anything — a landed migration
/// whose file changed or disappeared, and a new file older than one landed.
MigrateReport Migrate(pqxx::connection& connection, const std::vector<Migration>& migrations);

/// The advisory lock key the migrator holds while it runs.
inline constexpr long long kMigrationLockKey = 0x6B6574656E72;  // "ketenr"

}  // namespace ketenregie::common
