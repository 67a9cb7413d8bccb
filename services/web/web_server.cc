#include "services/web/web_server.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "services/common/status.h"
#include "services/web/accounts.h"
#include "services/web/json_api.h"
#include "services/web/pages.h"
#include "services/web/session_tokens.h"

namespace ketenregie::web {
namespace {

// Every answer's headers. The policy allows scripts, styles and images from
// this origin only — no inline script or style, no plugin, no frame, forms
// posting back here only — so injected markup cannot run (BIO, OWASP ASVS
// V14.4). HSTS: browsers come back over HTTPS only, for a year.
constexpr std::pair<std::string_view, std::string_view> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
     "base-uri 'none'"},
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
};

// Pages may hold personal data: nothing is kept by the browser or a proxy
// unless a route says otherwise (static files).
constexpr std::string_view kNoStore = "no-store";
// A static file's name carries its content hash: a new file is a new name,
// so a browser may keep one for a year.
constexpr std::string_view kStaticCache = "public, max-age=31536000, immutable";

constexpr std::string_view kHtml = kHtmlContentType;
constexpr std::string_view kText = "text/plain; charset=utf-8";

// The route of the request a thread is answering, for the access log: set
// when a route matches, cleared once the line is written. Only a route's
// pattern is logged — a path may carry an id, a query anything.
struct RequestScope {
  std::string_view route = "-";
  std::optional<std::chrono::steady_clock::time_point> start;
  // The request was refused with its body unread (see EndAfterThisAnswer).
  bool end_after_answer = false;
};
thread_local RequestScope current;

// The status that refuses a request for its body before any of it is read,
// or 0. cpp-httplib bounds a body by its Content-Length only: a chunked one,
// one without a length (read until the connection closes) or a compressed
// one (inflated as it is read) could grow without limit, so none is taken.
int RefuseBody(const httplib::Request& request, std::size_t max_body, std::size_t max_drained) {
  if (request.has_header("Transfer-Encoding")) {
    return 411;
  }
  if (request.has_header("Content-Encoding") &&
      request.get_header_value("Content-Encoding") != "identity") {
    return 415;
  }
  if (!request.has_header("Content-Length")) {
    const bool expects_body =
        request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    return expects_body ? 411 : 0;
  }
  const std::string length = request.get_header_value("Content-Length");
  if (length.empty() || length.size() > 19 ||
      !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 400;
  }
  // Up to max_drained cpp-httplib reads the body, throws it away and answers
  // 413 itself (payload_max_length), the connection kept.
  const auto announced = std::stoull(length);
  return announced > max_body && announced > max_drained ? 413 : 0;
}

// How long a refused connection's remaining bytes are read and thrown away
// after its answer, at most.
constexpr std::chrono::milliseconds kLinger{2000};

// Ends the connection after its answer has been written (called from the
// access log, which cpp-httplib calls once the answer is out). cpp-httplib
// 0.11 keeps a connection open unless the *request* said close, so the body
// left unread would be read as the next request (behind a proxy, perhaps
// someone else's). Closing at once with bytes unread resets the connection,
// and the client loses the answer with it. So, as nginx does: the bytes
// already decrypted are dropped, the sending side is shut, and what the
// client still sends is read and thrown away until it closes, for at most
// kLinger; cpp-httplib's next read then ends the connection.
void EndAfterThisAnswer(const httplib::Request& request) {
  // cpp-httplib hands the handlers its connection's SSL as const.
  SSL* ssl = const_cast<SSL*>(request.ssl);
  if (ssl == nullptr) {
    return;
  }
  char discarded[4096];
  while (SSL_pending(ssl) > 0 && SSL_read(ssl, discarded, sizeof discarded) > 0) {
  }
  const int fd = SSL_get_fd(ssl);
  shutdown(fd, SHUT_WR);
  const auto until = std::chrono::steady_clock::now() + kLinger;
  for (auto left = kLinger; left.count() > 0;
       left = std::chrono::duration_cast<std::chrono::milliseconds>(
           until - std::chrono::steady_clock::now())) {
    pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&readable, 1, static_cast<int>(left.count())) <= 0 ||
        recv(fd, discarded, sizeof discarded, MSG_DONTWAIT) <= 0) {
      break;
    }
  }
}

// The method for the log: one of HTTP's, else "-" (a malformed request line
// puts whatever came first there, and it may be anything).
std::string_view LoggedMethod(const std::string& method) {
  for (const std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    if (method == known) {
      return known;
    }
  }
  return "-";
}

// host:port, or [v6]:port.
std::pair<std::string, int> SplitListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::runtime_error("--listen: expected host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    std::size_t used = 0;
    const int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) {
      throw std::invalid_argument("port");
    }
    return {host, port};
  } catch (const std::logic_error&) {
    throw std::runtime_error("--listen: port must be a number from 0 to 65535");
  }
}

// TLS 1.2 at least, with forward-secret AEAD suites only (NCSC's "goed" for
// TLS 1.2; TLS 1.3's suites are all such), no compression or renegotiation.
bool SetUpTls(SSL_CTX& ctx, const std::string& cert, const std::string& key) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      &ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return SSL_CTX_set_cipher_list(&ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1 &&
         SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) == 1 &&
         SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) == 1 &&
         SSL_CTX_check_private_key(&ctx) == 1;
}

}  // namespace

WebServer::WebServer(WebConfig config, const Pages& pages, ReadinessProbe readiness,
                     const Accounts* accounts, const JsonApi* api, const OnBehalfCalls* calls)
    : config_(std::move(config)),
      pages_(pages),
      readiness_(std::move(readiness)),
      accounts_(accounts),
      api_(api),
      calls_(calls) {}

WebServer::~WebServer() = default;

int WebServer::Bind() {
  const auto [host, port] = SplitListen(config_.listen);
  auto server = std::make_unique<httplib::SSLServer>(
      [this](SSL_CTX& ctx) { return SetUpTls(ctx, config_.tls_cert, config_.tls_key); });
  if (!server->is_valid()) {
    throw std::runtime_error("cannot load the server certificate " + config_.tls_cert +
                             " with its key " + config_.tls_key);
  }
  server_ = std::move(server);
  const int threads = config_.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server_->set_payload_max_length(config_.max_body_bytes);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets
  // a second process bind the same port and take part of its connections.
  server_->set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // An answer goes out as headers and body in separate writes: with Nagle's
  // algorithm the body waited for the client's delayed ACK, 40 ms a request
  // on a kept-alive connection (BENCHMARKS.md, the front door). Accepted
  // sockets take TCP_NODELAY from the listening one.
  server_->set_tcp_nodelay(true);
  server_->set_read_timeout(config_.read_timeout);
  server_->set_write_timeout(config_.write_timeout);
  server_->set_keep_alive_timeout(config_.keep_alive_timeout.count());
  server_->set_keep_alive_max_count(100);

  const std::size_t max_body = config_.max_body_bytes;
  const std::size_t max_drained = config_.max_drained_bytes;
  server_->set_pre_routing_handler(
      [max_body, max_drained](const httplib::Request& request, httplib::Response& response) {
        current.start = std::chrono::steady_clock::now();
        if (const int refused = RefuseBody(request, max_body, max_drained); refused != 0) {
          // Its body is left unread: the connection closes after the
          // answer, so nothing takes that body for a request.
          response.status = refused;
          response.set_header("Connection", "close");
          current.end_after_answer = true;
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
  // Errors cpp-httplib answers itself (413, 414, 400, 404) and those of a
  // route that set no body get the Dutch page.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty() || response.has_header("HX-Redirect")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        // htmx would look for its part of the page in the error page and
        // find none: the error page's content takes the place of the page's.
        if (request.has_header("HX-Request")) {
          response.set_header("HX-Retarget", "#inhoud");
          response.set_header("HX-Reselect", "#inhoud");
          response.set_header("HX-Reswap", "outerHTML");
        }
        response.set_content(pages_.Error(response.status), std::string(kHtml));
        return httplib::Server::HandlerResponse::Handled;
      }));
  server_->set_exception_handler(
      [this](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        // What the exception says may quote input: only the route is logged.
        spdlog::error("route {} failed with an exception", current.route);
        response.status = 500;
        response.set_content(pages_.Error(500), std::string(kHtml));
      });
  server_->set_post_routing_handler([](const httplib::Request&, httplib::Response& response) {
    for (const auto& [name, value] : kSecurityHeaders) {
      response.set_header(std::string(name), std::string(value));
    }
    if (!response.has_header("Cache-Control")) {
      response.set_header("Cache-Control", std::string(kNoStore));
    }
  });
  server_->set_logger([](const httplib::Request& request, const httplib::Response& response) {
    const auto elapsed = current.start ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - *current.start)
                                             .count()
                                       : 0;
    spdlog::info("{} {} {} {}ms", LoggedMethod(request.method), current.route, response.status,
                 elapsed);
    if (current.end_after_answer) {
      EndAfterThisAnswer(request);
    }
    current = RequestScope{};
  });
  Routes();

  const int bound = port == 0 ? server_->bind_to_any_port(host) : port;
  if (bound <= 0 || (port != 0 && !server_->bind_to_port(host, port))) {
    throw std::runtime_error("cannot listen on " + config_.listen);
  }
  return bound;
}

void WebServer::Get(const std::string& pattern, std::string_view route, Handler handler) {
  server_->Get(pattern, [route, handler = std::move(handler)](const httplib::Request& request,
                                                              httplib::Response& response) {
    current.route = route;
    handler(request, response);
  });
}

namespace {

// Whether the browser says a request comes from a page of this site. A
// browser sends Sec-Fetch-Site with every request, and Origin with every
// POST: another site's form (or script) is refused whatever cookie comes
// with it. Under this site's `Referrer-Policy: no-referrer` a browser
// sends the Origin of its own POSTs as "null" (Fetch, "append a request
// Origin header"), and so does a sandboxed frame of any site: a null
// Origin counts only where Sec-Fetch-Site says same-origin. A client that
// is no browser sends neither. The forms' CSRF tokens are the other guard.
bool FromThisSite(const httplib::Request& request) {
  const std::string site = request.get_header_value("Sec-Fetch-Site");
  if (request.has_header("Sec-Fetch-Site") && site != "same-origin" && site != "none") {
    return false;
  }
  if (request.has_header("Origin")) {
    const std::string origin = request.get_header_value("Origin");
    if (origin == "null") {
      return site == "same-origin";
    }
    return origin == "https://" + request.get_header_value("Host");
  }
  return true;
}

}  // namespace

void WebServer::Post(const std::string& pattern, std::string_view route, FormHandler handler) {
  server_->Post(pattern, [route, handler = std::move(handler)](const httplib::Request& request,
                                                               httplib::Response& response) {
    current.route = route;
    if (!FromThisSite(request)) {
      response.status = 403;
      return;
    }
    // A form's fields come in its body only: never in the address, where
    // logs and history would keep them.
    if (request.target.find('?') != std::string::npos) {
      response.status = 400;
      return;
    }
    if (!request.get_header_value("Content-Type")
             .starts_with("application/x-www-form-urlencoded")) {
      response.status = 415;
      return;
    }
    Form form;
    httplib::detail::parse_query_text(request.body, form);
    handler(request, form, response);
  });
}

void WebServer::Routes() {
  Get("/healthz", "/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", std::string(kText));
  });
  Get("/readyz", "/readyz",
      [this](const httplib::Request&, httplib::Response& response) { Ready(response); });
  Get("/", "/", [this](const httplib::Request& request, httplib::Response& response) {
    Home(request, response);
  });
  Get(R"(/static/([a-z0-9-]+\.[a-z]+))", "/static/{file}",
      [](const httplib::Request& request, httplib::Response& response) {
        const auto file = FindStatic(request.matches[1].str());
        if (!file) {
          response.status = 404;
          return;
        }
        response.set_header("Cache-Control", std::string(kStaticCache));
        response.set_content(std::string(file->content), std::string(file->content_type));
      });
  LoginRoutes();
  WorkspaceRoutes();
  // Before TrajectoryRoutes: its POST /trajecten/{id}/{step} would take
  // /trajecten/{id}/screening and /toestemming as steps it does not know.
  IntakeRoutes();
  ConsentRoutes();
  CareRoutes();
  TrajectoryRoutes();
  if (accounts_ != nullptr && api_ != nullptr) {
    const auto api = [this](const httplib::Request& request, httplib::Response& response) {
      Api(request, response);
    };
    server_->Get(R"(/v1/.*)", api);
    server_->Post(R"(/v1/.*)", api);
  }
}

void WebServer::Api(const httplib::Request& request, httplib::Response& response) {
  current.route = "/v1/-";
  const auto answer = [&response](const ApiAnswer& a) {
    response.status = a.status;
    response.set_content(a.body, "application/json");
  };
  const bool session_route = request.method == "GET" && request.path == "/v1/session";
  const std::optional<JsonApi::Match> match =
      session_route ? std::nullopt : api_->Find(request.method, request.path);
  if (!session_route && !match) {
    answer(StatusAnswer(common::NotFound("method")));
    return;
  }
  current.route =
      session_route ? std::string_view("GET /v1/session") : std::string_view(match->route->pattern);
  const auto id = SessionIdFromCookies(request.get_header_value("Cookie"));
  directory::v1::Session session;
  if (!id || !accounts_->CheckSession(SessionIdHash(*id), session).ok()) {
    answer(StatusAnswer(common::NoSession()));
    return;
  }
  if (session_route) {
    response.set_header("X-CSRF-Token", CsrfToken(CsrfSecretOf(*id)));
    std::string json;
    google::protobuf::util::MessageToJsonString(session, &json);
    answer({200, json});
    return;
  }
  if (request.method == "POST") {
    if (!FromThisSite(request) ||
        !IsCsrfTokenOf(CsrfSecretOf(*id), request.get_header_value("X-CSRF-Token"))) {
      answer(StatusAnswer(common::CsrfRefused()));
      return;
    }
    if (!request.get_header_value("Content-Type").starts_with("application/json")) {
      response.status = 415;
      return;
    }
    if (request.target.find('?') != std::string::npos) {
      answer(StatusAnswer(common::InvalidArgument("query", common::FieldReason::kNotApplicable,
                                                  "a change takes its fields in the body")));
      return;
    }
  }
  answer(api_->Call(*match, request.body, match->route->body ? httplib::Params{} : request.params,
                    {session.organisation_id(), session.user_id(), SessionIdHash(*id)}));
}

void WebServer::Ready(httplib::Response& response) {
  std::vector<std::string> not_ready;
  if (stopping_) {
    not_ready = {"web (stopping)"};
  } else {
    std::lock_guard lock(readiness_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - readiness_at_ >= std::chrono::seconds(1)) {
      not_ready_ = readiness_();
      readiness_at_ = now;
    }
    not_ready = not_ready_;
  }
  if (not_ready.empty()) {
    response.set_content("ready\n", std::string(kText));
    return;
  }
  std::string body = "not ready:";
  for (const std::string& name : not_ready) {
    body += " " + name;
  }
  response.status = 503;
  response.set_content(body + "\n", std::string(kText));
}

bool WebServer::Serve() {
  serve_called_ = true;
  if (stopping_ || server_ == nullptr) {
    serve_done_ = true;
    return server_ != nullptr;
  }
  const bool served = server_->listen_after_bind();
  serve_done_ = true;
  return served;
}

void WebServer::Stop() {
  if (stopping_.exchange(true) || !serve_called_) {
    return;
  }
  // Serve may not have reached its accept loop yet: wait until it has (or
  // has returned), so that stop() is not lost.
  while (!serve_done_ && !server_->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server_->stop();
}

}  // namespace ketenregie::web
