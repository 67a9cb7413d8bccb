#include "services/web/texts.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "workflow/calendar.h"

namespace ketenregie::web {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

// The values of the services' enums, as the screens say them.
constexpr std::array kValues = std::to_array<Entry>({
    // TrajectoryState
    {"TRAJECTORY_STATE_SIGNALLED", "Signaal"},
    {"TRAJECTORY_STATE_REGISTERED", "Aangemeld"},
    {"TRAJECTORY_STATE_SCREENED", "Gescreend"},
    {"TRAJECTORY_STATE_CHILD_PROTECTION", "Jeugdbescherming"},
    {"TRAJECTORY_STATE_ACTIVE", "Actief traject"},
    {"TRAJECTORY_STATE_DECLINED_FOR_NOW", "Wil nu (nog) niet"},
    {"TRAJECTORY_STATE_CLOSED", "Afgesloten"},
    // Route
    {"ROUTE_A_CHILD_PROTECTION", "A — kind: eerst jeugdbescherming"},
    {"ROUTE_B_ACTIVE", "B — actief traject"},
    {"ROUTE_C_DECLINED_FOR_NOW", "C — wil nu niet, opvolging"},
    {"ROUTE_D_GENERAL_HELP", "D — geen slachtoffer, algemene hulp"},
    // AgeStatus
    {"AGE_STATUS_CONFIRMED_ADULT", "Meerderjarig (bevestigd)"},
    {"AGE_STATUS_MINOR", "Minderjarig"},
    {"AGE_STATUS_DOUBTED", "Leeftijd betwijfeld: behandeld als minderjarig"},
    // ReflectionState
    {"REFLECTION_STATE_OFFERED", "Aangeboden"},
    {"REFLECTION_STATE_RUNNING", "Loopt"},
    {"REFLECTION_STATE_DECIDED", "Besluit genomen"},
    {"REFLECTION_STATE_EXPIRED", "Verlopen"},
    // ReflectionDecision
    {"REFLECTION_DECISION_POLICE_REPORT", "Aangifte gedaan"},
    {"REFLECTION_DECISION_OTHER_COOPERATION", "Andere medewerking aan het onderzoek"},
    {"REFLECTION_DECISION_NO_REPORT_SERIOUS_REASONS",
     "Geen aangifte om zwaarwegende redenen (dreiging, medisch)"},
    {"REFLECTION_DECISION_DECLINED", "Wil geen aangifte of medewerking"},
    // PermitState
    {"PERMIT_STATE_APPLIED", "B8-vergunning aangevraagd"},
    {"PERMIT_STATE_GRANTED", "B8-vergunning verleend"},
    {"PERMIT_STATE_REJECTED", "B8-vergunning afgewezen"},
    // ClosureReason
    {"CLOSURE_REASON_STABLE_SELF_RELIANT", "Stabiel en zelfredzaam"},
    {"CLOSURE_REASON_MOVED_ON", "Doorgestroomd naar een vervolgplek"},
    {"CLOSURE_REASON_TRANSFERRED_REGION", "Overgedragen aan een andere regio"},
    {"CLOSURE_REASON_REPATRIATED", "Teruggekeerd naar land van herkomst"},
    {"CLOSURE_REASON_CONTACT_LOST", "Contact verloren"},
    {"CLOSURE_REASON_DECLINED_FURTHER_HELP", "Wil geen verdere hulp"},
    {"CLOSURE_REASON_DECEASED", "Overleden"},
    {"CLOSURE_REASON_REFERRED_GENERAL_HELP", "Doorverwezen naar algemene hulp"},
    {"CLOSURE_REASON_CONSULTATION_ONLY", "Alleen consultatie, geen aanmelding"},
    // DataCategory
    {"DATA_CATEGORY_IDENTITY", "Identiteit"},
    {"DATA_CATEGORY_CONTACT", "Contactgegevens"},
    {"DATA_CATEGORY_LOCATION", "Verblijfplaats"},
    {"DATA_CATEGORY_EXPLOITATION", "Uitbuiting en screening"},
    {"DATA_CATEGORY_HEALTH", "Gezondheid"},
    {"DATA_CATEGORY_RESIDENCE_STATUS", "Verblijfsstatus en bedenktijd"},
    {"DATA_CATEGORY_CRIMINAL_PROCEEDINGS", "Aangifte en strafzaak"},
    {"DATA_CATEGORY_CARE_PLAN", "Zorgplan"},
    {"DATA_CATEGORY_CHILDREN", "Kinderen"},
    // Purpose
    {"PURPOSE_CARE_COORDINATION", "Zorgcoördinatie"},
    {"PURPOSE_SHELTER_PLACEMENT", "Plaatsing in de opvang"},
    {"PURPOSE_LEGAL_AID", "Rechtshulp"},
    {"PURPOSE_CARE_REFERRAL", "Doorverwijzing naar zorg"},
    {"PURPOSE_CRIMINAL_INVESTIGATION", "Opsporing"},
    {"PURPOSE_MUNICIPAL_SUPPORT", "Ondersteuning door de gemeente"},
    {"PURPOSE_CHILD_PROTECTION", "Jeugdbescherming"},
    {"PURPOSE_NATIONAL_REGISTRATION", "Landelijke registratie"},
    // ConsentState
    {"CONSENT_STATE_PROPOSED", "Gevraagd, nog geen antwoord"},
    {"CONSENT_STATE_GRANTED", "Toestemming gegeven"},
    {"CONSENT_STATE_REFUSED", "Geweigerd"},
    {"CONSENT_STATE_WITHDRAWN", "Ingetrokken"},
    {"CONSENT_STATE_EXPIRED", "Verlopen"},
    {"CONSENT_STATE_SUPERSEDED", "Vervangen door een nieuwere"},
    // ConsentMethod
    {"CONSENT_METHOD_VERBAL", "Mondeling"},
    {"CONSENT_METHOD_WRITTEN", "Schriftelijk"},
    // Grantor
    {"GRANTOR_PERSON", "De cliënt zelf"},
    {"GRANTOR_GUARDIAN", "De voogd (bij een minderjarige)"},
    // LegalBasis
    {"LEGAL_BASIS_CHILD_PROTECTION", "Bescherming van een kind (Meldcode)"},
    {"LEGAL_BASIS_VITAL_INTEREST", "Vitaal belang: acuut gevaar"},
    {"LEGAL_BASIS_LEGAL_OBLIGATION", "Wettelijke plicht"},
    // OverrideState
    {"OVERRIDE_STATE_REQUESTED", "Aangevraagd, wacht op een tweede zorgcoördinator"},
    {"OVERRIDE_STATE_ACTIVE", "Goedgekeurd, geldt"},
    {"OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL", "Acuut: geldt al, goedkeuring nodig"},
    {"OVERRIDE_STATE_EXPIRED", "Verlopen"},
    {"OVERRIDE_STATE_REVOKED", "Ingetrokken"},
    {"OVERRIDE_STATE_REJECTED", "Afgewezen door de tweede zorgcoördinator"},
    // HandoffPurpose
    {"HANDOFF_PURPOSE_CARE_REFERRAL", "Doorverwijzing naar zorg"},
    {"HANDOFF_PURPOSE_LEGAL_AID", "Rechtshulp"},
    {"HANDOFF_PURPOSE_SHELTER_REQUEST", "Aanvraag opvang"},
    {"HANDOFF_PURPOSE_POLICE", "Politie (aangifte of onderzoek)"},
    {"HANDOFF_PURPOSE_MUNICIPALITY", "Gemeente (ondersteuning)"},
    {"HANDOFF_PURPOSE_CHILD_PROTECTION", "Jeugdbescherming"},
    // HandoffState
    {"HANDOFF_STATE_DRAFT", "Concept, nog niet verstuurd"},
    {"HANDOFF_STATE_SENT", "Verstuurd, wacht op antwoord"},
    {"HANDOFF_STATE_ACCEPTED", "Aangenomen"},
    {"HANDOFF_STATE_DECLINED", "Afgewezen door de partner"},
    {"HANDOFF_STATE_REVOKED", "Ingetrokken"},
    {"HANDOFF_STATE_EXPIRED", "Verlopen: geen antwoord op tijd"},
    {"HANDOFF_STATE_COMPLETED", "Afgerond"},
    // ShelterKind
    {"SHELTER_KIND_CRISIS", "Crisisopvang"},
    {"SHELTER_KIND_CATEGORICAL", "Categorale opvang (COSM)"},
    {"SHELTER_KIND_FOLLOW_UP", "Vervolgopvang"},
    // PlacementState
    {"PLACEMENT_STATE_REQUESTED", "Aangevraagd, wacht op de opvang"},
    {"PLACEMENT_STATE_PLACED", "Geplaatst"},
    {"PLACEMENT_STATE_ENDED", "Beëindigd"},
    {"PLACEMENT_STATE_CANCELLED", "Geannuleerd"},
    // MoveOnDestination
    {"MOVE_ON_DESTINATION_CATEGORICAL_SHELTER", "Naar categorale opvang"},
    {"MOVE_ON_DESTINATION_FOLLOW_UP_PLACE", "Naar een vervolgplek"},
    {"MOVE_ON_DESTINATION_INDEPENDENT_HOUSING", "Zelfstandig wonen"},
    {"MOVE_ON_DESTINATION_REPATRIATION", "Terug naar land van herkomst"},
    {"MOVE_ON_DESTINATION_LEFT_UNKNOWN", "Vertrokken, bestemming onbekend"},
    {"MOVE_ON_DESTINATION_OTHER", "Anders"},
    // TaskState
    {"TASK_STATE_OPEN", "Open"},
    {"TASK_STATE_DONE", "Afgerond"},
    // ReporterKind
    {"REPORTER_KIND_SCHOOL", "School"},
    {"REPORTER_KIND_MUNICIPALITY", "Gemeente (bijvoorbeeld na een prostitutiecontrole)"},
    {"REPORTER_KIND_POLICE", "Politie"},
    {"REPORTER_KIND_GGD", "GGD"},
    {"REPORTER_KIND_FIELDWORK", "Veldwerk, on- of offline"},
    {"REPORTER_KIND_SELF", "De persoon zelf"},
    {"REPORTER_KIND_CARE_PROVIDER", "Zorgaanbieder"},
    {"REPORTER_KIND_OTHER", "Anders"},
    // GenderIdentity
    {"GENDER_IDENTITY_WOMAN", "Vrouw"},
    {"GENDER_IDENTITY_MAN", "Man"},
    {"GENDER_IDENTITY_NON_BINARY", "Non-binair"},
    {"GENDER_IDENTITY_NOT_STATED", "Niet opgegeven"},
    // ExploitationForm (praktische-handleiding, Bijlage 1)
    {"EXPLOITATION_FORM_SEXUAL", "Seksuele uitbuiting"},
    {"EXPLOITATION_FORM_LABOUR", "Arbeidsuitbuiting"},
    {"EXPLOITATION_FORM_CRIMINAL",
     "Gedwongen bedelarij of strafbare activiteiten (criminele uitbuiting)"},
    {"EXPLOITATION_FORM_ORGAN_REMOVAL", "Orgaanverwijdering"},
    // ScreeningOutcome
    {"SCREENING_OUTCOME_POSSIBLE_VICTIM", "Mogelijk slachtoffer van mensenhandel"},
    {"SCREENING_OUTCOME_NOT_A_VICTIM", "Geen slachtoffer van mensenhandel"},
    {"SCREENING_OUTCOME_SMUGGLING", "Mensensmokkel, geen mensenhandel"},
    {"SCREENING_OUTCOME_MORE_INFORMATION_NEEDED", "Meer informatie nodig"},
    // IndicatorScore: the columns of Bijlage 1
    {"INDICATOR_SCORE_NONE", "0 — Geen signalen"},
    {"INDICATOR_SCORE_SIGNALS", "1 — Aanwezigheid van signalen"},
    {"INDICATOR_SCORE_EVIDENCE", "2 — Bewijs"},
    {"INDICATOR_SCORE_MORE_INFORMATION_NEEDED", "3 — Meer info vereist"},
    // Indicator: the rows of Bijlage 1
    {"INDICATOR_RECRUITMENT", "Werving"},
    {"INDICATOR_TRANSPORT", "Vervoer/overbrenging"},
    {"INDICATOR_HOUSING", "Huisvesting/opnemen"},
    {"INDICATOR_THREAT", "Dreiging"},
    {"INDICATOR_VIOLENCE", "Geweld"},
    {"INDICATOR_RESTRICTED_MOVEMENT", "Beperking van bewegingsvrijheid"},
    {"INDICATOR_ISOLATION", "Isoleren"},
    {"INDICATOR_WITHHELD_DOCUMENTS", "Achterhouden van documenten"},
    {"INDICATOR_WITHHELD_WAGES", "Inhouden van loon"},
    {"INDICATOR_FRAUD_DECEPTION", "Fraude/misleiding"},
    {"INDICATOR_ABUSE_OF_VULNERABILITY", "Machtsmisbruik / misbruik van een kwetsbare positie"},
    {"INDICATOR_PAYMENTS", "Geven of ontvangen van betalingen"},
});

// Signals of each indicator, in the words of the source
// (praktische-handleiding-eerstelijns-signalering, "Wat zijn de indicatoren"),
// shortened to one or two of its examples.
constexpr std::array kIndicatorSignals = std::to_array<Entry>({
    {"INDICATOR_RECRUITMENT",
     "De persoon wist niet waar hij/zij ging werken, betaalde een buitensporige vergoeding voor de "
     "werving, of heeft geen (begrijpelijke) arbeidsovereenkomst."},
    {"INDICATOR_TRANSPORT",
     "De persoon organiseerde zijn/haar reis niet zelf of kende de route niet; lijkt bang voor wie "
     "hem/haar "
     "begeleidt; krijgt zijn/haar paspoort pas vlak voor de grens terug."},
    {"INDICATOR_HOUSING",
     "De persoon woont en slaapt op het werk, in overvolle of ongezonde ruimten, met beperkte "
     "bewegingsvrijheid op de verblijfslocatie."},
    {"INDICATOR_THREAT",
     "De persoon toont angst, vooral bij de begeleider of leidinggevende; begeleiders zijn "
     "agressief tegen hem/haar."},
    {"INDICATOR_VIOLENCE",
     "Zichtbare verwondingen (blauwe plekken, littekens, brandwonden); vaak naar de spoedeisende "
     "hulp."},
    {"INDICATOR_RESTRICTED_MOVEMENT",
     "Wonen en werken op één locatie; camera's, gesloten deuren of dichtgemaakte ramen; zonder "
     "toestemming verhuisd naar een andere locatie."},
    {"INDICATOR_ISOLATION",
     "De persoon kent zijn/haar eigen adres niet; geen toegang tot telefoon of internet; de "
     "werkgever "
     "antwoordt of vertaalt voor hem/haar."},
    {"INDICATOR_WITHHELD_DOCUMENTS",
     "Geen toegang tot eigen identiteitsdocumenten of retourticket; documenten lijken vervalst."},
    {"INDICATOR_WITHHELD_WAGES",
     "Al het verdiende geld moet worden afgestaan; geen bewijs van loonbetaling; de persoon weet "
     "niet hoeveel hij/zij verdient."},
    {"INDICATOR_FRAUD_DECEPTION",
     "De persoon wist niet dat hij/zij in de prostitutie terecht zou komen, of de voorwaarden "
     "verschillen van wat is toegezegd."},
    {"INDICATOR_ABUSE_OF_VULNERABILITY",
     "Geen verblijfs- of werkvergunning; afhankelijk van de werkgever voor onderdak of eten; "
     "emotioneel gebonden (liefdesrelatie, familie); spreekt de taal niet."},
    {"INDICATOR_PAYMENTS",
     "Schulden voor werving, vervoer of huisvesting worden ingehouden; ouders kregen geld om hun "
     "kind mee te laten gaan."},
});

// Tasks and timeline entries, by kind (workflow/: the actions of the
// machines, and the services' events).
constexpr std::array kKinds = std::to_array<Entry>({
    {"signal.received", "Signaal ontvangen"},
    {"person.registered", "Cliënt aangemeld"},
    {"person.came_of_age", "Cliënt is meerderjarig geworden"},
    {"person.date_of_birth_corrected", "Geboortedatum gecorrigeerd"},
    {"age_status.set", "Leeftijdsstatus vastgelegd"},
    {"screening.recorded", "Screening vastgelegd"},
    {"route.decided", "Route besloten"},
    {"route.a.notify_child_protection", "Jeugdbescherming ingelicht (route A)"},
    {"coordinator.assigned", "Zorgcoördinator toegewezen"},
    {"non_punishment.set", "Non-punishment vastgelegd"},
    {"reflection.started", "Bedenktijd gestart"},
    {"permit.apply_permit", "B8-vergunning aangevraagd"},
    {"permit.grant_permit", "B8-vergunning verleend"},
    {"permit.reject_permit", "B8-vergunning afgewezen"},
    {"permit.renew_permit", "B8-vergunning verlengd"},
    {"reminder.due", "Herinnering"},
    {"task.requested", "Taak gevraagd door een ketenpartner"},
    {"trajectory.linked", "Traject gekoppeld aan een eerder traject"},
    {"trajectory.reactivated", "Traject weer actief"},
    {"placement.requested", "Opvangplek aangevraagd"},
    {"placement.started", "Plaatsing begonnen"},
    {"placement.cancelled", "Aanvraag opvangplek geannuleerd"},
    {"placement.continued", "Reden vastgelegd om langer dan drie maanden te blijven"},
    {"handoff.completed", "Overdracht afgerond"},
    {"handoff.expired", "Overdracht verlopen"},
    {"handoffs.revoke", "Overdrachten ingetrokken"},
    {"consent.granted", "Toestemming gegeven"},
    {"consent.refused", "Toestemming geweigerd"},
    {"consent.superseded", "Toestemming vervangen door een nieuwe"},
    {"consent.proposed", "Toestemming voorgesteld"},
    {"override.requested", "Doorbreking aangevraagd"},
    {"override.active_pending_approval", "Doorbreking actief, tweede akkoord nog nodig"},
    {"override.active", "Doorbreking actief"},
    {"trajectory.opened", "Traject geopend"},
    {"trajectory.state_changed", "Fase van het traject gewijzigd"},
    {"trajectory.closed", "Traject afgesloten"},
    {"trajectory.reopened", "Traject heropend"},
    {"trajectory.adult", "Cliënt is meerderjarig geworden"},
    {"age.review", "Leeftijd beoordelen"},
    {"task.done", "Taak afgerond"},
    {"age.turns_18", "Cliënt wordt 18"},
    {"age.turned_18", "Cliënt is 18 geworden"},
    {"age.date_of_birth_corrected", "Geboortedatum gecorrigeerd"},
    {"route.a_required", "Route A nodig: kind naar jeugdbescherming"},
    {"route.a.child_protection", "Melding aan jeugdbescherming"},
    {"route_c.follow_up", "Opvolging route C: vragen of de cliënt opnieuw wil kijken"},
    {"reflection.expires_in_14_days", "Bedenktijd eindigt over 14 dagen"},
    {"reflection.ends_in_14_days", "Bedenktijd eindigt over 14 dagen"},
    {"reflection.ends_in_3_days", "Bedenktijd eindigt over 3 dagen"},
    {"reflection.expiry", "Bedenktijd eindigt"},
    {"reflection.expired", "Bedenktijd verlopen"},
    {"reflection.decided", "Besluit over de bedenktijd"},
    {"permit.renewal_due", "B8-vergunning verlengen"},
    {"permit.renewed", "B8-vergunning verlengd"},
    {"permit.rejected", "B8-vergunning afgewezen"},
    {"placement.limit", "Plaatsing bereikt de grens van drie maanden"},
    {"placement.limit_in_14_days", "Plaatsing bereikt over 14 dagen drie maanden"},
    {"placement.limit_in_7_days", "Plaatsing bereikt over 7 dagen drie maanden"},
    {"placement.overdue", "Plaatsing duurt langer dan drie maanden"},
    {"placement.ended", "Plaatsing beëindigd"},
    {"placement.open_after_closure", "Plaatsing loopt nog na afsluiting"},
    {"handoff.sent", "Overdracht verstuurd"},
    {"handoff.accepted", "Overdracht aangenomen"},
    {"handoff.declined", "Overdracht geweigerd"},
    {"handoff.revoked", "Overdracht ingetrokken"},
    {"handoff.answer_due", "Antwoord op overdracht verwacht"},
    {"handoff.unanswered", "Overdracht niet beantwoord"},
    {"consent.withdrawn", "Toestemming ingetrokken"},
    {"consent.expired", "Toestemming verlopen"},
    {"consent.expiry", "Toestemming verloopt"},
    {"consent.ended", "Toestemming beëindigd"},
    {"override.approval_needed", "Doorbreking van het beroepsgeheim: tweede akkoord nodig"},
    {"override.approval_due", "Tweede akkoord op doorbreking verwacht"},
    {"override.approval_lapsed", "Doorbreking vervallen: geen tweede akkoord op tijd"},
    {"override.decided", "Besluit over doorbreking"},
    {"override.rejected", "Doorbreking afgewezen"},
    {"override.revoked", "Doorbreking ingetrokken"},
    {"override.expired", "Doorbreking verlopen"},
    {"override.expiry", "Doorbreking verloopt"},
});

constexpr std::array<std::string_view, 12> kMonths = {
    "januari", "februari", "maart",     "april",   "mei",      "juni",
    "juli",    "augustus", "september", "oktober", "november", "december"};
constexpr std::array<std::string_view, 12> kShortMonths = {
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"};

std::string_view Find(const auto& table, std::string_view key) {
  const auto found =
      std::find_if(table.begin(), table.end(), [key](const Entry& e) { return e.first == key; });
  return found == table.end() ? std::string_view() : found->second;
}

}  // namespace

std::string DutchDate(workflow::Instant instant) {
  return DutchDate(workflow::ToAmsterdam(instant).date);
}

std::string DutchDate(std::chrono::year_month_day date) {
  if (!date.ok()) {
    return "";
  }
  return fmt::format("{} {} {}", static_cast<unsigned>(date.day()),
                     kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()));
}

std::string DutchDateTime(workflow::Instant instant) {
  const auto local = workflow::ToAmsterdam(instant);
  const auto seconds = local.time_of_day.count();
  return fmt::format("{} {} {} {:02}:{:02}", static_cast<unsigned>(local.date.day()),
                     kShortMonths[static_cast<unsigned>(local.date.month()) - 1],
                     static_cast<int>(local.date.year()), seconds / 3600, seconds / 60 % 60);
}

std::string DutchClockTime(workflow::Instant instant, bool seconds) {
  const auto of_day = static_cast<int>(workflow::ToAmsterdam(instant).time_of_day.count() % 86400);
  return seconds ? fmt::format("{:02}:{:02}:{:02}", of_day / 3600, of_day / 60 % 60, of_day % 60)
                 : fmt::format("{:02}:{:02}", of_day / 3600, of_day / 60 % 60);
}

std::string DutchMonthStart(std::chrono::year_month_day month) {
  const unsigned m = static_cast<unsigned>(month.month());
  return m == 1 ? fmt::format("jan {}", static_cast<int>(month.year()))
                : std::string(kShortMonths[m - 1]);
}

std::string DutchDaysFrom(workflow::Instant today, workflow::Instant at) {
  const int days = workflow::CalendarDaysBetween(today, at);
  if (days == 0) {
    return "vandaag";
  }
  if (days == 1) {
    return "morgen";
  }
  if (days == -1) {
    return "gisteren";
  }
  return days > 0 ? fmt::format("over {} dagen", days) : fmt::format("{} dagen geleden", -days);
}

std::string_view DutchOfValue(std::string_view name) { return Find(kValues, name); }

std::string_view IndicatorSignals(std::string_view indicator) {
  return Find(kIndicatorSignals, indicator);
}

std::string DutchOfKind(std::string_view kind) {
  const std::string_view dutch = Find(kKinds, kind);
  return dutch.empty() ? "Gebeurtenis (" + std::string(kind) + ")" : std::string(dutch);
}

}  // namespace ketenregie::web
