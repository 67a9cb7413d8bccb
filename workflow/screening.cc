#include "workflow/screening.h"

namespace ketenregie::workflow {

Element ElementOf(Indicator indicator) {
  switch (indicator) {
    case Indicator::kRecruitment:
    case Indicator::kTransport:
    case Indicator::kHousing:
      return Element::kAct;
    case Indicator::kThreat:
    case Indicator::kViolence:
    case Indicator::kRestrictedMovement:
    case Indicator::kIsolation:
    case Indicator::kWithheldDocuments:
    case Indicator::kWithheldWages:
    case Indicator::kFraudDeception:
    case Indicator::kAbuseOfVulnerability:
    case Indicator::kPayments:
      return Element::kMeans;
  }
  return Element::kMeans;
}

std::string_view ToString(ScreeningOutcome outcome) {
  switch (outcome) {
    case ScreeningOutcome::kPossibleVictim:
      return "possible_victim";
    case ScreeningOutcome::kNotAVictim:
      return "not_a_victim";
    case ScreeningOutcome::kSmuggling:
      return "smuggling";
    case ScreeningOutcome::kMoreInformationNeeded:
      return "more_information_needed";
  }
  return "?";
}

Assessment Assess(const Screening& screening, AgeStatus age) {
  Assessment result;
  bool more_information = false;
  for (std::size_t i = 0; i < kIndicatorCount; ++i) {
    const Score score = screening.scores[i];
    const bool present = score == Score::kSignals || score == Score::kEvidence;
    more_information = more_information || score == Score::kMoreInformationNeeded;
    if (present) {
      (ElementOf(static_cast<Indicator>(i)) == Element::kAct ? result.act : result.means) = true;
    }
  }
  result.purpose = !screening.forms.empty();

  const bool child = TreatedAsMinor(age);
  const bool trafficking = result.act && result.purpose && (child || result.means);
  if (trafficking) {
    result.outcome = ScreeningOutcome::kPossibleVictim;
  } else if (screening.smuggling_indicated) {
    result.outcome = ScreeningOutcome::kSmuggling;
  } else if (more_information) {
    result.outcome = ScreeningOutcome::kMoreInformationNeeded;
  } else {
    result.outcome = ScreeningOutcome::kNotAVictim;
  }
  return result;
}

}  // namespace ketenregie::workflow
