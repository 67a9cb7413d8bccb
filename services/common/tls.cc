#include "services/common/tls.h"

#include <grpcpp/create_channel.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ketenregie::common {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(const std::string& cert_path,
                                                                    const std::string& key_path,
                                                                    const std::string& ca_path) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ReadFile(ca_path);
  options.pem_key_cert_pairs.push_back({ReadFile(key_path), ReadFile(cert_path)});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(const std::string& cert_path,
                                                                      const std::string& key_path,
                                                                      const std::string& ca_path) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFile(ca_path);
  options.pem_private_key = ReadFile(key_path);
  options.pem_cert_chain = ReadFile(cert_path);
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> ServiceChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  // gRPC tries again no sooner than GRPC_ARG_MIN_RECONNECT_BACKOFF_MS after
  // an attempt began (20 s by default), and that is also the time an
  // attempt's TCP and TLS handshake get: two seconds for both.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 2000);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(address, std::move(credentials), arguments);
}

}  // namespace ketenregie::common
