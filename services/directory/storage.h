#pragma once

/// All SQL of the directory service; statements prepared once per connection.

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "services/common/directory.h"
#include "services/common/sealed.h"
#include "services/common/storage.h"
#include "workflow/directory.h"
#include "workflow/login.h"
#include "workflow/session.h"

namespace ketenregie::directory {

/// The codes stored for an account's state (common::StoredCodes), pinned by
/// tests/unit/stored_codes_test.cc.
inline constexpr common::StoredCodes kAccountStates{
    "directory.users.state", std::array<common::StoredCode<workflow::AccountState>, 2>{{
                                 {workflow::AccountState::kActive, 1},
                                 {workflow::AccountState::kDeactivated, 2},
                             }}};

void Prepare(pqxx::connection& connection);

/// A user's login as the directory keeps it: no secret in clear (hashes
/// are argon2id strings, authenticator secrets sealed). Empty text: none.
struct LoginRow {
  std::string password_hash;
  /// Sealed (Keyring::Seal, context kTotpSecretContext).
  std::string totp_secret;
  std::string pending_totp_secret;
  std::optional<std::int64_t> totp_last_step;
  /// Hashes of the unused recovery codes.
  std::vector<std::string> recovery_codes;
  std::string enrolment_code_hash;
  std::optional<workflow::Instant> enrolment_issued_at;
  int failed_logins = 0;
  std::optional<workflow::Instant> last_failed_login_at;
  std::optional<workflow::Instant> last_login_at;
};

/// What a sealed authenticator secret is bound to (Keyring::Seal's context):
/// a secret copied to another account's row does not open.
std::string TotpSecretContext(const std::string& organisation_id, const std::string& user_id);

struct UserRow {
  std::string organisation_id;
  std::string user_id;
  std::set<workflow::Role> roles;
  workflow::AccountState state = workflow::AccountState::kActive;
  long long version = 1;
  workflow::Instant created_at{};
  workflow::Instant updated_at{};
  std::optional<workflow::Instant> deactivated_at;
  LoginRow login;
};

/// The organisation `id`, or nullopt.
std::optional<common::Directory::Organisation> LoadOrganisation(pqxx::work& tx,
                                                                const std::string& id);
std::optional<UserRow> LoadUser(pqxx::work& tx, const std::string& organisation_id,
                                const std::string& user_id, bool for_update);
/// Inserts `row`; false when the organisation has a user of that id already.
bool InsertUser(pqxx::work& tx, const UserRow& row);
/// Stores roles, state, times and login, and moves the version on (an
/// administrator's change).
void UpdateUser(pqxx::work& tx, UserRow& row);
/// Stores only the login, leaving the version (a login or its set-up: no
/// change an administrator's etag guards).
void StoreLogin(pqxx::work& tx, const UserRow& row);

/// Which login limit a key counts for (R-LOGIN-THROTTLE).
enum class LoginKey { kAddress = 1, kClaim = 2 };
/// Takes the transaction's lock on one address's or claim's counts: the
/// attempts from one address, or for one unknown claim, are decided one
/// after the other, so parallel attempts cannot all read the same count.
void LockLoginKey(pqxx::work& tx, LoginKey kind, const std::string& key);

/// Failed logins for an organisation and user the directory does not have,
/// by the keyed hash of the claim.
workflow::FailedLogins ClaimFailures(pqxx::work& tx, const std::string& claim_key);
/// Counts one more failure for the claim, and forgets claims a day after
/// their last failure.
void AddClaimFailure(pqxx::work& tx, const std::string& claim_key, workflow::Instant now);

/// Failed logins from one client address (R-LOGIN-THROTTLE), by the
/// address's keyed hash.
workflow::FailedLogins AddressFailures(pqxx::work& tx, const std::string& address_key,
                                       workflow::Instant now);
/// Counts one more failure from the address, in the window of
/// workflow::kAddressWindow, and forgets windows that have passed.
void AddAddressFailure(pqxx::work& tx, const std::string& address_key, workflow::Instant now);
/// `organisation_id`'s users by id, at most `limit` after `after_user_id`.
std::vector<UserRow> UsersOf(pqxx::work& tx, const std::string& organisation_id,
                             const std::string& after_user_id, int limit);
/// Locks the organisation for a change of its users: the changes of one
/// organisation's users are decided one after the other (R-DIRECTORY-LAST-
/// ADMINISTRATOR counts its administrators). False when there is none.
bool LockOrganisation(pqxx::work& tx, const std::string& organisation_id);
/// How many active users of the organisation hold the administrator role.
int ActiveAdministrators(pqxx::work& tx, const std::string& organisation_id);

/// A browser session (R-SESSION-TIMEOUT), known by its hash.
struct SessionRow {
  std::string session_hash;
  std::string organisation_id;
  std::string user_id;
  workflow::SessionTimes times;
};
/// Opens a session for the user at `now`, and removes sessions whose
/// absolute end passed a day ago.
void OpenSession(pqxx::work& tx, const std::string& session_hash, const UserRow& user,
                 workflow::Instant now);
std::optional<SessionRow> LoadSession(pqxx::work& tx, const std::string& session_hash);
/// A request of the session at `now`: its idle end moves on.
void TouchSession(pqxx::work& tx, const std::string& session_hash, workflow::Instant now);
/// Ends the session (logout); false when there is no open one.
bool EndSession(pqxx::work& tx, const std::string& session_hash, workflow::Instant now);
/// Ends every open session of the user (deactivated, or their second
/// factor reset).
void EndSessionsOf(pqxx::work& tx, const std::string& organisation_id, const std::string& user_id,
                   workflow::Instant now);

/// The columns the directory keeps sealed (authenticator secrets, the
/// request log's answers), for key rotation.
const std::vector<common::SealedColumn>& SealedColumns();

/// Moves the directory's revision on (every change, in its transaction)
/// and returns the new one.
long long NextRevision(pqxx::work& tx);
/// The directory as every service's copy holds it at `revision`, read
/// (ReadRevision) just before in the same transaction: every organisation
/// and every active user. Read after the revision, they are at least as
/// new as it says.
common::Directory::Entries ReadEntries(pqxx::transaction_base& tx, long long revision);
/// Only the revision.
long long ReadRevision(pqxx::transaction_base& tx);

/// Adds the organisations and users of `seed` the directory does not have
/// yet (ON CONFLICT DO NOTHING): those it has stay as the directory has
/// them, so a deactivation or a change of roles outlives a restart. Returns
/// the users added, as "users/<organisation>/<user>".
std::vector<std::string> AddSeed(pqxx::work& tx, const common::Directory::Entries& seed,
                                 workflow::Instant now);

}  // namespace ketenregie::directory
