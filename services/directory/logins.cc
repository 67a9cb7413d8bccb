// DirectoryHandler's logins: a person's password and second factor checked
// for the web front door (Authenticate), enrolment with a code and an
// authenticator app, and the sessions a login opens (CheckSession,
// EndSession). Each attempt is decided by workflow/login.h and put on the
// audit trail.
#include "services/common/credentials.h"
#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/directory/handler.h"
#include "services/directory/support.h"
#include "workflow/login.h"
#include "workflow/rules.h"

namespace ketenregie::directory {

using common::Caller;
using common::FieldErrors;
using common::FieldReason;
using workflow::Instant;

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

}  // namespace ketenregie::directory
