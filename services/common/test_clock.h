#pragma once

#include <memory>
#include <string>

#include "ketenregie/testing/v1/test_clock.grpc.pb.h"
#include "services/common/clock.h"

namespace ketenregie::common {

/// True for 127.0.0.1:port, [::1]:port and localhost:port.
bool IsLoopbackListen(const std::string& listen);

/// Serves SetTime for one OffsetClock. Any caller with a valid client
/// certificate may set it: it exists only on a loopback test stack.
class TestClockHandler final : public ketenregie::testing::v1::TestClockService::Service {
 public:
  explicit TestClockHandler(OffsetClock& clock) : clock_(clock) {}
  grpc::Status SetTime(grpc::ServerContext* context,
                       const ketenregie::testing::v1::SetTimeRequest* request,
                       ketenregie::testing::v1::SetTimeResponse* response) override;
  grpc::Status GetTime(grpc::ServerContext* context,
                       const ketenregie::testing::v1::GetTimeRequest* request,
                       ketenregie::testing::v1::SetTimeResponse* response) override;

 private:
  OffsetClock& clock_;
};

}  // namespace ketenregie::common
