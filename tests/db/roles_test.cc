// Least privilege in PostgreSQL (DESIGN.md §6): each service logs in as its
// own role and reaches its own schema only.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/common/service_list.h"
#include "tests/support/test_database.h"

namespace {

using ketenregie::testing::TestDatabase;

// Every service of services/services.list, and those with a request log
// (all but the audit service).
const std::vector<std::string> kServices = [] {
  std::vector<std::string> out;
  for (const auto& service : ketenregie::common::kServices) {
    out.emplace_back(service.name);
  }
  return out;
}();
const std::vector<std::string> kSchemasWithRequestLog = [] {
  std::vector<std::string> out;
  for (const auto& service : ketenregie::common::kServices) {
    if (service.kind != ketenregie::common::ServiceKind::kAudit) {
      out.emplace_back(service.name);
    }
  }
  return out;
}();

class ServiceRolesTest : public ::testing::Test {
 protected:
  static pqxx::connection LoginAs(const TestDatabase& db, const std::string& service) {
    return pqxx::connection(db.Dsn("ketenregie_" + service));
  }
  TestDatabase db_;
};

TEST_F(ServiceRolesTest, EachServiceRole_CannotReadAnotherServicesSchema) {
  for (const auto& service : kServices) {
    pqxx::connection connection = LoginAs(db_, service);
    for (const auto& schema : kSchemasWithRequestLog) {
      if (schema == service) {
        continue;
      }
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("SELECT count(*) FROM " + schema + ".request_log"),
                   pqxx::insufficient_privilege)
          << service << " read " << schema;
    }
  }
}

TEST_F(ServiceRolesTest, EachServiceRole_ReadsAndWritesItsOwnSchema) {
  for (const auto& service : kSchemasWithRequestLog) {
    pqxx::connection connection = LoginAs(db_, service);
    pqxx::work tx(connection);
    tx.exec_params("INSERT INTO " + service +
                       ".request_log (organisation_id, request_id, method, request_digest, "
                       "response) VALUES ($1, $2, $3, $4, $5)",
                   "essm-rotterdam", "r-1", "Test", pqxx::binarystring("d", 1),
                   pqxx::binarystring("r", 1));
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM " + service + ".request_log")[0].as<int>(), 1)
        << service;
  }
}

TEST_F(ServiceRolesTest, ServiceRoles_CannotChangeTheirOwnStructureNorReadMigrations) {
  for (const auto& service : kServices) {
    pqxx::connection connection = LoginAs(db_, service);
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("CREATE TABLE " + service + ".sneaky (x int)"),
                   pqxx::insufficient_privilege)
          << service;
    }
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("SELECT * FROM ketenregie_meta.schema_migrations"),
                   pqxx::insufficient_privilege)
          << service;
    }
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("CREATE TABLE public.sneaky (x int)"), pqxx::insufficient_privilege)
          << service;
    }
  }
}

TEST_F(ServiceRolesTest, NoServiceRoleHasUsageOnAnotherSchemaButTheAuditTrail) {
  pqxx::connection connection(db_.Dsn());
  pqxx::read_transaction tx(connection);
  for (const auto& service : kServices) {
    for (const auto& schema : kServices) {
      const bool usage = tx.exec_params1("SELECT has_schema_privilege($1, $2, 'USAGE')",
                                         "ketenregie_" + service, schema)[0]
                             .as<bool>();
      // Every service appends to the audit trail in its own transactions.
      EXPECT_EQ(usage, service == schema || schema == "audit") << service << " on " << schema;
    }
  }
}

TEST_F(ServiceRolesTest, AuditRecordsAreAppendOnlyForEveryServiceRole) {
  for (const auto& service : kServices) {
    pqxx::connection connection = LoginAs(db_, service);
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("UPDATE audit.records SET actor = 'x'"), pqxx::insufficient_privilege)
          << service;
    }
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("DELETE FROM audit.records"), pqxx::insufficient_privilege) << service;
    }
    {
      pqxx::work tx(connection);
      EXPECT_THROW(tx.exec("TRUNCATE audit.records"), pqxx::insufficient_privilege) << service;
    }
  }
}

}  // namespace
