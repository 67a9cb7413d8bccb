#include "services/web/live_session.h"

#include <httplib.h>

#include "services/common/validation.h"
#include "services/web/accounts.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/web_server.h"
#include "workflow/session.h"

namespace ketenregie::web {

PageSession PageSessionOf(const directory::v1::Session& session, std::string csrf) {
  const workflow::Instant answered = common::ToInstant(session.last_request_time());
  const workflow::SessionTimes times{.logged_in = common::ToInstant(session.login_time()),
                                     .last_request = answered,
                                     .ended = std::nullopt};
  return {.user = session.user_id(),
          .organisation = session.organisation_id(),
          .csrf = std::move(csrf),
          .end_time = DutchClockTime(common::ToInstant(session.end_time())),
          .warn_in = (common::ToInstant(session.warn_time()) - answered).count(),
          .end_in = (common::ToInstant(session.end_time()) - answered).count(),
          .final = workflow::SessionEndsAbsolutely(times)};
}

void WebServer::Show(httplib::Response& response, const LiveSession& live, std::string_view name,
                     std::string_view title, kainjow::mustache::data page, int status) const {
  page.set("csrf", live.page.csrf);
  response.status = status;
  response.set_content(pages_.Render(name, title, page, &live.page), std::string(kHtmlContentType));
}

std::optional<LiveSession> WebServer::PostedSession(const httplib::Request& request,
                                                    const Form& form,
                                                    httplib::Response& response) const {
  auto live = RequireSession(*accounts_, request, response);
  if (live && !IsCsrfTokenOf(live->csrf, Field(form, "csrf"))) {
    response.status = 403;
    return std::nullopt;
  }
  return live;
}

std::optional<LiveSession> RequireSession(const Accounts& accounts, const httplib::Request& request,
                                          httplib::Response& response) {
  const auto id = SessionIdFromCookies(request.get_header_value("Cookie"));
  directory::v1::Session session;
  if (!id || !accounts.CheckSession(SessionIdHash(*id), session).ok()) {
    // The start page asks the directory again and says why (ended, or the
    // directory cannot be reached), and offers the login. A request of htmx
    // would follow a redirect and swap the start page into a part of the
    // page: it is told to go there itself.
    if (request.has_header("HX-Request")) {
      response.status = 401;
      response.set_header("HX-Redirect", "/");
      return std::nullopt;
    }
    response.set_redirect("/", 303);
    return std::nullopt;
  }
  // Built whole, in one expression: GCC 12 at -O3 took a PageSession
  // assigned after construction for one read uninitialized (a false
  // -Wmaybe-uninitialized in std::string's destructor).
  const CsrfSecret csrf = CsrfSecretOf(*id);
  return LiveSession{.session = session,
                     .who = {session.organisation_id(), session.user_id(), SessionIdHash(*id)},
                     .page = PageSessionOf(session, CsrfToken(csrf)),
                     .csrf = csrf,
                     .now = common::ToInstant(session.last_request_time())};
}

}  // namespace ketenregie::web
