#include "services/common/db_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/test_database.h"

namespace ketenregie::common {
namespace {

using namespace std::chrono_literals;
using testing::TestDatabase;

class DbPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::connection connection(db_.Dsn());
    pqxx::work tx(connection);
    tx.exec("CREATE TABLE items (id int PRIMARY KEY)");
    tx.commit();
  }
  long long CountItems() {
    pqxx::connection connection(db_.Dsn());
    pqxx::read_transaction tx(connection);
    return tx.exec1("SELECT count(*) FROM items")[0].as<long long>();
  }
  TestDatabase db_{TestDatabase::From::kEmpty};
};

TEST_F(DbPoolTest, PreparesStatementsOncePerConnection) {
  std::atomic<int> prepared = 0;
  DbPool pool(db_.Dsn(), 2, [&](pqxx::connection& connection) {
    ++prepared;
    connection.prepare("insert_item", "INSERT INTO items (id) VALUES ($1)");
  });
  for (int i = 0; i < 20; ++i) {
    RunTransaction(pool, 1s, [&](pqxx::work& tx) { tx.exec_prepared("insert_item", i); });
  }
  EXPECT_EQ(CountItems(), 20);
  EXPECT_GE(prepared.load(), 1);
  EXPECT_LE(prepared.load(), 2);
}

TEST_F(DbPoolTest, WorkThatThrowsCommitsNothing) {
  DbPool pool(db_.Dsn(), 1);
  EXPECT_THROW(RunTransaction(pool, 1s,
                              [](pqxx::work& tx) {
                                tx.exec("INSERT INTO items VALUES (1)");
                                throw std::logic_error("rule says no");
                              }),
               std::logic_error);
  EXPECT_EQ(CountItems(), 0);
}

TEST_F(DbPoolTest, ReturnsTheWorksResult) {
  DbPool pool(db_.Dsn(), 1);
  const int answer = RunTransaction(
      pool, 1s, [](pqxx::work& tx) { return tx.exec1("SELECT 41 + 1")[0].as<int>(); });
  EXPECT_EQ(answer, 42);
}

TEST_F(DbPoolTest, ExhaustedPool_IsUnavailableAfterTheTimeout) {
  DbPool pool(db_.Dsn(), 1);
  DbPool::Lease held = pool.Acquire(1s);
  try {
    pool.Acquire(50ms);
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), StorageError::Kind::kUnavailable);
  }
}

TEST_F(DbPoolTest, UnreachableDatabase_IsUnavailableAndPingIsFalse) {
  // A port nothing listens on: connection refused at once.
  DbPool pool("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2", 1);
  EXPECT_FALSE(pool.Ping(1s));
  try {
    RunTransaction(pool, 1s, [](pqxx::work& tx) { tx.exec("SELECT 1"); });
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), StorageError::Kind::kUnavailable);
  }
}

TEST_F(DbPoolTest, KilledConnection_IsReplacedOnTheNextLease) {
  DbPool pool(db_.Dsn(), 1);
  const int first_pid = RunTransaction(
      pool, 1s, [](pqxx::work& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  {
    pqxx::connection admin(db_.Dsn());
    pqxx::nontransaction tx(admin);
    tx.exec_params("SELECT pg_terminate_backend($1)", first_pid);
  }
  // The first use after the kill finds the connection broken before
  // anything committed, and runs again on a fresh connection.
  EXPECT_NO_THROW(RunTransaction(pool, 1s, [](pqxx::work& tx) { tx.exec("SELECT 1"); }));
  const int second_pid = RunTransaction(
      pool, 1s, [](pqxx::work& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  EXPECT_NE(first_pid, second_pid);
  EXPECT_TRUE(pool.Ping(1s));
}

// Right after PostgreSQL came back, health said SERVING while 9 of 48
// concurrent calls failed on pooled connections the server had closed. A
// connection found broken before COMMIT retries on a fresh one, and the
// idle ones go with it: every call succeeds, each write once.
TEST_F(DbPoolTest, EveryPooledConnectionClosedByTheServer_NoCallFails) {
  DbPool pool(db_.Dsn(), 8);
  std::vector<std::future<int>> warm;
  std::atomic<int> waiting = 0;
  for (int i = 0; i < 8; ++i) {  // eight connections open at once
    warm.push_back(std::async(std::launch::async, [&] {
      return RunTransaction(pool, 5s, [&](pqxx::work& tx) {
        ++waiting;
        while (waiting < 8) {
          std::this_thread::sleep_for(1ms);
        }
        return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
      });
    }));
  }
  for (auto& f : warm) {
    f.get();
  }
  {
    pqxx::connection admin(db_.Dsn());
    pqxx::nontransaction tx(admin);
    const int killed = tx.exec_params1(
                             "SELECT count(pg_terminate_backend(pid)) FROM "
                             "pg_stat_activity WHERE datname = $1 AND pid <> "
                             "pg_backend_pid()",
                             db_.name())[0]
                           .as<int>();
    ASSERT_EQ(killed, 8);
  }
  std::atomic<int> failed = 0;
  std::vector<std::future<void>> calls;
  for (int i = 0; i < 48; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      try {
        RunTransaction(pool, 5s,
                       [&](pqxx::work& tx) { tx.exec_params("INSERT INTO items VALUES ($1)", i); });
      } catch (const std::exception&) {
        ++failed;
      }
    }));
  }
  for (auto& c : calls) {
    c.get();
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(CountItems(), 48);
}

TEST_F(DbPoolTest, ConcurrentWorkersShareAFixedPool) {
  DbPool pool(db_.Dsn(), 3);
  std::vector<std::future<void>> workers;
  for (int w = 0; w < 8; ++w) {
    workers.push_back(std::async(std::launch::async, [&, w] {
      for (int i = 0; i < 25; ++i) {
        RunTransaction(pool, 5s, [&](pqxx::work& tx) {
          tx.exec_params("INSERT INTO items VALUES ($1)", w * 1000 + i);
        });
      }
    }));
  }
  for (auto& worker : workers) {
    worker.get();
  }
  EXPECT_EQ(CountItems(), 200);
  pqxx::connection admin(db_.Dsn());
  pqxx::read_transaction tx(admin);
  EXPECT_LE(tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()")[0]
                .as<int>(),
            3);
}

}  // namespace
}  // namespace ketenregie::common
