#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <string>

namespace ketenregie::common {

/// The standard health check; returns the status name ("SERVING",
/// "NOT_SERVING", ...) or "ERROR <code>: <message>" when the call failed.
std::string CheckHealth(grpc::Channel& channel, const std::string& service,
                        std::chrono::milliseconds deadline);

}  // namespace ketenregie::common
