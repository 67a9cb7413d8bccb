// The migrator against a real PostgreSQL: concurrent runs, changed and
// missing landed files, failures that leave nothing behind.
#include "services/common/migrator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/test_database.h"

namespace ketenregie::common {
namespace {

namespace fs = std::filesystem;
using testing::TestDatabase;

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ketenregie-migrator-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Write("alpha/V001__create.sql", "CREATE SCHEMA alpha; CREATE TABLE alpha.t (x int);");
    Write("beta/V001__create.sql", "CREATE SCHEMA beta; CREATE TABLE beta.t (x int);");
    Write("alpha/V002__insert.sql", "INSERT INTO alpha.t VALUES (1);");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << text;
  }

  static long long Count(pqxx::connection& connection, const std::string& sql) {
    pqxx::read_transaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }

  TestDatabase db_{TestDatabase::From::kEmpty};
  fs::path dir_;
};

TEST_F(MigratorTest, AppliesInOrderAndRecordsChecksums) {
  pqxx::connection connection(db_.Dsn());
  const auto report = Migrate(connection, LoadMigrations(dir_));
  EXPECT_EQ(report.applied,
            (std::vector<std::string>{"alpha/V001__create.sql", "beta/V001__create.sql",
                                      "alpha/V002__insert.sql"}));
  EXPECT_EQ(Count(connection, "SELECT count(*) FROM alpha.t"), 1);
  EXPECT_EQ(
      Count(connection,
            "SELECT count(*) FROM ketenregie_meta.schema_migrations WHERE length(checksum) = 64"),
      3);
}

TEST_F(MigratorTest, SecondRunFindsNothingToDo) {
  pqxx::connection connection(db_.Dsn());
  Migrate(connection, LoadMigrations(dir_));
  const auto again = Migrate(connection, LoadMigrations(dir_));
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.already_applied, 3);
  EXPECT_EQ(Count(connection, "SELECT count(*) FROM alpha.t"), 1);
}

// Two runs at once: the advisory lock makes one wait; it then finds nothing
// to do. The test holds the lock itself until both runs are queued on it, so
// the overlap is certain rather than hoped for.
TEST_F(MigratorTest, ConcurrentRuns_OneAppliesTheOtherWaitsAndFindsNothing) {
  pqxx::connection holder(db_.Dsn());
  {
    pqxx::nontransaction tx(holder);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  const auto migrations = LoadMigrations(dir_);
  auto run = [&] {
    pqxx::connection connection(db_.Dsn());
    return Migrate(connection, migrations);
  };
  auto first = std::async(std::launch::async, run);
  auto second = std::async(std::launch::async, run);

  pqxx::connection observer(db_.Dsn());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  long long waiting = 0;
  while (waiting < 2 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    waiting =
        Count(observer,
              "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
              "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  }
  ASSERT_EQ(waiting, 2) << "both runs should be waiting on the migration lock";
  {
    pqxx::nontransaction tx(holder);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  }

  const MigrateReport a = first.get();
  const MigrateReport b = second.get();
  EXPECT_EQ(a.applied.size() + b.applied.size(), 3u);
  EXPECT_TRUE(a.applied.empty() || b.applied.empty()) << "exactly one run applies";
  EXPECT_EQ(a.already_applied + b.already_applied, 3);
  EXPECT_EQ(Count(observer, "SELECT count(*) FROM alpha.t"), 1);
}

TEST_F(MigratorTest, ChangedLandedMigration_IsRefusedNamingTheFileAndNothingApplied) {
  pqxx::connection connection(db_.Dsn());
  Migrate(connection, LoadMigrations(dir_));
  Write("beta/V001__create.sql", "CREATE SCHEMA beta; CREATE TABLE beta.t (x bigint);");
  Write("beta/V002__pending.sql", "CREATE TABLE beta.pending (x int);");
  try {
    Migrate(connection, LoadMigrations(dir_));
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("beta/V001__create.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Count(connection, "SELECT count(*) FROM pg_tables WHERE tablename = 'pending'"), 0);
}

TEST_F(MigratorTest, LandedMigrationWhoseFileIsGone_IsRefused) {
  pqxx::connection connection(db_.Dsn());
  Migrate(connection, LoadMigrations(dir_));
  fs::remove(dir_ / "alpha/V002__insert.sql");
  try {
    Migrate(connection, LoadMigrations(dir_));
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("alpha/V002__insert.sql"), std::string::npos) << e.what();
  }
}

TEST_F(MigratorTest, NewFileOlderThanALandedOne_IsRefused) {
  fs::remove(dir_ / "alpha/V001__create.sql");
  Write("alpha/V003__create.sql", "CREATE SCHEMA alpha; CREATE TABLE alpha.t (x int);");
  fs::remove(dir_ / "alpha/V002__insert.sql");
  pqxx::connection connection(db_.Dsn());
  Migrate(connection, LoadMigrations(dir_));
  Write("alpha/V002__late.sql", "SELECT 1;");
  EXPECT_THROW(Migrate(connection, LoadMigrations(dir_)), MigrationError);
}

TEST_F(MigratorTest, FailingMigration_LeavesNoTraceAndNamesTheFile) {
  Write("beta/V002__broken.sql", "CREATE TABLE beta.half (x int); SELECT no_such_function();");
  pqxx::connection connection(db_.Dsn());
  try {
    Migrate(connection, LoadMigrations(dir_));
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("beta/V002__broken.sql"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Count(connection, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'"), 0);
  EXPECT_EQ(Count(connection,
                  "SELECT count(*) FROM ketenregie_meta.schema_migrations WHERE version = 2 "
                  "AND schema_name = 'beta'"),
            0);
  // The lock was released on the way out: a corrected set applies.
  fs::remove(dir_ / "beta/V002__broken.sql");
  EXPECT_EQ(Migrate(connection, LoadMigrations(dir_)).already_applied, 3);
}

TEST(ProjectMigrationsDb, ApplyToAnEmptyDatabaseThenNothingToDo) {
  TestDatabase db(TestDatabase::From::kEmpty);
  pqxx::connection connection(db.Dsn());
  const auto migrations = LoadMigrations(fs::path(KETENREGIE_SOURCE_DIR) / "migrations");
  const auto first = Migrate(connection, migrations);
  EXPECT_EQ(first.applied.size(), migrations.size());
  const auto second = Migrate(connection, migrations);
  EXPECT_TRUE(second.applied.empty());
}

}  // namespace
}  // namespace ketenregie::common
