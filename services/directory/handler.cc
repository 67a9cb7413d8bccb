// DirectoryHandler: the directory's one owner. Reads for the services'
// copies, and an organisation administrator's changes of their own
// organisation's users, each through the one mutation path and on the
// audit trail.
#include "services/directory/handler.h"

#include "services/common/credentials.h"
#include "services/common/directory_follower.h"
#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "workflow/login.h"
#include "workflow/rules.h"

namespace ketenregie::directory {
namespace {

using common::Caller;
using common::FieldErrors;
using common::FieldReason;
using workflow::Instant;

std::string SubjectOf(const std::string& organisation_id, const std::string& user_id) {
  return "users/" + organisation_id + "/" + user_id;
}

workflow::FailedLogins AccountFailures(const LoginRow& login) {
  return {login.failed_logins, login.last_failed_login_at};
}

void RenderLogin(const LoginRow& login, Instant now, v1::LoginStatus* out) {
  out->set_password_set(!login.password_hash.empty());
  out->set_second_factor_set(!login.totp_secret.empty());
  out->set_recovery_codes_left(static_cast<int>(login.recovery_codes.size()));
  if (login.enrolment_issued_at) {
    *out->mutable_enrolment_expire_time() =
        common::ToTimestamp(workflow::EnrolmentExpiresAt(*login.enrolment_issued_at));
  }
  out->set_failed_logins(login.failed_logins);
  if (login.last_failed_login_at) {
    *out->mutable_last_failed_login_time() = common::ToTimestamp(*login.last_failed_login_at);
  }
  // Locked or not, as the next attempt would be decided.
  const auto next = workflow::DecideLoginAttempt(AccountFailures(login), {}, now);
  if (next.kind == workflow::LoginAttempt::Kind::kLocked) {
    *out->mutable_locked_until() = common::ToTimestamp(next.until);
  }
  if (login.last_login_at) {
    *out->mutable_last_login_time() = common::ToTimestamp(*login.last_login_at);
  }
}

void Render(const UserRow& row, Instant now, v1::User* out) {
  out->set_organisation_id(row.organisation_id);
  out->set_user_id(row.user_id);
  for (const auto role : row.roles) {
    out->add_roles(common::ApiRoleOf(role));
  }
  out->set_state(row.state == workflow::AccountState::kActive ? v1::USER_STATE_ACTIVE
                                                              : v1::USER_STATE_DEACTIVATED);
  out->set_etag(common::Etag(row.version));
  *out->mutable_create_time() = common::ToTimestamp(row.created_at);
  *out->mutable_update_time() = common::ToTimestamp(row.updated_at);
  if (row.deactivated_at) {
    *out->mutable_deactivate_time() = common::ToTimestamp(*row.deactivated_at);
  }
  RenderLogin(row.login, now, out->mutable_login());
}

void RenderSession(const SessionRow& session, const std::set<workflow::Role>& roles,
                   v1::Session* out) {
  out->set_organisation_id(session.organisation_id);
  out->set_user_id(session.user_id);
  for (const auto role : roles) {
    out->add_roles(common::ApiRoleOf(role));
  }
  *out->mutable_login_time() = common::ToTimestamp(session.times.logged_in);
  *out->mutable_last_request_time() = common::ToTimestamp(session.times.last_request);
  *out->mutable_end_time() = common::ToTimestamp(workflow::SessionEndsAt(session.times));
  *out->mutable_warn_time() = common::ToTimestamp(workflow::SessionWarnAt(session.times));
}

// What a change answers: the user, and for an enrolment code the code.
void RenderChange(const UserChange& c, v1::User* out) { Render(c.row, c.now, out); }
void RenderChange(const UserChange& c, v1::IssueEnrolmentCodeResponse* out) {
  Render(c.row, c.now, out->mutable_user());
  *out->mutable_expire_time() = common::ToTimestamp(workflow::EnrolmentExpiresAt(c.now));
}

// The roles a request names: each one the API knows, none twice, at least
// one (whether they fit the organisation is R-DIRECTORY-ROLES, decided on
// the stored organisation).
std::set<workflow::Role> ReadRoles(FieldErrors& errors, std::string_view field,
                                   const google::protobuf::RepeatedField<int>& roles) {
  std::set<workflow::Role> out;
  errors.Require(!roles.empty(), field, FieldReason::kRequired, "at least one role");
  for (const int role : roles) {
    const auto known = common::RoleOfApi(role);
    if (!errors.Require(known.has_value(), field, FieldReason::kUnknownValue, "unknown role")) {
      break;
    }
    if (!errors.Require(out.insert(*known).second, field, FieldReason::kDuplicate,
                        "a role named twice")) {
      break;
    }
  }
  return out;
}

bool IsAdministrator(const UserRow& row) {
  return row.state == workflow::AccountState::kActive &&
         row.roles.contains(workflow::Role::kOrganisationAdministrator);
}

// R-DIRECTORY-LAST-ADMINISTRATOR for change `c`, made to a user who `was`
// an active administrator before it.
grpc::Status KeepsAnAdministrator(const UserChange& c, bool was) {
  const int after = c.administrators - (was ? 1 : 0) + (IsAdministrator(c.row) ? 1 : 0);
  if (auto last = workflow::CheckKeepsAnAdministrator(c.administrators, after)) {
    return common::RuleRefusal(*last);
  }
  return grpc::Status::OK;
}

// A directory change on the audit trail: who changed which user, in the
// change's transaction.
void AuditChange(pqxx::work& tx, const common::CallIdentity& who, std::string_view method,
                 std::string subject, Instant now) {
  common::AuditRecord record = common::AuditRecordBy(who);
  record.occurred_at = now;
  record.action = common::AuditAction::kDirectoryChange;
  record.decision = common::AuditDecision::kPermitted;
  record.method = std::string(method);
  record.subject = std::move(subject);
  common::AppendAudit(tx, record);
}

// A login attempt on the audit trail: the gateway's call, for which user,
// and how it ended.
void AuditLogin(pqxx::work& tx, const Caller& caller, std::string_view method, const UserRow& row,
                Instant now, const grpc::Status& outcome, const std::string& session_hash = "") {
  common::AuditRecord record = common::AuditRecordBy(caller.identity);
  // The session a login opened or a logout ended: the on-behalf-of calls
  // of that session carry the same hash.
  record.session_hash = session_hash;
  record.occurred_at = now;
  record.action = common::AuditAction::kLogin;
  record.decision =
      outcome.ok() ? common::AuditDecision::kPermitted : common::AuditDecision::kDenied;
  record.reason = outcome.ok() ? "" : common::ReasonOf(outcome);
  record.method = std::string(method);
  record.subject = SubjectOf(row.organisation_id, row.user_id);
  common::AppendAudit(tx, record);
}

// The users' side of the one mutation path; `Response` is what the method
// answers (RenderChange).
template <typename R>
struct UserAdapter {
  using Response = R;
  using Work = UserChange;
  static constexpr std::string_view kResource = "user";
  const std::string& organisation_id;
  std::string_view method;

  grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& user_id, Instant now,
                    std::optional<Work>& work) const {
    if (!LockOrganisation(tx, organisation_id)) {
      return grpc::Status::OK;  // no such organisation: NOT_FOUND
    }
    auto organisation = LoadOrganisation(tx, organisation_id);
    auto row = LoadUser(tx, organisation_id, user_id, /*for_update=*/true);
    if (organisation && row) {
      work.emplace(UserChange{tx, caller, std::move(*organisation), std::move(*row), now,
                              ActiveAdministrators(tx, organisation_id)});
    }
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work&) { return ""; }
  static long long Version(const Work& c) { return c.row.version; }
  void Save(Work& c) const {
    c.row.updated_at = c.now;
    UpdateUser(c.tx, c.row);
    NextRevision(c.tx);
    AuditChange(c.tx, c.caller.identity, method, SubjectOf(c.row.organisation_id, c.row.user_id),
                c.now);
  }
  static void Render(const Work& c, Response* out) { RenderChange(c, out); }
};

}  // namespace

DirectoryHandler::DirectoryHandler(common::DbPool& db, common::Directory& copy,
                                   common::KeyringHolder& keys, const common::Clock& clock,
                                   std::chrono::milliseconds db_timeout)
    : db_(db),
      copy_(copy),
      keys_(keys),
      clock_(clock),
      db_timeout_(db_timeout),
      gate_(copy_, db_, db_timeout_, clock_, v1::DirectoryService::service_full_name()),
      mutations_{db_, db_timeout_, keys_, clock_, gate_} {}

grpc::Status DirectoryHandler::CheckedFor(const Caller& caller, const std::string& organisation_id,
                                          std::string_view method,
                                          const FieldErrors& errors) const {
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  if (auto refusal =
          workflow::CheckManagesOrganisation(caller.identity.organisation_id, organisation_id)) {
    return gate_.Refuse(caller, "", method, common::Forbidden(*refusal));
  }
  return grpc::Status::OK;
}

grpc::Status DirectoryHandler::GetDirectory(grpc::ServerContext* context,
                                            const v1::GetDirectoryRequest* request,
                                            v1::DirectorySnapshot* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (request->known_revision() < 0) {
    return common::InvalidArgument("known_revision", FieldReason::kOutOfRange, "0 or more");
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    // The revision first: the entries read after it are at least as new,
    // so a copy never holds less than its revision says; one newer still
    // is fetched again on the next round.
    const long long revision = ReadRevision(tx);
    response->set_revision(revision);
    if (request->known_revision() != 0 && request->known_revision() == revision) {
      response->set_unchanged(true);
      return grpc::Status::OK;
    }
    const auto entries = ReadEntries(tx, revision);
    for (const auto& [id, organisation] : entries.organisations) {
      auto* out = response->add_organisations();
      out->set_id(id);
      out->set_type(std::string(workflow::ToString(organisation.type)));
      out->set_display_name(organisation.display_name);
    }
    for (const auto& [key, roles] : entries.users) {
      auto* out = response->add_users();
      out->set_organisation_id(key.first);
      out->set_user_id(key.second);
      out->set_state(v1::USER_STATE_ACTIVE);
      for (const auto role : roles) {
        out->add_roles(common::ApiRoleOf(role));
      }
    }
    return grpc::Status::OK;
  });
}

grpc::Status DirectoryHandler::ListOrganisations(grpc::ServerContext* context,
                                                 const v1::ListOrganisationsRequest* request,
                                                 v1::ListOrganisationsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page, common::PageIds::kPrincipalIds);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  // From the directory's own copy, which follows its tables; the services
  // and the gateway are no recipients of anything.
  std::vector<common::Directory::Organisation> listed;
  for (auto& organisation : copy_.Organisations()) {
    if (workflow::IsOrganisationOfPeople(organisation.type) &&
        (!page.after || organisation.id > page.after->second)) {
      listed.push_back(std::move(organisation));
    }
  }
  if (static_cast<int>(listed.size()) > page.size + 1) {
    listed.resize(page.size + 1);
  }
  common::FillPage(
      std::move(listed), page.size,
      [&](const common::Directory::Organisation& organisation) {
        auto* out = response->add_organisations();
        out->set_id(organisation.id);
        out->set_type(std::string(workflow::ToString(organisation.type)));
        out->set_display_name(organisation.display_name);
      },
      [](const common::Directory::Organisation& organisation) {
        return std::pair{0LL, organisation.id};
      },
      response->mutable_next_page_token());
  return grpc::Status::OK;
}

grpc::Status DirectoryHandler::ListUsers(grpc::ServerContext* context,
                                         const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::CheckPrincipalId(errors, "organisation_id", request->organisation_id());
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page, common::PageIds::kPrincipalIds);
  if (auto refused = CheckedFor(caller, request->organisation_id(), __func__, errors);
      !refused.ok()) {
    return refused;
  }
  const Instant now = clock_.Now();
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    common::FillPage(
        UsersOf(tx, request->organisation_id(), page.after ? page.after->second : "",
                page.size + 1),
        page.size, [&](const UserRow& row) { Render(row, now, response->add_users()); },
        [](const UserRow& row) {
          return std::pair{0LL, row.user_id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status DirectoryHandler::GetUser(grpc::ServerContext* context,
                                       const v1::GetUserRequest* request, v1::User* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::CheckPrincipalId(errors, "organisation_id", request->organisation_id());
  common::CheckPrincipalId(errors, "user_id", request->user_id());
  if (auto refused = CheckedFor(caller, request->organisation_id(), __func__, errors);
      !refused.ok()) {
    return refused;
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto row = LoadUser(tx, request->organisation_id(), request->user_id(), false);
    if (!row) {
      return common::NotFound("user");
    }
    Render(*row, clock_.Now(), response);
    return grpc::Status::OK;
  });
}

grpc::Status DirectoryHandler::CreateUser(grpc::ServerContext* context,
                                          const v1::CreateUserRequest* request,
                                          v1::User* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::CheckRequestId(errors, request->request_id());
  common::CheckPrincipalId(errors, "organisation_id", request->organisation_id());
  common::CheckPrincipalId(errors, "user.user_id", request->user().user_id());
  const auto roles = ReadRoles(errors, "user.roles", request->user().roles());
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  grpc::Status status =
      common::Mutate(db_, db_timeout_, caller, __func__, *request, errors, request->request_id(),
                     response, keys_, [&](pqxx::work& tx, v1::User* out) -> grpc::Status {
                       if (auto refusal = workflow::CheckManagesOrganisation(
                               caller.identity.organisation_id, request->organisation_id())) {
                         return common::Forbidden(*refusal);
                       }
                       if (!LockOrganisation(tx, request->organisation_id())) {
                         return common::NotFound("organisation");
                       }
                       const auto organisation = LoadOrganisation(tx, request->organisation_id());
                       if (auto misfit = workflow::CheckRolesFor(organisation->type, roles)) {
                         return common::RuleRefusal(*misfit);
                       }
                       const Instant now = clock_.Now();
                       UserRow row{request->organisation_id(),
                                   request->user().user_id(),
                                   roles,
                                   workflow::AccountState::kActive,
                                   1,
                                   now,
                                   now,
                                   {},
                                   {}};
                       if (!InsertUser(tx, row)) {
                         return common::AlreadyExists("user");
                       }
                       NextRevision(tx);
                       AuditChange(tx, caller.identity, "CreateUser",
                                   SubjectOf(row.organisation_id, row.user_id), now);
                       Render(row, now, out);
                       return grpc::Status::OK;
                     });
  status = gate_.Checked(caller, *request, __func__, std::move(status));
  if (status.ok()) {
    RefreshCopyAfterChange();
  }
  return status;
}

template <typename Response>
grpc::Status DirectoryHandler::ChangeUser(
    const grpc::ServerContext& context, std::string_view method,
    const google::protobuf::Message& request, const std::string& request_id,
    const std::string& organisation_id, const std::string& user_id, const std::string& etag,
    FieldErrors errors, Response* response, const std::function<grpc::Status(UserChange&)>& step) {
  Caller caller;
  if (auto denied = gate_.Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  common::CheckPrincipalId(errors, "organisation_id", organisation_id);
  const common::ChangeTarget target{"user_id", user_id, etag, request_id,
                                    &common::CheckPrincipalId};
  // Never "exists but not yours": another organisation's users are refused
  // before anything of them is read (bad input first, every field of it).
  FieldErrors checked = errors;
  common::CheckChangeTarget(checked, target);
  if (auto refused = CheckedFor(caller, organisation_id, method, checked); !refused.ok()) {
    return refused;
  }
  UserAdapter<Response> adapter{organisation_id, method};
  grpc::Status status = common::Change(mutations_, caller, method, request, target,
                                       std::move(errors), response, adapter, step);
  if (status.ok()) {
    RefreshCopyAfterChange();
  }
  return status;
}

grpc::Status DirectoryHandler::ChangeUserRoles(grpc::ServerContext* context,
                                               const v1::ChangeUserRolesRequest* request,
                                               v1::User* response) {
  FieldErrors errors(*request);
  const auto roles = ReadRoles(errors, "roles", request->roles());
  return ChangeUser(*context, __func__, *request, request->request_id(), request->organisation_id(),
                    request->user_id(), request->etag(), std::move(errors), response,
                    [&](UserChange& c) -> grpc::Status {
                      if (auto misfit = workflow::CheckRolesFor(c.organisation.type, roles)) {
                        return common::RuleRefusal(*misfit);
                      }
                      const bool was = IsAdministrator(c.row);
                      c.row.roles = roles;
                      return KeepsAnAdministrator(c, was);
                    });
}

namespace {

// Deactivate or reactivate: the account machine's step, and the last
// administrator kept.
grpc::Status StepAccount(UserChange& c, workflow::AccountEvent event) {
  const auto next = workflow::ApplyAccount(c.row.state, event);
  if (!next.ok()) {
    return common::RuleRefusal(next.violation());
  }
  const bool was = IsAdministrator(c.row);
  c.row.state = next.value();
  if (c.row.state == workflow::AccountState::kDeactivated) {
    // Every session of the account ends with it.
    EndSessionsOf(c.tx, c.row.organisation_id, c.row.user_id, c.now);
  }
  c.row.deactivated_at =
      c.row.state == workflow::AccountState::kDeactivated ? std::optional(c.now) : std::nullopt;
  return KeepsAnAdministrator(c, was);
}

}  // namespace

grpc::Status DirectoryHandler::DeactivateUser(grpc::ServerContext* context,
                                              const v1::DeactivateUserRequest* request,
                                              v1::User* response) {
  return ChangeUser(
      *context, __func__, *request, request->request_id(), request->organisation_id(),
      request->user_id(), request->etag(), FieldErrors(*request), response,
      [](UserChange& c) { return StepAccount(c, workflow::AccountEvent::kDeactivate); });
}

grpc::Status DirectoryHandler::ReactivateUser(grpc::ServerContext* context,
                                              const v1::ReactivateUserRequest* request,
                                              v1::User* response) {
  return ChangeUser(
      *context, __func__, *request, request->request_id(), request->organisation_id(),
      request->user_id(), request->etag(), FieldErrors(*request), response,
      [](UserChange& c) { return StepAccount(c, workflow::AccountEvent::kReactivate); });
}

grpc::Status DirectoryHandler::IssueEnrolmentCode(grpc::ServerContext* context,
                                                  const v1::IssueEnrolmentCodeRequest* request,
                                                  v1::IssueEnrolmentCodeResponse* response) {
  // The code goes into this answer only: the answer kept for a retry of
  // the request (the request log) has none, and the directory keeps only
  // its hash.
  const std::string code = common::NewEnrolmentCode();
  bool issued = false;
  const grpc::Status status = ChangeUser(
      *context, __func__, *request, request->request_id(), request->organisation_id(),
      request->user_id(), request->etag(), FieldErrors(*request), response, [&](UserChange& c) {
        issued = true;
        // R-LOGIN-ENROLMENT: the code sets up a new second factor, so the
        // old one ends now.
        LoginRow& login = c.row.login;
        login.enrolment_code_hash = common::HashRecoveryCode(code);
        login.enrolment_issued_at = c.now;
        login.totp_secret.clear();
        login.pending_totp_secret.clear();
        login.recovery_codes.clear();
        if (request->reset_password()) {
          login.password_hash.clear();
        }
        // A lost phone may be in someone else's hands: its sessions end too.
        EndSessionsOf(c.tx, c.row.organisation_id, c.row.user_id, c.now);
        return grpc::Status::OK;
      });
  if (status.ok() && issued) {
    response->set_enrolment_code(code);
  }
  return status;
}

grpc::Status DirectoryHandler::UnlockUser(grpc::ServerContext* context,
                                          const v1::UnlockUserRequest* request,
                                          v1::User* response) {
  return ChangeUser(*context, __func__, *request, request->request_id(), request->organisation_id(),
                    request->user_id(), request->etag(), FieldErrors(*request), response,
                    [](UserChange& c) {
                      c.row.login.failed_logins = 0;
                      c.row.login.last_failed_login_at.reset();
                      return grpc::Status::OK;
                    });
}

namespace {

// A client address as the gateway passes it: an IPv4 or IPv6 address, at
// most this long (never a name: it is hashed, not resolved).
constexpr std::size_t kMaxClientAddress = 64;
// A password as typed: at most workflow::kMaxPasswordLength characters of
// up to four bytes. Longer is no password, and is not hashed.
constexpr std::size_t kMaxPasswordBytes = 4 * workflow::kMaxPasswordLength;

void CheckPassword(FieldErrors& errors, const std::string& password) {
  common::CheckLength(errors, "password", password, kMaxPasswordBytes, /*required=*/true);
}

// The enrolment code typed for the account's open one: right, or a failure
// (wrong, or none open); open but expired is its own refusal.
LoginOutcome CheckEnrolment(const LoginRow& login, const std::string& typed, Instant now) {
  if (login.enrolment_code_hash.empty()) {
    // As long as checking an open one: the time does not tell whether an
    // account has one.
    common::VerifyRecoveryCodeOfNobody(typed);
    return {common::LoginFailed(), true};
  }
  if (!common::MatchRecoveryCode({login.enrolment_code_hash}, typed)) {
    return {common::LoginFailed(), true};
  }
  if (auto expired = workflow::CheckEnrolmentCode(login.enrolment_issued_at, now)) {
    return {common::RuleRefusal(*expired), true};
  }
  return {grpc::Status::OK, false};
}

// A deactivated account is refused once its login is proved: it is told
// why, and nothing else changes.
std::optional<LoginOutcome> RefusedWhenDeactivated(const UserRow& row) {
  if (row.state == workflow::AccountState::kActive) {
    return std::nullopt;
  }
  return LoginOutcome{
      common::Forbidden({workflow::rules::kAccessRole, "this account is deactivated"}), false};
}

std::optional<common::TotpSecret> OpenSecret(const common::Keyring& keys, const UserRow& row,
                                             const std::string& sealed) {
  if (sealed.empty()) {
    return std::nullopt;
  }
  const std::string plain = keys.Open(sealed, TotpSecretContext(row.organisation_id, row.user_id));
  common::TotpSecret secret{};
  if (plain.size() != secret.size()) {
    throw std::runtime_error("a stored authenticator secret has the wrong length");
  }
  std::copy(plain.begin(), plain.end(), secret.begin());
  return secret;
}

}  // namespace

grpc::Status DirectoryHandler::Attempt(const grpc::ServerContext& context, std::string_view method,
                                       const google::protobuf::Message& request,
                                       const v1::LoginClaim& claim, FieldErrors errors,
                                       const LoginWork& work) {
  Caller caller;
  if (auto denied = gate_.Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  common::CheckPrincipalId(errors, "claim.organisation_id", claim.organisation_id());
  common::CheckPrincipalId(errors, "claim.user_id", claim.user_id());
  common::CheckLength(errors, "claim.client_address", claim.client_address(), kMaxClientAddress,
                      /*required=*/true);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  // A password check takes a pooled connection and tens of MiB for its
  // time: only so many at once, so a flood of logins cannot take the
  // connections the services' directory copies are read with.
  if (!login_slots_.try_acquire_for(kLoginSlotWait)) {
    return common::ErrorStatus(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               common::ErrorKind::kResourceExhausted,
                               "too many logins at once: try again", {}, kLoginSlotWait);
  }
  struct Release {
    std::counting_semaphore<kLoginSlots>& slots;
    ~Release() { slots.release(); }
  } release{login_slots_};
  const auto keys = keys_.Get();
  const std::string address_key =
      keys->BlindIndex("directory.login_addresses:" + claim.client_address());
  const std::string claim_key =
      keys->BlindIndex("directory.login_claims:" + claim.organisation_id() + "/" + claim.user_id());
  grpc::Status answer;
  try {
    common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
      const Instant now = clock_.Now();
      // The address first, then the account (or the claim): always in this
      // order, so two attempts never wait for each other both ways.
      LockLoginKey(tx, LoginKey::kAddress, address_key);
      auto row = LoadUser(tx, claim.organisation_id(), claim.user_id(), /*for_update=*/true);
      if (!row) {
        LockLoginKey(tx, LoginKey::kClaim, claim_key);
      }
      // A claim nobody has is counted, slowed down and locked like an
      // account: the answers do not tell which accounts exist.
      const auto decision = workflow::DecideLoginAttempt(
          row ? AccountFailures(row->login) : ClaimFailures(tx, claim_key),
          AddressFailures(tx, address_key, now), now);
      if (auto refusal = workflow::RefusalOf(decision)) {
        // Refused unchecked: nothing about the password is learnt, and the
        // attempt is no failure of its own (nor on the trail: the counts
        // say it, and a flood of refused attempts writes nothing).
        answer = common::RuleRefusal(*refusal);
        return;
      }
      if (!row) {
        work.nobody();
        AddClaimFailure(tx, claim_key, now);
        AddAddressFailure(tx, address_key, now);
        answer = common::LoginFailed();
        return;
      }
      const LoginOutcome outcome = work.check(*row, now);
      if (outcome.failure) {
        row->login.failed_logins += 1;
        row->login.last_failed_login_at = now;
        AddAddressFailure(tx, address_key, now);
      } else if (outcome.status.ok()) {
        row->login.failed_logins = 0;
        row->login.last_failed_login_at.reset();
      }
      StoreLogin(tx, *row);
      AuditLogin(tx, caller, method, *row, now, outcome.status, work.session_hash);
      answer = outcome.status;
      if (answer.ok() && work.answer) {
        work.answer(tx, *row, now);
      }
    });
  } catch (const common::StorageError& error) {
    return common::FromStorageError(error);
  }
  return answer;
}

grpc::Status DirectoryHandler::Authenticate(grpc::ServerContext* context,
                                            const v1::AuthenticateRequest* request,
                                            v1::AuthenticateResponse* response) {
  FieldErrors errors(*request);
  CheckPassword(errors, request->password());
  errors.Require(common::IsSessionHash(request->session_hash()), "session_hash",
                 request->session_hash().empty() ? FieldReason::kRequired : FieldReason::kNotAnId,
                 "the SHA-256 of the new session's id: 64 lower-case hex digits");
  errors.Require(request->second_factor_case() != v1::AuthenticateRequest::SECOND_FACTOR_NOT_SET,
                 "one_time_code", FieldReason::kRequired,
                 "a one-time code or a recovery code (R-LOGIN-TWO-FACTORS)");
  const auto keys = keys_.Get();
  return Attempt(
      *context, __func__, *request, request->claim(), std::move(errors),
      LoginWork{
          [&](UserRow& row, Instant now) -> LoginOutcome {
            response->Clear();
            LoginRow& login = row.login;
            if (!common::VerifyPassword(login.password_hash, request->password())) {
              if (login.password_hash.empty()) {
                common::VerifyPasswordOfNobody(request->password());
              }
              return {common::LoginFailed(), true};
            }
            if (auto unset = workflow::CheckLoginSetUp(
                    {!login.password_hash.empty(), !login.totp_secret.empty()})) {
              return {common::RuleRefusal(*unset), false};
            }
            std::optional<std::int64_t> step;
            std::optional<std::size_t> recovery;
            if (request->has_one_time_code()) {
              step = common::MatchTotp(*OpenSecret(*keys, row, login.totp_secret),
                                       request->one_time_code(), now);
              if (!step) {
                return {common::LoginFailed(), true};
              }
              if (auto again = workflow::CheckTotpStep(*step, login.totp_last_step)) {
                return {common::RuleRefusal(*again), true};
              }
            } else {
              recovery = common::MatchRecoveryCode(login.recovery_codes, request->recovery_code());
              if (!recovery) {
                return {common::LoginFailed(), true};
              }
            }
            if (auto deactivated = RefusedWhenDeactivated(row)) {
              return *deactivated;
            }
            if (step) {
              login.totp_last_step = *step;
            } else {
              login.recovery_codes.erase(login.recovery_codes.begin() +
                                         static_cast<std::ptrdiff_t>(*recovery));
            }
            if (common::PasswordNeedsRehash(login.password_hash)) {
              login.password_hash = common::HashPassword(request->password());
            }
            login.last_login_at = now;
            return {grpc::Status::OK, false};
          },
          [&] { common::VerifyPasswordOfNobody(request->password()); },
          [&](pqxx::work& tx, const UserRow& row, Instant now) {
            // The login opens its session.
            OpenSession(tx, request->session_hash(), row, now);
            Render(row, now, response->mutable_user());
            response->set_recovery_codes_left(static_cast<int>(row.login.recovery_codes.size()));
            RenderSession(
                {request->session_hash(), row.organisation_id, row.user_id, {now, now, {}}},
                row.roles, response->mutable_session());
          },
          request->session_hash()});
}

grpc::Status DirectoryHandler::StartEnrolment(grpc::ServerContext* context,
                                              const v1::StartEnrolmentRequest* request,
                                              v1::StartEnrolmentResponse* response) {
  FieldErrors errors(*request);
  CheckPassword(errors, request->password());
  common::CheckLength(errors, "enrolment_code", request->enrolment_code(), 64, /*required=*/true);
  const auto keys = keys_.Get();
  return Attempt(
      *context, __func__, *request, request->claim(), std::move(errors),
      LoginWork{[&](UserRow& row, Instant now) -> LoginOutcome {
                  response->Clear();
                  LoginRow& login = row.login;
                  if (auto wrong = CheckEnrolment(login, request->enrolment_code(), now);
                      !wrong.status.ok()) {
                    return wrong;
                  }
                  if (login.password_hash.empty()) {
                    // A new password: the rule's refusal names the field's problem,
                    // and is no failed login.
                    if (auto weak = workflow::CheckNewPassword(request->password(), row.user_id)) {
                      return {common::RuleRefusal(*weak), false};
                    }
                  } else if (!common::VerifyPassword(login.password_hash, request->password())) {
                    return {common::LoginFailed(), true};
                  }
                  if (auto deactivated = RefusedWhenDeactivated(row)) {
                    return *deactivated;
                  }
                  if (login.password_hash.empty()) {
                    login.password_hash = common::HashPassword(request->password());
                  }
                  const common::TotpSecret secret = common::NewTotpSecret();
                  login.pending_totp_secret = keys->Seal(
                      std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()),
                      TotpSecretContext(row.organisation_id, row.user_id));
                  const std::string uri = common::TotpEnrolmentUri(secret, row.user_id);
                  response->set_secret_base32(common::TotpSecretBase32(secret));
                  response->set_otpauth_uri(uri);
                  response->set_qr_code_svg(common::QrCodeSvg(uri));
                  return {grpc::Status::OK, false};
                },
                [&] { common::VerifyRecoveryCodeOfNobody(request->enrolment_code()); },
                {},
                ""});
}

grpc::Status DirectoryHandler::CompleteEnrolment(grpc::ServerContext* context,
                                                 const v1::CompleteEnrolmentRequest* request,
                                                 v1::CompleteEnrolmentResponse* response) {
  FieldErrors errors(*request);
  common::CheckLength(errors, "enrolment_code", request->enrolment_code(), 64, /*required=*/true);
  common::CheckLength(errors, "one_time_code", request->one_time_code(), 16, /*required=*/true);
  const auto keys = keys_.Get();
  return Attempt(
      *context, __func__, *request, request->claim(), std::move(errors),
      LoginWork{[&](UserRow& row, Instant now) -> LoginOutcome {
                  response->Clear();
                  LoginRow& login = row.login;
                  if (auto wrong = CheckEnrolment(login, request->enrolment_code(), now);
                      !wrong.status.ok()) {
                    return wrong;
                  }
                  const auto secret = OpenSecret(*keys, row, login.pending_totp_secret);
                  if (!secret || login.password_hash.empty()) {
                    // StartEnrolment comes first.
                    return {
                        common::RuleRefusal({workflow::rules::kLoginEnrolment,
                                             "start the enrolment first: password and new secret"}),
                        false};
                  }
                  const auto step = common::MatchTotp(*secret, request->one_time_code(), now);
                  if (!step) {
                    return {common::LoginFailed(), true};
                  }
                  if (auto deactivated = RefusedWhenDeactivated(row)) {
                    return *deactivated;
                  }
                  // The code proved the app holds the secret: it is the account's now,
                  // and the enrolment code is used.
                  login.totp_secret = std::exchange(login.pending_totp_secret, {});
                  login.totp_last_step = *step;
                  login.enrolment_code_hash.clear();
                  login.enrolment_issued_at.reset();
                  login.recovery_codes.clear();
                  for (const auto& code : common::NewRecoveryCodes()) {
                    login.recovery_codes.push_back(common::HashRecoveryCode(code));
                    response->add_recovery_codes(code);
                  }
                  login.last_login_at = now;
                  return {grpc::Status::OK, false};
                },
                [&] { common::VerifyRecoveryCodeOfNobody(request->enrolment_code()); },
                [&](pqxx::work&, const UserRow& row, Instant now) {
                  Render(row, now, response->mutable_user());
                },
                ""});
}

grpc::Status DirectoryHandler::CheckSession(grpc::ServerContext* context,
                                            const v1::CheckSessionRequest* request,
                                            v1::Session* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  errors.Require(common::IsSessionHash(request->session_hash()), "session_hash",
                 FieldReason::kNotAnId, "64 lower-case hex digits");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) -> grpc::Status {
    response->Clear();
    const Instant now = clock_.Now();
    const auto session = LoadSession(tx, request->session_hash());
    if (!session) {
      return common::NotFound("session");
    }
    if (auto ended = workflow::CheckSessionLive(session->times, now)) {
      return common::RuleRefusal(*ended);
    }
    const auto user = LoadUser(tx, session->organisation_id, session->user_id, false);
    if (!user || user->state != workflow::AccountState::kActive) {
      directory::EndSession(tx, session->session_hash, now);
      return common::Forbidden({workflow::rules::kAccessRole, "this account is deactivated"});
    }
    TouchSession(tx, session->session_hash, now);
    SessionRow touched = *session;
    touched.times.last_request = now;
    RenderSession(touched, user->roles, response);
    return grpc::Status::OK;
  });
}

grpc::Status DirectoryHandler::EndSession(grpc::ServerContext* context,
                                          const v1::EndSessionRequest* request,
                                          v1::EndSessionResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  errors.Require(common::IsSessionHash(request->session_hash()), "session_hash",
                 FieldReason::kNotAnId, "64 lower-case hex digits");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) -> grpc::Status {
    response->Clear();
    const Instant now = clock_.Now();
    const auto session = LoadSession(tx, request->session_hash());
    // Ending a session that has ended (or never was) is no error: the
    // browser's logout has what it asked for.
    if (session && directory::EndSession(tx, session->session_hash, now)) {
      UserRow who;
      who.organisation_id = session->organisation_id;
      who.user_id = session->user_id;
      AuditLogin(tx, caller, "EndSession", who, now, grpc::Status::OK, session->session_hash);
    }
    return grpc::Status::OK;
  });
}

void DirectoryHandler::Seed(const common::Directory::Entries& seed) {
  common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
    const Instant now = clock_.Now();
    const auto added = AddSeed(tx, seed, now);
    if (added.empty()) {
      return;
    }
    NextRevision(tx);
    // The deployment's own change, as the directory service's.
    const common::CallIdentity self{"svc-directory", "directory-service", "", ""};
    for (const auto& subject : added) {
      AuditChange(tx, self, "Seed", subject, now);
    }
  });
  RefreshCopy();
}

void DirectoryHandler::RefreshCopyAfterChange() {
  try {
    RefreshCopy();
  } catch (const std::exception&) {
    // The change is stored; the copy catches up on its next round.
  }
}

void DirectoryHandler::RefreshCopy() {
  // One reader at a time (the background round, a change's own): each
  // reads after the one before, so the copy never goes back to an older
  // revision.
  std::lock_guard lock(refresh_mutex_);
  common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
    const long long revision = ReadRevision(tx);
    if (copy_.Revision() != 0 && revision == copy_.Revision()) {
      copy_.Confirm();
      return;
    }
    copy_.Replace(ReadEntries(tx, revision));
  });
}

}  // namespace ketenregie::directory
