#include "tests/support/test_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>

namespace ketenregie::testing {
namespace {

std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    const std::string message = std::string(name) +
                                " is not set: database tests need the PostgreSQL cluster that "
                                "deploy/test starts (run ./deploy/test)";
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
  }
  return value;
}

}  // namespace

std::string TestCluster::Dsn(const std::string& dbname, const std::string& user) {
  return "host=127.0.0.1 port=" + RequiredEnv("KETENREGIE_TEST_PG_PORT") + " dbname=" + dbname +
         " user=" + user + " passfile=" + RequiredEnv("KETENREGIE_TEST_PG_PASSFILE") +
         " connect_timeout=5";
}

std::string TestCluster::TemplateName() { return RequiredEnv("KETENREGIE_TEST_PG_TEMPLATE"); }

TestDatabase::TestDatabase(From from) {
  static std::atomic<int> counter = 0;
  name_ = "kt_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  const std::string source = from == From::kEmpty ? "template0" : TestCluster::TemplateName();
  pqxx::connection admin(TestCluster::Dsn("postgres"));
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name_) + " TEMPLATE " + tx.quote_name(source));
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(TestCluster::Dsn("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop test database " << name_ << ": " << e.what();
  }
}

std::string TestDatabase::Dsn(const std::string& user) const {
  return TestCluster::Dsn(name_, user);
}

long long TestDatabase::Count(const std::string& sql) const {
  pqxx::connection connection(Dsn());
  pqxx::read_transaction tx(connection);
  return tx.exec1(sql)[0].as<long long>();
}

}  // namespace ketenregie::testing
