#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

namespace ketenregie::common {

/// Reads a whole file; throws std::runtime_error naming the path.
std::string ReadFile(const std::string& path);

/// Server credentials that require a client certificate signed by `ca_path`
/// and verify it: a caller without one never reaches a handler.
std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(const std::string& cert_path,
                                                                    const std::string& key_path,
                                                                    const std::string& ca_path);

/// Client credentials presenting an organisation's certificate.
std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(const std::string& cert_path,
                                                                      const std::string& key_path,
                                                                      const std::string& ca_path);

/// A channel to a Ketenregie service with `credentials`: a peer gone for a
/// moment (a restart, a failover) is tried again every two seconds, not
/// after gRPC's default backoff of twenty seconds to two minutes.
std::shared_ptr<grpc::Channel> ServiceChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials);

}  // namespace ketenregie::common
