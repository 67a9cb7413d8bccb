#include "services/common/migrator.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "services/common/crypto.h"

namespace ketenregie::common {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw MigrationError("cannot read " + path.string());
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Session-level advisory lock, released on every way out (and by PostgreSQL
// when the session ends).
class AdvisoryLock final {
 public:
  explicit AdvisoryLock(pqxx::connection& connection) : connection_(connection) {
    pqxx::nontransaction tx(connection_);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  ~AdvisoryLock() {
    try {
      pqxx::nontransaction tx(connection_);
      tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const std::exception&) {
      // The session is gone, and its lock with it.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  pqxx::connection& connection_;
};

struct Landed {
  std::string file_name;
  std::string checksum;
};

}  // namespace

std::vector<Migration> LoadMigrations(const std::filesystem::path& root) {
  static const std::regex kSchemaName("[a-z][a-z0-9_]{0,62}");
  static const std::regex kFileName("V([0-9]{3})__[a-z0-9_]+\\.sql");
  if (!std::filesystem::is_directory(root)) {
    throw MigrationError("no migrations directory at " + root.string());
  }
  std::vector<Migration> migrations;
  for (const auto& schema_dir : std::filesystem::directory_iterator(root)) {
    if (!schema_dir.is_directory()) {
      continue;
    }
    const std::string schema = schema_dir.path().filename().string();
    if (!std::regex_match(schema, kSchemaName)) {
      throw MigrationError("bad schema directory name: " + schema);
    }
    std::set<int> versions;
    for (const auto& file : std::filesystem::directory_iterator(schema_dir.path())) {
      const std::string name = file.path().filename().string();
      std::smatch match;
      if (!file.is_regular_file() || !std::regex_match(name, match, kFileName)) {
        throw MigrationError("not a migration file name (V###__name.sql): " + schema + "/" + name);
      }
      Migration migration;
      migration.schema = schema;
      migration.version = std::stoi(match[1].str());
      migration.file_name = name;
      migration.sql = ReadAll(file.path());
      migration.checksum = Sha256Hex(migration.sql);
      if (migration.version == 0 || !versions.insert(migration.version).second) {
        throw MigrationError("version given twice or zero: " + migration.Label());
      }
      migrations.push_back(std::move(migration));
    }
  }
  std::sort(migrations.begin(), migrations.end(), [](const Migration& a, const Migration& b) {
    return std::tie(a.version, a.schema) < std::tie(b.version, b.schema);
  });
  return migrations;
}

MigrateReport Migrate(pqxx::connection& connection, const std::vector<Migration>& migrations) {
  AdvisoryLock lock(connection);
  {
    pqxx::work tx(connection);
    tx.exec(
        "CREATE SCHEMA IF NOT EXISTS ketenregie_meta;"
        "CREATE TABLE IF NOT EXISTS ketenregie_meta.schema_migrations ("
        "  schema_name text NOT NULL,"
        "  version integer NOT NULL,"
        "  file_name text NOT NULL,"
        "  checksum text NOT NULL,"
        "  applied_at timestamptz NOT NULL DEFAULT now(),"
        "  PRIMARY KEY (schema_name, version))");
    tx.commit();
  }

  std::map<std::pair<std::string, int>, Landed> landed;
  {
    pqxx::read_transaction tx(connection);
    for (const auto& row : tx.exec("SELECT schema_name, version, file_name, checksum "
                                   "FROM ketenregie_meta.schema_migrations")) {
      landed[{row["schema_name"].as<std::string>(), row["version"].as<int>()}] =
          Landed{row["file_name"].as<std::string>(), row["checksum"].as<std::string>()};
    }
  }

  // Check the whole set before applying anything.
  std::map<std::string, int> newest_landed;
  for (const auto& [key, record] : landed) {
    newest_landed[key.first] = std::max(newest_landed[key.first], key.second);
  }
  std::vector<const Migration*> pending;
  std::set<std::pair<std::string, int>> seen;
  for (const auto& migration : migrations) {
    seen.insert({migration.schema, migration.version});
    const auto found = landed.find({migration.schema, migration.version});
    if (found == landed.end()) {
      if (migration.version < newest_landed[migration.schema]) {
        throw MigrationError("migration " + migration.Label() +
                             " is older than one already applied to schema " + migration.schema +
                             "; give it a new version number");
      }
      pending.push_back(&migration);
    } else if (found->second.checksum != migration.checksum ||
               found->second.file_name != migration.file_name) {
      throw MigrationError("migration " + migration.Label() +
                           " was changed after it was applied (checksum differs); landed "
                           "migrations are never edited: add a new one");
    }
  }
  for (const auto& [key, record] : landed) {
    if (!seen.contains(key)) {
      throw MigrationError("migration " + key.first + "/" + record.file_name +
                           " was applied but its file is missing");
    }
  }

  MigrateReport report;
  report.already_applied = static_cast<int>(migrations.size() - pending.size());
  for (const Migration* migration : pending) {
    pqxx::work tx(connection);
    try {
      tx.exec(migration->sql);
    } catch (const pqxx::sql_error& e) {
      throw MigrationError("migration " + migration->Label() + " failed: " + e.what());
    }
    tx.exec_params(
        "INSERT INTO ketenregie_meta.schema_migrations (schema_name, version, file_name, checksum) "
        "VALUES ($1, $2, $3, $4)",
        migration->schema, migration->version, migration->file_name, migration->checksum);
    tx.commit();
    report.applied.push_back(migration->Label());
  }
  return report;
}

}  // namespace ketenregie::common
