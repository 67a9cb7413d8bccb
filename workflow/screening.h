#pragma once

/// The screening of Bijlage 1 (praktische-handleiding): twelve indicators,
/// each scored, the forms of exploitation, and what they add up to.

#include <array>
#include <set>
#include <string_view>

#include "workflow/domain.h"

namespace ketenregie::workflow {

/// The twelve indicators of Bijlage 1, in its order.
enum class Indicator {
  kRecruitment,           // werving
  kTransport,             // vervoer / overbrenging
  kHousing,               // huisvesting / opnemen
  kThreat,                // dreiging
  kViolence,              // geweld
  kRestrictedMovement,    // beperking van bewegingsvrijheid
  kIsolation,             // isoleren
  kWithheldDocuments,     // achterhouden van documenten
  kWithheldWages,         // inhouden van loon
  kFraudDeception,        // fraude / misleiding
  kAbuseOfVulnerability,  // machtsmisbruik / misbruik van een kwetsbare positie
  kPayments,              // geven of ontvangen van betalingen of voordelen
};
inline constexpr std::size_t kIndicatorCount = 12;

/// Bijlage 1's scores.
enum class Score {
  kNone = 0,
  kSignals = 1,
  kEvidence = 2,
  kMoreInformationNeeded = 3,
};

enum class ExploitationForm {
  kSexual,
  kLabour,
  /// Including forced begging.
  kCriminal,
  kOrganRemoval,
};

/// The element of the definition (act + means + purpose) an indicator
/// speaks to. Purpose comes from the forms of exploitation.
enum class Element { kAct, kMeans };
Element ElementOf(Indicator indicator);

struct Screening {
  std::array<Score, kIndicatorCount> scores{};
  std::set<ExploitationForm> forms;
  /// The person was brought across a border for payment with no sign of
  /// exploitation: smuggling.
  bool smuggling_indicated = false;

  Score& operator[](Indicator i) { return scores[static_cast<std::size_t>(i)]; }
  Score operator[](Indicator i) const { return scores[static_cast<std::size_t>(i)]; }
};

enum class ScreeningOutcome {
  kPossibleVictim,
  kNotAVictim,
  /// R-SMUGGLING-NOT-TRAFFICKING: an outcome, not a victim.
  kSmuggling,
  kMoreInformationNeeded,
};
std::string_view ToString(ScreeningOutcome outcome);

struct Assessment {
  bool act = false;
  bool means = false;
  bool purpose = false;
  ScreeningOutcome outcome = ScreeningOutcome::kMoreInformationNeeded;
};

/// Trafficking = act + means + purpose; for a child (or doubted age,
/// R-AGE-DOUBT) act + purpose suffice (R-CHILD-NO-MEANS). An element is
/// present when one of its indicators shows signals or evidence; purpose
/// when a form of exploitation is recorded. Short of trafficking:
/// smuggling when indicated, more information needed when an indicator asks
/// for it, otherwise not a victim.
Assessment Assess(const Screening& screening, AgeStatus age);

}  // namespace ketenregie::workflow
