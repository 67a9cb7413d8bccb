#include "services/common/directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "services/common/directory_follower.h"

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

TEST(Directory, ASeedRoleThatDoesNotFitItsOrganisationIsRefusedNamingTheLineAndTheRule) {
  const auto orgs = Write("dir-orgs.tsv", "g\tMUNICIPALITY\tG\n");
  try {
    Directory::Load(orgs, Write("dir-users.tsv", "g\tu\tpartner\ng\tv\tcoordinator\n"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2: R-DIRECTORY-ROLES"), std::string::npos) << e.what();
  }
}

// A followed copy answers nothing until it has entries, and stops being
// current once the directory service has not been heard for its max age.
TEST(Directory, AFollowedCopyIsCurrentOnlyWhileConfirmed) {
  Directory copy(std::chrono::milliseconds(200));
  EXPECT_FALSE(copy.Current());
  EXPECT_EQ(copy.Revision(), 0);
  Directory::Entries entries;
  entries.revision = 7;
  entries.organisations.emplace(
      "a", Directory::Organisation{"a", workflow::OrganisationType::kCareCoordination, "A"});
  entries.users[{"a", "u"}] = {workflow::Role::kCoordinator};
  copy.Replace(entries);
  EXPECT_TRUE(copy.Current());
  EXPECT_EQ(copy.Revision(), 7);
  EXPECT_TRUE(copy.FindPrincipal("a", "u").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(copy.Current());
  copy.Confirm();
  EXPECT_TRUE(copy.Current());
  // A newer revision without the user: gone at once.
  entries.revision = 8;
  entries.users.clear();
  copy.Replace(entries);
  EXPECT_FALSE(copy.FindPrincipal("a", "u").has_value());
  EXPECT_TRUE(copy.FindOrganisation("a").has_value());
  // Fixed entries are always current.
  EXPECT_TRUE(Directory(entries).Current());
}

// The API's roles are one written-out table: every workflow role has one,
// and it reads back.
TEST(Directory, EveryRoleHasItsApiValueAndReadsBack) {
  std::set<int> seen;
  for (const auto role :
       {workflow::Role::kCoordinator, workflow::Role::kMeldpunt, workflow::Role::kShelterStaff,
        workflow::Role::kPartner, workflow::Role::kPrivacyOfficer, workflow::Role::kService,
        workflow::Role::kPacketAssembler, workflow::Role::kOrganisationAdministrator,
        workflow::Role::kLoginGateway}) {
    const int api = ApiRoleOf(role);
    EXPECT_TRUE(seen.insert(api).second) << api;
    EXPECT_EQ(RoleOfApi(api), role);
    EXPECT_EQ(workflow::RoleFromString(workflow::ToString(role)), role);
  }
  EXPECT_FALSE(RoleOfApi(0).has_value());
  EXPECT_FALSE(RoleOfApi(99).has_value());
  EXPECT_EQ(static_cast<int>(seen.size()), directory::v1::Role_ARRAYSIZE - 1);
}

// A snapshot with a type or role this build does not know is not taken.
TEST(Directory, ASnapshotWithAnUnknownTypeOrRoleIsNotTaken) {
  directory::v1::DirectorySnapshot snapshot;
  snapshot.set_revision(3);
  auto* org = snapshot.add_organisations();
  org->set_id("a");
  org->set_type("SPACESHIP");
  EXPECT_THROW(EntriesOf(snapshot), std::invalid_argument);
  org->set_type("CARE_COORDINATION");
  auto* user = snapshot.add_users();
  user->set_organisation_id("a");
  user->set_user_id("u");
  user->add_roles(static_cast<directory::v1::Role>(42));
  EXPECT_THROW(EntriesOf(snapshot), std::invalid_argument);
  user->set_roles(0, directory::v1::ROLE_COORDINATOR);
  const auto entries = EntriesOf(snapshot);
  EXPECT_EQ(entries.revision, 3);
  EXPECT_EQ(entries.users.at({"a", "u"}), std::set{workflow::Role::kCoordinator});
}

}  // namespace
}  // namespace ketenregie::common
