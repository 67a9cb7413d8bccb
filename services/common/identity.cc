#include "services/common/identity.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "services/common/peer.h"
#include "services/common/status.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
         c == '-';
}

/// The one value of metadata `key`: OK and empty when absent, INVALID_ARGUMENT
/// naming `key` when given more than once.
grpc::Status SingleMetadata(const grpc::ServerContext& context, std::string_view key,
                            std::string& value) {
  const auto& metadata = context.client_metadata();
  const auto range = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  if (range.first == range.second) {
    value.clear();
    return grpc::Status::OK;
  }
  if (std::next(range.first) != range.second) {
    return InvalidArgument(key, FieldReason::kDuplicate, "given more than once");
  }
  value.assign(range.first->second.data(), range.first->second.size());
  return grpc::Status::OK;
}

}  // namespace

bool IsSessionHash(std::string_view value) {
  return value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsValidPrincipalId(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  const char first = id.front();
  if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'))) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), IsIdChar);
}

namespace {

/// IdentifyCaller, and the organisation the call asks to act for
/// (`x-on-behalf-of`, empty when none) for IdentifyPrincipal to check.
grpc::Status ReadCaller(const grpc::ServerContext& context, CallIdentity& identity,
                        std::string& on_behalf_of) {
  const auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return ErrorStatus(grpc::StatusCode::UNAUTHENTICATED, ErrorKind::kUnauthenticated,
                       "a verified client certificate is required");
  }
  const auto names = auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  if (names.size() != 1) {
    return ErrorStatus(grpc::StatusCode::UNAUTHENTICATED, ErrorKind::kUnauthenticated,
                       "client certificate has no single common name");
  }
  const std::string organisation(names.front().data(), names.front().size());
  if (!IsValidPrincipalId(organisation)) {
    return ErrorStatus(grpc::StatusCode::UNAUTHENTICATED, ErrorKind::kUnauthenticated,
                       "client certificate common name is not an org id");
  }

  std::string actor;
  std::string session_hash;
  if (grpc::Status status = SingleMetadata(context, kActorMetadataKey, actor); !status.ok()) {
    return status;
  }
  if (actor.empty()) {
    return InvalidArgument(kActorMetadataKey, FieldReason::kRequired,
                           "required: the acting user (request metadata)");
  }
  if (!IsValidPrincipalId(actor)) {
    return InvalidArgument(kActorMetadataKey, FieldReason::kNotAnId,
                           "must be 1-128 characters of a-z 0-9 . _ @ -");
  }
  if (grpc::Status status = SingleMetadata(context, kOnBehalfOfMetadataKey, on_behalf_of);
      !status.ok()) {
    return status;
  }
  if (grpc::Status status = SingleMetadata(context, kSessionHashMetadataKey, session_hash);
      !status.ok()) {
    return status;
  }
  if (!on_behalf_of.empty() && !IsValidPrincipalId(on_behalf_of)) {
    return InvalidArgument(kOnBehalfOfMetadataKey, FieldReason::kNotAnId,
                           "must be 1-128 characters of a-z 0-9 . _ @ -");
  }
  if (!on_behalf_of.empty() && session_hash.empty()) {
    return InvalidArgument(kSessionHashMetadataKey, FieldReason::kRequired,
                           "required with x-on-behalf-of: the SHA-256 of the session");
  }
  if (!session_hash.empty() && !IsSessionHash(session_hash)) {
    return InvalidArgument(kSessionHashMetadataKey, FieldReason::kNotAnId,
                           "must be 64 lower-case hexadecimal digits");
  }
  if (on_behalf_of.empty() && !session_hash.empty()) {
    return InvalidArgument(kSessionHashMetadataKey, FieldReason::kNotApplicable,
                           "only with x-on-behalf-of");
  }
  identity.organisation_id = organisation;
  identity.actor = actor;
  identity.session_hash = session_hash;
  identity.gateway.clear();
  return grpc::Status::OK;
}

}  // namespace

grpc::Status IdentifyCaller(const grpc::ServerContext& context, CallIdentity& identity) {
  std::string on_behalf_of;
  return ReadCaller(context, identity, on_behalf_of);
}

grpc::Status IdentifyPrincipal(const grpc::ServerContext& context, const Directory& directory,
                               Caller& caller, bool gateways_own) {
  CallIdentity& identity = caller.identity;
  std::string on_behalf_of_id;
  if (grpc::Status status = ReadCaller(context, identity, on_behalf_of_id); !status.ok()) {
    return status;
  }
  if (!directory.Current()) {
    // No copy of the directory that could know of a deactivation: nobody
    // is admitted (fail closed) until the directory service is heard again.
    return PeerUnavailable("directory service", "who is calling cannot be checked");
  }
  const auto type_of = [&directory](const std::string& organisation) {
    const auto found = directory.FindOrganisation(organisation);
    return found ? found->type : workflow::OrganisationType::kUnknown;
  };
  const auto on_behalf_of =
      on_behalf_of_id.empty() ? std::nullopt : std::optional(type_of(on_behalf_of_id));
  if (auto refusal = workflow::CheckOnBehalfOf(type_of(identity.organisation_id), on_behalf_of,
                                               gateways_own)) {
    return Forbidden(*refusal);
  }
  if (on_behalf_of) {
    identity.gateway = std::exchange(identity.organisation_id, on_behalf_of_id);
  }
  const auto principal = directory.FindPrincipal(identity.organisation_id, identity.actor);
  if (!principal) {
    return Forbidden({workflow::rules::kAccessRole,
                      "x-actor is not a registered user of the calling organisation"});
  }
  caller.principal = *principal;
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
