#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace ketenregie::common {

/// Sees every status a server answers before it is sent. A non-OK status
/// without details (made by gRPC, or by code that bypassed status.h, which
/// is a bug) gets those its code means (WithDetails), so no client meets an
/// error without ErrorInfo and a Dutch sentence; `on_status` hears of every
/// non-OK status with what it was made with: the services log the ones
/// without details (method and code, nothing of the request), tests fail on
/// them.
class ErrorDetailsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  using Observer = std::function<void(std::string_view method, const grpc::Status& status)>;
  explicit ErrorDetailsInterceptorFactory(Observer on_status);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Observer on_status_;
};

/// The interceptors every Ketenregie server runs: ErrorDetailsInterceptorFactory
/// logging statuses without details.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerInterceptors();

}  // namespace ketenregie::common
