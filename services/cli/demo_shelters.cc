// Demo shelters: each demo shelter organisation's staff registers its
// shelter through the shelter service's public API, as real staff do, so
// the coordinator's workspace has beds to ask for: a crisis shelter (women
// 18+ with their children, at most three months) and a categorical place
// (COSM) for whoever the crisis shelter does not take. Running it again on
// the same stack registers nothing twice (the request ids are fixed).
#include <grpcpp/client_context.h>

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/cli/demo.h"
#include "services/common/client.h"

namespace ketenregie::cli {
namespace {

namespace sv1 = shelter::v1;

struct DemoShelter {
  const char* organisation;
  const char* staff;
  const char* name;
  sv1::ShelterKind kind;
  int beds;
};

constexpr DemoShelter kShelters[] = {
    {"crisisopvang-rotterdam", "opvang-1", "Crisisopvang Rotterdam", sv1::SHELTER_KIND_CRISIS, 8},
    {"cosm-demo", "cosm-1", "COSM Demo", sv1::SHELTER_KIND_CATEGORICAL, 12},
};

}  // namespace

int RunDemoShelters(const common::StackEnv& env) {
  for (const DemoShelter& demo : kShelters) {
    const auto stub = sv1::ShelterService::NewStub(common::OrganisationChannel(
        env.At("KETENREGIE_SHELTER_ADDR"), env.At("KETENREGIE_CERTS_DIR"), demo.organisation,
        env.At("KETENREGIE_CA")));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-actor", demo.staff);
    sv1::CreateShelterRequest create;
    create.set_request_id(std::string("demo-shelters-") + demo.organisation);
    create.mutable_shelter()->set_display_name(demo.name);
    create.mutable_shelter()->set_kind(demo.kind);
    create.mutable_shelter()->set_capacity_beds(demo.beds);
    create.mutable_shelter()->set_secret_address("(geheim adres, alleen voor de opvang zelf)");
    sv1::Shelter shelter;
    if (const grpc::Status status = stub->CreateShelter(&context, create, &shelter); !status.ok()) {
      throw std::runtime_error(std::string("CreateShelter for ") + demo.organisation + " failed: " +
                               std::to_string(status.error_code()) + " " + status.error_message());
    }
    std::cout << "  " << shelter.display_name() << ": " << shelter.capacity_beds()
              << " beds, registered by " << demo.organisation << " (address sealed)\n";
  }
  return 0;
}

}  // namespace ketenregie::cli
