#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ketenregie::common {

/// One of the five services: its stack.env address key and its fully
/// qualified gRPC name (the health-check service name).
struct ServiceEndpoint {
  std::string env_key;
  std::string full_name;
};
const std::vector<ServiceEndpoint>& KetenregieServices();

/// What a client of the local stack needs, read from .local/stack.env.
struct StackEnv {
  std::map<std::string, std::string> values;
  /// values.at(key), or std::runtime_error naming the key.
  const std::string& At(const std::string& key) const;
};

/// Parses KEY=value lines (no quoting, # comments). Throws naming the line.
StackEnv LoadStackEnv(const std::string& path);

/// A channel to `address` presenting organisation `org`'s certificate from
/// `certs_dir` (<org>.pem, <org>.key), trusting `ca_path`.
std::shared_ptr<grpc::Channel> OrganisationChannel(const std::string& address,
                                                   const std::string& certs_dir,
                                                   const std::string& org,
                                                   const std::string& ca_path);

/// The standard health check; returns the status name ("SERVING",
/// "NOT_SERVING", ...) or "ERROR <code>: <message>" when the call failed.
std::string CheckHealth(grpc::Channel& channel, const std::string& service,
                        std::chrono::milliseconds deadline);

/// The services the server lists through reflection, or throws
/// std::runtime_error with the gRPC status.
std::vector<std::string> ListServicesByReflection(grpc::Channel& channel,
                                                  std::chrono::milliseconds deadline);

}  // namespace ketenregie::common
