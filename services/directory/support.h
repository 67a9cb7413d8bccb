#pragma once

/// What the directory's handlers share: how a user and a session are
/// answered, and a login attempt on the audit trail.

#include <grpcpp/support/status.h>

#include <set>
#include <string>
#include <string_view>

#include "ketenregie/directory/v1/directory.pb.h"
#include "services/common/audit.h"
#include "services/directory/storage.h"
#include "workflow/login.h"

namespace ketenregie::directory {

namespace v1 = ketenregie::directory::v1;

/// "users/<organisation>/<user>": a user as the audit trail names it.
std::string SubjectOf(const std::string& organisation_id, const std::string& user_id);

/// The failed logins of an account, as the login rules read them.
workflow::FailedLogins AccountFailures(const LoginRow& login);

/// A user as the API answers it, with its login's state at `now`.
void Render(const UserRow& row, workflow::Instant now, v1::User* out);

/// A session as the API answers it, with the roles of its user.
void RenderSession(const SessionRow& session, const std::set<workflow::Role>& roles,
                   v1::Session* out);

/// A login attempt on the audit trail: the gateway's call, for which user,
/// and how it ended; `session_hash`: the session it opened or ended.
void AuditLogin(pqxx::work& tx, const common::Caller& caller, std::string_view method,
                const UserRow& row, workflow::Instant now, const grpc::Status& outcome,
                const std::string& session_hash = "");

}  // namespace ketenregie::directory
