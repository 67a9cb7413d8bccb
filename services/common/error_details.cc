#include "services/common/error_details.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "services/common/status.h"

namespace ketenregie::common {
namespace {

using grpc::experimental::InterceptionHookPoints;

class ErrorDetailsInterceptor final : public grpc::experimental::Interceptor {
 public:
  ErrorDetailsInterceptor(grpc::experimental::ServerRpcInfo* info,
                          const ErrorDetailsInterceptorFactory::Observer& on_status)
      : info_(info), on_status_(on_status) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (!status.ok()) {
        on_status_(info_->method(), status);
        if (status.error_details().empty()) {
          methods->ModifySendStatus(WithDetails(status));
        }
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const ErrorDetailsInterceptorFactory::Observer& on_status_;
};

}  // namespace

ErrorDetailsInterceptorFactory::ErrorDetailsInterceptorFactory(Observer on_status)
    : on_status_(std::move(on_status)) {}

grpc::experimental::Interceptor* ErrorDetailsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ErrorDetailsInterceptor(info, on_status_);
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ErrorDetailsInterceptorFactory>(
      [](std::string_view method, const grpc::Status& status) {
        if (status.error_details().empty()) {
          spdlog::warn("status without details: {} answered code {}", method,
                       static_cast<int>(status.error_code()));
        }
      }));
  return creators;
}

}  // namespace ketenregie::common
