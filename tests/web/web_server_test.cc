// The web front door's HTTPS server (issue #13 items 1 and 7), driven over
// real TLS on a free port: the headers every answer carries, Dutch error
// pages, request limits, readiness, graceful stop, and what the access log
// may say.
#include "services/web/web_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "services/web/embedded.h"
#include "services/web/pages.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/sockets.h"

namespace ketenregie::web {
namespace {

using namespace std::chrono_literals;

// A front door on 127.0.0.1:<free port>, serving on its own thread.
class RunningServer {
 public:
  explicit RunningServer(ReadinessProbe readiness, WebConfig config = {}) {
    config.tls_cert = testing::TestCertsDir() + "/server.pem";
    config.tls_key = testing::TestCertsDir() + "/server.key";
    server_ = std::make_unique<WebServer>(config, pages_, std::move(readiness));
    port_ = server_->Bind();
    served_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  }
  ~RunningServer() { Stop(); }
  // Stops and returns what Serve returned.
  bool Stop() {
    if (!stopped_) {
      stopped_ = true;
      server_->Stop();
      result_ = served_.get();
    }
    return result_;
  }
  WebServer& server() { return *server_; }
  int port() const { return port_; }
  std::unique_ptr<httplib::SSLClient> Client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path((testing::TestCertsDir() + "/ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(10, 0);
    return client;
  }

 private:
  Pages pages_;
  std::unique_ptr<WebServer> server_;
  int port_ = 0;
  std::future<bool> served_;
  bool stopped_ = false;
  bool result_ = false;
};

// One TLS connection to the front door, written and read as raw bytes; a
// read waits 5 s at most.
class TlsConnection {
 public:
  explicit TlsConnection(int port)
      : ctx_(SSL_CTX_new(TLS_client_method())), fd_(testing::ConnectLoopback(port)) {
    timeval wait{.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    open_ = SSL_connect(ssl_) == 1;
  }
  ~TlsConnection() {
    SSL_free(ssl_);
    close(fd_);
    SSL_CTX_free(ctx_);
  }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool Write(const std::string& bytes) {
    open_ = open_ && SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) > 0;
    return open_;
  }
  // Appends what comes next to `into`; false once the connection has ended.
  bool ReadInto(std::string& into) {
    char buffer[4096];
    const int got = open_ ? SSL_read(ssl_, buffer, sizeof buffer) : 0;
    open_ = got > 0;
    if (open_) {
      into.append(buffer, static_cast<std::size_t>(got));
    }
    return open_;
  }

 private:
  SSL_CTX* ctx_;
  int fd_;
  SSL* ssl_;
  bool open_ = false;
};

// Sends `bytes` over TLS as they are and returns all the server answers
// until it closes the connection (or 5 s pass).
std::string RawTls(int port, const std::string& bytes) {
  TlsConnection connection(port);
  std::string answer;
  if (connection.Write(bytes)) {
    while (connection.ReadInto(answer)) {
    }
  }
  return answer;
}

// Whether `answer` holds a whole answer: its head, and a body as long as
// its Content-Length says.
bool IsWhole(const std::string& answer) {
  static const std::regex kLength("\r\nContent-Length: ([0-9]+)\r\n", std::regex::icase);
  const auto head_end = answer.find("\r\n\r\n");
  std::smatch length;
  return head_end != std::string::npos &&
         std::regex_search(answer.cbegin(), answer.cbegin() + static_cast<long>(head_end) + 2,
                           length, kLength) &&
         answer.size() >= head_end + 4 + std::stoul(length[1]);
}

// Sends each request over one TLS connection after the answer to the one
// before has come whole, and returns the answers; one that does not come is
// empty (or cut short), and the rest get none.
std::vector<std::string> ExchangeTls(int port, const std::vector<std::string>& requests) {
  TlsConnection connection(port);
  std::vector<std::string> answers;
  for (const std::string& request : requests) {
    std::string& answer = answers.emplace_back();
    if (connection.Write(request)) {
      while (!IsWhole(answer) && connection.ReadInto(answer)) {
      }
    }
  }
  return answers;
}

// The server closes idle connections after a second: raw exchanges end soon.
WebConfig QuickToClose() {
  WebConfig config;
  config.keep_alive_timeout = std::chrono::seconds(1);
  return config;
}

ReadinessProbe AllReady() {
  return [] { return std::vector<std::string>{}; };
}

void ExpectSecurityHeaders(const httplib::Result& result, const std::string& what) {
  ASSERT_TRUE(result) << what << ": " << httplib::to_string(result.error());
  const std::string csp = result->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << what;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << what;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << what;
  EXPECT_NE(result->get_header_value("Strict-Transport-Security").find("max-age="),
            std::string::npos)
      << what;
  EXPECT_EQ(result->get_header_value("Referrer-Policy"), "no-referrer") << what;
  EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff") << what;
  EXPECT_EQ(result->get_header_value("X-Frame-Options"), "DENY") << what;
}

TEST(WebServerTest, EveryAnswer_CarriesTheSecurityHeaders_AndPagesAreNeverStored) {
  RunningServer running(AllReady());
  auto client = running.Client();
  for (const std::string path : {"/", "/healthz", "/readyz", "/bestaat-niet"}) {
    const auto result = client->Get(path.c_str());
    ASSERT_NO_FATAL_FAILURE(ExpectSecurityHeaders(result, "GET " + path));
    EXPECT_EQ(result->get_header_value("Cache-Control"), "no-store") << path;
  }
  const auto too_big = client->Post("/", std::string(WebConfig{}.max_body_bytes + 1, 'x'),
                                    "application/x-www-form-urlencoded");
  ASSERT_NO_FATAL_FAILURE(ExpectSecurityHeaders(too_big, "POST too big"));
  EXPECT_EQ(too_big->get_header_value("Cache-Control"), "no-store");
  // A stylesheet holds nothing personal, and its name changes with its
  // content: a browser may keep it.
  const auto css = client->Get(StaticUrl("ketenregie.css"));
  ASSERT_NO_FATAL_FAILURE(ExpectSecurityHeaders(css, "GET css"));
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(css->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  // The name without its hash is not served: an old page gets no new file.
  EXPECT_EQ(client->Get("/static/ketenregie.css")->status, 404);
}

TEST(WebServerTest, StaticFiles_AreServedUnderTheirContentHash_WithTheBundles) {
  RunningServer running(AllReady());
  auto client = running.Client();
  // The stylesheet bundle holds the NL Design System's components and
  // tokens; the script bundle htmx, set up without eval or inline style.
  const std::string css_url = StaticUrl("ketenregie.css");
  EXPECT_TRUE(std::regex_match(css_url, std::regex(R"(/static/ketenregie-[0-9a-f]{16}\.css)")))
      << css_url;
  const auto css = client->Get(css_url);
  ASSERT_EQ(css->status, 200);
  EXPECT_NE(css->body.find(".utrecht-button"), std::string::npos);
  EXPECT_NE(css->body.find("--utrecht-"), std::string::npos);
  EXPECT_EQ(css->body.find("@import"), std::string::npos) << "the imports are bundled";
  const auto js = client->Get(StaticUrl("ketenregie.js"));
  ASSERT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("htmx"), std::string::npos);
  EXPECT_NE(js->body.find("includeIndicatorStyles"), std::string::npos);
  // Every page names the files by their hashed addresses.
  const auto page = client->Get("/");
  EXPECT_NE(page->body.find("href=\"" + css_url + "\""), std::string::npos);
  EXPECT_NE(page->body.find("src=\"" + StaticUrl("ketenregie.js") + "\""), std::string::npos);
  EXPECT_THROW(StaticUrl("bestaat-niet.css"), std::out_of_range);
}

TEST(WebServerTest, StartPage_IsDutchHtml) {
  RunningServer running(AllReady());
  const auto result = running.Client()->Get("/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(result->body.find("<html lang=\"nl\">"), std::string::npos);
  EXPECT_NE(result->body.find("<title>Startpagina — Ketenregie</title>"), std::string::npos);
}

TEST(WebServerTest, UnknownPage_Is404WithADutchPage) {
  RunningServer running(AllReady());
  const auto result = running.Client()->Get("/trajecten/onbekend");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(result->body.find("Pagina niet gevonden"), std::string::npos);
  EXPECT_NE(result->body.find("<html lang=\"nl\">"), std::string::npos);
}

TEST(WebServerTest, BodyOverTheLimit_Is413WithADutchPage) {
  WebConfig config;
  config.max_body_bytes = 1024;
  RunningServer running(AllReady(), config);
  auto client = running.Client();
  const auto too_big = client->Post("/", std::string(1025, 'x'), "text/plain");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_NE(too_big->body.find("Verzoek te groot"), std::string::npos);
  // Within the limit the body is read, and the route decides (none takes a
  // POST on / yet).
  const auto within = client->Post("/", std::string(1024, 'x'), "text/plain");
  ASSERT_TRUE(within);
  EXPECT_EQ(within->status, 404);
}

// Closing on unread bytes resets the connection, and the client may lose
// the 413 with it (a browser would show a connection error): a body not much
// over the limit is read and thrown away, and the connection goes on.
TEST(WebServerTest, BodyOverTheLimit_IsReadAndThrownAway_AndTheConnectionGoesOn) {
  WebConfig config = QuickToClose();
  config.max_body_bytes = 1024;
  RunningServer running(AllReady(), config);
  const std::string too_big =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x');
  const std::string next = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto answers = ExchangeTls(running.port(), {too_big, next});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].rfind("HTTP/1.1 413", 0), 0u) << answers[0].substr(0, 80);
  EXPECT_NE(answers[0].find("Verzoek te groot"), std::string::npos);
  EXPECT_EQ(answers[0].find("Connection: close"), std::string::npos);
  // The request after the thrown-away body is answered on the same connection.
  EXPECT_EQ(answers[1].rfind("HTTP/1.1 200", 0), 0u) << answers[1].substr(0, 80);
  // Over the bound of what is thrown away: refused unread, and closed.
  config.max_drained_bytes = 1500;
  RunningServer bounded(AllReady(), config);
  const auto refused = ExchangeTls(bounded.port(), {too_big, next});
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].rfind("HTTP/1.1 413", 0), 0u) << refused[0].substr(0, 80);
  EXPECT_NE(refused[0].find("Connection: close"), std::string::npos);
  EXPECT_EQ(refused[1], "");
}

TEST(WebServerTest, BodyWithoutALengthOrCompressed_IsRefusedUnread_AndTheConnectionCloses) {
  RunningServer running(AllReady(), QuickToClose());
  auto client = running.Client();
  // Chunked: cpp-httplib would read it without a limit.
  std::size_t sent = 0;
  const auto chunked = client->Post(
      "/",
      [&sent](std::size_t, httplib::DataSink& sink) {
        if (sent < 1 << 20) {
          const std::string chunk(4096, 'x');
          sent += chunk.size();
          return sink.write(chunk.data(), chunk.size());
        }
        sink.done();
        return true;
      },
      "text/plain");
  if (chunked) {  // the server may close before the client has sent it all
    EXPECT_EQ(chunked->status, 411);
    EXPECT_EQ(chunked->get_header_value("Connection"), "close");
  }
  // Compressed: it would be inflated as it is read.
  const std::string gzip_answer =
      RawTls(running.port(),
             "POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n"
             "\r\nabcd");
  EXPECT_EQ(gzip_answer.rfind("HTTP/1.1 415", 0), 0u) << gzip_answer.substr(0, 80);
  EXPECT_NE(gzip_answer.find("Connection: close"), std::string::npos);
  // No length at all: it would be read until the connection closes.
  const std::string unsized = RawTls(running.port(), "POST / HTTP/1.1\r\nHost: x\r\n\r\nabcd");
  EXPECT_EQ(unsized.rfind("HTTP/1.1 411", 0), 0u) << unsized.substr(0, 80);
  // A terabyte announced: refused at once, not read and thrown away.
  const std::string huge = RawTls(
      running.port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\nab");
  EXPECT_EQ(huge.rfind("HTTP/1.1 413", 0), 0u) << huge.substr(0, 80);
  EXPECT_NE(huge.find("Verzoek te groot"), std::string::npos);
  const std::string nonsense =
      RawTls(running.port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n");
  EXPECT_EQ(nonsense.rfind("HTTP/1.1 400", 0), 0u) << nonsense.substr(0, 80);
  // Every one of them with the headers.
  EXPECT_NE(huge.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
}

TEST(WebServerTest, HeadRequest_CarriesTheHeadersWithoutABody) {
  RunningServer running(AllReady());
  const auto head = running.Client()->Head("/");
  ASSERT_NO_FATAL_FAILURE(ExpectSecurityHeaders(head, "HEAD /"));
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST(WebServerTest, AddressOverTheLimit_Is414) {
  RunningServer running(AllReady());
  const auto result = running.Client()->Get(("/" + std::string(9000, 'a')).c_str());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 414);
  EXPECT_NE(result->body.find("Adres te lang"), std::string::npos);
}

TEST(WebServerTest, Readiness_FollowsTheServicesBehindTheDoor) {
  std::atomic<bool> consent_down = false;
  RunningServer running([&consent_down] {
    return consent_down ? std::vector<std::string>{"consent"} : std::vector<std::string>{};
  });
  auto client = running.Client();
  auto ready = client->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  consent_down = true;
  std::this_thread::sleep_for(1100ms);  // readiness is asked at most once a second
  ready = client->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "not ready: consent\n");
  // Liveness is the process's own: it stays up.
  const auto live = client->Get("/healthz");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
}

TEST(WebServerTest, Stop_AnswersTheRequestInFlight_ThenAcceptsNoConnection) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  RunningServer running([&entered, released] {
    entered.set_value();
    released.wait();
    return std::vector<std::string>{};
  });
  auto in_flight = std::async(std::launch::async, [&running] {
    auto client = running.Client();
    return client->Get("/readyz");
  });
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready)
      << "the request never reached the readiness probe";
  auto stopped = std::async(std::launch::async, [&running] { return running.Stop(); });
  // The listening socket closes at once; the request in flight goes on.
  for (int i = 0; i < 200; ++i) {
    const int fd = testing::ConnectLoopback(running.port());
    if (fd < 0) {
      break;
    }
    close(fd);
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(testing::ConnectLoopback(running.port()), -1)
      << "a stopping server still accepts connections";
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout)
      << "stop did not wait for the request in flight";
  release.set_value();
  const auto answer = in_flight.get();
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(stopped.get());
}

TEST(WebServerTest, ASecondServerCannotBindTheSamePort) {
  RunningServer running(AllReady());
  Pages pages;
  WebConfig config;
  config.listen = "127.0.0.1:" + std::to_string(running.port());
  config.tls_cert = testing::TestCertsDir() + "/server.pem";
  config.tls_key = testing::TestCertsDir() + "/server.key";
  WebServer second(config, pages, AllReady());
  EXPECT_THROW(second.Bind(), std::runtime_error) << "SO_REUSEPORT: two servers share a port";
}

TEST(WebServerTest, StopBeforeServe_EndsServeAtOnce) {
  Pages pages;
  WebConfig config;
  config.tls_cert = testing::TestCertsDir() + "/server.pem";
  config.tls_key = testing::TestCertsDir() + "/server.key";
  WebServer server(config, pages, AllReady());
  server.Bind();
  server.Stop();
  auto served = std::async(std::launch::async, [&server] { return server.Serve(); });
  ASSERT_EQ(served.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(served.get());
}

TEST(WebServerTest, ConnectionThatSendsNothing_IsClosedAfterTheReadTimeout) {
  WebConfig config;
  config.read_timeout = 1s;
  RunningServer running(AllReady(), config);
  const int fd = testing::ConnectLoopback(running.port());
  ASSERT_GE(fd, 0);
  timeval wait{.tv_sec = 15, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char byte = 0;
  const auto start = std::chrono::steady_clock::now();
  const ssize_t got = recv(fd, &byte, 1, 0);
  const auto waited = std::chrono::steady_clock::now() - start;
  close(fd);
  EXPECT_EQ(got, 0) << "the server did not close the idle connection";
  // Its read timeout (1 s), not cpp-httplib's default (5 s).
  EXPECT_LT(waited, 3s);
}

TEST(WebServerTest, TlsOlderThan1_2_IsRefused) {
  RunningServer running(AllReady());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_security_level(ctx, 0);  // let this client offer TLS 1.1 at all
  const int fd = testing::ConnectLoopback(running.port());
  ASSERT_GE(fd, 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1) << "a TLS 1.1 handshake succeeded";
  // Refused for its version, not for want of a shared cipher.
  EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
      << ERR_reason_error_string(ERR_peek_last_error());
  ERR_clear_error();
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  // TLS 1.2 and up is served.
  const auto result = running.Client()->Get("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST(WebServerTest, AccessLog_NamesTheRouteNeverThePathOrQuery) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = std::make_shared<spdlog::logger>("web-test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  {
    RunningServer running(AllReady());
    auto client = running.Client();
    ASSERT_TRUE(client->Get("/trajecten/TRJ-4711?naam=Jansen"));
    ASSERT_TRUE(client->Get(StaticUrl("ketenregie.css") + "?v=Jansen"));
    ASSERT_TRUE(client->Get("/"));
    // A malformed request line: what stands where the method should is
    // not logged either.
    RawTls(running.port(), "Jansen\t/trajecten/TRJ-4711\tHTTP/1.1\r\n\r\n");
  }
  spdlog::set_default_logger(previous);
  const std::string lines = log.str();
  EXPECT_NE(lines.find("GET - 404"), std::string::npos) << lines;
  EXPECT_NE(lines.find("GET /static/{file} 200"), std::string::npos) << lines;
  EXPECT_NE(lines.find("GET / 200"), std::string::npos) << lines;
  EXPECT_NE(lines.find("- - 400"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("TRJ-4711"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("Jansen"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("ketenregie-"), std::string::npos) << lines;
}

TEST(PagesTest, ValuesAreEscaped) {
  Pages pages;
  kainjow::mustache::data data;
  data.set("status", "<script>alert(1)</script>");
  data.set("title", "\"Jansen\" & 'co'");
  data.set("text", "<img src=x onerror=alert(1)>");
  const std::string page = pages.Render("error", "Titel", data);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&quot;Jansen&quot; &amp; &apos;co&apos;"), std::string::npos);
}

TEST(PagesTest, OnlyTheLayoutHasAnUnescapedSlot_AndNoTemplateHasInlineScriptOrStyle) {
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (!file.path.starts_with("templates/")) {
      continue;
    }
    const std::string content(file.content);
    const bool unescaped =
        content.find("{{{") != std::string::npos || content.find("{{&") != std::string::npos;
    if (file.path == "templates/layout.mustache") {
      const auto slot = content.find("{{{content}}}");
      EXPECT_NE(slot, std::string::npos);
      EXPECT_EQ(content.find("{{{"), slot) << "another unescaped value before the slot";
      EXPECT_EQ(content.find("{{{", slot + 1), std::string::npos);
      EXPECT_EQ(content.find("{{&"), std::string::npos);
    } else {
      EXPECT_FALSE(unescaped) << file.path << " writes a value unescaped";
    }
    // No changed delimiters (which would hide an unescaped value from the
    // checks above) and no partials (each would need its own check).
    EXPECT_EQ(content.find("{{="), std::string::npos) << file.path;
    EXPECT_EQ(content.find("{{>"), std::string::npos) << file.path;
    // A script only from this site's own files, with nothing inside.
    EXPECT_FALSE(std::regex_search(
        content,
        std::regex(R"(<script(?![^>]*\ssrc="\{\{static\.[a-z0-9_]+_js\}\}"[^>]*></script>))")))
        << file.path << " has an inline script";
    EXPECT_EQ(content.find(" style="), std::string::npos) << file.path;
    EXPECT_EQ(content.find("<style"), std::string::npos) << file.path;
    EXPECT_FALSE(std::regex_search(content, std::regex(R"(\son[a-z]+\s*=)")))
        << file.path << " has an inline event handler";
  }
}

TEST(PagesTest, APageOfASession_SaysWhoAndWhen_AndWarnsBeforeTheEnd) {
  Pages pages;
  const PageSession session{.user = "<b>anna</b>",
                            .organisation = "essm-rotterdam",
                            .csrf = "token\"1",
                            .end_time = "14:05",
                            .warn_in = 780,
                            .end_in = 900,
                            .final = false};
  const std::string page = pages.Render("error", "Titel", kainjow::mustache::data{}, &session);
  EXPECT_NE(page.find("Ingelogd als <strong>&lt;b&gt;anna&lt;/b&gt;</strong> van "
                      "<strong>essm-rotterdam</strong>"),
            std::string::npos)
      << page;
  EXPECT_NE(
      page.find(
          R"(Zonder activiteit eindigt uw sessie om <span id="sessie-einde-tijd">14:05</span>)"),
      std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(<button class="button" type="button" id="sessie-verlengen">)"),
            std::string::npos);
  EXPECT_NE(page.find(R"(name="csrf" value="token&quot;1")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(data-warn-in="780" data-end-in="900" hidden>)"), std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(role="alertdialog")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(<script src=")" + StaticUrl("sessie.js") + R"(" defer></script>)"),
            std::string::npos);
  // The script is served from the binary, as script.
  const auto script = FindStatic(StaticUrl("sessie.js").substr(std::string("/static/").size()));
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script->content.find("sessie-waarschuwing"), std::string_view::npos);

  // Without a session: no one named, no logout, no warning, no session
  // script.
  const std::string anonymous = pages.Render("error", "Titel", kainjow::mustache::data{});
  EXPECT_EQ(anonymous.find("Ingelogd als"), std::string::npos);
  EXPECT_EQ(anonymous.find("sessie-waarschuwing"), std::string::npos);
  EXPECT_EQ(anonymous.find(StaticUrl("sessie.js")), std::string::npos);
}

TEST(PagesTest, EveryErrorStatusHasDutchText) {
  for (const int status : {400, 403, 404, 405, 408, 413, 414, 429, 500, 503}) {
    EXPECT_EQ(ErrorTextFor(status).status, status);
  }
  EXPECT_EQ(ErrorTextFor(411).status, 411);
  EXPECT_EQ(ErrorTextFor(415).status, 415);
  EXPECT_EQ(ErrorTextFor(418).status, 499);  // a 4xx without its own text
  EXPECT_EQ(ErrorTextFor(502).status, 599);
  Pages pages;
  EXPECT_NE(pages.Error(502).find("Er ging iets mis"), std::string::npos);
}

}  // namespace
}  // namespace ketenregie::web
