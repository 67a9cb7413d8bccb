#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "services/common/directory.h"
#include "workflow/access.h"

namespace ketenregie::common {

/// Metadata key naming the acting user (DESIGN.md §6).
inline constexpr std::string_view kActorMetadataKey = "x-actor";

/// Who is calling: the organisation from the verified client certificate,
/// the user from `x-actor`.
struct CallIdentity {
  std::string organisation_id;
  std::string actor;
};

/// True for a well-formed organisation id or user id: 1..128 characters of
/// [a-z0-9._@-], starting with a letter or digit. Ids are pseudonymous
/// handles, not names.
bool IsValidPrincipalId(std::string_view id);

/// Reads the caller's identity. The organisation comes only from the
/// certificate the TLS layer verified; a request field or metadata can never
/// set it. Returns UNAUTHENTICATED without a verified certificate and
/// INVALID_ARGUMENT naming `x-actor` when the actor is missing or malformed.
grpc::Status IdentifyCaller(const grpc::ServerContext& context, CallIdentity& identity);

/// The caller, identified and found in the directory.
struct Caller {
  CallIdentity identity;
  workflow::Principal principal;
};

/// Identifies the caller and finds them in the directory, for methods whose
/// access depends on the data (checked by the handler with workflow rules):
/// PERMISSION_DENIED when the actor is not a registered user of the
/// certificate's organisation.
grpc::Status IdentifyPrincipal(const grpc::ServerContext& context, const Directory& directory,
                               Caller& caller);

// Checking an operation against the access rule, with every refusal on the
// audit trail, is common::AccessGate::Admit (audit.h).

}  // namespace ketenregie::common
