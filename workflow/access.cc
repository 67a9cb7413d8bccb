#include "workflow/access.h"

#include <array>
#include <stdexcept>
#include <string>

#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

bool CareCoordinator(const Principal& p) {
  return p.organisation_type == OrganisationType::kCareCoordination &&
         p.roles.contains(Role::kCoordinator);
}

bool PolicePartner(const Principal& p) {
  return p.organisation_type == OrganisationType::kPolice && p.roles.contains(Role::kPartner);
}

bool ShelterStaff(const Principal& p) {
  return (p.organisation_type == OrganisationType::kCrisisShelter ||
          p.organisation_type == OrganisationType::kCategoricalShelter ||
          p.organisation_type == OrganisationType::kFollowUpShelter) &&
         p.roles.contains(Role::kShelterStaff);
}

bool Service(const Principal& p) {
  return p.organisation_type == OrganisationType::kService && p.roles.contains(Role::kService);
}

constexpr std::array kRoles = {Role::kCoordinator,     Role::kMeldpunt,
                               Role::kShelterStaff,    Role::kPartner,
                               Role::kPrivacyOfficer,  Role::kService,
                               Role::kPacketAssembler, Role::kOrganisationAdministrator,
                               Role::kLoginGateway};

struct OperationEntry {
  Operation operation;
  std::string_view name;
  std::string_view description;
};

// Every operation once: its name in the API's access option, and what it
// is in a refusal's words.
constexpr std::array kOperations = {
    OperationEntry{Operation::kRecordSignal, "RECORD_SIGNAL", "record a signal"},
    OperationEntry{Operation::kReadSignals, "READ_SIGNALS", "read signals"},
    OperationEntry{Operation::kManageTrajectory, "MANAGE_TRAJECTORY",
                   "create or change a trajectory"},
    OperationEntry{Operation::kReadTrajectory, "READ_TRAJECTORY", "read a trajectory"},
    OperationEntry{Operation::kManageTasks, "MANAGE_TASKS", "manage tasks"},
    OperationEntry{Operation::kReadEligibilityFacts, "READ_ELIGIBILITY_FACTS",
                   "read eligibility facts"},
    OperationEntry{Operation::kReadDisclosureSections, "READ_DISCLOSURE_SECTIONS",
                   "read disclosure sections"},
    OperationEntry{Operation::kReadEvents, "READ_EVENTS", "read the event feed"},
    OperationEntry{Operation::kManageShelter, "MANAGE_SHELTER", "manage a shelter"},
    OperationEntry{Operation::kRequestPlacement, "REQUEST_PLACEMENT", "request a placement"},
    OperationEntry{Operation::kRunPlacement, "RUN_PLACEMENT", "place or end a placement"},
    OperationEntry{Operation::kReadOccupancy, "READ_OCCUPANCY", "read occupancy"},
    OperationEntry{Operation::kReadPlacements, "READ_PLACEMENTS", "read placements"},
    OperationEntry{Operation::kManageConsent, "MANAGE_CONSENT", "record consent or overrides"},
    OperationEntry{Operation::kCheckDisclosure, "CHECK_DISCLOSURE", "check a disclosure"},
    OperationEntry{Operation::kReadAudit, "READ_AUDIT", "read the audit trail"},
    OperationEntry{Operation::kSendHandoff, "SEND_HANDOFF", "send a handoff"},
    OperationEntry{Operation::kAnswerHandoff, "ANSWER_HANDOFF", "answer a handoff"},
    OperationEntry{Operation::kReadDirectory, "READ_DIRECTORY", "read the directory"},
    OperationEntry{Operation::kReadOrganisations, "READ_ORGANISATIONS",
                   "read the chain's organisations"},
    OperationEntry{Operation::kManageUsers, "MANAGE_USERS", "manage the users of an organisation"},
    OperationEntry{Operation::kAuthenticate, "AUTHENTICATE", "check a person's login"},
};

constexpr std::array kOperationList = [] {
  std::array<Operation, kOperations.size()> all{};
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = kOperations[i].operation;
  }
  return all;
}();

const OperationEntry& EntryOf(Operation operation) {
  for (const auto& entry : kOperations) {
    if (entry.operation == operation) {
      return entry;
    }
  }
  throw std::logic_error("an operation missing from kOperations");
}

}  // namespace

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kCoordinator:
      return "coordinator";
    case Role::kMeldpunt:
      return "meldpunt";
    case Role::kShelterStaff:
      return "shelter_staff";
    case Role::kPartner:
      return "partner";
    case Role::kPrivacyOfficer:
      return "privacy_officer";
    case Role::kService:
      return "service";
    case Role::kPacketAssembler:
      return "packet_assembler";
    case Role::kOrganisationAdministrator:
      return "organisation_administrator";
    case Role::kLoginGateway:
      return "login_gateway";
  }
  return "?";
}

std::string_view ToString(Operation operation) { return EntryOf(operation).description; }

std::string_view NameOf(Operation operation) { return EntryOf(operation).name; }

std::optional<Operation> OperationNamed(std::string_view name) {
  for (const auto& entry : kOperations) {
    if (entry.name == name) {
      return entry.operation;
    }
  }
  return std::nullopt;
}

std::span<const Operation> AllOperations() { return kOperationList; }

std::optional<Role> RoleFromString(std::string_view name) {
  for (const Role role : kRoles) {
    if (ToString(role) == name) {
      return role;
    }
  }
  return std::nullopt;
}

bool IsOrganisationOfPeople(OrganisationType type) {
  return type != OrganisationType::kUnknown && type != OrganisationType::kService &&
         type != OrganisationType::kGateway;
}

std::optional<RuleViolation> CheckAccess(const Principal& principal, Operation operation) {
  bool allowed = false;
  switch (operation) {
    case Operation::kRecordSignal:
    case Operation::kReadSignals:
      allowed = CareCoordinator(principal) ||
                (principal.organisation_type == OrganisationType::kCareCoordination &&
                 principal.roles.contains(Role::kMeldpunt));
      break;
    case Operation::kManageTrajectory:
    case Operation::kReadTrajectory:
    case Operation::kManageTasks:
      allowed = CareCoordinator(principal);
      break;
    case Operation::kReadEligibilityFacts:
    case Operation::kReadEvents:
      allowed = Service(principal);
      break;
    case Operation::kReadDisclosureSections:
      allowed = Service(principal) && principal.roles.contains(Role::kPacketAssembler);
      break;
    case Operation::kManageShelter:
    case Operation::kRunPlacement:
      allowed = ShelterStaff(principal);
      break;
    case Operation::kRequestPlacement:
      allowed = CareCoordinator(principal) || PolicePartner(principal);
      break;
    case Operation::kReadOccupancy:
      // The police ask for beds too: they see the shelters and free beds
      // they can ask with, never an address.
      allowed = CareCoordinator(principal) || ShelterStaff(principal) || PolicePartner(principal);
      break;
    case Operation::kReadPlacements:
      allowed = PlacementScopeOf(principal) != PlacementScope::kNone;
      break;
    case Operation::kManageConsent:
      allowed = CareCoordinator(principal);
      break;
    case Operation::kCheckDisclosure:
      allowed = Service(principal);
      break;
    case Operation::kReadAudit:
      allowed = principal.organisation_type == OrganisationType::kCareCoordination &&
                principal.roles.contains(Role::kPrivacyOfficer);
      break;
    case Operation::kSendHandoff:
      allowed = CareCoordinator(principal);
      break;
    case Operation::kAnswerHandoff:
      allowed =
          principal.roles.contains(Role::kPartner) || principal.roles.contains(Role::kShelterStaff);
      break;
    case Operation::kReadDirectory:
      allowed = Service(principal);
      break;
    case Operation::kReadOrganisations:
      allowed = IsOrganisationOfPeople(principal.organisation_type) && !principal.roles.empty();
      break;
    case Operation::kManageUsers:
      allowed = IsOrganisationOfPeople(principal.organisation_type) &&
                principal.roles.contains(Role::kOrganisationAdministrator);
      break;
    case Operation::kAuthenticate:
      allowed = principal.organisation_type == OrganisationType::kGateway &&
                principal.roles.contains(Role::kLoginGateway);
      break;
  }
  if (allowed) {
    return std::nullopt;
  }
  return RuleViolation{rules::kAccessRole,
                       "your organisation or role may not " + std::string(ToString(operation))};
}

std::optional<RuleViolation> CheckOwnTrajectory(std::string_view caller_organisation,
                                                std::string_view keeper_organisation) {
  if (!keeper_organisation.empty() && caller_organisation == keeper_organisation) {
    return std::nullopt;
  }
  return RuleViolation{rules::kAccessRole,
                       "only the organisation that keeps a trajectory acts for its person"};
}

bool IsGatewaysOwn(Operation operation) { return operation == Operation::kAuthenticate; }

std::optional<RuleViolation> CheckOnBehalfOf(OrganisationType peer,
                                             std::optional<OrganisationType> on_behalf_of,
                                             bool gateways_own) {
  const bool gateway = peer == OrganisationType::kGateway;
  if (gateways_own) {
    // A login is checked before anyone is logged in: there is nobody to act
    // for, and only the gateway's own principal may (CheckAccess).
    if (on_behalf_of) {
      return RuleViolation{rules::kAccessGateway,
                           "a login is checked by the gateway itself, on behalf of nobody"};
    }
    return std::nullopt;
  }
  if (!on_behalf_of) {
    if (gateway) {
      return RuleViolation{rules::kAccessGateway,
                           "the gateway acts only on behalf of a person's organisation"};
    }
    return std::nullopt;
  }
  if (!gateway) {
    return RuleViolation{rules::kAccessGateway,
                         "only the gateway may act on behalf of another organisation"};
  }
  switch (*on_behalf_of) {
    case OrganisationType::kUnknown:
      return RuleViolation{rules::kAccessGateway,
                           "the gateway acts only for an organisation of the directory"};
    case OrganisationType::kService:
    case OrganisationType::kGateway:
      return RuleViolation{rules::kAccessGateway,
                           "the gateway never acts for a Ketenregie service or a gateway"};
    case OrganisationType::kCareCoordination:
    case OrganisationType::kMunicipality:
    case OrganisationType::kPolice:
    case OrganisationType::kCrisisShelter:
    case OrganisationType::kCategoricalShelter:
    case OrganisationType::kFollowUpShelter:
    case OrganisationType::kLegalAid:
    case OrganisationType::kCareProvider:
    case OrganisationType::kChildProtection:
    case OrganisationType::kNationalRegistry:
      return std::nullopt;
  }
  return RuleViolation{rules::kAccessGateway, "unknown organisation type"};
}

std::optional<RuleViolation> CheckOwnShelter(std::string_view caller_organisation,
                                             std::string_view operator_organisation) {
  if (caller_organisation == operator_organisation) {
    return std::nullopt;
  }
  return RuleViolation{rules::kAccessRole,
                       "staff act only for the shelter their organisation runs"};
}

PlacementScope PlacementScopeOf(const Principal& principal) {
  if (Service(principal)) {
    return PlacementScope::kAll;
  }
  if (ShelterStaff(principal)) {
    return PlacementScope::kOwnShelters;
  }
  if (CareCoordinator(principal) || PolicePartner(principal)) {
    return PlacementScope::kOwnRequests;
  }
  return PlacementScope::kNone;
}

std::optional<RuleViolation> CheckMayCancelPlacement(const Principal& principal,
                                                     std::string_view caller_organisation,
                                                     std::string_view requested_by_organisation,
                                                     std::string_view operator_organisation) {
  if (caller_organisation == requested_by_organisation &&
      !CheckAccess(principal, Operation::kRequestPlacement)) {
    return std::nullopt;  // the requester withdraws the request
  }
  if (auto refusal = CheckAccess(principal, Operation::kRunPlacement)) {
    return refusal;
  }
  return CheckOwnShelter(caller_organisation, operator_organisation);
}

}  // namespace ketenregie::workflow
