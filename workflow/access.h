#pragma once

/// Who may do what (DESIGN.md §1, §6): the organisation type comes from the
/// verified certificate, the roles from the directory entry of the acting
/// user. Checked by the server, never trusted from a client.

#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::workflow {

enum class Role {
  /// Zorgcoördinator: runs trajectories.
  kCoordinator,
  /// Meld- en adviespunt: takes signals and consultations.
  kMeldpunt,
  kShelterStaff,
  /// A chain partner's user: reads its inbox, answers handoffs.
  kPartner,
  /// Answers "who saw what" from the audit trail.
  kPrivacyOfficer,
  /// Another Ketenregie service acting for its own callers.
  kService,
  /// The one service that assembles packets (the handoff service): only it
  /// reads their sections, a crisis shelter's address among them.
  kPacketAssembler,
  /// Beheerder: creates the users of their own organisation, gives and
  /// takes their roles, deactivates them (R-DIRECTORY-OWN-ORGANISATION).
  kOrganisationAdministrator,
  /// The gateway (the web front door) itself, checking a person's login
  /// before there is a session to act for: its only role of its own.
  kLoginGateway,
};

enum class Operation {
  kRecordSignal,
  kReadSignals,
  /// Register, screen, route, reflection period, close, reopen, link.
  kManageTrajectory,
  kReadTrajectory,
  kManageTasks,
  /// Service-to-service: facts for shelter eligibility, packet sections.
  kReadEligibilityFacts,
  kReadDisclosureSections,
  kReadEvents,
  /// Shelters: register one and keep its capacity (its operator's staff).
  kManageShelter,
  /// Ask for a bed: a coordinator, or the police (crisis shelter placement
  /// runs only via the police or the zorgcoördinatoren).
  kRequestPlacement,
  /// Place, end, record a continuation reason: the shelter's own staff.
  kRunPlacement,
  /// Shelters, beds and occupancy without addresses: coordinators, shelter
  /// staff, and the police (who may ask for a bed).
  kReadOccupancy,
  /// Placements, each caller those of its own scope (PlacementScopeOf).
  kReadPlacements,
  /// Record consents, request and decide overrides: coordinators.
  kManageConsent,
  /// The disclosure decision: Ketenregie services (the handoff service).
  kCheckDisclosure,
  /// The audit trail: verify it, answer "who saw what" (AVG art. 15) —
  /// privacy officers of a care-coordination organisation.
  kReadAudit,
  /// Handoffs: send and revoke (coordinators); answer and read the packet
  /// (a partner organisation's users, for handoffs addressed to it).
  kSendHandoff,
  kAnswerHandoff,
  /// The directory (organisations, users, roles) as a whole, for the
  /// services' caches: Ketenregie services.
  kReadDirectory,
  /// The chain's organisations by id, kind and name (no users, no
  /// addresses): anyone of an organisation of people, to choose a recipient.
  kReadOrganisations,
  /// Users of an organisation: list, create, change roles, deactivate —
  /// its organisation administrators.
  kManageUsers,
  /// Check a person's login and set up its two factors (the directory):
  /// the gateway itself, for nobody (R-ACCESS-GATEWAY).
  kAuthenticate,
};

std::string_view ToString(Role role);
std::string_view ToString(Operation operation);
/// The name an API method declares its access with, e.g. "MANAGE_TRAJECTORY"
/// (the `(ketenregie.common.v1.access)` method option): one per operation.
std::string_view NameOf(Operation operation);
std::optional<Operation> OperationNamed(std::string_view name);
/// Every operation, for walking them in tests and tables.
std::span<const Operation> AllOperations();
std::optional<Role> RoleFromString(std::string_view name);

/// An organisation whose users are people (not a Ketenregie service, not
/// the gateway, not unknown): only these have users an administrator
/// manages, and only for these does the gateway act.
bool IsOrganisationOfPeople(OrganisationType type);

struct Principal {
  OrganisationType organisation_type = OrganisationType::kUnknown;
  std::set<Role> roles;
};

/// R-ACCESS-ROLE: trajectories are created, changed and read by
/// coordinators of a care-coordination organisation; signals also by its
/// meldpunt; service methods by Ketenregie services only.
std::optional<RuleViolation> CheckAccess(const Principal& principal, Operation operation);

/// R-ACCESS-ROLE: consents, overrides and handoffs of a trajectory are
/// recorded only by the organisation that keeps it.
std::optional<RuleViolation> CheckOwnTrajectory(std::string_view caller_organisation,
                                                std::string_view keeper_organisation);

/// R-ACCESS-GATEWAY: who may say on whose behalf a call is made. `peer` is
/// the type of the organisation whose certificate the call came with;
/// `on_behalf_of` the type of the organisation it asks to act for (nullopt:
/// it asks for none; kUnknown: one the directory does not know). Only a
/// gateway asks, it always asks, and only for an organisation of people —
/// except for its own operations (IsGatewaysOwn: checking a login, before
/// there is anyone to act for), which it calls for nobody.
/// `gateways_own`: the method is one of those.
std::optional<RuleViolation> CheckOnBehalfOf(OrganisationType peer,
                                             std::optional<OrganisationType> on_behalf_of,
                                             bool gateways_own = false);

/// The operations the gateway calls as itself, for nobody: kAuthenticate.
bool IsGatewaysOwn(Operation operation);

/// R-ACCESS-ROLE for a shelter's own data: its staff act only for the
/// shelter their organisation runs.

std::optional<RuleViolation> CheckOwnShelter(std::string_view caller_organisation,
                                             std::string_view operator_organisation);

/// R-ACCESS-ROLE for placements: whose placements a caller sees. Services
/// all of them; shelter staff those of the shelters their organisation
/// runs; who may ask for a bed (coordinators, police) the requests of their
/// own organisation; anyone else none.
enum class PlacementScope { kNone, kAll, kOwnShelters, kOwnRequests };
PlacementScope PlacementScopeOf(const Principal& principal);

/// R-ACCESS-ROLE for cancelling a placement request: the organisation that
/// asked for the bed withdraws it (by someone who may ask for beds), or the
/// staff of the shelter that was asked decline it.
std::optional<RuleViolation> CheckMayCancelPlacement(const Principal& principal,
                                                     std::string_view caller_organisation,
                                                     std::string_view requested_by_organisation,
                                                     std::string_view operator_organisation);

}  // namespace ketenregie::workflow
