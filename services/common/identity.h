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
/// Metadata the gateway (the web front door) sends with a person's call:
/// the organisation it acts for, and the SHA-256 of the person's session
/// (64 lower-case hex digits) for the audit trail (R-ACCESS-GATEWAY).
inline constexpr std::string_view kOnBehalfOfMetadataKey = "x-on-behalf-of";
inline constexpr std::string_view kSessionHashMetadataKey = "x-session-hash";

/// Who is calling: the organisation from the verified client certificate,
/// the user from `x-actor` — or, through the gateway, the organisation it
/// acts for.
struct CallIdentity {
  /// Whose call it is: the certificate's organisation, or once
  /// IdentifyPrincipal admitted the gateway, the organisation it acts for.
  std::string organisation_id;
  std::string actor;
  /// Through the gateway: its organisation (its certificate) and the
  /// person's session hash. Empty for a direct call.
  std::string gateway;
  std::string session_hash;
};

/// True for a well-formed organisation id or user id: 1..128 characters of
/// [a-z0-9._@-], starting with a letter or digit. Ids are pseudonymous
/// handles, not names.
bool IsValidPrincipalId(std::string_view id);

/// True for a session hash as the gateway sends it: 64 lower-case hex
/// digits (SHA-256).
bool IsSessionHash(std::string_view value);

/// Reads the caller's identity. The organisation comes only from the
/// certificate the TLS layer verified; a request field or metadata can never
/// set it (on-behalf-of metadata is checked and applied only by
/// IdentifyPrincipal; here it is left aside). Returns UNAUTHENTICATED
/// without a verified certificate and INVALID_ARGUMENT naming the metadata
/// key when `x-actor` is missing or malformed, or the on-behalf-of metadata
/// is.
grpc::Status IdentifyCaller(const grpc::ServerContext& context, CallIdentity& identity);

/// The caller, identified and found in the directory.
struct Caller {
  CallIdentity identity;
  workflow::Principal principal;
};

/// Identifies the caller and finds them in the directory, for methods whose
/// access depends on the data (checked by the handler with workflow rules).
/// PERMISSION_DENIED (R-ACCESS-GATEWAY) when on-behalf-of metadata comes
/// from a peer that is not a gateway, or a gateway calls without it or for
/// a service; PERMISSION_DENIED (R-ACCESS-ROLE) when the actor is not a
/// registered user of the organisation the call is for; UNAVAILABLE while
/// the directory copy is not current (Directory::Current). `gateways_own`:
/// the method is one the gateway calls as itself, for nobody
/// (workflow::IsGatewaysOwn).
grpc::Status IdentifyPrincipal(const grpc::ServerContext& context, const Directory& directory,
                               Caller& caller, bool gateways_own = false);

// Checking an operation against the access rule, with every refusal on the
// audit trail, is common::AccessGate::Admit (audit.h).

}  // namespace ketenregie::common
