#include "services/web/on_behalf.h"

#include <stdexcept>

#include "services/common/identity.h"

namespace ketenregie::web {

void PrepareOnBehalfCall(grpc::ClientContext& context, const OnBehalfOf& who) {
  context.set_deadline(std::chrono::system_clock::now() + kOnBehalfDeadline);
  context.AddMetadata(std::string(common::kActorMetadataKey), who.user_id);
  context.AddMetadata(std::string(common::kOnBehalfOfMetadataKey), who.organisation_id);
  context.AddMetadata(std::string(common::kSessionHashMetadataKey), who.session_hash);
}

std::string_view OnBehalfCalls::NameOf(std::string_view grpc_service) {
  for (const common::ServiceEntry& service : common::kServices) {
    if (service.grpc_service == grpc_service) {
      return service.name;
    }
  }
  throw std::invalid_argument("no service " + std::string(grpc_service));
}

}  // namespace ketenregie::web
