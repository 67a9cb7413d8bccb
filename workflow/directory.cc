#include "workflow/directory.h"

#include <array>
#include <string>

#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

using S = AccountState;
using E = AccountEvent;

constexpr std::array kStates = {S::kActive, S::kDeactivated};
constexpr std::array kEvents = {E::kDeactivate, E::kReactivate};
constexpr std::array kTransitions = {
    Transition<S, E>{S::kActive, E::kDeactivate, S::kDeactivated},
    Transition<S, E>{S::kDeactivated, E::kReactivate, S::kActive},
};

std::string_view StateName(S s) { return ToString(s); }
std::string_view EventName(E e) { return ToString(e); }

constexpr MachineSpec<S, E> kMachine{"user_account", kStates,    kEvents,
                                     kTransitions,   &StateName, &EventName};

bool IsShelter(OrganisationType type) {
  return type == OrganisationType::kCrisisShelter ||
         type == OrganisationType::kCategoricalShelter ||
         type == OrganisationType::kFollowUpShelter;
}

}  // namespace

std::string_view ToString(AccountState state) {
  switch (state) {
    case S::kActive:
      return "active";
    case S::kDeactivated:
      return "deactivated";
  }
  return "?";
}

std::string_view ToString(AccountEvent event) {
  switch (event) {
    case E::kDeactivate:
      return "deactivate";
    case E::kReactivate:
      return "reactivate";
  }
  return "?";
}

const MachineSpec<AccountState, AccountEvent>& AccountMachine() { return kMachine; }

Result<AccountState> ApplyAccount(AccountState current, AccountEvent event) {
  if (const auto to = kMachine.Next(current, event)) {
    return *to;
  }
  return kMachine.Refuse(current, event);
}

std::optional<RuleViolation> CheckManagesOrganisation(std::string_view administrator_organisation,
                                                      std::string_view user_organisation) {
  if (!administrator_organisation.empty() && administrator_organisation == user_organisation) {
    return std::nullopt;
  }
  return RuleViolation{rules::kDirectoryOwnOrganisation,
                       "an administrator manages the users of their own organisation only"};
}

bool RoleFits(OrganisationType type, Role role) {
  switch (role) {
    case Role::kCoordinator:
    case Role::kMeldpunt:
    case Role::kPrivacyOfficer:
      return type == OrganisationType::kCareCoordination;
    case Role::kShelterStaff:
      return IsShelter(type);
    case Role::kPartner:
    case Role::kOrganisationAdministrator:
      return IsOrganisationOfPeople(type);
    case Role::kService:
    case Role::kPacketAssembler:
      return type == OrganisationType::kService;
    case Role::kLoginGateway:
      return type == OrganisationType::kGateway;
  }
  return false;
}

std::optional<RuleViolation> CheckRolesFor(OrganisationType type, const std::set<Role>& roles) {
  if (roles.empty()) {
    return RuleViolation{rules::kDirectoryRoles, "a user holds at least one role"};
  }
  for (const Role role : roles) {
    if (!RoleFits(type, role)) {
      return RuleViolation{rules::kDirectoryRoles,
                           "the role " + std::string(ToString(role)) +
                               " does not fit an organisation of type " +
                               std::string(ToString(type)),
                           {{"role", std::string(ToString(role))},
                            {"organisation_type", std::string(ToString(type))}}};
    }
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckKeepsAnAdministrator(int administrators_before,
                                                       int administrators_after) {
  if (administrators_before > 0 && administrators_after <= 0) {
    return RuleViolation{rules::kDirectoryLastAdministrator,
                         "the organisation's last active administrator stays: make another "
                         "user administrator first"};
  }
  return std::nullopt;
}

}  // namespace ketenregie::workflow
