#pragma once

#include <map>
#include <string>
#include <vector>

namespace ketenregie::common {

/// One of the services: its stack.env address key and its fully
/// qualified gRPC name (the health-check service name).
struct ServiceEndpoint {
  std::string env_key;
  std::string full_name;
};
/// Every service of services/services.list, by its stack.env key.
const std::vector<ServiceEndpoint>& KetenregieServices();

/// What a client of the local stack needs, read from .local/stack.env.
struct StackEnv {
  std::map<std::string, std::string> values;
  /// values.at(key), or std::runtime_error naming the key.
  const std::string& At(const std::string& key) const;
};

/// Parses KEY=value lines (no quoting, # comments). Throws naming the line.
StackEnv LoadStackEnv(const std::string& path);

}  // namespace ketenregie::common
