#include "services/directory/support.h"

#include "services/common/directory_follower.h"
#include "services/common/identity.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace ketenregie::directory {

using common::Caller;
using workflow::Instant;

namespace {

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

}  // namespace

std::string SubjectOf(const std::string& organisation_id, const std::string& user_id) {
  return "users/" + organisation_id + "/" + user_id;
}

workflow::FailedLogins AccountFailures(const LoginRow& login) {
  return {login.failed_logins, login.last_failed_login_at};
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

// A login attempt on the audit trail: the gateway's call, for which user,
// and how it ended.
void AuditLogin(pqxx::work& tx, const Caller& caller, std::string_view method, const UserRow& row,
                Instant now, const grpc::Status& outcome, const std::string& session_hash) {
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

}  // namespace ketenregie::directory
