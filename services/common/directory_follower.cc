#include "services/common/directory_follower.h"

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include "ketenregie/directory/v1/directory.grpc.pb.h"

namespace ketenregie::common {
namespace {

namespace pb = directory::v1;

constexpr std::array<std::pair<workflow::Role, pb::Role>, 9> kRoles{{
    {workflow::Role::kCoordinator, pb::ROLE_COORDINATOR},
    {workflow::Role::kMeldpunt, pb::ROLE_MELDPUNT},
    {workflow::Role::kShelterStaff, pb::ROLE_SHELTER_STAFF},
    {workflow::Role::kPartner, pb::ROLE_PARTNER},
    {workflow::Role::kPrivacyOfficer, pb::ROLE_PRIVACY_OFFICER},
    {workflow::Role::kService, pb::ROLE_SERVICE},
    {workflow::Role::kPacketAssembler, pb::ROLE_PACKET_ASSEMBLER},
    {workflow::Role::kOrganisationAdministrator, pb::ROLE_ORGANISATION_ADMINISTRATOR},
    {workflow::Role::kLoginGateway, pb::ROLE_LOGIN_GATEWAY},
}};

}  // namespace

pb::Role ApiRoleOf(workflow::Role role) {
  for (const auto& [ours, api] : kRoles) {
    if (ours == role) {
      return api;
    }
  }
  throw std::logic_error("a role missing from the API's role table");
}

std::optional<workflow::Role> RoleOfApi(int role) {
  for (const auto& [ours, api] : kRoles) {
    if (api == role) {
      return ours;
    }
  }
  return std::nullopt;
}

Directory::Entries EntriesOf(const pb::DirectorySnapshot& snapshot) {
  Directory::Entries entries;
  entries.revision = snapshot.revision();
  for (const auto& organisation : snapshot.organisations()) {
    const auto type = workflow::OrganisationTypeFromString(organisation.type());
    if (!type) {
      throw std::invalid_argument("the directory names an organisation type this build lacks");
    }
    entries.organisations.emplace(
        organisation.id(),
        Directory::Organisation{organisation.id(), *type, organisation.display_name()});
  }
  for (const auto& user : snapshot.users()) {
    std::set<workflow::Role> roles;
    for (const int role : user.roles()) {
      const auto known = RoleOfApi(role);
      if (!known) {
        throw std::invalid_argument("the directory names a role this build lacks");
      }
      roles.insert(*known);
    }
    entries.users[{user.organisation_id(), user.user_id()}] = std::move(roles);
  }
  return entries;
}

bool FollowDirectory(Directory& copy, PeerChannel& directory_service, std::string_view actor) {
  const auto channel = directory_service.Get();
  if (channel == nullptr) {
    return false;
  }
  auto stub = pb::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  PreparePeerCall(context, actor);
  pb::GetDirectoryRequest request;
  request.set_known_revision(copy.Revision());
  pb::DirectorySnapshot snapshot;
  if (!stub->GetDirectory(&context, request, &snapshot).ok()) {
    return false;
  }
  if (snapshot.unchanged() && snapshot.revision() == copy.Revision() && copy.Revision() != 0) {
    copy.Confirm();
  } else {
    copy.Replace(EntriesOf(snapshot));
    // A revision number only: never who is in it.
    spdlog::debug("directory copy at revision {}", snapshot.revision());
  }
  return true;
}

}  // namespace ketenregie::common
