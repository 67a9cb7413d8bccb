// `ketenregie`: the operator's command line (DESIGN.md §9).
//   ketenregie migrate --dsn DSN --dir migrations
//   ketenregie health  --env .local/stack.env [--org ORG]
//   ketenregie demo    --env .local/stack.env
//   ketenregie rotate-key --file .local/keys/trajectory.keys --id k2 [--blind]
//   ketenregie retire-key --file .local/keys/trajectory.keys --id k1
#include <CLI/CLI.hpp>
#include <iostream>
#include <pqxx/pqxx>

#include "services/cli/demo.h"
#include "services/common/client.h"
#include "services/common/crypto.h"
#include "services/common/migrator.h"

namespace {

using ketenregie::common::StackEnv;

constexpr auto kDeadline = std::chrono::seconds(5);

int RunMigrate(const std::string& dsn, const std::string& dir) {
  const auto migrations = ketenregie::common::LoadMigrations(dir);
  pqxx::connection connection(dsn);
  const auto report = ketenregie::common::Migrate(connection, migrations);
  for (const auto& label : report.applied) {
    std::cout << "applied " << label << '\n';
  }
  std::cout << report.applied.size() << " applied, " << report.already_applied
            << " already applied\n";
  return 0;
}

// Every service answers the standard health check over mTLS; returns the
// number that do not say SERVING.
int RunHealth(const StackEnv& env, const std::string& org, bool show_reflection) {
  int unhealthy = 0;
  for (const auto& service : ketenregie::common::KetenregieServices()) {
    const std::string& address = env.At(service.env_key);
    auto channel = ketenregie::common::OrganisationChannel(address, env.At("KETENREGIE_CERTS_DIR"),
                                                           org, env.At("KETENREGIE_CA"));
    const std::string health =
        ketenregie::common::CheckHealth(*channel, service.full_name, kDeadline);
    std::cout << "  " << service.full_name << " at " << address << ": " << health << '\n';
    if (health != "SERVING") {
      ++unhealthy;
      continue;
    }
    if (show_reflection) {
      for (const auto& name : ketenregie::common::ListServicesByReflection(*channel, kDeadline)) {
        std::cout << "      reflection lists " << name << '\n';
      }
    }
  }
  return unhealthy;
}

int RunDemo(const StackEnv& env) {
  std::cout << "Ketenregie local stack\n"
            << "  PostgreSQL: " << env.At("KETENREGIE_PG_DSN").substr(0, 30) << "...\n"
            << "Health and reflection, as the care-coordination organisation (mTLS):\n";
  const int unhealthy = RunHealth(env, "essm-rotterdam", /*show_reflection=*/true);
  std::cout << (unhealthy == 0
                    ? "All " + std::to_string(ketenregie::common::KetenregieServices().size()) +
                          " services are SERVING.\n"
                    : std::to_string(unhealthy) + " service(s) not serving.\n");
  if (unhealthy != 0) {
    return 1;
  }
  return ketenregie::cli::RunTrajectoryDemo(env);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Ketenregie operator tool");
  app.require_subcommand(1);

  std::string dsn;
  std::string dir = "migrations";
  auto* migrate = app.add_subcommand("migrate", "apply pending database migrations");
  migrate->add_option("--dsn", dsn, "superuser libpq connection string")
      ->envname("KETENREGIE_PG_DSN")
      ->required();
  migrate->add_option("--dir", dir, "migrations directory")->check(CLI::ExistingDirectory);

  std::string env_path = ".local/stack.env";
  std::string org = "essm-rotterdam";
  auto* health = app.add_subcommand("health", "health-check every service of a running stack");
  health->add_option("--env", env_path, "stack.env of the running stack");
  health->add_option("--org", org, "organisation whose certificate to present");

  auto* demo = app.add_subcommand("demo", "drive the demo through a running stack");
  demo->add_option("--env", env_path, "stack.env of the running stack");
  auto* demo_accounts = app.add_subcommand(
      "demo-accounts", "issue enrolment codes for the demo accounts of a running stack");
  demo_accounts->add_option("--env", env_path, "stack.env of the running stack");
  bool accounts_tsv = false;
  demo_accounts->add_flag("--tsv", accounts_tsv,
                          "print organisation, user and enrolment code per line, tab-separated "
                          "(for scripts)");

  auto* demo_shelters = app.add_subcommand(
      "demo-shelters", "register the demo shelters of a running stack, as their staff");
  demo_shelters->add_option("--env", env_path, "stack.env of the running stack");

  std::string key_file;
  std::string key_id;
  bool blind = false;
  auto* keys = app.add_subcommand("rotate-key",
                                  "add a new active key to a service's key file; the service "
                                  "reloads it and re-encrypts while it runs");
  keys->add_option("--file", key_file, "the service's key file")->required();
  keys->add_option("--id", key_id, "id of the new key (letters, digits, - and _)")->required();
  keys->add_flag("--blind", blind, "also rotate the blind-index key");
  bool add_only = false;
  keys->add_flag("--add-only", add_only,
                 "add the key without activating it (several replicas: add everywhere first)");
  std::string activate_id;
  std::string activate_blind_id;
  auto* activate = app.add_subcommand("activate-key", "make keys already in a key file active");
  activate->add_option("--file", key_file, "the service's key file")->required();
  activate->add_option("--id", activate_id, "encryption key id");
  activate->add_option("--blind-id", activate_blind_id, "blind-index key id");

  std::string retire_id;
  auto* retire = app.add_subcommand(
      "retire-key", "remove an old key from a key file once the service has moved every value");
  retire->add_option("--file", key_file, "the service's key file")->required();
  retire->add_option("--id", retire_id, "the old key's id (a blind-index key by its own id)")
      ->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*migrate) {
      return RunMigrate(dsn, dir);
    }
    if (*keys) {
      ketenregie::common::RotateKeyFile(key_file, blind, key_id, !add_only);
      std::cout << (add_only ? "added key " : "active key is now ") << key_id << '\n';
      return 0;
    }
    if (*retire) {
      ketenregie::common::RetireKey(key_file, retire_id);
      std::cout << "retired key " << retire_id << '\n';
      return 0;
    }
    if (*activate) {
      ketenregie::common::ActivateKey(key_file, activate_id, activate_blind_id);
      std::cout << "activated\n";
      return 0;
    }
    const StackEnv env = ketenregie::common::LoadStackEnv(env_path);
    if (*health) {
      return RunHealth(env, org, /*show_reflection=*/false) == 0 ? 0 : 1;
    }
    if (*demo_accounts) {
      return ketenregie::cli::RunDemoAccounts(env, accounts_tsv);
    }
    if (*demo_shelters) {
      return ketenregie::cli::RunDemoShelters(env);
    }
    return RunDemo(env);
  } catch (const std::exception& e) {
    std::cerr << "ketenregie: " << e.what() << '\n';
    return 1;
  }
}
