#include "services/common/trajectory_facts.h"

#include <grpcpp/client_context.h>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/status.h"
#include "workflow/access.h"

namespace ketenregie::common {

grpc::Status GetOwnTrajectoryFacts(TrajectoryFacts& facts, const std::string& trajectory_id,
                                   const std::string& caller_organisation,
                                   workflow::PersonFacts& out) {
  if (grpc::Status status = facts.Get(trajectory_id, out); !status.ok()) {
    return status;
  }
  if (workflow::CheckOwnTrajectory(caller_organisation, out.organisation)) {
    return NotFound("trajectory");
  }
  return grpc::Status::OK;
}

// --- trajectory facts over gRPC ---------------------------------------------------

RemoteTrajectoryFacts::RemoteTrajectoryFacts(std::function<std::string()> resolve_address,
                                             std::shared_ptr<grpc::ChannelCredentials> credentials,
                                             std::string actor)
    : channel_(std::move(resolve_address), std::move(credentials)), actor_(std::move(actor)) {}

grpc::Status RemoteTrajectoryFacts::Get(const std::string& trajectory_id,
                                        workflow::PersonFacts& facts) {
  const std::shared_ptr<grpc::Channel> channel = channel_.Get();
  if (channel == nullptr) {
    return PeerUnavailable("trajectory service", "eligibility not checked, nothing changed");
  }
  grpc::ClientContext context;
  PreparePeerCall(context, actor_);
  trajectory::v1::GetEligibilityFactsRequest request;
  request.set_trajectory_id(trajectory_id);
  trajectory::v1::EligibilityFacts response;
  const grpc::Status status =
      trajectory::v1::TrajectoryService::NewStub(channel)->GetEligibilityFacts(&context, request,
                                                                               &response);
  if (!status.ok()) {
    return FromPeer(status, "trajectory service", "eligibility not checked, nothing changed",
                    "trajectory");
  }
  switch (response.age_status()) {
    case trajectory::v1::AGE_STATUS_CONFIRMED_ADULT:
      facts.age = workflow::AgeStatus::kConfirmedAdult;
      break;
    case trajectory::v1::AGE_STATUS_MINOR:
      facts.age = workflow::AgeStatus::kMinor;
      break;
    case trajectory::v1::AGE_STATUS_DOUBTED:
      facts.age = workflow::AgeStatus::kDoubted;
      break;
    default:
      facts.age = workflow::AgeStatus::kUnknown;
  }
  switch (response.gender_identity()) {
    case trajectory::v1::GENDER_IDENTITY_WOMAN:
      facts.gender = workflow::GenderIdentity::kWoman;
      break;
    case trajectory::v1::GENDER_IDENTITY_MAN:
      facts.gender = workflow::GenderIdentity::kMan;
      break;
    case trajectory::v1::GENDER_IDENTITY_NON_BINARY:
      facts.gender = workflow::GenderIdentity::kNonBinary;
      break;
    default:
      facts.gender = workflow::GenderIdentity::kNotStated;
  }
  facts.accompanying_children = response.accompanying_children();
  facts.trajectory_open = response.open();
  facts.organisation = response.organisation_id();
  facts.minor_until.reset();
  if (response.has_minor_until()) {
    facts.minor_until = workflow::Instant{std::chrono::seconds{response.minor_until().seconds()}};
  }
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
