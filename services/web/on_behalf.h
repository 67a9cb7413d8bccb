#pragma once

/// Calls to the services on behalf of a person who logged in
/// (R-ACCESS-GATEWAY): the web service's own certificate, and the person's
/// organisation, user and session as metadata. The service behind decides
/// every call as the person's own; the front door grants nothing.

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "services/common/peer.h"
#include "services/common/service_list.h"

namespace ketenregie::web {

/// Whose call it is: the session's person, for the on-behalf-of metadata.
struct OnBehalfOf {
  std::string organisation_id;
  std::string user_id;
  std::string session_hash;
};

/// How long one call on a person's behalf may take.
inline constexpr std::chrono::seconds kOnBehalfDeadline{10};

/// Sets up `context` for a call on behalf of `who`, the one way the front
/// door does it (the /v1 API and the pages alike): the deadline and the
/// metadata a service reads (kActorMetadataKey, kOnBehalfOfMetadataKey,
/// kSessionHashMetadataKey).
void PrepareOnBehalfCall(grpc::ClientContext& context, const OnBehalfOf& who);

/// The channel to a service by its name in services/services.list
/// ("trajectory"), or nullptr while its address is unknown.
using ChannelOf = std::function<std::shared_ptr<grpc::Channel>(std::string_view service)>;

/// Typed calls for the pages: `calls.Call<TrajectoryService>(who,
/// &Stub::GetTrajectory, request, response)`. A service that cannot be
/// reached is UNAVAILABLE; any other status is the service's own, with its
/// details (rule, Dutch message, fields), for the page to show.
class OnBehalfCalls {
 public:
  explicit OnBehalfCalls(ChannelOf channel_of) : channel_of_(std::move(channel_of)) {}

  template <typename Service, typename Request, typename Response>
  grpc::Status Call(const OnBehalfOf& who,
                    grpc::Status (Service::Stub::*method)(grpc::ClientContext*, const Request&,
                                                          Response*),
                    const Request& request, Response& response) const {
    const std::string_view name = NameOf(Service::service_full_name());
    const auto channel = channel_of_(name);
    if (channel == nullptr) {
      return common::PeerUnavailable(name, "nothing was done");
    }
    typename Service::Stub stub(channel);
    grpc::ClientContext context;
    PrepareOnBehalfCall(context, who);
    return (stub.*method)(&context, request, &response);
  }

  /// Call, started on a thread of its own, for the reads of one page that
  /// wait on each other for nothing: asked at once, the page waits for the
  /// slowest instead of their sum. `request` and `response` must outlive
  /// the future (whose destructor waits for the call).
  template <typename Service, typename Request, typename Response>
  std::future<grpc::Status> Start(const OnBehalfOf& who,
                                  grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                                  const Request& request, Response& response) const {
    return std::async(std::launch::async, [this, who, method, &request, &response] {
      return Call<Service>(who, method, request, response);
    });
  }

 private:
  /// "trajectory" for "ketenregie.trajectory.v1.TrajectoryService"; throws
  /// std::invalid_argument for a service not in the list.
  static std::string_view NameOf(std::string_view grpc_service);

  ChannelOf channel_of_;
};

}  // namespace ketenregie::web
