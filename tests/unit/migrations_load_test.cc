#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "services/common/migrator.h"
#include "services/common/service_list.h"

namespace ketenregie::common {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    path_ = fs::temp_directory_path() /
            ("ketenregie-migrations-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(LoadMigrations, OrdersByVersionThenSchema) {
  ScratchDir dir;
  dir.Write("b/V001__one.sql", "SELECT 1;");
  dir.Write("a/V002__two.sql", "SELECT 2;");
  dir.Write("a/V001__one.sql", "SELECT 1;");
  const auto migrations = LoadMigrations(dir.path());
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(migrations[0].Label(), "a/V001__one.sql");
  EXPECT_EQ(migrations[1].Label(), "b/V001__one.sql");
  EXPECT_EQ(migrations[2].Label(), "a/V002__two.sql");
}

TEST(LoadMigrations, ChecksumIsSha256OfTheBytes) {
  ScratchDir dir;
  dir.Write("a/V001__one.sql", "abc");
  const auto migrations = LoadMigrations(dir.path());
  ASSERT_EQ(migrations.size(), 1u);
  // SHA-256("abc"), FIPS 180-2 test vector.
  EXPECT_EQ(migrations[0].checksum,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LoadMigrations, RefusesBadFileNamesNamingTheFile) {
  ScratchDir dir;
  dir.Write("a/V1__short_version.sql", "SELECT 1;");
  try {
    LoadMigrations(dir.path());
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("a/V1__short_version.sql"), std::string::npos) << e.what();
  }
}

TEST(LoadMigrations, RefusesAVersionGivenTwice) {
  ScratchDir dir;
  dir.Write("a/V001__one.sql", "SELECT 1;");
  dir.Write("a/V001__other.sql", "SELECT 1;");
  EXPECT_THROW(LoadMigrations(dir.path()), MigrationError);
}

TEST(LoadMigrations, RefusesAMissingDirectory) {
  EXPECT_THROW(LoadMigrations("/nonexistent/ketenregie/migrations"), MigrationError);
}

// The project's own migrations: one schema per service, each creating the
// role of the same name in its first file.
TEST(ProjectMigrations, OneSchemaPerServiceEachCreatingItsRole) {
  const auto migrations = LoadMigrations(fs::path(KETENREGIE_SOURCE_DIR) / "migrations");
  std::set<std::string> schemas;
  for (const auto& migration : migrations) {
    schemas.insert(migration.schema);
    if (migration.version == 1) {
      EXPECT_NE(migration.sql.find("CREATE ROLE ketenregie_" + migration.schema + " "),
                std::string::npos)
          << migration.Label();
    }
  }
  // One schema, with its role, per service of services/services.list.
  std::set<std::string> services;
  for (const auto& service : common::kServices) {
    services.emplace(service.name);
  }
  EXPECT_EQ(schemas, services);
}

}  // namespace
}  // namespace ketenregie::common
