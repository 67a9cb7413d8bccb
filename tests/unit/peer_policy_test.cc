// One policy for calls between services (common/peer.h): every peer status
// means one thing for our caller.

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <chrono>

#include "services/common/peer.h"

namespace ketenregie::common {
namespace {

using grpc::StatusCode;

TEST(PeerPolicy, EveryPeerStatusHasOneMeaningForOurCaller) {
  struct Row {
    StatusCode peer;
    StatusCode ours;
  };
  // The table of peer.h, row by row, with a resource named.
  for (const Row row :
       {Row{StatusCode::OK, StatusCode::OK}, Row{StatusCode::NOT_FOUND, StatusCode::NOT_FOUND},
        Row{StatusCode::UNAVAILABLE, StatusCode::UNAVAILABLE},
        Row{StatusCode::DEADLINE_EXCEEDED, StatusCode::UNAVAILABLE},
        Row{StatusCode::RESOURCE_EXHAUSTED, StatusCode::UNAVAILABLE},
        Row{StatusCode::ABORTED, StatusCode::UNAVAILABLE},
        Row{StatusCode::PERMISSION_DENIED, StatusCode::INTERNAL},
        Row{StatusCode::UNAUTHENTICATED, StatusCode::INTERNAL},
        Row{StatusCode::INVALID_ARGUMENT, StatusCode::INTERNAL},
        Row{StatusCode::FAILED_PRECONDITION, StatusCode::INTERNAL},
        Row{StatusCode::INTERNAL, StatusCode::INTERNAL},
        Row{StatusCode::UNKNOWN, StatusCode::INTERNAL},
        Row{StatusCode::UNIMPLEMENTED, StatusCode::INTERNAL}}) {
    SCOPED_TRACE(static_cast<int>(row.peer));
    const grpc::Status ours =
        FromPeer({row.peer, "peer's own words"}, "shelter service", "nothing placed", "trajectory");
    EXPECT_EQ(ours.error_code(), row.ours);
    // The peer's message is never passed on: it may name what our caller
    // must not learn.
    EXPECT_EQ(ours.error_message().find("peer's own words"), std::string::npos);
    if (row.ours == StatusCode::UNAVAILABLE || row.ours == StatusCode::INTERNAL) {
      EXPECT_NE(ours.error_message().find("shelter service"), std::string::npos);
      EXPECT_NE(ours.error_message().find("nothing placed"), std::string::npos);
    }
  }
}

TEST(PeerPolicy, NotFoundWithoutAResourceOfOurCallerIsABugBetweenServices) {
  EXPECT_EQ(
      FromPeer({StatusCode::NOT_FOUND, ""}, "consent service", "nothing is shared").error_code(),
      StatusCode::INTERNAL);
  EXPECT_EQ(PeerUnavailable("consent service", "nothing is shared").error_code(),
            StatusCode::UNAVAILABLE);
}

TEST(PeerPolicy, EveryCallCarriesADeadline) {
  grpc::ClientContext context;
  const auto before = std::chrono::system_clock::now();
  PreparePeerCall(context, "handoff-service");
  EXPECT_GT(context.deadline(), before);
  EXPECT_LE(context.deadline(), std::chrono::system_clock::now() + kPeerDeadline);
}

}  // namespace
}  // namespace ketenregie::common
