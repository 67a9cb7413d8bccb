#pragma once

/// The directory of organisations, users and roles (DESIGN.md §6): who may
/// manage which accounts, which roles fit which organisation, and an
/// account's life (active ⇄ deactivated). The directory service keeps it;
/// every other service follows its copy.

#include <optional>
#include <set>
#include <string_view>

#include "workflow/access.h"
#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::workflow {

/// A person's account in the directory. A deactivated account is in no
/// service's copy of the directory: every service refuses it
/// (R-ACCESS-ROLE) as soon as its copy has the change.
enum class AccountState { kActive, kDeactivated };
enum class AccountEvent { kDeactivate, kReactivate };

std::string_view ToString(AccountState state);
std::string_view ToString(AccountEvent event);

const MachineSpec<AccountState, AccountEvent>& AccountMachine();

/// The state after `event`, or R-STATE-ORDER (deactivating an account that
/// is deactivated already, reactivating an active one).
Result<AccountState> ApplyAccount(AccountState current, AccountEvent event);

/// R-DIRECTORY-OWN-ORGANISATION: an organisation administrator manages the
/// users of their own organisation only.
std::optional<RuleViolation> CheckManagesOrganisation(std::string_view administrator_organisation,
                                                      std::string_view user_organisation);

/// R-DIRECTORY-ROLES: whether a user of an organisation of `type` may hold
/// `role`. Coordinator, meldpunt and privacy officer: a care-coordination
/// organisation; shelter staff: a shelter; partner and organisation
/// administrator: any organisation of people; service and packet assembler:
/// a Ketenregie service only (never given by an administrator, whose
/// organisation is one of people). The gateway has no users.
bool RoleFits(OrganisationType type, Role role);

/// R-DIRECTORY-ROLES: a user holds at least one role, each one that fits
/// their organisation (RoleFits).
std::optional<RuleViolation> CheckRolesFor(OrganisationType type, const std::set<Role>& roles);

/// R-DIRECTORY-LAST-ADMINISTRATOR: an organisation that has an active
/// administrator keeps one — a change that leaves `administrators_after`
/// active administrators where there were `administrators_before` is
/// refused when it takes the last one away, so no organisation locks
/// itself out of managing its users.
std::optional<RuleViolation> CheckKeepsAnAdministrator(int administrators_before,
                                                       int administrators_after);

}  // namespace ketenregie::workflow
