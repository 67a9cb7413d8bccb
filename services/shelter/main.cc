// The shelter service (DESIGN.md §4). Its methods are built by the issues that
// own them; until then gRPC answers UNIMPLEMENTED for each.
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/common/service_main.h"

int main(int argc, char** argv) {
  using Service = ketenregie::shelter::v1::ShelterService;
  Service::Service service;
  return ketenregie::common::ServiceMain(
      argc, argv, "shelter", {},
      [&service](const ketenregie::common::ServiceConfig&, ketenregie::common::DbPool&) {
        return ketenregie::common::ServiceParts{{{&service, Service::service_full_name()}}, {}, {}};
      });
}
