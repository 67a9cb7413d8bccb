#include "services/web/pages.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "services/web/embedded.h"
#include "workflow/session.h"

namespace ketenregie::web {
namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kTemplatePrefix = "templates/";
constexpr std::string_view kTemplateSuffix = ".mustache";
constexpr std::string_view kStaticPrefix = "static/";

// In the words of the Dutch government's own error pages: what happened,
// then what the person can do. Ordered by status; the last two are the
// fallbacks of their class.
constexpr std::array kErrorTexts = {
    ErrorText{400, "Ongeldig verzoek",
              "Het verzoek kon niet worden verwerkt. Controleer wat u hebt ingevuld en probeer "
              "het opnieuw."},
    ErrorText{403, "Geen toegang",
              "U hebt geen toegang tot deze pagina, of het formulier is verlopen. Ga terug, laad "
              "de pagina opnieuw en probeer het nog eens."},
    ErrorText{404, "Pagina niet gevonden",
              "Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."},
    ErrorText{405, "Handeling niet toegestaan", "Deze handeling kan op deze pagina niet."},
    ErrorText{408, "Verzoek duurde te lang",
              "Het verzoek kwam niet op tijd binnen. Probeer het opnieuw."},
    ErrorText{411, "Lengte ontbreekt",
              "Het verzoek zei niet hoe groot het is. Verstuur het formulier opnieuw vanuit "
              "Ketenregie."},
    ErrorText{413, "Verzoek te groot",
              "Wat u verstuurde is groter dan Ketenregie aanneemt. Verklein het en probeer het "
              "opnieuw."},
    ErrorText{414, "Adres te lang", "Het adres van deze pagina is te lang om te verwerken."},
    ErrorText{415, "Vorm niet ondersteund",
              "Het verzoek is verstuurd in een vorm die Ketenregie niet aanneemt. Verstuur het "
              "formulier opnieuw vanuit Ketenregie."},
    ErrorText{429, "Te veel verzoeken", "Wacht even en probeer het dan opnieuw."},
    ErrorText{500, "Er ging iets mis",
              "Door een fout aan onze kant kon dit niet worden afgerond. Er is niets gewijzigd "
              "dat u niet hebt gezien. Probeer het later opnieuw; blijft het misgaan, meld het "
              "dan bij uw functioneel beheerder."},
    ErrorText{503, "Tijdelijk niet beschikbaar",
              "Ketenregie is even niet bereikbaar. Probeer het over een paar minuten opnieuw."},
    ErrorText{499, "Verzoek niet verwerkt",
              "Het verzoek kon niet worden verwerkt. Controleer het adres en probeer het "
              "opnieuw."},
    ErrorText{599, "Er ging iets mis",
              "Door een fout aan onze kant kon dit niet worden afgerond. Probeer het later "
              "opnieuw."},
};

}  // namespace

const ErrorText& ErrorTextFor(int status) {
  const auto found = std::find_if(kErrorTexts.begin(), kErrorTexts.end() - 2,
                                  [status](const ErrorText& e) { return e.status == status; });
  if (found != kErrorTexts.end() - 2) {
    return *found;
  }
  return status < 500 ? kErrorTexts.end()[-2] : kErrorTexts.end()[-1];
}

Pages::Pages() {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (!file.path.starts_with(kTemplatePrefix) || !file.path.ends_with(kTemplateSuffix)) {
      continue;
    }
    std::string name(
        file.path.substr(kTemplatePrefix.size(),
                         file.path.size() - kTemplatePrefix.size() - kTemplateSuffix.size()));
    mustache::mustache compiled{std::string(file.content)};
    if (!compiled.is_valid()) {
      throw std::runtime_error("template " + name +
                               " does not compile: " + compiled.error_message());
    }
    templates_.emplace(std::move(name), std::move(compiled));
  }
  // The pages every answer may need must exist before the first request.
  Template("layout");
  Template("error");
  // Templates name a static file as {{static.ketenregie_css}}.
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.path.starts_with(kStaticPrefix)) {
      std::string key(file.path.substr(kStaticPrefix.size()));
      std::replace(key.begin(), key.end(), '.', '_');
      std::replace(key.begin(), key.end(), '-', '_');
      static_urls_.set(key, "/static/" + std::string(file.served_name));
    }
  }
}

const mustache::mustache& Pages::Template(std::string_view name) const {
  const auto found = templates_.find(name);
  if (found == templates_.end()) {
    throw std::runtime_error("no template " + std::string(name));
  }
  return found->second;
}

std::string Pages::Render(std::string_view name, std::string_view title, const mustache::data& data,
                          const PageSession* session) const {
  // A template is shared by every request thread; render() changes it
  // (its error state), so each render works on a copy.
  mustache::mustache page = Template(name);
  mustache::mustache layout = Template("layout");
  mustache::data content = data;
  content.set("static", static_urls_);
  mustache::data outer;
  outer.set("title", std::string(title));
  outer.set("static", static_urls_);
  outer.set("content", page.render(content));
  if (session != nullptr) {
    mustache::data who;
    who.set("user", session->user);
    who.set("organisation", session->organisation);
    who.set("csrf", session->csrf);
    who.set("end_time", session->end_time);
    who.set("warn_in", std::to_string(session->warn_in));
    who.set("end_in", std::to_string(session->end_in));
    who.set("final", session->final);
    who.set("absolute_hours", std::to_string(workflow::kSessionAbsolute.count()));
    outer.set("session", who);
  }
  return layout.render(outer);
}

std::string Pages::Error(int status) const {
  const ErrorText& text = ErrorTextFor(status);
  mustache::data data;
  data.set("status", std::to_string(status));
  data.set("title", std::string(text.title));
  data.set("text", std::string(text.text));
  return Render("error", text.title, data);
}

std::optional<StaticFile> FindStatic(std::string_view served_name) {
  if (served_name.empty()) {
    return std::nullopt;
  }
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.served_name == served_name) {
      const std::string_view name = file.path;
      const std::string_view type = name.ends_with(".css")   ? "text/css; charset=utf-8"
                                    : name.ends_with(".svg") ? "image/svg+xml"
                                    : name.ends_with(".js")  ? "text/javascript; charset=utf-8"
                                                             : "application/octet-stream";
      return StaticFile{file.content, type};
    }
  }
  return std::nullopt;
}

std::string StaticUrl(std::string_view name) {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.path.starts_with(kStaticPrefix) && file.path.substr(kStaticPrefix.size()) == name) {
      return "/static/" + std::string(file.served_name);
    }
  }
  throw std::out_of_range("no static file " + std::string(name));
}

}  // namespace ketenregie::web
