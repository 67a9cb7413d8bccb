#pragma once

/// The session a page request comes with, as the directory answers for it
/// (services/directory keeps every session; R-SESSION-TIMEOUT).

#include <grpcpp/support/status.h>

#include <optional>
#include <string>

#include "ketenregie/directory/v1/directory.pb.h"
#include "services/web/on_behalf.h"
#include "services/web/pages.h"
#include "services/web/session_tokens.h"
#include "workflow/core.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ketenregie::web {

class Accounts;

/// What the layout shows of a live session: its times as seconds from the
/// directory's answer, which the page's script counts down by its own clock.
PageSession PageSessionOf(const directory::v1::Session& session, std::string csrf);

/// A live session of a page request.
struct LiveSession {
  directory::v1::Session session;
  /// Whose calls the page makes.
  OnBehalfOf who;
  /// What the layout shows, with the CSRF token for this page's forms.
  PageSession page;
  CsrfSecret csrf;
  /// The directory's time of this request: the servers' clock, which the
  /// deadlines on the page are counted from (not the browser's).
  workflow::Instant now;
};

/// The live session of `request`; without one, nullopt, with `response`
/// sent to the start page (303), which says why when the session ended.
std::optional<LiveSession> RequireSession(const Accounts& accounts, const httplib::Request& request,
                                          httplib::Response& response);

}  // namespace ketenregie::web
