// The services are listed once (services/services.list); what each one
// must bring besides its code is checked here against that list.

#include "services/common/service_list.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "services/common/directory.h"
#include "services/common/stack_env.h"
#include "workflow/access.h"

namespace ketenregie::common {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = KETENREGIE_SOURCE_DIR;

TEST(ServiceList, EveryServiceBringsItsApiMigrationsAndMain) {
  ASSERT_FALSE(kServices.empty());
  for (const auto& service : kServices) {
    const std::string name(service.name);
    SCOPED_TRACE(name);
    EXPECT_TRUE(fs::exists(kRoot / "proto/ketenregie" / name / "v1" / (name + ".proto")));
    EXPECT_TRUE(fs::exists(kRoot / "services" / name / "main.cc"));
    EXPECT_TRUE(fs::is_directory(kRoot / "migrations" / name));
    EXPECT_EQ(service.grpc_service.rfind("ketenregie." + name + ".v1.", 0), 0u);
  }
}

TEST(ServiceList, EveryServiceIsInTheDirectoryAsAServiceWithItsOwnUser) {
  const Directory directory = Directory::Load((kRoot / "deploy/local/organisations.tsv").string(),
                                              (kRoot / "deploy/local/users.tsv").string());
  for (const auto& service : kServices) {
    const std::string name(service.name);
    SCOPED_TRACE(name);
    const auto organisation = directory.FindOrganisation("svc-" + name);
    ASSERT_TRUE(organisation.has_value()) << "organisations.tsv has no svc-" << name;
    EXPECT_EQ(organisation->type, workflow::OrganisationType::kService);
    const auto principal = directory.FindPrincipal("svc-" + name, name + "-service");
    ASSERT_TRUE(principal.has_value()) << "users.tsv has no " << name << "-service";
    EXPECT_TRUE(principal->roles.contains(workflow::Role::kService));
  }
}

TEST(ServiceList, StackEnvNamesEveryServiceOnce) {
  ASSERT_EQ(KetenregieServices().size(), kServices.size());
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    EXPECT_EQ(KetenregieServices()[i].full_name, kServices[i].grpc_service);
    EXPECT_EQ(KetenregieServices()[i].env_key, kServices[i].address_key);
  }
}

}  // namespace
}  // namespace ketenregie::common
