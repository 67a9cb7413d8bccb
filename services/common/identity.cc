#include "services/common/identity.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>

#include "services/common/status.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
         c == '-';
}

}  // namespace

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

grpc::Status IdentifyCaller(const grpc::ServerContext& context, CallIdentity& identity) {
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

  const auto& metadata = context.client_metadata();
  const auto range =
      metadata.equal_range(grpc::string_ref(kActorMetadataKey.data(), kActorMetadataKey.size()));
  if (range.first == range.second) {
    return InvalidArgument(kActorMetadataKey, FieldReason::kRequired,
                           "required: the acting user (request metadata)");
  }
  if (std::next(range.first) != range.second) {
    return InvalidArgument(kActorMetadataKey, FieldReason::kDuplicate, "given more than once");
  }
  const std::string actor(range.first->second.data(), range.first->second.size());
  if (!IsValidPrincipalId(actor)) {
    return InvalidArgument(kActorMetadataKey, FieldReason::kNotAnId,
                           "must be 1-128 characters of a-z 0-9 . _ @ -");
  }
  identity.organisation_id = organisation;
  identity.actor = actor;
  return grpc::Status::OK;
}

grpc::Status IdentifyPrincipal(const grpc::ServerContext& context, const Directory& directory,
                               Caller& caller) {
  if (grpc::Status status = IdentifyCaller(context, caller.identity); !status.ok()) {
    return status;
  }
  const auto principal =
      directory.FindPrincipal(caller.identity.organisation_id, caller.identity.actor);
  if (!principal) {
    return Forbidden({workflow::rules::kAccessRole,
                      "x-actor is not a registered user of the calling organisation"});
  }
  caller.principal = *principal;
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
