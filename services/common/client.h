#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "services/common/health_probe.h"
#include "services/common/stack_env.h"

namespace ketenregie::common {

/// A channel to `address` presenting organisation `org`'s certificate from
/// `certs_dir` (<org>.pem, <org>.key), trusting `ca_path`.
std::shared_ptr<grpc::Channel> OrganisationChannel(const std::string& address,
                                                   const std::string& certs_dir,
                                                   const std::string& org,
                                                   const std::string& ca_path);

/// The services the server lists through reflection, or throws
/// std::runtime_error with the gRPC status.
std::vector<std::string> ListServicesByReflection(grpc::Channel& channel,
                                                  std::chrono::milliseconds deadline);

}  // namespace ketenregie::common
