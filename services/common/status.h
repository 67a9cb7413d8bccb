#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "services/common/db_pool.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// The one place where domain outcomes become gRPC status codes
/// (DESIGN.md §7, Abseil's guidance on which code means what).

/// Bad input: INVALID_ARGUMENT naming the field. Nothing was written.
grpc::Status InvalidArgument(std::string_view field, std::string_view problem);

/// A transition the rules forbid: FAILED_PRECONDITION naming the rule. The
/// client should not retry until the state changes.
grpc::Status RuleRefusal(const workflow::RuleViolation& violation);

/// Role or consent: PERMISSION_DENIED naming the rule.
grpc::Status Forbidden(const workflow::RuleViolation& violation);

/// A stale etag: ABORTED; re-read and retry at a higher level.
grpc::Status StaleEtag(std::string_view resource);

grpc::Status NotFound(std::string_view resource);

/// Storage outcomes: unreachable or no connection free → UNAVAILABLE (safe to
/// retry); lost races → ABORTED; commit outcome unknown → UNAVAILABLE, and
/// a retry with the same request_id returns what happened.
grpc::Status FromStorageError(const StorageError& error);

}  // namespace ketenregie::common
