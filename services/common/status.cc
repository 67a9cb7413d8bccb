#include "services/common/status.h"

namespace ketenregie::common {

grpc::Status InvalidArgument(std::string_view field, std::string_view problem) {
  return {grpc::StatusCode::INVALID_ARGUMENT, std::string(field) + ": " + std::string(problem)};
}

grpc::Status RuleRefusal(const workflow::RuleViolation& violation) {
  return {grpc::StatusCode::FAILED_PRECONDITION,
          std::string(violation.rule) + ": " + violation.message};
}

grpc::Status Forbidden(const workflow::RuleViolation& violation) {
  return {grpc::StatusCode::PERMISSION_DENIED,
          std::string(violation.rule) + ": " + violation.message};
}

grpc::Status StaleEtag(std::string_view resource) {
  return {grpc::StatusCode::ABORTED,
          std::string(resource) + " changed since it was read (stale etag): read it again"};
}

grpc::Status NotFound(std::string_view resource) {
  return {grpc::StatusCode::NOT_FOUND, std::string(resource) + " not found"};
}

grpc::Status FromStorageError(const StorageError& error) {
  switch (error.kind()) {
    case StorageError::Kind::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, "database unavailable; safe to retry"};
    case StorageError::Kind::kConflict:
      return {grpc::StatusCode::ABORTED, "concurrent change; retry"};
    case StorageError::Kind::kInDoubt:
      // The same request_id finds the outcome on retry.
      return {grpc::StatusCode::UNAVAILABLE, "outcome unknown; retry with the same request_id"};
  }
  return {grpc::StatusCode::INTERNAL, "storage error"};
}

}  // namespace ketenregie::common
