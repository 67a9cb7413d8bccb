#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/common/db_pool.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// The one place where outcomes become gRPC statuses (DESIGN.md §7, Google
/// AIP-193). Every non-OK status a service answers carries, in gRPC's
/// standard binary details (`grpc-status-details-bin`, a google.rpc.Status):
///
///  * google.rpc.ErrorInfo — `reason` the rule id ("R-CRISIS-ELIGIBILITY")
///    or the error kind ("STALE_ETAG"), `domain` kErrorDomain, `metadata`
///    what helps the client (the resource, a deadline's last allowed time);
///  * google.rpc.LocalizedMessage in nl-NL — the sentence a coordinator
///    reads, from the catalogue (catalogue.h);
///  * google.rpc.BadRequest on INVALID_ARGUMENT — one FieldViolation for
///    every invalid field of the request, each with its reason and its
///    Dutch sentence;
///  * google.rpc.RetryInfo on UNAVAILABLE and ABORTED where a retry helps.
///
/// The status message stays short English for operators; it never holds
/// personal data.

/// ErrorInfo.domain of every error a Ketenregie service answers.
inline constexpr std::string_view kErrorDomain = "ketenregie.nl";

/// What went wrong when no rule of workflow/ refused: ErrorInfo.reason.
/// Every kind has its Dutch sentence in the catalogue (a test walks them).
enum class ErrorKind {
  /// INVALID_ARGUMENT: fields of the request are wrong (BadRequest says which).
  kFieldInvalid,
  /// INVALID_ARGUMENT: the request_id was used before for another request.
  kRequestIdReused,
  /// ABORTED: the resource changed since the caller read it; read it again.
  kStaleEtag,
  /// ABORTED: a concurrent change won; the same request may be sent again.
  kConcurrentChange,
  /// NOT_FOUND: no such resource the caller may see.
  kNotFound,
  /// UNAVAILABLE: the database cannot be reached; nothing was written.
  kDatabaseUnavailable,
  /// UNAVAILABLE: whether the change was stored is unknown; the same
  /// request_id tells.
  kOutcomeUnknown,
  /// UNAVAILABLE: another Ketenregie service cannot be reached.
  kPeerUnavailable,
  /// INTERNAL: another Ketenregie service refused what this one asked.
  kPeerRefused,
  /// UNAUTHENTICATED: no verified client certificate of an organisation.
  kUnauthenticated,
  /// INTERNAL: a fault of the service.
  kInternal,
  /// The codes gRPC itself answers with: a status made without details
  /// gets one of these (ErrorDetailsInterceptor).
  kCancelled,
  kDeadlineExceeded,
  kUnimplemented,
  kResourceExhausted,
  /// ALREADY_EXISTS: what the request would create is there already (a
  /// user id taken in the organisation).
  kAlreadyExists,
  /// UNAUTHENTICATED: a login whose name, password or code is not right —
  /// never saying which (the directory's Authenticate).
  kLoginFailed,
  /// UNAUTHENTICATED: a request of the JSON API without a live session.
  kNoSession,
  /// PERMISSION_DENIED: a state-changing request of a session without its
  /// CSRF token, or from another site; nothing was done.
  kCsrfRefused,
};

/// Every error kind, in the order above.
std::span<const ErrorKind> AllErrorKinds();
/// "STALE_ETAG".
std::string_view CodeOf(ErrorKind kind);

/// Why one field is wrong: BadRequest.FieldViolation.reason. Every reason
/// has its Dutch sentence in the catalogue.
enum class FieldReason {
  /// Empty, or missing, where a value is required.
  kRequired,
  /// Longer than the field holds.
  kTooLong,
  /// More values than the field holds.
  kTooMany,
  /// Not an identifier of the expected form (UUID, user or organisation id).
  kNotAnId,
  /// A value the field does not know, or not one of those allowed here.
  kUnknownValue,
  /// A value given more than once.
  kDuplicate,
  /// A number, date or time outside what the field allows.
  kOutOfRange,
  /// A control character (NUL, or a line break where one line is meant).
  kControlCharacter,
  /// An organisation that is not part of the chain.
  kUnknownOrganisation,
  /// Refers to something that does not exist where the request says
  /// (a consent of another trajectory, a user of another organisation).
  kUnknownReference,
  /// Given where it does not belong (a guardian for a consent of the person).
  kNotApplicable,
  /// A page token or cursor that no list of this service gave.
  kInvalidToken,
  /// The request_id was used before for another request.
  kReused,
};

/// Every field reason, in the order above.
std::span<const FieldReason> AllFieldReasons();
/// "TOO_LONG".
std::string_view CodeOf(FieldReason reason);

/// One wrong field of a request.
struct FieldProblem {
  /// The field's path in the request ("identity.given_name").
  std::string field;
  FieldReason reason;
  /// What is wrong, in short English ("at most 200 bytes").
  std::string description;
};

/// Every wrong field of one request, collected before anything is read or
/// written, so that a client learns them all at once:
///
///   FieldErrors errors(*request);  // control characters, in every field
///   CheckRequestId(errors, request->request_id());
///   errors.Require(request->capacity() >= 0, "capacity", FieldReason::kOutOfRange, "0 to 1000");
///   if (auto invalid = errors.Status(); !invalid.ok()) return invalid;
///
/// A field is named once: its first problem.
class FieldErrors final {
 public:
  FieldErrors() = default;
  /// Starts with every text field of `request` that holds a control
  /// character (CheckText, validation.h).
  explicit FieldErrors(const google::protobuf::Message& request);

  void Add(std::string_view field, FieldReason reason, std::string_view description);
  /// Adds unless `ok`; returns `ok`.
  bool Require(bool ok, std::string_view field, FieldReason reason, std::string_view description);

  bool empty() const { return problems_.empty(); }
  /// Whether `field` has been named already.
  bool Names(std::string_view field) const;
  const std::vector<FieldProblem>& problems() const { return problems_; }

  /// OK when no field is wrong, else INVALID_ARGUMENT (FIELD_INVALID) with a
  /// FieldViolation for each.
  grpc::Status Status() const;

 private:
  std::vector<FieldProblem> problems_;
};

/// Bad input in one field: INVALID_ARGUMENT naming it. Nothing was written.
grpc::Status InvalidArgument(std::string_view field, FieldReason reason,
                             std::string_view description);

/// A transition the rules forbid: FAILED_PRECONDITION, ErrorInfo.reason the
/// rule's id, metadata the violation's facts and `resource` ("placements/<id>")
/// when given. The client should not retry until the state changes.
grpc::Status RuleRefusal(const workflow::RuleViolation& violation, std::string_view resource = "");

/// Role or consent: PERMISSION_DENIED, ErrorInfo.reason the rule's id.
grpc::Status Forbidden(const workflow::RuleViolation& violation, std::string_view resource = "");

/// A stale etag: ABORTED (STALE_ETAG); re-read and retry at a higher level.
grpc::Status StaleEtag(std::string_view resource);

/// NOT_FOUND, naming the kind of resource ("placement"), never its contents.
grpc::Status NotFound(std::string_view resource);
/// ALREADY_EXISTS: a `resource` ("user") of that id exists; nothing was
/// written.
grpc::Status AlreadyExists(std::string_view resource);
/// UNAUTHENTICATED, LOGIN_FAILED: the same answer for every wrong part of a
/// login and for a user nobody has.
grpc::Status LoginFailed();
/// UNAUTHENTICATED, NO_SESSION.
grpc::Status NoSession();
/// PERMISSION_DENIED, CSRF_REFUSED.
grpc::Status CsrfRefused();

/// A fault of the service: INTERNAL, with a message for operators.
grpc::Status Internal(std::string_view message);

/// A status of one of the kinds above that are not about fields or rules,
/// with its details: `message` short English, `metadata` for ErrorInfo,
/// `retry_after` for RetryInfo.
grpc::Status ErrorStatus(grpc::StatusCode code, ErrorKind kind, std::string_view message,
                         std::vector<std::pair<std::string, std::string>> metadata = {},
                         std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

/// Storage outcomes: unreachable or no connection free → UNAVAILABLE (safe to
/// retry); lost races → ABORTED; commit outcome unknown → UNAVAILABLE, and
/// a retry with the same request_id returns what happened.
grpc::Status FromStorageError(const StorageError& error);

/// The ErrorInfo.reason of `status`, or "" when it has no details of ours.
std::string ReasonOf(const grpc::Status& status);
/// The Dutch sentence of `status` (its LocalizedMessage in nl-NL), or "".
std::string DutchMessageOf(const grpc::Status& status);
/// ErrorInfo.metadata[key] of `status` (a fact of its refusal), or "".
std::string ErrorFactOf(const grpc::Status& status, std::string_view key);

/// `status` with its details: itself when it has them; otherwise the same
/// code and message with the error kind its code means (a status gRPC made,
/// or one made without this header, which is a bug).
grpc::Status WithDetails(const grpc::Status& status);

}  // namespace ketenregie::common
