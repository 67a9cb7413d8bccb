#include "services/common/directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ketenregie::common {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Directory, TheLocalStacksDirectoryLoads) {
  const std::string dir = std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/";
  const Directory directory = Directory::Load(dir + "organisations.tsv", dir + "users.tsv");
  const auto coordinator = directory.FindPrincipal("essm-rotterdam", "coordinator-1");
  ASSERT_TRUE(coordinator.has_value());
  EXPECT_EQ(coordinator->organisation_type, workflow::OrganisationType::kCareCoordination);
  EXPECT_TRUE(coordinator->roles.contains(workflow::Role::kCoordinator));
  // A user is a user of one organisation only.
  EXPECT_FALSE(directory.FindPrincipal("gemeente-rotterdam", "coordinator-1").has_value());
  EXPECT_FALSE(directory.FindPrincipal("essm-rotterdam", "nobody").has_value());
  const auto service = directory.FindPrincipal("svc-shelter", "shelter-service");
  ASSERT_TRUE(service.has_value());
  EXPECT_EQ(service->organisation_type, workflow::OrganisationType::kService);
}

TEST(Directory, RefusesUnknownTypesRolesAndOrganisationsNamingTheLine) {
  const auto orgs = Write("dir-orgs.tsv", "a\tCARE_COORDINATION\tA\nb\tSPACESHIP\tB\n");
  const auto users = Write("dir-users.tsv", "a\tu\tcoordinator\n");
  try {
    Directory::Load(orgs, users);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  const auto good_orgs = Write("dir-orgs.tsv", "a\tCARE_COORDINATION\tA\n");
  EXPECT_THROW(Directory::Load(good_orgs, Write("dir-users.tsv", "a\tu\tadmin\n")),
               std::runtime_error);
  EXPECT_THROW(Directory::Load(good_orgs, Write("dir-users.tsv", "z\tu\tcoordinator\n")),
               std::runtime_error);
}

}  // namespace
}  // namespace ketenregie::common
