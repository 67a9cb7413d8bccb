#pragma once

#include <string>

namespace ketenregie::testing {

/// The cluster that deploy/test starts, from the environment it exports.
/// Every accessor fails the current test (and throws) when the variables are
/// missing: a database test never passes or skips without a database.
struct TestCluster {
  /// host=... port=... passfile=... for `user` on database `dbname`.
  static std::string Dsn(const std::string& dbname, const std::string& user = "postgres");
  /// The migrated template every test database is cloned from.
  static std::string TemplateName();
};

/// A fresh database for one test suite, cloned from the migrated template
/// (or empty, from template0), dropped when it goes out of scope.
class TestDatabase final {
 public:
  enum class From { kMigratedTemplate, kEmpty };
  explicit TestDatabase(From from = From::kMigratedTemplate);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  /// DSN to this database as `user` (superuser by default).
  std::string Dsn(const std::string& user = "postgres") const;
  /// The one number `sql` selects (a count, a sum), read as superuser.
  long long Count(const std::string& sql) const;

 private:
  std::string name_;
};

}  // namespace ketenregie::testing
