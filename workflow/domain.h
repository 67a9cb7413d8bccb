#pragma once

/// Domain vocabulary shared by the machines (DESIGN.md §2, §3, §5). These
/// mirror the protobuf enums; services map between the two at their edge.

#include <array>
#include <optional>
#include <string_view>

namespace ketenregie::workflow {

enum class AgeStatus { kUnknown, kConfirmedAdult, kMinor, kDoubted };

/// R-AGE-DOUBT: a doubted age is treated as a minor, and so is an age not
/// yet established.
bool TreatedAsMinor(AgeStatus age);

enum class GenderIdentity { kNotStated, kWoman, kMan, kNonBinary };

enum class DataCategory {
  kUnknown,
  kIdentity,
  kContact,
  kLocation,
  kExploitation,
  kHealth,
  kResidenceStatus,
  kCriminalProceedings,
  kCarePlan,
  kChildren,
};
inline constexpr std::array kKnownCategories = {
    DataCategory::kIdentity,
    DataCategory::kContact,
    DataCategory::kLocation,
    DataCategory::kExploitation,
    DataCategory::kHealth,
    DataCategory::kResidenceStatus,
    DataCategory::kCriminalProceedings,
    DataCategory::kCarePlan,
    DataCategory::kChildren,
};

enum class Purpose {
  kUnknown,
  kCareCoordination,
  kShelterPlacement,
  kLegalAid,
  kCareReferral,
  kCriminalInvestigation,
  kMunicipalSupport,
  kChildProtection,
  kNationalRegistration,
};

enum class OrganisationType {
  kUnknown,
  kCareCoordination,
  kMunicipality,
  kPolice,
  kCrisisShelter,
  kCategoricalShelter,
  kFollowUpShelter,
  kLegalAid,
  kCareProvider,
  kChildProtection,
  kNationalRegistry,
  /// A Ketenregie service calling another (service certificate).
  kService,
  /// The front door (the web service): it carries a person's calls on
  /// behalf of their organisation and is nobody itself (R-ACCESS-GATEWAY).
  kGateway,
};

/// "CARE_COORDINATION" etc., as in the protobuf enum without its prefix.
std::string_view ToString(OrganisationType value);
std::optional<OrganisationType> OrganisationTypeFromString(std::string_view name);

std::string_view ToString(AgeStatus value);
std::string_view ToString(DataCategory value);
std::string_view ToString(Purpose value);

}  // namespace ketenregie::workflow
