#include "services/common/status.h"

#include <google/protobuf/duration.pb.h>

#include <algorithm>
#include <array>
#include <optional>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/catalogue.h"
#include "services/common/validation.h"

namespace ketenregie::common {
namespace {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Every kind and reason with its code, in the order of the enum: the one
// list AllErrorKinds, AllFieldReasons and CodeOf read.
constexpr std::array<std::pair<ErrorKind, std::string_view>, 19> kErrorKindCodes{{
    {ErrorKind::kFieldInvalid, "FIELD_INVALID"},
    {ErrorKind::kRequestIdReused, "REQUEST_ID_REUSED"},
    {ErrorKind::kStaleEtag, "STALE_ETAG"},
    {ErrorKind::kConcurrentChange, "CONCURRENT_CHANGE"},
    {ErrorKind::kNotFound, "NOT_FOUND"},
    {ErrorKind::kDatabaseUnavailable, "DATABASE_UNAVAILABLE"},
    {ErrorKind::kOutcomeUnknown, "OUTCOME_UNKNOWN"},
    {ErrorKind::kPeerUnavailable, "PEER_UNAVAILABLE"},
    {ErrorKind::kPeerRefused, "PEER_REFUSED"},
    {ErrorKind::kUnauthenticated, "UNAUTHENTICATED"},
    {ErrorKind::kInternal, "INTERNAL"},
    {ErrorKind::kCancelled, "CANCELLED"},
    {ErrorKind::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
    {ErrorKind::kUnimplemented, "UNIMPLEMENTED"},
    {ErrorKind::kResourceExhausted, "RESOURCE_EXHAUSTED"},
    {ErrorKind::kAlreadyExists, "ALREADY_EXISTS"},
    {ErrorKind::kLoginFailed, "LOGIN_FAILED"},
    {ErrorKind::kNoSession, "NO_SESSION"},
    {ErrorKind::kCsrfRefused, "CSRF_REFUSED"},
}};

constexpr std::array<std::pair<FieldReason, std::string_view>, 13> kFieldReasonCodes{{
    {FieldReason::kRequired, "REQUIRED"},
    {FieldReason::kTooLong, "TOO_LONG"},
    {FieldReason::kTooMany, "TOO_MANY"},
    {FieldReason::kNotAnId, "NOT_AN_ID"},
    {FieldReason::kUnknownValue, "UNKNOWN_VALUE"},
    {FieldReason::kDuplicate, "DUPLICATE"},
    {FieldReason::kOutOfRange, "OUT_OF_RANGE"},
    {FieldReason::kControlCharacter, "CONTROL_CHARACTER"},
    {FieldReason::kUnknownOrganisation, "UNKNOWN_ORGANISATION"},
    {FieldReason::kUnknownReference, "UNKNOWN_REFERENCE"},
    {FieldReason::kNotApplicable, "NOT_APPLICABLE"},
    {FieldReason::kInvalidToken, "INVALID_TOKEN"},
    {FieldReason::kReused, "REUSED"},
}};

// Entry i is the enum's value i, up to its last: none missing, none twice.
template <typename Enum, std::size_t N>
constexpr bool InEnumOrder(const std::array<std::pair<Enum, std::string_view>, N>& table,
                           Enum last) {
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(table[i].first) != i) {
      return false;
    }
  }
  return static_cast<std::size_t>(last) + 1 == N;
}
static_assert(InEnumOrder(kErrorKindCodes, ErrorKind::kCsrfRefused));
static_assert(InEnumOrder(kFieldReasonCodes, FieldReason::kReused));

template <typename Enum, std::size_t N>
constexpr std::array<Enum, N> KeysOf(
    const std::array<std::pair<Enum, std::string_view>, N>& table) {
  std::array<Enum, N> keys{};
  for (std::size_t i = 0; i < N; ++i) {
    keys[i] = table[i].first;
  }
  return keys;
}
constexpr auto kErrorKinds = KeysOf(kErrorKindCodes);
constexpr auto kFieldReasons = KeysOf(kFieldReasonCodes);

// How soon a retry may help, where one does.
constexpr std::chrono::milliseconds kRetrySoon{1000};
constexpr std::chrono::milliseconds kRetryAtOnce{100};

template <typename Detail>
void Pack(google::rpc::Status& status, const Detail& detail) {
  status.add_details()->PackFrom(detail);
}

google::rpc::LocalizedMessage Dutch(std::string_view code) {
  google::rpc::LocalizedMessage message;
  message.set_locale(std::string(kDutch));
  message.set_message(std::string(DutchFor(code)));
  return message;
}

// The status with its details: ErrorInfo first (the one detail every
// client looks for), the Dutch sentence, then the details of `extra`.
grpc::Status Build(grpc::StatusCode code, std::string message, std::string_view reason,
                   const Metadata& metadata, const google::rpc::Status& extra) {
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  info.mutable_metadata()->insert(metadata.begin(), metadata.end());
  Pack(details, info);
  Pack(details, Dutch(reason));
  details.mutable_details()->MergeFrom(extra.details());
  return {code, std::move(message), details.SerializeAsString()};
}

grpc::Status RuleStatus(grpc::StatusCode code, const workflow::RuleViolation& violation,
                        std::string_view resource) {
  Metadata metadata(violation.facts.begin(), violation.facts.end());
  if (!resource.empty()) {
    metadata.emplace_back("resource", std::string(resource));
  }
  return Build(code, std::string(violation.rule) + ": " + violation.message, violation.rule,
               metadata, {});
}

ErrorKind KindOfCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return ErrorKind::kFieldInvalid;
    case grpc::StatusCode::ABORTED:
      return ErrorKind::kConcurrentChange;
    case grpc::StatusCode::NOT_FOUND:
      return ErrorKind::kNotFound;
    case grpc::StatusCode::UNAVAILABLE:
      return ErrorKind::kPeerUnavailable;
    case grpc::StatusCode::UNAUTHENTICATED:
      return ErrorKind::kUnauthenticated;
    case grpc::StatusCode::CANCELLED:
      return ErrorKind::kCancelled;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return ErrorKind::kDeadlineExceeded;
    case grpc::StatusCode::UNIMPLEMENTED:
      return ErrorKind::kUnimplemented;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return ErrorKind::kResourceExhausted;
    case grpc::StatusCode::ALREADY_EXISTS:
      return ErrorKind::kAlreadyExists;
    default:
      return ErrorKind::kInternal;
  }
}

}  // namespace

std::span<const ErrorKind> AllErrorKinds() { return kErrorKinds; }

std::string_view CodeOf(ErrorKind kind) {
  return kErrorKindCodes[static_cast<std::size_t>(kind)].second;
}

std::span<const FieldReason> AllFieldReasons() { return kFieldReasons; }

std::string_view CodeOf(FieldReason reason) {
  return kFieldReasonCodes[static_cast<std::size_t>(reason)].second;
}

// --- field errors ------------------------------------------------------------------

FieldErrors::FieldErrors(const google::protobuf::Message& request) { CheckText(*this, request); }

void FieldErrors::Add(std::string_view field, FieldReason reason, std::string_view description) {
  if (!Names(field)) {
    problems_.push_back({std::string(field), reason, std::string(description)});
  }
}

bool FieldErrors::Require(bool ok, std::string_view field, FieldReason reason,
                          std::string_view description) {
  if (!ok) {
    Add(field, reason, description);
  }
  return ok;
}

bool FieldErrors::Names(std::string_view field) const {
  return std::any_of(problems_.begin(), problems_.end(),
                     [&](const FieldProblem& problem) { return problem.field == field; });
}

grpc::Status FieldErrors::Status() const {
  if (problems_.empty()) {
    return grpc::Status::OK;
  }
  google::rpc::BadRequest bad_request;
  std::string message;
  for (const FieldProblem& problem : problems_) {
    auto* violation = bad_request.add_field_violations();
    violation->set_field(problem.field);
    violation->set_description(problem.description);
    violation->set_reason(std::string(CodeOf(problem.reason)));
    *violation->mutable_localized_message() = Dutch(CodeOf(problem.reason));
    message += (message.empty() ? "" : "; ") + problem.field + ": " + problem.description;
  }
  google::rpc::Status details;
  Pack(details, bad_request);
  const bool reused = problems_.size() == 1 && problems_.front().reason == FieldReason::kReused;
  return Build(grpc::StatusCode::INVALID_ARGUMENT, std::move(message),
               CodeOf(reused ? ErrorKind::kRequestIdReused : ErrorKind::kFieldInvalid), {},
               std::move(details));
}

// --- statuses ------------------------------------------------------------------------

grpc::Status InvalidArgument(std::string_view field, FieldReason reason,
                             std::string_view description) {
  FieldErrors errors;
  errors.Add(field, reason, description);
  return errors.Status();
}

grpc::Status RuleRefusal(const workflow::RuleViolation& violation, std::string_view resource) {
  return RuleStatus(grpc::StatusCode::FAILED_PRECONDITION, violation, resource);
}

grpc::Status Forbidden(const workflow::RuleViolation& violation, std::string_view resource) {
  return RuleStatus(grpc::StatusCode::PERMISSION_DENIED, violation, resource);
}

grpc::Status StaleEtag(std::string_view resource) {
  return ErrorStatus(
      grpc::StatusCode::ABORTED, ErrorKind::kStaleEtag,
      std::string(resource) + " changed since it was read (stale etag): read it again",
      {{"resource_type", std::string(resource)}});
}

grpc::Status NotFound(std::string_view resource) {
  return ErrorStatus(grpc::StatusCode::NOT_FOUND, ErrorKind::kNotFound,
                     std::string(resource) + " not found",
                     {{"resource_type", std::string(resource)}});
}

grpc::Status AlreadyExists(std::string_view resource) {
  return ErrorStatus(grpc::StatusCode::ALREADY_EXISTS, ErrorKind::kAlreadyExists,
                     std::string(resource) + " exists already",
                     {{"resource_type", std::string(resource)}});
}

grpc::Status NoSession() {
  return ErrorStatus(grpc::StatusCode::UNAUTHENTICATED, ErrorKind::kNoSession,
                     "no live session: log in");
}

grpc::Status CsrfRefused() {
  return ErrorStatus(grpc::StatusCode::PERMISSION_DENIED, ErrorKind::kCsrfRefused,
                     "a change needs its session's CSRF token, from this site");
}

grpc::Status LoginFailed() {
  return ErrorStatus(grpc::StatusCode::UNAUTHENTICATED, ErrorKind::kLoginFailed,
                     "the organisation, user, password or code is not right");
}

grpc::Status Internal(std::string_view message) {
  return ErrorStatus(grpc::StatusCode::INTERNAL, ErrorKind::kInternal, message);
}

grpc::Status ErrorStatus(grpc::StatusCode code, ErrorKind kind, std::string_view message,
                         Metadata metadata, std::optional<std::chrono::milliseconds> retry_after) {
  google::rpc::Status details;
  if (retry_after) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(retry_after->count() / 1000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int>(retry_after->count() % 1000) *
                                           1'000'000);
    Pack(details, retry);
  }
  return Build(code, std::string(message), CodeOf(kind), metadata, details);
}

grpc::Status FromStorageError(const StorageError& error) {
  switch (error.kind()) {
    case StorageError::Kind::kUnavailable:
      return ErrorStatus(grpc::StatusCode::UNAVAILABLE, ErrorKind::kDatabaseUnavailable,
                         "database unavailable; safe to retry", {}, kRetrySoon);
    case StorageError::Kind::kConflict:
      return ErrorStatus(grpc::StatusCode::ABORTED, ErrorKind::kConcurrentChange,
                         "concurrent change; retry", {}, kRetryAtOnce);
    case StorageError::Kind::kInDoubt:
      // The same request_id finds the outcome on retry.
      return ErrorStatus(grpc::StatusCode::UNAVAILABLE, ErrorKind::kOutcomeUnknown,
                         "outcome unknown; retry with the same request_id", {}, kRetrySoon);
  }
  return Internal("storage error");
}

namespace {

// The first detail of type `Detail` in `status` that `wanted` accepts.
template <typename Detail, typename Wanted>
std::optional<Detail> FindDetail(const grpc::Status& status, Wanted&& wanted) {
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  for (const auto& any : details.details()) {
    Detail detail;
    if (any.UnpackTo(&detail) && wanted(detail)) {
      return detail;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string ReasonOf(const grpc::Status& status) {
  const auto info = FindDetail<google::rpc::ErrorInfo>(
      status, [](const google::rpc::ErrorInfo& i) { return i.domain() == kErrorDomain; });
  return info ? info->reason() : std::string();
}

std::string ErrorFactOf(const grpc::Status& status, std::string_view key) {
  const auto info = FindDetail<google::rpc::ErrorInfo>(
      status, [](const google::rpc::ErrorInfo& i) { return i.domain() == kErrorDomain; });
  if (!info) {
    return {};
  }
  const auto found = info->metadata().find(std::string(key));
  return found == info->metadata().end() ? std::string() : found->second;
}

std::string DutchMessageOf(const grpc::Status& status) {
  const auto message = FindDetail<google::rpc::LocalizedMessage>(
      status, [](const google::rpc::LocalizedMessage& m) { return m.locale() == kDutch; });
  return message ? message->message() : std::string();
}

grpc::Status WithDetails(const grpc::Status& status) {
  if (status.ok() || !status.error_details().empty()) {
    return status;
  }
  const ErrorKind kind = KindOfCode(status.error_code());
  std::optional<std::chrono::milliseconds> retry;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    retry = kRetrySoon;
  }
  return ErrorStatus(status.error_code(), kind, status.error_message(), {}, retry);
}

}  // namespace ketenregie::common
