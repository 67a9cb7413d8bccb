#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/clock.h"
#include "services/common/directory.h"

namespace ketenregie::testing {

/// Development certificates made once per test binary by
/// deploy/local/gen-certs (CA, server, one per organisation and service).
const std::string& TestCertsDir();

/// The local stack's directory (deploy/local/organisations.tsv, users.tsv):
/// the organisations, users and roles every test acts as.
const common::Directory& TestDirectory();

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

/// A client context as the gateway (the web front door) sends it for a
/// logged-in person: `actor` of `organisation`, and the hash of the
/// person's session (R-ACCESS-GATEWAY). Sent over ChannelAs(…, "svc-web").
std::unique_ptr<grpc::ClientContext> ContextOnBehalfOf(const std::string& organisation,
                                                       const std::string& actor,
                                                       const std::string& session_hash);

/// A service's whole event feed from the start, read in pages of
/// `page_size` with the cursor, once it holds at least `count` events (or
/// after ten seconds): the feed serves an event once every transaction older
/// than it has ended, and the other tests running on the same cluster can
/// hold that back for a moment. `actor` is the calling service's user.
template <typename Stub>
std::vector<ketenregie::common::v1::OutboxEvent> ReadFeed(Stub& stub, const std::string& actor,
                                                          std::size_t count, int page_size = 100) {
  std::vector<ketenregie::common::v1::OutboxEvent> events;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    events.clear();
    ketenregie::common::v1::ListEventsRequest request;
    request.set_max_events(page_size);
    for (;;) {
      ketenregie::common::v1::ListEventsResponse page;
      if (!stub.ListEvents(ContextAs(actor).get(), request, &page).ok() ||
          page.events_size() == 0) {
        break;
      }
      events.insert(events.end(), page.events().begin(), page.events().end());
      request.set_after_cursor(page.events(page.events_size() - 1).cursor());
    }
    if (events.size() >= count || std::chrono::steady_clock::now() > give_up) {
      return events;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

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
