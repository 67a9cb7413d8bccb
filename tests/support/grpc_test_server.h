#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "services/common/clock.h"

namespace ketenregie::testing {

/// Development certificates made once per test binary by
/// deploy/local/gen-certs (CA, server, one per organisation and service).
const std::string& TestCertsDir();

/// Serves `service` on 127.0.0.1:<any port> with mutual TLS, as the
/// services do, until destroyed.
class TestServer final {
 public:
  explicit TestServer(grpc::Service& service);
  ~TestServer();
  const std::string& address() const { return address_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

/// A client channel presenting `org`'s certificate.
std::shared_ptr<grpc::Channel> ChannelAs(const TestServer& server, const std::string& org);

/// A client context with a deadline and the acting user.
std::unique_ptr<grpc::ClientContext> ContextAs(const std::string& actor);

/// A clock the test moves by hand (never in a deployment).
class SettableClock final : public common::Clock {
 public:
  explicit SettableClock(workflow::Instant now) : now_(now.time_since_epoch().count()) {}
  workflow::Instant Now() const override {
    return workflow::Instant{std::chrono::seconds{now_.load()}};
  }
  void Set(workflow::Instant now) { now_ = now.time_since_epoch().count(); }
  void Advance(std::chrono::seconds by) { now_ += by.count(); }

 private:
  std::atomic<long long> now_;
};

}  // namespace ketenregie::testing
