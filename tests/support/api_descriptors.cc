#include "tests/support/api_descriptors.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "services/common/api_descriptors.h"

namespace ketenregie::testing {

std::vector<const google::protobuf::ServiceDescriptor*> EveryServiceDescriptor() {
  try {
    return common::ApiServiceDescriptors();
  } catch (const std::runtime_error& e) {
    ADD_FAILURE() << e.what();
    return {};
  }
}

}  // namespace ketenregie::testing
