#pragma once

/// The directory's logins and sessions as the front door uses them: the
/// gateway's own calls (R-ACCESS-GATEWAY), made with the web service's
/// certificate as its directory user, for nobody. The directory decides
/// every one; the front door only carries the answer to the browser.

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>

#include "ketenregie/directory/v1/directory.grpc.pb.h"

namespace ketenregie::web {

/// The web service's own user in the directory (deploy/local/users.tsv).
inline constexpr std::string_view kGatewayActor = "web-service";

class Accounts {
 public:
  /// `channel` gives the channel to the directory service, or nullptr
  /// while its address is unknown (UNAVAILABLE then).
  Accounts(std::function<std::shared_ptr<grpc::Channel>()> channel,
           std::string actor = std::string(kGatewayActor));

  grpc::Status Authenticate(const directory::v1::AuthenticateRequest& request,
                            directory::v1::AuthenticateResponse& response) const;
  grpc::Status StartEnrolment(const directory::v1::StartEnrolmentRequest& request,
                              directory::v1::StartEnrolmentResponse& response) const;
  grpc::Status CompleteEnrolment(const directory::v1::CompleteEnrolmentRequest& request,
                                 directory::v1::CompleteEnrolmentResponse& response) const;
  /// The live session of `session_hash` (and a request of it), or why not.
  grpc::Status CheckSession(const std::string& session_hash, directory::v1::Session& session) const;
  grpc::Status EndSession(const std::string& session_hash) const;

 private:
  template <typename Call>
  grpc::Status WithStub(Call&& call) const;

  std::function<std::shared_ptr<grpc::Channel>()> channel_;
  std::string actor_;
};

}  // namespace ketenregie::web
