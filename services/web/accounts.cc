#include "services/web/accounts.h"

#include "services/common/peer.h"
#include "services/common/status.h"

namespace ketenregie::web {

namespace pb = directory::v1;

Accounts::Accounts(std::function<std::shared_ptr<grpc::Channel>()> channel, std::string actor)
    : channel_(std::move(channel)), actor_(std::move(actor)) {}

template <typename Call>
grpc::Status Accounts::WithStub(Call&& call) const {
  const auto channel = channel_();
  if (channel == nullptr) {
    return common::PeerUnavailable("directory service", "nobody can log in");
  }
  const auto stub = pb::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  common::PreparePeerCall(context, actor_);
  return call(*stub, context);
}

grpc::Status Accounts::Authenticate(const pb::AuthenticateRequest& request,
                                    pb::AuthenticateResponse& response) const {
  return WithStub([&](pb::DirectoryService::Stub& stub, grpc::ClientContext& context) {
    return stub.Authenticate(&context, request, &response);
  });
}

grpc::Status Accounts::StartEnrolment(const pb::StartEnrolmentRequest& request,
                                      pb::StartEnrolmentResponse& response) const {
  return WithStub([&](pb::DirectoryService::Stub& stub, grpc::ClientContext& context) {
    return stub.StartEnrolment(&context, request, &response);
  });
}

grpc::Status Accounts::CompleteEnrolment(const pb::CompleteEnrolmentRequest& request,
                                         pb::CompleteEnrolmentResponse& response) const {
  return WithStub([&](pb::DirectoryService::Stub& stub, grpc::ClientContext& context) {
    return stub.CompleteEnrolment(&context, request, &response);
  });
}

grpc::Status Accounts::CheckSession(const std::string& session_hash, pb::Session& session) const {
  pb::CheckSessionRequest request;
  request.set_session_hash(session_hash);
  return WithStub([&](pb::DirectoryService::Stub& stub, grpc::ClientContext& context) {
    return stub.CheckSession(&context, request, &session);
  });
}

grpc::Status Accounts::EndSession(const std::string& session_hash) const {
  pb::EndSessionRequest request;
  request.set_session_hash(session_hash);
  pb::EndSessionResponse response;
  return WithStub([&](pb::DirectoryService::Stub& stub, grpc::ClientContext& context) {
    return stub.EndSession(&context, request, &response);
  });
}

}  // namespace ketenregie::web
