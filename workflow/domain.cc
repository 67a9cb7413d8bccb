#include "workflow/domain.h"

namespace ketenregie::workflow {

bool TreatedAsMinor(AgeStatus age) {
  switch (age) {
    case AgeStatus::kConfirmedAdult:
      return false;
    case AgeStatus::kMinor:
    case AgeStatus::kDoubted:
    case AgeStatus::kUnknown:
      return true;
  }
  return true;
}

std::string_view ToString(AgeStatus value) {
  switch (value) {
    case AgeStatus::kUnknown:
      return "unknown";
    case AgeStatus::kConfirmedAdult:
      return "confirmed_adult";
    case AgeStatus::kMinor:
      return "minor";
    case AgeStatus::kDoubted:
      return "doubted";
  }
  return "?";
}

std::string_view ToString(DataCategory value) {
  switch (value) {
    case DataCategory::kUnknown:
      return "UNKNOWN";
    case DataCategory::kIdentity:
      return "IDENTITY";
    case DataCategory::kContact:
      return "CONTACT";
    case DataCategory::kLocation:
      return "LOCATION";
    case DataCategory::kExploitation:
      return "EXPLOITATION";
    case DataCategory::kHealth:
      return "HEALTH";
    case DataCategory::kResidenceStatus:
      return "RESIDENCE_STATUS";
    case DataCategory::kCriminalProceedings:
      return "CRIMINAL_PROCEEDINGS";
    case DataCategory::kCarePlan:
      return "CARE_PLAN";
    case DataCategory::kChildren:
      return "CHILDREN";
  }
  return "?";
}

std::string_view ToString(OrganisationType value) {
  switch (value) {
    case OrganisationType::kUnknown:
      return "UNKNOWN";
    case OrganisationType::kCareCoordination:
      return "CARE_COORDINATION";
    case OrganisationType::kMunicipality:
      return "MUNICIPALITY";
    case OrganisationType::kPolice:
      return "POLICE";
    case OrganisationType::kCrisisShelter:
      return "CRISIS_SHELTER";
    case OrganisationType::kCategoricalShelter:
      return "CATEGORICAL_SHELTER";
    case OrganisationType::kFollowUpShelter:
      return "FOLLOW_UP_SHELTER";
    case OrganisationType::kLegalAid:
      return "LEGAL_AID";
    case OrganisationType::kCareProvider:
      return "CARE_PROVIDER";
    case OrganisationType::kChildProtection:
      return "CHILD_PROTECTION";
    case OrganisationType::kNationalRegistry:
      return "NATIONAL_REGISTRY";
    case OrganisationType::kService:
      return "SERVICE";
    case OrganisationType::kGateway:
      return "GATEWAY";
  }
  return "?";
}

std::optional<OrganisationType> OrganisationTypeFromString(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(OrganisationType::kGateway); ++i) {
    const auto type = static_cast<OrganisationType>(i);
    if (type != OrganisationType::kUnknown && ToString(type) == name) {
      return type;
    }
  }
  return std::nullopt;
}

std::string_view ToString(Purpose value) {
  switch (value) {
    case Purpose::kUnknown:
      return "unknown";
    case Purpose::kCareCoordination:
      return "care_coordination";
    case Purpose::kShelterPlacement:
      return "shelter_placement";
    case Purpose::kLegalAid:
      return "legal_aid";
    case Purpose::kCareReferral:
      return "care_referral";
    case Purpose::kCriminalInvestigation:
      return "criminal_investigation";
    case Purpose::kMunicipalSupport:
      return "municipal_support";
    case Purpose::kChildProtection:
      return "child_protection";
    case Purpose::kNationalRegistration:
      return "national_registration";
  }
  return "?";
}

}  // namespace ketenregie::workflow
