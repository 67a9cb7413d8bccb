#pragma once

#include <google/protobuf/descriptor.h>

#include <vector>

namespace ketenregie::common {

/// The descriptor of every service of services/services.list, from the
/// generated pool, in the list's order; each service's protos are linked
/// into the calling binary by this function. Throws std::runtime_error
/// naming a service whose descriptor is missing.
std::vector<const google::protobuf::ServiceDescriptor*> ApiServiceDescriptors();

}  // namespace ketenregie::common
