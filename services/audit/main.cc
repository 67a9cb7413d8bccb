// The audit service (DESIGN.md §4). Its methods are built by the issues that
// own them; until then gRPC answers UNIMPLEMENTED for each.
#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "services/common/service_main.h"

int main(int argc, char** argv) {
  using Service = ketenregie::audit::v1::AuditService;
  Service::Service service;
  return ketenregie::common::ServiceMain(
      argc, argv, "audit", {},
      [&service](const ketenregie::common::ServiceConfig&, ketenregie::common::DbPool&) {
        return ketenregie::common::ServiceParts{{{&service, Service::service_full_name()}}, {}, {}};
      });
}
