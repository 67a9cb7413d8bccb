#pragma once

/// How a service's copy of the directory follows the directory service
/// (DESIGN.md §4: the other services learn the directory through its
/// owner's API, never from its tables).

#include <optional>
#include <string_view>

#include "ketenregie/directory/v1/directory.pb.h"
#include "services/common/directory.h"
#include "services/common/peer.h"
#include "workflow/access.h"

namespace ketenregie::common {

/// The API's role for a workflow role and back: one table, written out
/// (never the enums' positions). nullopt for ROLE_UNSPECIFIED or a value
/// this build does not know.
directory::v1::Role ApiRoleOf(workflow::Role role);
std::optional<workflow::Role> RoleOfApi(int role);

/// The entries a snapshot holds. Throws std::invalid_argument for an
/// organisation type or role this build does not know: such a copy is not
/// taken (the old one stays, and goes stale).
Directory::Entries EntriesOf(const directory::v1::DirectorySnapshot& snapshot);

/// One round: asks the directory service (GetDirectory) what changed since
/// the copy's revision, as `actor` (this service's own user), and takes it
/// in — a new revision replaces the copy, the same one confirms it.
/// Returns whether the directory service answered; when it does not, the
/// copy stays as it is and stops being current after kDirectoryMaxAge.
bool FollowDirectory(Directory& copy, PeerChannel& directory_service, std::string_view actor);

}  // namespace ketenregie::common
