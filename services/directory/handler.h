#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <semaphore>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/change.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/directory/storage.h"
#include "workflow/directory.h"

namespace ketenregie::directory {

/// What a change of a user is working on, for its step.
struct UserChange {
  pqxx::work& tx;
  const common::Caller& caller;
  common::Directory::Organisation organisation;
  UserRow row;
  workflow::Instant now;
  /// Active administrators of the organisation before the change.
  int administrators = 0;
};

/// What a login attempt's check found: its answer, and whether it counts as
/// a failed login (R-LOGIN-THROTTLE).
struct LoginOutcome {
  grpc::Status status;
  bool failure = false;
};

/// The directory service: the one owner of organisations, users and roles.
/// Its own callers are checked against its own copy (`copy`), which it
/// reads from its tables every second and after each change; every other
/// service follows it through GetDirectory. Every change is on the audit
/// trail; the rules are workflow/directory.h's.
class DirectoryHandler final : public v1::DirectoryService::Service {
 public:
  DirectoryHandler(common::DbPool& db, common::Directory& copy, common::KeyringHolder& keys,
                   const common::Clock& clock, std::chrono::milliseconds db_timeout);

  grpc::Status GetDirectory(grpc::ServerContext*, const v1::GetDirectoryRequest*,
                            v1::DirectorySnapshot*) override;
  grpc::Status ListUsers(grpc::ServerContext*, const v1::ListUsersRequest*,
                         v1::ListUsersResponse*) override;
  grpc::Status ListOrganisations(grpc::ServerContext*, const v1::ListOrganisationsRequest*,
                                 v1::ListOrganisationsResponse*) override;
  grpc::Status GetUser(grpc::ServerContext*, const v1::GetUserRequest*, v1::User*) override;
  grpc::Status CreateUser(grpc::ServerContext*, const v1::CreateUserRequest*, v1::User*) override;
  grpc::Status ChangeUserRoles(grpc::ServerContext*, const v1::ChangeUserRolesRequest*,
                               v1::User*) override;
  grpc::Status DeactivateUser(grpc::ServerContext*, const v1::DeactivateUserRequest*,
                              v1::User*) override;
  grpc::Status ReactivateUser(grpc::ServerContext*, const v1::ReactivateUserRequest*,
                              v1::User*) override;
  grpc::Status IssueEnrolmentCode(grpc::ServerContext*, const v1::IssueEnrolmentCodeRequest*,
                                  v1::IssueEnrolmentCodeResponse*) override;
  grpc::Status UnlockUser(grpc::ServerContext*, const v1::UnlockUserRequest*, v1::User*) override;

  grpc::Status Authenticate(grpc::ServerContext*, const v1::AuthenticateRequest*,
                            v1::AuthenticateResponse*) override;
  grpc::Status StartEnrolment(grpc::ServerContext*, const v1::StartEnrolmentRequest*,
                              v1::StartEnrolmentResponse*) override;
  grpc::Status CompleteEnrolment(grpc::ServerContext*, const v1::CompleteEnrolmentRequest*,
                                 v1::CompleteEnrolmentResponse*) override;
  grpc::Status CheckSession(grpc::ServerContext*, const v1::CheckSessionRequest*,
                            v1::Session*) override;
  grpc::Status EndSession(grpc::ServerContext*, const v1::EndSessionRequest*,
                          v1::EndSessionResponse*) override;

  /// Adds what `seed` has and the directory lacks (the deployment's seed
  /// files), each addition on the audit trail as the directory service's
  /// own; then reads the copy.
  void Seed(const common::Directory::Entries& seed);
  /// Reads the directory into the service's own copy when its revision
  /// moved, else confirms the copy.
  void RefreshCopy();

 private:
  /// `errors` as INVALID_ARGUMENT when there are any; else a refusal, on the
  /// trail, when `organisation_id` is not the caller's own
  /// (R-DIRECTORY-OWN-ORGANISATION); else OK.
  grpc::Status CheckedFor(const common::Caller& caller, const std::string& organisation_id,
                          std::string_view method, const common::FieldErrors& errors) const;
  /// The service's own copy at once, so its caller's next call sees the
  /// change; a failure leaves it to the next round.
  void RefreshCopyAfterChange();
  template <typename Response>
  grpc::Status ChangeUser(const grpc::ServerContext& context, std::string_view method,
                          const google::protobuf::Message& request, const std::string& request_id,
                          const std::string& organisation_id, const std::string& user_id,
                          const std::string& etag, common::FieldErrors errors, Response* response,
                          const std::function<grpc::Status(UserChange&)>& step);

  /// One attempt to log in or set one up, for `claim`, in one transaction
  /// with the account locked, so parallel attempts are decided one after
  /// the other: the throttle first (R-LOGIN-THROTTLE; a refused attempt is
  /// not checked), then `check` on the account, which changes its login
  /// on success; then the failure counted or forgotten, and the attempt on
  /// the audit trail. On success `answer` renders the account as stored.
  /// At most kLoginSlots attempts run at once (each holds a connection
  /// through its argon2id check); one that waits longer than
  /// kLoginSlotWait is RESOURCE_EXHAUSTED. A user the directory does
  /// not have costs a password check's time and fails like a wrong password.
  /// What one kind of login attempt does.
  struct LoginWork {
    /// The check on an account the directory has; changes its login on
    /// success.
    std::function<LoginOutcome(UserRow&, workflow::Instant)> check;
    /// As much work as a failing check, for a claim nobody has: the time
    /// does not tell which accounts exist.
    std::function<void()> nobody;
    /// On success, renders the account as stored (may be empty).
    std::function<void(pqxx::work&, const UserRow&, workflow::Instant)> answer;
    /// The session a success opens, for the audit record ("" for none).
    std::string session_hash;
  };
  grpc::Status Attempt(const grpc::ServerContext& context, std::string_view method,
                       const google::protobuf::Message& request, const v1::LoginClaim& claim,
                       common::FieldErrors errors, const LoginWork& work);

  common::DbPool& db_;
  common::Directory& copy_;
  std::mutex refresh_mutex_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  std::chrono::milliseconds db_timeout_;
  common::AccessGate gate_;
  common::Mutations mutations_;
  static constexpr std::ptrdiff_t kLoginSlots = 4;
  static constexpr std::chrono::seconds kLoginSlotWait{5};
  std::counting_semaphore<kLoginSlots> login_slots_{kLoginSlots};
};

}  // namespace ketenregie::directory
