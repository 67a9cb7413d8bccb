#include "workflow/access.h"

#include <array>
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

constexpr std::array kRoles = {Role::kCoordinator,    Role::kMeldpunt,       Role::kShelterStaff,
                               Role::kPartner,        Role::kPrivacyOfficer, Role::kService,
                               Role::kPacketAssembler};

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
  }
  return "?";
}

std::string_view ToString(Operation operation) {
  switch (operation) {
    case Operation::kRecordSignal:
      return "record a signal";
    case Operation::kReadSignals:
      return "read signals";
    case Operation::kManageTrajectory:
      return "create or change a trajectory";
    case Operation::kReadTrajectory:
      return "read a trajectory";
    case Operation::kManageTasks:
      return "manage tasks";
    case Operation::kReadEligibilityFacts:
      return "read eligibility facts";
    case Operation::kReadDisclosureSections:
      return "read disclosure sections";
    case Operation::kReadEvents:
      return "read the event feed";
    case Operation::kManageShelter:
      return "manage a shelter";
    case Operation::kRequestPlacement:
      return "request a placement";
    case Operation::kRunPlacement:
      return "place or end a placement";
    case Operation::kReadOccupancy:
      return "read occupancy";
    case Operation::kManageConsent:
      return "record consent or overrides";
    case Operation::kCheckDisclosure:
      return "check a disclosure";
    case Operation::kReadAudit:
      return "read the audit trail";
    case Operation::kSendHandoff:
      return "send a handoff";
    case Operation::kAnswerHandoff:
      return "answer a handoff";
  }
  return "?";
}

std::optional<Role> RoleFromString(std::string_view name) {
  for (const Role role : kRoles) {
    if (ToString(role) == name) {
      return role;
    }
  }
  return std::nullopt;
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

std::optional<RuleViolation> CheckOwnShelter(std::string_view caller_organisation,
                                             std::string_view operator_organisation) {
  if (caller_organisation == operator_organisation) {
    return std::nullopt;
  }
  return RuleViolation{rules::kAccessRole,
                       "staff act only for the shelter their organisation runs"};
}

}  // namespace ketenregie::workflow
