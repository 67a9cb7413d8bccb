#pragma once

#include <google/protobuf/descriptor.h>

#include <vector>

namespace ketenregie::testing {

/// The descriptor of every service of services/services.list, from the
/// generated pool; a service of the list whose protos are not linked in
/// fails the calling test, by name.
std::vector<const google::protobuf::ServiceDescriptor*> EveryServiceDescriptor();

}  // namespace ketenregie::testing
