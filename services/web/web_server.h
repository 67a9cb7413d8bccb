#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ketenregie::web {

class Accounts;
struct LiveSession;
struct Refusal;
class JsonApi;
class OnBehalfCalls;
class Pages;

/// How the front door listens and what it accepts.
struct WebConfig {
  /// host:port; port 0 lets the kernel choose (see Bind).
  std::string listen = "127.0.0.1:0";
  /// The deployment's server certificate chain and its key (PEM).
  std::string tls_cert;
  std::string tls_key;
  /// The largest request body accepted: larger → 413. A body without a
  /// length (chunked, or read until close) → 411, a compressed one → 415,
  /// each before any of it is read.
  std::size_t max_body_bytes = 64 * 1024;
  /// A body over max_body_bytes announcing at most this many is read and
  /// thrown away before the 413, and the connection goes on. A larger one is
  /// refused unread: the answer is written, what the client still sends is
  /// thrown away for a short while (closing on unread bytes would reset the
  /// connection and lose the answer), and the connection ends.
  std::size_t max_drained_bytes = 1024 * 1024;
  /// How long a connection may wait between two parts of a request (the
  /// TLS handshake included), or of an answer. Each wait, not the whole
  /// request: a client trickling bytes keeps its thread (see threads).
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  /// How long an idle kept-alive connection stays open.
  std::chrono::seconds keep_alive_timeout{5};
  /// Connections served at once: each takes one thread while it is open
  /// (cpp-httplib); more wait for one. A deployment puts the ingress in
  /// front, which takes the slow clients.
  int threads = 64;
};

/// Says what keeps the front door from being ready: the names of the
/// services behind it that do not answer (empty: ready).
using ReadinessProbe = std::function<std::vector<std::string>()>;

/// The HTTPS server of the front door (cpp-httplib). Every answer, errors
/// included, carries the security headers (a Content-Security-Policy
/// without inline script, HSTS, no framing, no referrer, no caching) and a
/// Dutch page for an error; the access log names the route, never the path.
///
///   GET /healthz   200 while the process answers (liveness)
///   GET /readyz    200 when every service behind it answers SERVING, else
///                  503 naming those that do not; 503 once stopping
///   GET /          the start page: who is logged in, and logout
///   GET /static/…  stylesheet and images
///
/// With `accounts` (the directory's logins and sessions), the login pages
/// (login_routes.cc):
///
///   GET, POST /inloggen                 password and code → session cookie
///   GET, POST /activeren                enrolment code and password → the
///                                       authenticator secret as a QR code
///   POST /activeren/bevestigen          the app's first code → recovery codes
///   POST /uitloggen                     ends the session (CSRF token)
///
/// Every POST takes a form body only (never fields in the address), and is
/// refused (403) when the browser says it comes from another site (Origin,
/// Sec-Fetch-Site); one made in a session also needs its CSRF token.
///
/// With `api` too, the JSON API (json_api.h), for a live session only:
///
///   GET /v1/session        the session, its CSRF token in X-CSRF-Token
///   GET, POST /v1/…        every method with a google.api.http mapping;
///                          a POST needs X-CSRF-Token and a JSON body
///
/// With `calls` too, the coordinator's workspace (workspace_routes.cc), for
/// a live session only (without one: the start page):
///
///   GET /trajecten              the caseload, with filters and pages
///   GET /trajecten/{id}         a trajectory: facts, time bar, tasks,
///                               timeline, and the forms of its steps
///   POST /trajecten/{id}/{step} a step: leeftijd, route, heractiveren,
///                               non-punishment, bedenktijd-starten,
///                               bedenktijd-besluit, verblijfsvergunning,
///                               afsluiten, heropenen
///   GET /taken                  deadlines and open tasks
///   POST /taken/afronden        marks a task done (CSRF token)
///   GET /signalen/nieuw, POST /signalen   a new signal or consultation
///   GET /signalen/{id}          the signal, and registration for it
///   GET, POST /aanmelden        registration (aanmelding), with a warning
///                               when she was registered before
///   GET, POST /trajecten/{id}/screening   the screening of Bijlage 1
///   GET, POST /trajecten/{id}/toestemming  consents: the matrix of partners
///                               × data categories, recording her answer
///   GET, POST /trajecten/{id}/toestemming/{consent}/intrekken  withdrawal,
///                               after a page that says what it revokes
///   POST /trajecten/{id}/override   asks to share on a legal basis
///   GET, POST /trajecten/{id}/overdrachten  handoffs: the list with each
///                               one's answer and deadline, a new one (sent
///                               at once, or kept as a draft); the shelters'
///                               free beds, her places, asking for one
///   POST /trajecten/{id}/overdrachten/{handoff}/{versturen|intrekken}
///   POST /trajecten/{id}/opvang     asks a shelter for a place
///   POST /trajecten/{id}/opvang/{placement}/annuleren  cancels a request
///   GET /goedkeuringen          overrides awaiting a second coordinator
///   POST /goedkeuringen/{override}/{goedkeuren|afwijzen}  the decision
class WebServer {
 public:
  WebServer(WebConfig config, const Pages& pages, ReadinessProbe readiness,
            const Accounts* accounts = nullptr, const JsonApi* api = nullptr,
            const OnBehalfCalls* calls = nullptr);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  /// Loads the certificate and binds config.listen; returns the port.
  /// Throws std::runtime_error naming what failed (never a key's content).
  int Bind();
  /// Serves on the bound port until Stop(). Returns false if it could not.
  bool Serve();
  /// Graceful stop, from any thread: /readyz answers 503 at once, no new
  /// connection is accepted, requests in flight are answered (each within
  /// the read and write timeouts), then Serve returns.
  void Stop();

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  /// The fields of a POST's form body.
  using Form = std::multimap<std::string, std::string>;
  using FormHandler = std::function<void(const httplib::Request&, const Form&, httplib::Response&)>;
  void Routes();
  void LoginRoutes();
  void WorkspaceRoutes();
  void IntakeRoutes();
  void TrajectoryRoutes();
  /// The trajectory page of `id`; with `refusal`, that of its step `step`
  /// (shown at the step's form, which comes back as `typed`), answered
  /// with `status`.
  void TrajectoryPage(const httplib::Request& request, httplib::Response& response,
                      const LiveSession& live, const std::string& id, const std::string& step,
                      const Refusal* refusal, const Form* typed, int status);
  void CareRoutes();
  /// The handoffs and shelter places of trajectory `id`. With `refusal`:
  /// shown at the form `refused_form` ("overdracht", "opvang"), which
  /// comes back as `typed`; or at the handoff or placement `failed`
  /// ("overdracht-rij", "opvang-rij"). Answered with `status`.
  void CarePage(const httplib::Request& request, httplib::Response& response,
                const LiveSession& live, const std::string& id, const Form* typed,
                std::string_view refused_form, const Refusal* refusal, const std::string& failed,
                int status);
  void ConsentRoutes();
  void ApprovalRoutes();
  /// The consent page of trajectory `id`; with `refusal`, shown at the
  /// form `refused_form` ("toestemming", "override"), which comes back as
  /// `typed` (nullptr: empty), answered with `status`.
  void ConsentPage(const httplib::Request& request, httplib::Response& response,
                   const LiveSession& live, const std::string& id, const Form* typed,
                   std::string_view refused_form, const Refusal* refusal, int status);
  void Get(const std::string& pattern, std::string_view route, Handler handler);
  void Post(const std::string& pattern, std::string_view route, FormHandler handler);
  /// The start page; `notice` is shown to a browser without a live session
  /// (after logout: the cookie is gone, so only the address says it), and
  /// tells the session's other tabs (static/uitgelogd.js).
  void Home(const httplib::Request& request, httplib::Response& response,
            std::string_view notice = {});
  void Api(const httplib::Request& request, httplib::Response& response);
  /// The live session of a POST of a page, its CSRF token checked; nullopt
  /// with `response` made otherwise (no session: RequireSession's answer;
  /// no or another token: 403), nothing asked of a service.
  std::optional<LiveSession> PostedSession(const httplib::Request& request, const Form& form,
                                           httplib::Response& response) const;
  /// Answers with page `name` of a live session (its title Dutch and free of
  /// personal data): the layout says who is logged in, and the page's forms
  /// get the session's CSRF token as "csrf".
  void Show(httplib::Response& response, const LiveSession& live, std::string_view name,
            std::string_view title, kainjow::mustache::data page, int status = 200) const;
  void Ready(httplib::Response& response);

  WebConfig config_;
  const Pages& pages_;
  ReadinessProbe readiness_;
  const Accounts* accounts_;
  const JsonApi* api_;
  const OnBehalfCalls* calls_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> stopping_ = false;
  std::atomic<bool> serve_called_ = false;
  std::atomic<bool> serve_done_ = false;
  // /readyz asks the services at most once a second, however often it is
  // probed.
  std::mutex readiness_mutex_;
  std::chrono::steady_clock::time_point readiness_at_{};
  std::vector<std::string> not_ready_;
};

}  // namespace ketenregie::web
