#include "services/common/stack_env.h"

#include <fstream>
#include <stdexcept>

#include "services/common/service_list.h"

namespace ketenregie::common {

const std::vector<ServiceEndpoint>& KetenregieServices() {
  static const std::vector<ServiceEndpoint> endpoints = [] {
    std::vector<ServiceEndpoint> out;
    for (const auto& service : kServices) {
      out.push_back({std::string(service.address_key), std::string(service.grpc_service)});
    }
    return out;
  }();
  return endpoints;
}

const std::string& StackEnv::At(const std::string& key) const {
  const auto found = values.find(key);
  if (found == values.end()) {
    throw std::runtime_error("stack.env has no " + key);
  }
  return found->second;
}

StackEnv LoadStackEnv(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path + " (is the stack started?)");
  }
  StackEnv env;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": not KEY=value");
    }
    env.values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return env;
}

}  // namespace ketenregie::common
