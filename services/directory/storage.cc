#include "services/directory/storage.h"

#include <sstream>

#include "services/common/audit.h"
#include "services/common/mutation.h"

namespace ketenregie::directory {
namespace {

using common::EpochOf;
using common::InstantOf;
using common::Sql;

// Roles are stored by name, as the seed files and the API's workflow names
// them: "coordinator,organisation_administrator".
std::string RoleNames(const std::set<workflow::Role>& roles) {
  std::string out;
  for (const auto role : roles) {
    out += (out.empty() ? "" : ",") + std::string(workflow::ToString(role));
  }
  return out;
}

std::set<workflow::Role> RolesOf(const pqxx::field& field) {
  std::set<workflow::Role> out;
  std::stringstream list(field.as<std::string>());
  for (std::string name; std::getline(list, name, ',');) {
    const auto role = workflow::RoleFromString(name);
    if (!role) {
      throw common::StorageError(common::StorageError::Kind::kUnavailable,
                                 "unknown stored role in directory.users.roles");
    }
    out.insert(*role);
  }
  return out;
}

// Every column a reader takes is named (AS), and read by that name.
// Recovery code hashes are joined by spaces: an argon2id string has commas
// but never a space.
constexpr const char* kUserColumns =
    "organisation_id, user_id, array_to_string(roles, ',') AS roles, state, version, "
    "extract(epoch from created_at)::bigint AS created_at, "
    "extract(epoch from updated_at)::bigint AS updated_at, "
    "extract(epoch from deactivated_at)::bigint AS deactivated_at, "
    "coalesce(password_hash, '') AS password_hash, totp_secret, pending_totp_secret, "
    "totp_last_step, array_to_string(recovery_codes, ' ') AS recovery_codes, "
    "coalesce(enrolment_code_hash, '') AS enrolment_code_hash, "
    "extract(epoch from enrolment_issued_at)::bigint AS enrolment_issued_at, failed_logins, "
    "extract(epoch from last_failed_login_at)::bigint AS last_failed_login_at, "
    "extract(epoch from last_login_at)::bigint AS last_login_at";

// The login columns a statement sets from $3 on, in this order.
constexpr const char* kLoginAssignments =
    "password_hash = NULLIF($3, ''), totp_secret = NULLIF($4, ''::bytea), "
    "pending_totp_secret = NULLIF($5, ''::bytea), totp_last_step = $6::bigint, "
    "recovery_codes = string_to_array($7, ' '), enrolment_code_hash = NULLIF($8, ''), "
    "enrolment_issued_at = to_timestamp($9), failed_logins = $10, "
    "last_failed_login_at = to_timestamp($11), last_login_at = to_timestamp($12)";

std::string BytesOf(const pqxx::field& field) {
  return field.is_null() ? std::string() : pqxx::binarystring(field).str();
}

LoginRow LoginOf(const pqxx::row& r) {
  LoginRow login;
  login.password_hash = r["password_hash"].as<std::string>();
  login.totp_secret = BytesOf(r["totp_secret"]);
  login.pending_totp_secret = BytesOf(r["pending_totp_secret"]);
  if (!r["totp_last_step"].is_null()) {
    login.totp_last_step = r["totp_last_step"].as<std::int64_t>();
  }
  std::stringstream codes(r["recovery_codes"].as<std::string>());
  for (std::string code; codes >> code;) {
    login.recovery_codes.push_back(code);
  }
  login.enrolment_code_hash = r["enrolment_code_hash"].as<std::string>();
  login.enrolment_issued_at = common::OptionalInstantOf(r["enrolment_issued_at"]);
  login.failed_logins = r["failed_logins"].as<int>();
  login.last_failed_login_at = common::OptionalInstantOf(r["last_failed_login_at"]);
  login.last_login_at = common::OptionalInstantOf(r["last_login_at"]);
  return login;
}

// Runs `statement` with the user's key as $1, $2, the login from $3 to $12,
// then `more`.
template <typename... More>
pqxx::result ExecWithLogin(pqxx::work& tx, const char* statement, const UserRow& row,
                           const More&... more) {
  const LoginRow& l = row.login;
  std::string codes;
  for (const auto& code : l.recovery_codes) {
    codes += (codes.empty() ? "" : " ") + code;
  }
  const common::Nullable step{l.totp_last_step ? std::optional(std::to_string(*l.totp_last_step))
                                               : std::nullopt};
  const common::Nullable issued = common::NullableEpoch(l.enrolment_issued_at);
  const common::Nullable failed_at = common::NullableEpoch(l.last_failed_login_at);
  const common::Nullable login_at = common::NullableEpoch(l.last_login_at);
  return tx.exec_prepared(statement, row.organisation_id, row.user_id, l.password_hash,
                          pqxx::binarystring(l.totp_secret),
                          pqxx::binarystring(l.pending_totp_secret), step.get(), codes,
                          l.enrolment_code_hash, issued.get(), l.failed_logins, failed_at.get(),
                          login_at.get(), more...);
}

UserRow UserOf(const pqxx::row& r) {
  UserRow row;
  row.organisation_id = r["organisation_id"].as<std::string>();
  row.user_id = r["user_id"].as<std::string>();
  row.roles = RolesOf(r["roles"]);
  row.state = kAccountStates.From(r["state"].as<int>());
  row.version = r["version"].as<long long>();
  row.created_at = InstantOf(r["created_at"]);
  row.updated_at = InstantOf(r["updated_at"]);
  row.deactivated_at = common::OptionalInstantOf(r["deactivated_at"]);
  row.login = LoginOf(r);
  return row;
}

common::Directory::Organisation OrganisationOf(const pqxx::row& r) {
  const auto type = workflow::OrganisationTypeFromString(r["type"].as<std::string>());
  if (!type) {
    throw common::StorageError(common::StorageError::Kind::kUnavailable,
                               "unknown stored type in directory.organisations.type");
  }
  return {r["id"].as<std::string>(), *type, r["display_name"].as<std::string>()};
}

std::string ActiveCodes() {
  return kAccountStates.CodesWhere(
      [](workflow::AccountState s) { return s == workflow::AccountState::kActive; });
}

}  // namespace

void Prepare(pqxx::connection& c) {
  common::PrepareRequestLog(c, "directory");
  common::PrepareAudit(c);
  c.prepare("organisation_load",
            "SELECT id, type, display_name FROM directory.organisations WHERE id = $1");
  c.prepare("organisations_all",
            "SELECT id, type, display_name FROM directory.organisations ORDER BY id");
  c.prepare("user_load", Sql("SELECT ", kUserColumns,
                             " FROM directory.users WHERE organisation_id = $1 AND user_id = $2"));
  c.prepare("user_load_for_update",
            Sql("SELECT ", kUserColumns,
                " FROM directory.users WHERE organisation_id = $1 AND user_id = $2 FOR UPDATE"));
  c.prepare("user_insert",
            "INSERT INTO directory.users (organisation_id, user_id, roles, state, version, "
            "created_at, updated_at) VALUES ($1, $2, string_to_array($3, ','), $4, 1, "
            "to_timestamp($5), to_timestamp($5)) ON CONFLICT DO NOTHING");
  c.prepare("user_update",
            Sql("UPDATE directory.users SET ", kLoginAssignments,
                ", roles = string_to_array($13, ','), state = $14::smallint, "
                "version = version + 1, updated_at = to_timestamp($15), "
                "deactivated_at = to_timestamp($16) WHERE organisation_id = $1 AND user_id = $2 "
                "RETURNING version"));
  c.prepare("login_store", Sql("UPDATE directory.users SET ", kLoginAssignments,
                               " WHERE organisation_id = $1 AND user_id = $2"));
  c.prepare("address_failures",
            "SELECT failures, extract(epoch from last_failed_at)::bigint AS last_failed_at "
            "FROM directory.login_addresses WHERE address_key = $1 "
            "AND window_started_at > to_timestamp($2)");
  // A window that has passed starts again at this failure.
  c.prepare("address_failure_add",
            "INSERT INTO directory.login_addresses AS a (address_key, failures, "
            "window_started_at, last_failed_at) VALUES ($1, 1, to_timestamp($2), to_timestamp($2)) "
            "ON CONFLICT (address_key) DO UPDATE SET "
            "failures = CASE WHEN a.window_started_at > to_timestamp($3) THEN a.failures + 1 "
            "ELSE 1 END, "
            "window_started_at = CASE WHEN a.window_started_at > to_timestamp($3) "
            "THEN a.window_started_at ELSE to_timestamp($2) END, "
            "last_failed_at = to_timestamp($2)");
  c.prepare("session_open",
            "INSERT INTO directory.sessions (session_hash, organisation_id, user_id, "
            "logged_in_at, last_request_at) VALUES ($1, $2, $3, to_timestamp($4), "
            "to_timestamp($4))");
  c.prepare("sessions_long_ended",
            "DELETE FROM directory.sessions WHERE logged_in_at < to_timestamp($1)");
  c.prepare("session_load",
            "SELECT organisation_id, user_id, "
            "extract(epoch from logged_in_at)::bigint AS logged_in_at, "
            "extract(epoch from last_request_at)::bigint AS last_request_at, "
            "extract(epoch from ended_at)::bigint AS ended_at "
            "FROM directory.sessions WHERE session_hash = $1 FOR UPDATE");
  c.prepare("session_touch",
            "UPDATE directory.sessions SET last_request_at = to_timestamp($2) "
            "WHERE session_hash = $1");
  c.prepare("session_end",
            "UPDATE directory.sessions SET ended_at = to_timestamp($2) "
            "WHERE session_hash = $1 AND ended_at IS NULL");
  c.prepare("sessions_of_user_end",
            "UPDATE directory.sessions SET ended_at = to_timestamp($3) "
            "WHERE organisation_id = $1 AND user_id = $2 AND ended_at IS NULL");
  c.prepare("login_key_lock", "SELECT pg_advisory_xact_lock($1::integer, $2::integer)");
  c.prepare("claim_failures",
            "SELECT failures, extract(epoch from last_failed_at)::bigint AS last_failed_at "
            "FROM directory.login_claims WHERE claim_key = $1");
  c.prepare("claims_forgotten",
            "DELETE FROM directory.login_claims WHERE last_failed_at <= to_timestamp($1)");
  c.prepare("claim_failure_add",
            "INSERT INTO directory.login_claims AS c (claim_key, failures, last_failed_at) "
            "VALUES ($1, 1, to_timestamp($2)) ON CONFLICT (claim_key) DO UPDATE SET "
            "failures = c.failures + 1, last_failed_at = to_timestamp($2)");
  common::PrepareReencryption(c, SealedColumns());
  c.prepare("address_windows_passed",
            "DELETE FROM directory.login_addresses WHERE window_started_at <= to_timestamp($1)");
  c.prepare("users_of", Sql("SELECT ", kUserColumns,
                            " FROM directory.users WHERE organisation_id = $1 AND user_id > $2 "
                            "ORDER BY user_id LIMIT $3"));
  c.prepare("organisation_lock", "SELECT 1 FROM directory.organisations WHERE id = $1 FOR UPDATE");
  // Counts only: which states are active and which role administers come
  // from workflow/ as parameters.
  c.prepare("administrators_count",
            "SELECT count(*) FROM directory.users WHERE organisation_id = $1 "
            "AND state = ANY($2::smallint[]) AND $3 = ANY(roles)");
  c.prepare("users_active",
            "SELECT organisation_id, user_id, array_to_string(roles, ',') AS roles "
            "FROM directory.users WHERE state = ANY($1::smallint[])");
  c.prepare("revision_next",
            "UPDATE directory.revision SET revision = revision + 1 WHERE id = 1 "
            "RETURNING revision");
  c.prepare("revision_read", "SELECT revision FROM directory.revision WHERE id = 1");
  c.prepare("organisation_seed",
            "INSERT INTO directory.organisations (id, type, display_name, created_at) "
            "VALUES ($1, $2, $3, to_timestamp($4)) ON CONFLICT DO NOTHING");
}

std::optional<common::Directory::Organisation> LoadOrganisation(pqxx::work& tx,
                                                                const std::string& id) {
  const pqxx::result r = tx.exec_prepared("organisation_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return OrganisationOf(r[0]);
}

std::optional<UserRow> LoadUser(pqxx::work& tx, const std::string& organisation_id,
                                const std::string& user_id, bool for_update) {
  const pqxx::result r =
      tx.exec_prepared(for_update ? "user_load_for_update" : "user_load", organisation_id, user_id);
  if (r.empty()) {
    return std::nullopt;
  }
  return UserOf(r[0]);
}

bool InsertUser(pqxx::work& tx, const UserRow& row) {
  return tx.exec_prepared("user_insert", row.organisation_id, row.user_id, RoleNames(row.roles),
                          kAccountStates.Of(row.state), EpochOf(row.created_at))
             .affected_rows() == 1;
}

std::string TotpSecretContext(const std::string& organisation_id, const std::string& user_id) {
  return "directory.users.totp_secret:" + organisation_id + "/" + user_id;
}

void UpdateUser(pqxx::work& tx, UserRow& row) {
  const common::Nullable deactivated = common::NullableEpoch(row.deactivated_at);
  row.version =
      ExecWithLogin(tx, "user_update", row, RoleNames(row.roles), kAccountStates.Of(row.state),
                    EpochOf(row.updated_at), deactivated.get())
          .at(0)[0]
          .as<long long>();
}

void StoreLogin(pqxx::work& tx, const UserRow& row) { ExecWithLogin(tx, "login_store", row); }

void OpenSession(pqxx::work& tx, const std::string& session_hash, const UserRow& user,
                 workflow::Instant now) {
  tx.exec_prepared("sessions_long_ended",
                   EpochOf(now - workflow::kSessionAbsolute - std::chrono::hours(24)));
  tx.exec_prepared("session_open", session_hash, user.organisation_id, user.user_id, EpochOf(now));
}

std::optional<SessionRow> LoadSession(pqxx::work& tx, const std::string& session_hash) {
  const pqxx::result r = tx.exec_prepared("session_load", session_hash);
  if (r.empty()) {
    return std::nullopt;
  }
  return SessionRow{session_hash,
                    r[0]["organisation_id"].as<std::string>(),
                    r[0]["user_id"].as<std::string>(),
                    {InstantOf(r[0]["logged_in_at"]), InstantOf(r[0]["last_request_at"]),
                     common::OptionalInstantOf(r[0]["ended_at"])}};
}

void TouchSession(pqxx::work& tx, const std::string& session_hash, workflow::Instant now) {
  tx.exec_prepared("session_touch", session_hash, EpochOf(now));
}

bool EndSession(pqxx::work& tx, const std::string& session_hash, workflow::Instant now) {
  return tx.exec_prepared("session_end", session_hash, EpochOf(now)).affected_rows() == 1;
}

void EndSessionsOf(pqxx::work& tx, const std::string& organisation_id, const std::string& user_id,
                   workflow::Instant now) {
  tx.exec_prepared("sessions_of_user_end", organisation_id, user_id, EpochOf(now));
}

void LockLoginKey(pqxx::work& tx, LoginKey kind, const std::string& key) {
  // The first four bytes of the keyed hash name the lock within its kind:
  // two keys that share them only wait for each other.
  std::uint32_t object = 0;
  for (std::size_t i = 0; i < 4 && i < key.size(); ++i) {
    object = (object << 8) | static_cast<unsigned char>(key[i]);
  }
  constexpr int kLoginLocks = 0x4b520000;  // "KR": the directory's login counts
  tx.exec_prepared("login_key_lock", kLoginLocks + static_cast<int>(kind),
                   static_cast<std::int32_t>(object));
}

workflow::FailedLogins ClaimFailures(pqxx::work& tx, const std::string& claim_key) {
  const pqxx::result r = tx.exec_prepared("claim_failures", pqxx::binarystring(claim_key));
  if (r.empty()) {
    return {};
  }
  return {r[0]["failures"].as<int>(), InstantOf(r[0]["last_failed_at"])};
}

void AddClaimFailure(pqxx::work& tx, const std::string& claim_key, workflow::Instant now) {
  tx.exec_prepared("claims_forgotten", EpochOf(now - std::chrono::hours(24)));
  tx.exec_prepared("claim_failure_add", pqxx::binarystring(claim_key), EpochOf(now));
}

const std::vector<common::SealedColumn>& SealedColumns() {
  static const std::vector<common::SealedColumn> columns = {
      {"directory.users",
       "totp_secret",
       {"organisation_id", "user_id"},
       [](const std::vector<std::string>& k) { return TotpSecretContext(k[0], k[1]); }},
      {"directory.users",
       "pending_totp_secret",
       {"organisation_id", "user_id"},
       [](const std::vector<std::string>& k) { return TotpSecretContext(k[0], k[1]); }},
      common::RequestLogColumn("directory"),
  };
  return columns;
}

workflow::FailedLogins AddressFailures(pqxx::work& tx, const std::string& address_key,
                                       workflow::Instant now) {
  const auto window_start = now - workflow::kAddressWindow;
  const pqxx::result r =
      tx.exec_prepared("address_failures", pqxx::binarystring(address_key), EpochOf(window_start));
  if (r.empty()) {
    return {};
  }
  return {r[0]["failures"].as<int>(), InstantOf(r[0]["last_failed_at"])};
}

void AddAddressFailure(pqxx::work& tx, const std::string& address_key, workflow::Instant now) {
  const long long window_start = EpochOf(now - workflow::kAddressWindow);
  tx.exec_prepared("address_windows_passed", window_start);
  tx.exec_prepared("address_failure_add", pqxx::binarystring(address_key), EpochOf(now),
                   window_start);
}

std::vector<UserRow> UsersOf(pqxx::work& tx, const std::string& organisation_id,
                             const std::string& after_user_id, int limit) {
  std::vector<UserRow> out;
  for (const auto& r : tx.exec_prepared("users_of", organisation_id, after_user_id, limit)) {
    out.push_back(UserOf(r));
  }
  return out;
}

bool LockOrganisation(pqxx::work& tx, const std::string& organisation_id) {
  return !tx.exec_prepared("organisation_lock", organisation_id).empty();
}

int ActiveAdministrators(pqxx::work& tx, const std::string& organisation_id) {
  return tx
      .exec_prepared1(
          "administrators_count", organisation_id, ActiveCodes(),
          std::string(workflow::ToString(workflow::Role::kOrganisationAdministrator)))[0]
      .as<int>();
}

long long NextRevision(pqxx::work& tx) {
  return tx.exec_prepared1("revision_next")[0].as<long long>();
}

long long ReadRevision(pqxx::transaction_base& tx) {
  return tx.exec_prepared1("revision_read")[0].as<long long>();
}

common::Directory::Entries ReadEntries(pqxx::transaction_base& tx, long long revision) {
  common::Directory::Entries entries;
  entries.revision = revision;
  for (const auto& r : tx.exec_prepared("organisations_all")) {
    auto organisation = OrganisationOf(r);
    entries.organisations.emplace(organisation.id, std::move(organisation));
  }
  for (const auto& r : tx.exec_prepared("users_active", ActiveCodes())) {
    entries.users[{r["organisation_id"].as<std::string>(), r["user_id"].as<std::string>()}] =
        RolesOf(r["roles"]);
  }
  return entries;
}

std::vector<std::string> AddSeed(pqxx::work& tx, const common::Directory::Entries& seed,
                                 workflow::Instant now) {
  std::vector<std::string> added;
  for (const auto& [id, organisation] : seed.organisations) {
    if (tx.exec_prepared("organisation_seed", id,
                         std::string(workflow::ToString(organisation.type)),
                         organisation.display_name, EpochOf(now))
            .affected_rows() == 1) {
      added.push_back("organisations/" + id);
    }
  }
  for (const auto& [key, roles] : seed.users) {
    UserRow row{key.first, key.second, roles, workflow::AccountState::kActive, 1, now, now, {}, {}};
    if (InsertUser(tx, row)) {
      added.push_back("users/" + key.first + "/" + key.second);
    }
  }
  return added;
}

}  // namespace ketenregie::directory
