// The login pages of the front door (issue #13 items 3 and 4): log in,
// set up a login with an enrolment code, log out. The directory decides
// every step (services/directory); these pages carry the browser's form to
// it and its answer back, in Dutch. Nothing of a form is logged.
#include <fmt/format.h>
#include <httplib.h>

#include <optional>
#include <string>
#include <utility>

#include "services/common/credentials.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/web/accounts.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/pages.h"
#include "services/web/session_tokens.h"
#include "services/web/texts.h"
#include "services/web/web_server.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"
#include "workflow/session.h"

namespace ketenregie::web {
namespace {

namespace pb = directory::v1;
using kainjow::mustache::data;
using kainjow::mustache::list;

std::string Field(const std::multimap<std::string, std::string>& form, const std::string& name) {
  const auto found = form.find(name);
  return found == form.end() ? std::string() : found->second;
}

// The HTTP status a refusal of the directory is shown with: as the JSON
// API's (grpc-gateway's), with 429 for a login that must wait.
int HttpStatusOf(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      common::ReasonOf(status) == workflow::rules::kLoginThrottle) {
    return 429;
  }
  return HttpStatusOfCode(status.error_code());
}

// "2026-12-04T09:00:00Z" (workflow::FormatUtc) as an instant.
std::optional<workflow::Instant> FromUtc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6) {
    return std::nullopt;
  }
  const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!day.ok()) {
    return std::nullopt;
  }
  return workflow::Instant{std::chrono::sys_days(day).time_since_epoch() + std::chrono::hours(h) +
                           std::chrono::minutes(mi) + std::chrono::seconds(sec)};
}

// What a person reads about a refusal: the directory's Dutch sentence, and
// for a login that must wait, until when (the locked user sees why).
std::string MessageOf(const grpc::Status& status) {
  std::string dutch = common::DutchMessageOf(status);
  if (dutch.empty()) {
    return "Er ging iets mis. Probeer het opnieuw.";
  }
  if (common::ReasonOf(status) == workflow::rules::kLoginThrottle) {
    if (const auto until = FromUtc(common::ErrorFactOf(status, "locked_until"))) {
      dutch += " Na tien mislukte pogingen is dit account geblokkeerd tot " +
               DutchClockTime(*until) + ".";
    } else if (const auto retry = FromUtc(common::ErrorFactOf(status, "retry_at"))) {
      dutch += " U kunt het weer proberen vanaf " + DutchClockTime(*retry, true) + ".";
    }
  }
  return dutch;
}

// The secret in groups of four, as it is easiest to type over.
std::string Grouped(const std::string& secret) {
  std::string out;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    if (i > 0 && i % 4 == 0) {
      out += ' ';
    }
    out += secret[i];
  }
  return out;
}

pb::LoginClaim ClaimOf(const httplib::Request& request,
                       const std::multimap<std::string, std::string>& form) {
  pb::LoginClaim claim;
  claim.set_organisation_id(Field(form, "organisatie"));
  claim.set_user_id(Field(form, "gebruikersnaam"));
  // The peer's address as the connection shows it. Behind an ingress this
  // is the ingress, unless it is configured to pass the browser's on.
  claim.set_client_address(request.remote_addr);
  return claim;
}

// The CSRF token of the forms that open a session, from this browser's
// form cookie; a browser without one gets one with this answer.
std::string FormToken(const httplib::Request& request, httplib::Response& response) {
  std::optional<std::string> id = FormIdFromCookies(request.get_header_value("Cookie"));
  if (!id) {
    id = NewSessionId();
    response.set_header("Set-Cookie", FormCookie(*id));
  }
  return CsrfToken(FormCsrfSecretOf(*id));
}

// Whether a form that opens a session carries the token of the browser's
// own form cookie: a page of another site can make the browser post it,
// but cannot know the token.
bool HasFormToken(const httplib::Request& request,
                  const std::multimap<std::string, std::string>& form) {
  const auto id = FormIdFromCookies(request.get_header_value("Cookie"));
  return id && IsCsrfTokenOf(FormCsrfSecretOf(*id), Field(form, "csrf"));
}

constexpr std::string_view kFormRefused =
    "Dit formulier is verlopen of komt niet van deze site. Er is niets mee gedaan: vul het "
    "opnieuw in.";

constexpr std::string_view kLoggedOut =
    "U bent uitgelogd. Werkt u op een computer die u met anderen deelt, sluit dan ook het "
    "browservenster.";

bool IsOneTimeCode(const std::string& code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void WebServer::Home(const httplib::Request& request, httplib::Response& response,
                     std::string_view notice) {
  data page;
  page.set("signed_in", false);
  if (!notice.empty()) {
    page.set("ended", std::string(notice));
    page.set("logged_out", true);  // tells the session's other tabs
  }
  std::optional<PageSession> signed_in;
  if (accounts_ != nullptr) {
    if (const auto id = SessionIdFromCookies(request.get_header_value("Cookie"))) {
      pb::Session session;
      const grpc::Status live = accounts_->CheckSession(SessionIdHash(*id), session);
      if (live.ok()) {
        page.set("signed_in", true);
        page.set("idle_minutes", std::to_string(workflow::kSessionIdle.count()));
        page.set("absolute_hours", std::to_string(workflow::kSessionAbsolute.count()));
        page.set("warning_minutes", std::to_string(workflow::kSessionWarning.count()));
        signed_in = PageSessionOf(session, CsrfToken(CsrfSecretOf(*id)));
      } else if (live.error_code() == grpc::StatusCode::NOT_FOUND ||
                 live.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                 live.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        // An ended session's cookie opens nothing: the browser forgets it.
        response.set_header("Set-Cookie", ExpiredSessionCookie());
        if (live.error_code() != grpc::StatusCode::NOT_FOUND) {
          page.set("ended", MessageOf(live));
        }
      } else {
        // The directory cannot say now: the session may well live, and the
        // cookie stays for the next try.
        page.set("ended", MessageOf(live));
      }
    }
  }
  response.set_content(
      pages_.Render("home", "Startpagina", page, signed_in ? &*signed_in : nullptr),
      std::string(kHtmlContentType));
}

void WebServer::LoginRoutes() {
  if (accounts_ == nullptr) {
    return;  // no directory to ask: the start page says how to work instead
  }
  // Every page of these forms carries the form token; a post without it
  // gets its form again, nothing asked of the directory.
  const auto show = [this](const httplib::Request& request, httplib::Response& response,
                           std::string_view name, std::string_view title, data page,
                           int status = 200) {
    page.set("csrf", FormToken(request, response));
    response.status = status;
    response.set_content(pages_.Render(name, title, page), std::string(kHtmlContentType));
  };
  // A form shown again with what refused it, the names filled in (never a
  // password or a code).
  const auto again = [show](const httplib::Request& request, httplib::Response& response,
                            std::string_view name, std::string_view title,
                            const pb::LoginClaim& claim, const std::string& message, int status) {
    data page;
    page.set("message", message);
    page.set("organisatie", claim.organisation_id());
    page.set("gebruikersnaam", claim.user_id());
    show(request, response, name, title, page, status);
  };
  // The post of form `name` runs `handler` only with the browser's own
  // form token; without it the form comes back.
  const auto guarded = [again](std::string_view name, std::string_view title,
                               FormHandler handler) -> FormHandler {
    return [again, name, title, handler = std::move(handler)](
               const httplib::Request& request, const Form& form, httplib::Response& response) {
      if (!HasFormToken(request, form)) {
        again(request, response, name, title, ClaimOf(request, form), std::string(kFormRefused),
              403);
        return;
      }
      handler(request, form, response);
    };
  };

  Get("/inloggen", "/inloggen",
      [show](const httplib::Request& request, httplib::Response& response) {
        show(request, response, "login", "Inloggen", data{});
      });
  Post("/inloggen", "/inloggen",
       guarded("login", "Inloggen",
               [this, again](const httplib::Request& request, const Form& form,
                             httplib::Response& response) {
                 pb::AuthenticateRequest login;
                 *login.mutable_claim() = ClaimOf(request, form);
                 login.set_password(Field(form, "wachtwoord"));
                 const std::string code = Field(form, "code");
                 if (IsOneTimeCode(code)) {
                   login.set_one_time_code(code);
                 } else {
                   login.set_recovery_code(code);
                 }
                 const std::string id = NewSessionId();
                 login.set_session_hash(SessionIdHash(id));
                 pb::AuthenticateResponse answer;
                 const grpc::Status status = accounts_->Authenticate(login, answer);
                 if (status.ok()) {
                   // A session this browser still had ends: one login, one session.
                   if (const auto old = SessionIdFromCookies(request.get_header_value("Cookie"))) {
                     accounts_->EndSession(SessionIdHash(*old));
                   }
                   response.set_header("Set-Cookie", SessionCookie(id));
                   response.set_redirect("/", 303);
                   return;
                 }
                 again(request, response, "login", "Inloggen", login.claim(), MessageOf(status),
                       HttpStatusOf(status));
               }));

  Get("/activeren", "/activeren",
      [show](const httplib::Request& request, httplib::Response& response) {
        show(request, response, "enrol", "Login instellen", data{});
      });
  Post("/activeren", "/activeren",
       guarded("enrol", "Login instellen",
               [this, show, again](const httplib::Request& request, const Form& form,
                                   httplib::Response& response) {
                 pb::StartEnrolmentRequest start;
                 *start.mutable_claim() = ClaimOf(request, form);
                 start.set_enrolment_code(Field(form, "activeringscode"));
                 start.set_password(Field(form, "wachtwoord"));
                 pb::StartEnrolmentResponse answer;
                 const grpc::Status status = accounts_->StartEnrolment(start, answer);
                 if (!status.ok()) {
                   again(request, response, "enrol", "Login instellen", start.claim(),
                         MessageOf(status), HttpStatusOf(status));
                   return;
                 }
                 data page;
                 page.set("organisatie", start.claim().organisation_id());
                 page.set("gebruikersnaam", start.claim().user_id());
                 // The QR code is drawn by the template from numbers; nothing of
                 // it is written unescaped.
                 const common::QrCode qr = common::QrCodeOf(answer.otpauth_uri());
                 page.set("qr_size", std::to_string(qr.size));
                 page.set("qr_path", qr.path);
                 page.set("secret", Grouped(answer.secret_base32()));
                 page.set("activeringscode", start.enrolment_code());
                 show(request, response, "enrol_secret", "Authenticator-app koppelen", page);
               }));
  Post("/activeren/bevestigen", "/activeren/bevestigen",
       guarded("enrol", "Login instellen",
               [this, show, again](const httplib::Request& request, const Form& form,
                                   httplib::Response& response) {
                 pb::CompleteEnrolmentRequest complete;
                 *complete.mutable_claim() = ClaimOf(request, form);
                 complete.set_enrolment_code(Field(form, "activeringscode"));
                 complete.set_one_time_code(Field(form, "code"));
                 pb::CompleteEnrolmentResponse answer;
                 const grpc::Status status = accounts_->CompleteEnrolment(complete, answer);
                 if (!status.ok()) {
                   again(request, response, "enrol", "Login instellen", complete.claim(),
                         MessageOf(status), HttpStatusOf(status));
                   return;
                 }
                 list codes;
                 for (const std::string& code : answer.recovery_codes()) {
                   codes.emplace_back(code);
                 }
                 data page;
                 page.set("codes", codes);
                 show(request, response, "enrol_done", "Login ingesteld", page);
               }));

  Post("/uitloggen", "/uitloggen",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto id = SessionIdFromCookies(request.get_header_value("Cookie"));
         if (!id) {
           response.set_redirect("/uitgelogd", 303);  // a tab left open after logout
           return;
         }
         // A request of a session changes something only with the session's
         // own token: another site cannot make the browser send it.
         if (!IsCsrfTokenOf(CsrfSecretOf(*id), Field(form, "csrf"))) {
           response.status = 403;
           return;
         }
         // The browser forgets the session whatever happens; when the
         // directory cannot end it now, it ends when idle.
         response.set_header("Set-Cookie", ExpiredSessionCookie());
         const grpc::Status ended = accounts_->EndSession(SessionIdHash(*id));
         if (!ended.ok()) {
           response.status = HttpStatusOf(ended);
           return;
         }
         response.set_redirect("/uitgelogd", 303);
       });
  Get("/uitgelogd", "/uitgelogd",
      [this](const httplib::Request& request, httplib::Response& response) {
        Home(request, response, kLoggedOut);
      });
}

}  // namespace ketenregie::web
