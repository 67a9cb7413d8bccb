#include "services/common/api_descriptors.h"

#include <stdexcept>
#include <string>

#include "ketenregie/audit/v1/audit.pb.h"
#include "ketenregie/consent/v1/consent.pb.h"
#include "ketenregie/directory/v1/directory.pb.h"
#include "ketenregie/handoff/v1/handoff.pb.h"
#include "ketenregie/shelter/v1/shelter.pb.h"
#include "ketenregie/trajectory/v1/trajectory.pb.h"
#include "services/common/service_list.h"

namespace ketenregie::common {

std::vector<const google::protobuf::ServiceDescriptor*> ApiServiceDescriptors() {
  // A message of each service's file, named so that its descriptors are
  // linked into the binary.
  for (const auto* linked :
       {trajectory::v1::Trajectory::descriptor(), shelter::v1::Shelter::descriptor(),
        consent::v1::Consent::descriptor(), handoff::v1::Handoff::descriptor(),
        audit::v1::AuditRecord::descriptor(), directory::v1::User::descriptor()}) {
    if (linked == nullptr) {
      throw std::runtime_error("a service's descriptors are not linked in");
    }
  }
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const auto& service : kServices) {
    const auto* found = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
        std::string(service.grpc_service));
    if (found == nullptr) {
      throw std::runtime_error(std::string(service.grpc_service) + " is not linked in");
    }
    services.push_back(found);
  }
  return services;
}

}  // namespace ketenregie::common
