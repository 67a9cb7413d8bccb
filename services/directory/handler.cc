// DirectoryHandler: the directory's one owner. Reads for the services'
// copies, and an organisation administrator's changes of their own
// organisation's users, each through the one mutation path and on the
// audit trail. Logins and sessions: logins.cc.
#include "services/directory/handler.h"

#include "services/common/credentials.h"
#include "services/common/directory_follower.h"
#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/directory/support.h"
#include "workflow/login.h"
#include "workflow/rules.h"

namespace ketenregie::directory {
namespace {

using common::Caller;
using common::FieldErrors;
using common::FieldReason;
using workflow::Instant;

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
