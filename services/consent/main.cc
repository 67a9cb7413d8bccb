// The consent service (DESIGN.md §4). Its methods are built by the issues that
// own them; until then gRPC answers UNIMPLEMENTED for each.
#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "services/common/service_main.h"

int main(int argc, char** argv) {
  using Service = ketenregie::consent::v1::ConsentService;
  Service::Service service;
  return ketenregie::common::ServiceMain(
      argc, argv, "consent", {},
      [&service](const ketenregie::common::ServiceConfig&, ketenregie::common::DbPool&) {
        return ketenregie::common::ServiceParts{{{&service, Service::service_full_name()}}, {}, {}};
      });
}
