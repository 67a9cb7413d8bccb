#include "services/common/catalogue.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "services/common/status.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

namespace r = workflow::rules;

constexpr std::string_view kApiConventions = "docs/api.md";

// The rules, in Dutch, for the coordinator who meets them (DESIGN.md §3
// glossary); the source of each is the rule's own (workflow/rules.cc).
constexpr std::array<std::pair<std::string_view, std::string_view>, 38> kRuleTexts{{
    {r::kStateOrder,
     "Deze stap past niet bij de huidige stand van het traject. Bekijk het traject opnieuw en "
     "kies een stap die nu mogelijk is."},
    {r::kAgeDoubt, "Bij twijfel over de leeftijd wordt de persoon behandeld als minderjarige."},
    {r::kAgeDateOfBirth,
     "De vastgelegde geboortedatum is die van een minderjarige. Corrigeer eerst de "
     "geboortedatum voordat u meerderjarigheid vastlegt."},
    {r::kChildNoMeans,
     "Bij een minderjarige volstaan handeling en doel: het middel hoeft niet te worden "
     "vastgesteld."},
    {r::kSmugglingNotTrafficking,
     "Mensensmokkel is geen mensenhandel: dit wordt vastgelegd als uitkomst van de screening, "
     "niet als slachtofferschap."},
    {r::kRouteAChild,
     "Een minderjarige, of iemand van wie de leeftijd onzeker is, volgt route A: eerst "
     "jeugdbescherming. Route A is alleen voor minderjarigen."},
    {r::kRouteMatchesScreening,
     "Deze route past niet bij de screening: route B en C vragen een mogelijk slachtoffer, "
     "route D een screening zonder aanwijzingen. Zolang er meer informatie nodig is, kiest u "
     "nog geen route."},
    {r::kRouteBConsent,
     "Route B (actief traject) vraagt toestemming van de persoon voor doorverwijzing."},
    {r::kCrisisEligibility,
     "Crisisopvang is voor personen die zich als vrouw identificeren, van 18 jaar of ouder, met "
     "hun kinderen. Een minderjarige, of iemand van wie de leeftijd onzeker is, gaat naar "
     "jeugdbescherming (route A)."},
    {r::kCrisisMax3m,
     "Een plaatsing in de crisisopvang duurt ten hoogste drie maanden. Daarna is zij over tijd "
     "en vraagt verlengen een vastgelegde reden."},
    {r::kNoOverbooking,
     "Deze opvang heeft niet genoeg vrije bedden voor deze plaatsing; kinderen tellen mee."},
    {r::kPlacementMoveOn,
     "Leg bij het beëindigen van een plaatsing de doorstroom vast, of dat de bestemming "
     "onbekend is."},
    {r::kReflectionLength,
     "De bedenktijd duurt drie maanden, in een Dublinzaak 30 dagen, en nooit korter dan 30 "
     "dagen."},
    {r::kReflectionExpiry,
     "De bedenktijd verloopt pas aan het einde ervan, tenzij de persoon eerder een besluit "
     "nam."},
    {r::kB8RequiresCooperation,
     "Een aanvraag voor een verblijfsvergunning (B8) volgt op aangifte of andere medewerking, "
     "of op het besluit om om zwaarwegende redenen geen aangifte te doen."},
    {r::kCloseRequires,
     "Afsluiten kan pas met een reden, zonder lopende plaatsing en zonder onbeantwoorde "
     "overdracht."},
    {r::kReopen,
     "Een afgesloten traject kan worden heropend bij herhaald slachtofferschap, behalve na "
     "overlijden."},
    {r::kConsentDefaultDeny,
     "Delen mag alleen met een geldige toestemming of wettelijke grondslag die deze ontvanger, "
     "deze gegevens, dit doel en dit moment dekt. Daarom wordt niets gedeeld."},
    {r::kConsentComplete,
     "Een toestemming noemt de ontvanger, de gegevens, het doel, de manier waarop zij is "
     "gegeven en hoe lang zij geldt."},
    {r::kConsentGuardian,
     "Voor een minderjarige, of iemand van wie de leeftijd onzeker is, geeft de voogd (een "
     "jeugdbeschermingsorganisatie) toestemming, niet het kind alleen. Een toestemming van de "
     "voogd geldt tot de 18e verjaardag; voor een meerderjarige geeft een voogd geen "
     "toestemming."},
    {r::kWithdrawalImmediate,
     "Intrekken werkt meteen: er wordt niets meer gedeeld, lopende overdrachten aan die "
     "ontvanger worden ingetrokken en de ontvanger krijgt bericht."},
    {r::kOverrideComplete,
     "Delen zonder toestemming op een wettelijke grondslag vraagt de grondslag, een "
     "schriftelijke onderbouwing, de ontvangende organisatie, de gegevens en een einddatum."},
    {r::kOverrideFourEyes,
     "Delen zonder toestemming vraagt goedkeuring van een tweede zorgcoördinator van dezelfde "
     "organisatie (vier ogen)."},
    {r::kOverrideAcute72h,
     "Alleen bij acuut gevaar mag worden gedeeld vóór de goedkeuring; die goedkeuring moet "
     "binnen 72 uur volgen, anders vervalt de grondslag."},
    {r::kOverrideChildProtection,
     "De grondslag kinderbescherming geldt voor een minderjarige, of iemand van wie de leeftijd "
     "onzeker is, en alleen richting jeugdbeschermingsorganisaties."},
    {r::kLocationSecret,
     "Het adres van een crisisopvang is geheim: het gaat alleen naar een ontvanger die bij naam "
     "in een toestemming of wettelijke grondslag staat, nooit naar een hele soort organisatie."},
    {r::kHandoffAnswer,
     "Een ketenpartner die een overdracht weigert, geeft een reden. Een onbeantwoorde "
     "overdracht verloopt pas op het moment dat het antwoord verwacht werd."},
    {r::kAccessRole, "U heeft niet de rol of organisatie die hiervoor nodig is."},
    {r::kAccessGateway,
     "Alleen de toegangspoort van Ketenregie handelt namens de organisatie van een ingelogde "
     "gebruiker, en nooit namens een dienst van Ketenregie zelf."},
    {r::kLoginPassword,
     "Een wachtwoord heeft 12 tot 128 tekens en is niet gelijk aan uw gebruikersnaam. Een lange "
     "zin die u kunt onthouden is een goed wachtwoord."},
    {r::kLoginThrottle,
     "Er is te vaak verkeerd ingelogd. Wacht even en probeer het opnieuw; is uw account "
     "geblokkeerd, dan kan de beheerder van uw organisatie het vrijgeven."},
    {r::kLoginCodeOnce,
     "Deze code is al gebruikt. Wacht op de volgende code in uw app, of gebruik een herstelcode."},
    {r::kLoginTwoFactors,
     "Inloggen vraagt uw wachtwoord en een tweede stap: de code uit uw authenticator-app of een "
     "herstelcode. Is uw tweede stap nog niet ingesteld, stel die dan eerst in met de "
     "activeringscode van de beheerder van uw organisatie."},
    {r::kLoginEnrolment,
     "Deze activeringscode werkt niet: hij is al gebruikt, verlopen (na 72 uur) of hoort niet bij "
     "dit account. Vraag de beheerder van uw organisatie om een nieuwe."},
    {r::kSessionTimeout,
     "U bent uitgelogd: na 15 minuten zonder activiteit, na 10 uur, of omdat u zelf uitlogde. "
     "Log opnieuw in om verder te gaan."},
    {r::kDirectoryOwnOrganisation,
     "Als beheerder beheert u alleen de gebruikers van uw eigen organisatie."},
    {r::kDirectoryRoles,
     "Deze rol past niet bij de organisatie van de gebruiker, of er is geen rol gekozen. Een "
     "gebruiker heeft minstens één rol die bij zijn organisatie past."},
    {r::kDirectoryLastAdministrator,
     "Dit is de laatste actieve beheerder van de organisatie. Maak eerst een andere gebruiker "
     "beheerder."},
}};

constexpr std::string_view DutchOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kFieldInvalid:
      return "Niet alle velden zijn goed ingevuld. Er is niets opgeslagen.";
    case ErrorKind::kRequestIdReused:
      return "Dit verzoek is al eerder verstuurd met andere gegevens. Er is niets opgeslagen.";
    case ErrorKind::kStaleEtag:
      return "Iemand anders heeft dit intussen gewijzigd. Bekijk de nieuwe stand en probeer het "
             "opnieuw. Er is niets opgeslagen.";
    case ErrorKind::kConcurrentChange:
      return "Er werd tegelijk iets anders gewijzigd. Probeer het opnieuw; er is niets "
             "opgeslagen.";
    case ErrorKind::kNotFound:
      return "Dit is niet gevonden, of u heeft er geen toegang toe.";
    case ErrorKind::kDatabaseUnavailable:
      return "Ketenregie kan de gegevens nu niet bereiken. Er is niets opgeslagen; probeer het "
             "over een ogenblik opnieuw.";
    case ErrorKind::kOutcomeUnknown:
      return "Het is niet zeker of dit is opgeslagen. Probeer het opnieuw: het wordt niet "
             "dubbel vastgelegd.";
    case ErrorKind::kPeerUnavailable:
      return "Een onderdeel van Ketenregie is nu niet bereikbaar. Er is niets opgeslagen; probeer "
             "het over een ogenblik opnieuw.";
    case ErrorKind::kPeerRefused:
      return "Er ging iets mis tussen onderdelen van Ketenregie. Er is niets opgeslagen; meld dit "
             "bij functioneel beheer.";
    case ErrorKind::kUnauthenticated:
      return "Uw organisatie is niet herkend. Neem contact op met functioneel beheer.";
    case ErrorKind::kInternal:
      return "Er ging iets mis in Ketenregie. Meld dit bij functioneel beheer.";
    case ErrorKind::kCancelled:
      return "Het verzoek is afgebroken.";
    case ErrorKind::kDeadlineExceeded:
      return "Het verzoek duurde te lang. Bekijk of het is gelukt voordat u het opnieuw probeert.";
    case ErrorKind::kUnimplemented:
      return "Dit kan Ketenregie (nog) niet.";
    case ErrorKind::kResourceExhausted:
      return "Ketenregie is nu te druk of het verzoek is te groot. Probeer het later opnieuw.";
    case ErrorKind::kAlreadyExists:
      return "Dit bestaat al; er is niets opgeslagen. Kies bijvoorbeeld een andere "
             "gebruikersnaam.";
    case ErrorKind::kNoSession:
      return "U bent niet (meer) ingelogd. Log in om verder te gaan.";
    case ErrorKind::kCsrfRefused:
      return "Dit verzoek is geweigerd: het kwam niet van een pagina van Ketenregie in uw sessie. "
             "Er is niets gedaan.";
    case ErrorKind::kLoginFailed:
      return "De organisatie, gebruikersnaam, het wachtwoord of de code klopt niet. Probeer het "
             "opnieuw.";
  }
  return {};
}

constexpr std::string_view DutchOf(FieldReason reason) {
  switch (reason) {
    case FieldReason::kRequired:
      return "Dit veld is verplicht.";
    case FieldReason::kTooLong:
      return "Dit veld is te lang.";
    case FieldReason::kTooMany:
      return "Er zijn te veel waarden opgegeven.";
    case FieldReason::kNotAnId:
      return "Dit is geen geldige verwijzing.";
    case FieldReason::kUnknownValue:
      return "Kies een van de mogelijke waarden.";
    case FieldReason::kDuplicate:
      return "Een waarde staat er meer dan één keer in.";
    case FieldReason::kOutOfRange:
      return "Deze waarde valt buiten wat hier mogelijk is.";
    case FieldReason::kControlCharacter:
      return "Dit veld bevat een teken dat niet is toegestaan.";
    case FieldReason::kUnknownOrganisation:
      return "Deze organisatie hoort niet bij de keten.";
    case FieldReason::kUnknownReference:
      return "Dit verwijst naar iets wat hier niet bestaat.";
    case FieldReason::kNotApplicable:
      return "Dit veld hoort niet bij deze keuze.";
    case FieldReason::kInvalidToken:
      return "Deze verwijzing naar een volgende pagina is niet (meer) geldig. Begin opnieuw bij "
             "de eerste pagina.";
    case FieldReason::kReused:
      return "Dit verzoek is al eerder verstuurd met andere gegevens.";
  }
  return {};
}

std::vector<CatalogueEntry> Build() {
  std::vector<CatalogueEntry> entries;
  for (const workflow::Rule& rule : workflow::AllRules()) {
    const auto text = std::find_if(kRuleTexts.begin(), kRuleTexts.end(),
                                   [&](const auto& entry) { return entry.first == rule.id; });
    entries.push_back(
        {rule.id, text == kRuleTexts.end() ? std::string_view{} : text->second, rule.source});
  }
  for (const ErrorKind kind : AllErrorKinds()) {
    entries.push_back({CodeOf(kind), DutchOf(kind), kApiConventions});
  }
  for (const FieldReason reason : AllFieldReasons()) {
    entries.push_back({CodeOf(reason), DutchOf(reason), kApiConventions});
  }
  return entries;
}

}  // namespace

std::span<const CatalogueEntry> Catalogue() {
  static const std::vector<CatalogueEntry> entries = Build();
  return entries;
}

const CatalogueEntry* FindInCatalogue(std::string_view code) {
  const auto entries = Catalogue();
  const auto found = std::find_if(entries.begin(), entries.end(),
                                  [&](const CatalogueEntry& e) { return e.code == code; });
  return found == entries.end() || found->dutch.empty() ? nullptr : &*found;
}

std::string_view DutchFor(std::string_view code) {
  const auto* entry = FindInCatalogue(code);
  return entry != nullptr ? entry->dutch : DutchOf(ErrorKind::kInternal);
}

}  // namespace ketenregie::common
