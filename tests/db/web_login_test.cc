// The front door's login pages (issue #13 items 3 and 4), driven as a
// browser drives them over real TLS, in front of the real directory
// service on a real PostgreSQL: a login set up with an enrolment code, a
// session cookie that ends at logout or when idle, and no state-changing
// request without its CSRF token or from another site.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <regex>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/common/credentials.h"
#include "services/directory/handler.h"
#include "services/directory/storage.h"
#include "services/web/accounts.h"
#include "services/web/pages.h"
#include "services/web/session_tokens.h"
#include "services/web/web_server.h"
#include "tests/support/grpc_test_server.h"
#include "tests/support/test_database.h"
#include "workflow/calendar.h"

namespace ketenregie::web {
namespace {

using namespace std::chrono;
using testing::ContextAs;
namespace pb = ketenregie::directory::v1;

const workflow::Instant kNow{sys_days{2026y / December / 4}.time_since_epoch() + hours{9}};
constexpr const char* kPassword = "een lange zin die ik onthoud";

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  httplib::Params params(fields.begin(), fields.end());
  return httplib::detail::params_to_query_str(params);
}

// The first match of `pattern`'s group in `body`, or "".
std::string Find(const std::string& body, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(body, match, std::regex(pattern)) ? match[1].str() : std::string();
}

class WebLoginTest : public ::testing::Test {
 protected:
  WebLoginTest()
      : pool_(db_.Dsn("ketenregie_directory"), 4, &directory::Prepare),
        keys_(common::Keyring::FromKeys({{"k1", std::string(32, 'a')}}, "k1",
                                        {{"b1", std::string(32, 'b')}}, "b1")),
        clock_(kNow),
        copy_(seconds(15)),
        handler_(pool_, copy_, keys_, clock_, milliseconds(5000)),
        grpc_(handler_),
        accounts_([channel = testing::ChannelAs(grpc_, "svc-web")] { return channel; }) {
    handler_.Seed(common::Directory::ReadSeed(
        std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/organisations.tsv",
        std::string(KETENREGIE_SOURCE_DIR) + "/deploy/local/users.tsv"));
    WebConfig config;
    config.tls_cert = testing::TestCertsDir() + "/server.pem";
    config.tls_key = testing::TestCertsDir() + "/server.key";
    server_ = std::make_unique<WebServer>(
        config, pages_, [] { return std::vector<std::string>{}; }, &accounts_);
    port_ = server_->Bind();
    served_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  }
  ~WebLoginTest() override {
    server_->Stop();
    served_.get();
  }

  std::unique_ptr<httplib::SSLClient> Browser() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path((testing::TestCertsDir() + "/ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(10, 0);
    return client;
  }

  // A form as a page of this site posts it, with the session's cookie.
  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& cookie = "",
                       const std::string& origin = "https://127.0.0.1") {
    httplib::Headers headers{{"Origin", origin + ":" + std::to_string(port_)},
                             {"Sec-Fetch-Site", "same-origin"}};
    if (!cookie.empty()) {
      headers.emplace("Cookie", cookie);
    }
    return Browser()->Post(path.c_str(), headers, body, "application/x-www-form-urlencoded");
  }

  // The form cookie and token a browser gets with a login or enrolment
  // page, as that page's forms send them back.
  struct FormGuard {
    std::string cookie;
    std::string csrf;
  };
  FormGuard GuardOf(const std::string& page = "/inloggen") {
    const auto form = Browser()->Get(page.c_str());
    EXPECT_TRUE(form);
    EXPECT_EQ(form->status, 200);
    const std::string set = form->get_header_value("Set-Cookie");
    EXPECT_EQ(set.rfind("__Host-ketenregie-formulier=", 0), 0u) << set;
    return {set.substr(0, set.find(';')), CsrfOf(form)};
  }
  httplib::Result PostForm(const std::string& path,
                           std::vector<std::pair<std::string, std::string>> fields) {
    if (!guard_) {
      guard_ = GuardOf();
    }
    fields.emplace_back("csrf", guard_->csrf);
    return Post(path, Form(fields), guard_->cookie);
  }

  httplib::Result Home(const std::string& cookie) {
    return Browser()->Get("/", httplib::Headers{{"Cookie", cookie}});
  }

  std::string IssueCode(const std::string& user) {
    auto admin = pb::DirectoryService::NewStub(testing::ChannelAs(grpc_, "essm-rotterdam"));
    pb::GetUserRequest get;
    get.set_organisation_id("essm-rotterdam");
    get.set_user_id(user);
    pb::User current;
    EXPECT_TRUE(admin->GetUser(ContextAs("beheer-1").get(), get, &current).ok());
    pb::IssueEnrolmentCodeRequest issue;
    issue.set_request_id("issue-" + user + std::to_string(++issued_));
    issue.set_organisation_id("essm-rotterdam");
    issue.set_user_id(user);
    issue.set_etag(current.etag());
    pb::IssueEnrolmentCodeResponse out;
    EXPECT_TRUE(admin->IssueEnrolmentCode(ContextAs("beheer-1").get(), issue, &out).ok());
    return out.enrolment_code();
  }

  struct Enrolled {
    common::TotpSecret secret{};
    std::vector<std::string> recovery_codes;
  };
  // The two enrolment pages, as the person fills them in.
  Enrolled Enrol(const std::string& user) {
    const std::string code = IssueCode(user);
    const auto secret_page = PostForm("/activeren", {{"organisatie", "essm-rotterdam"},
                                                     {"gebruikersnaam", user},
                                                     {"activeringscode", code},
                                                     {"wachtwoord", kPassword}});
    EXPECT_TRUE(secret_page);
    EXPECT_EQ(secret_page->status, 200);
    EXPECT_NE(secret_page->body.find("<svg"), std::string::npos);
    std::string base32 = Find(secret_page->body, R"(<code class="secret">([A-Z2-7 ]+)</code>)");
    base32.erase(std::remove(base32.begin(), base32.end(), ' '), base32.end());
    Enrolled out;
    out.secret = common::TotpSecretFromBase32(base32).value();
    const auto done =
        PostForm("/activeren/bevestigen",
                 {{"organisatie", "essm-rotterdam"},
                  {"gebruikersnaam", user},
                  {"activeringscode",
                   Find(secret_page->body, R"re(name="activeringscode" value="([^"]+)")re")},
                  {"code", CodeNow(out.secret)}});
    EXPECT_EQ(done->status, 200) << done->body;
    const std::regex li(R"(<li><code>([a-z0-9-]+)</code></li>)");
    for (auto it = std::sregex_iterator(done->body.begin(), done->body.end(), li);
         it != std::sregex_iterator(); ++it) {
      out.recovery_codes.push_back((*it)[1].str());
    }
    clock_.Advance(seconds(30));
    return out;
  }

  std::string CodeNow(const common::TotpSecret& secret) {
    return common::TotpCode(secret, common::TotpStepAt(clock_.Now()));
  }

  httplib::Result LogIn(const std::string& user, const std::string& password,
                        const std::string& code) {
    return PostForm("/inloggen", {{"organisatie", "essm-rotterdam"},
                                  {"gebruikersnaam", user},
                                  {"wachtwoord", password},
                                  {"code", code}});
  }

  // The cookie a login set, as the browser sends it back.
  static std::string CookieOf(const httplib::Result& login) {
    const std::string set = login->get_header_value("Set-Cookie");
    return set.substr(0, set.find(';'));
  }

  static std::string CsrfOf(const httplib::Result& page) {
    return Find(page->body, R"re(name="csrf" value="([A-Za-z0-9_-]+)")re");
  }

  long long OpenSessions() {
    return db_.Count("SELECT count(*) FROM directory.sessions WHERE ended_at IS NULL");
  }

  testing::TestDatabase db_;
  common::DbPool pool_;
  common::KeyringHolder keys_;
  testing::SettableClock clock_;
  common::Directory copy_;
  directory::DirectoryHandler handler_;
  testing::TestServer grpc_;
  Accounts accounts_;
  Pages pages_;
  std::unique_ptr<WebServer> server_;
  int port_ = 0;
  std::future<bool> served_;
  int issued_ = 0;
  std::optional<FormGuard> guard_;
};

TEST_F(WebLoginTest, EnrolLogInWithACode_TheCookieOpensTheSession_LogoutEndsIt) {
  const auto enrolled = Enrol("coordinator-1");
  ASSERT_EQ(enrolled.recovery_codes.size(), 10u);
  const auto login = LogIn("coordinator-1", kPassword, CodeNow(enrolled.secret));
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 303) << login->body;
  EXPECT_EQ(login->get_header_value("Location"), "/");
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("__Host-ketenregie-sessie=", 0), 0u);
  for (const char* attribute : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << attribute;
  }
  const std::string cookie = CookieOf(login);
  // The session lives in the directory by its hash only.
  const std::string id = cookie.substr(cookie.find('=') + 1);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.sessions WHERE session_hash = '" +
                      SessionIdHash(id) + "'"),
            1);
  const auto home = Home(cookie);
  ASSERT_EQ(home->status, 200);
  EXPECT_NE(home->body.find("U bent ingelogd"), std::string::npos);
  EXPECT_NE(home->body.find("coordinator-1"), std::string::npos);
  EXPECT_EQ(home->get_header_value("Cache-Control"), "no-store");
  const std::string csrf = CsrfOf(home);
  ASSERT_FALSE(csrf.empty());

  // Without its token, or from another site, logout changes nothing.
  EXPECT_EQ(Post("/uitloggen", Form({}), cookie)->status, 403);
  EXPECT_EQ(Post("/uitloggen", Form({{"csrf", "niet-het-token"}}), cookie)->status, 403);
  EXPECT_EQ(Post("/uitloggen", Form({{"csrf", csrf}}), cookie, "https://elders.example")->status,
            403);
  EXPECT_EQ(OpenSessions(), 1);
  EXPECT_NE(Home(cookie)->body.find("U bent ingelogd"), std::string::npos);

  const auto logout = Post("/uitloggen", Form({{"csrf", csrf}}), cookie);
  ASSERT_EQ(logout->status, 303);
  // The browser has no cookie left to tell the start page: the address
  // does, and the page says so.
  EXPECT_EQ(logout->get_header_value("Location"), "/uitgelogd");
  const auto confirmed = Browser()->Get("/uitgelogd");
  EXPECT_NE(confirmed->body.find("U bent uitgelogd."), std::string::npos);
  EXPECT_NE(confirmed->body.find(R"(href="/inloggen")"), std::string::npos);
  EXPECT_NE(
      confirmed->body.find(R"(<script src=")" + StaticUrl("uitgelogd.js") + R"(" defer></script>)"),
      std::string::npos)
      << "the session's other tabs learn it";
  EXPECT_NE(logout->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(OpenSessions(), 0);
  // The old cookie gets nothing: the page says the session ended.
  const auto after = Home(cookie);
  EXPECT_EQ(after->body.find("U bent ingelogd"), std::string::npos);
  EXPECT_NE(after->body.find("U bent uitgelogd"), std::string::npos);
  EXPECT_EQ(CsrfOf(after), "");
}

TEST_F(WebLoginTest, AnIdleSessionEnds_AndARecoveryCodeLogsInOnce) {
  const auto enrolled = Enrol("coordinator-1");
  const auto login = LogIn("coordinator-1", kPassword, enrolled.recovery_codes[0]);
  ASSERT_EQ(login->status, 303) << login->body;
  const std::string cookie = CookieOf(login);
  clock_.Advance(minutes(14));
  const auto active = Home(cookie);
  EXPECT_NE(active->body.find("U bent ingelogd"), std::string::npos);
  // That request was activity: the page counts 15 minutes again from it,
  // and warns 2 minutes before their end.
  EXPECT_NE(active->body.find(R"(data-warn-in="780" data-end-in="900")"), std::string::npos)
      << active->body;
  clock_.Advance(minutes(15));
  const auto idle = Home(cookie);
  EXPECT_EQ(idle->status, 200);
  EXPECT_EQ(idle->body.find("U bent ingelogd"), std::string::npos);
  EXPECT_NE(idle->body.find("U bent uitgelogd"), std::string::npos);
  EXPECT_NE(idle->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  // The same recovery code again: refused, the form kept, the reason in Dutch.
  const auto again = LogIn("coordinator-1", kPassword, enrolled.recovery_codes[0]);
  EXPECT_EQ(again->status, 401);
  EXPECT_NE(again->body.find("klopt niet"), std::string::npos);
  EXPECT_NE(again->body.find("value=\"coordinator-1\""), std::string::npos);
  EXPECT_EQ(again->body.find(kPassword), std::string::npos) << "a password is never shown";
}

TEST_F(WebLoginTest, TheSameCodeTwice_IsRefused_AndRepeatedFailuresSlowDown) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string code = CodeNow(enrolled.secret);
  ASSERT_EQ(LogIn("coordinator-1", kPassword, code)->status, 303);
  const auto twice = LogIn("coordinator-1", kPassword, code);
  EXPECT_EQ(twice->status, 400);
  EXPECT_NE(twice->body.find("Deze code is al gebruikt"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(LogIn("coordinator-1", "fout wachtwoord 1", code)->status, 401);
  }
  const auto slowed = LogIn("coordinator-1", kPassword, code);
  EXPECT_EQ(slowed->status, 429);
  EXPECT_NE(slowed->body.find("te vaak verkeerd ingelogd"), std::string::npos);
  // Until when, in Amsterdam time: the fourth failure makes the next wait 1 s.
  const auto wait = workflow::ToAmsterdam(clock_.Now() + seconds(1)).time_of_day.count() % 86400;
  EXPECT_NE(slowed->body.find(fmt::format("U kunt het weer proberen vanaf {:02}:{:02}:{:02}",
                                          wait / 3600, wait / 60 % 60, wait % 60)),
            std::string::npos)
      << slowed->body;
}

TEST_F(WebLoginTest, AFormFromAnotherSiteOrWithFieldsInTheAddress_IsRefusedUnread) {
  const auto enrolled = Enrol("coordinator-1");
  // With this browser's own form cookie and token, so that only where the
  // post says it comes from refuses it.
  const FormGuard guard = GuardOf();
  const std::string body = Form({{"csrf", guard.csrf},
                                 {"organisatie", "essm-rotterdam"},
                                 {"gebruikersnaam", "coordinator-1"},
                                 {"wachtwoord", kPassword},
                                 {"code", CodeNow(enrolled.secret)}});
  const auto post = [&](httplib::Headers headers, const std::string& target = "/inloggen") {
    headers.emplace("Cookie", guard.cookie);
    return Browser()->Post(target.c_str(), headers, body, "application/x-www-form-urlencoded");
  };
  const std::string self = "https://127.0.0.1:" + std::to_string(port_);
  const std::vector<httplib::Headers> elsewhere{
      {{"Origin", "https://elders.example"}, {"Sec-Fetch-Site", "same-origin"}},
      {{"Origin", self}, {"Sec-Fetch-Site", "cross-site"}},
      {{"Sec-Fetch-Site", "same-site"}},
      // A null Origin: a sandboxed frame or data: page of any site.
      {{"Origin", "null"}},
      {{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}},
      {{"Origin", "null"}, {"Sec-Fetch-Site", "none"}},
  };
  for (const httplib::Headers& headers : elsewhere) {
    const auto refused = post(headers);
    EXPECT_EQ(refused->status, 403);
    // Refused for where it comes from, before the form is read.
    EXPECT_EQ(refused->body.find("Dit formulier is verlopen"), std::string::npos);
    EXPECT_NE(refused->body.find("Foutcode 403"), std::string::npos) << refused->body;
  }
  EXPECT_EQ(post({{"Origin", self}}, "/inloggen?wachtwoord=geheim")->status, 400);
  // None of these was an attempt: nothing counted, no session.
  EXPECT_EQ(db_.Count("SELECT failed_logins FROM directory.users WHERE user_id = 'coordinator-1'"),
            0);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.login_addresses"), 0);
  EXPECT_EQ(OpenSessions(), 0);
  // The same post from this site's page logs in — also with the null
  // Origin a browser sends under Referrer-Policy: no-referrer.
  const auto in = post({{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(in->status, 303) << in->body;
  EXPECT_EQ(OpenSessions(), 1);
}

TEST_F(WebLoginTest, TenHoursAfterTheLogin_ThePageSaysNoActivityKeepsTheSession) {
  const auto enrolled = Enrol("coordinator-1");
  const auto login = LogIn("coordinator-1", kPassword, enrolled.recovery_codes[0]);
  ASSERT_EQ(login->status, 303) << login->body;
  const std::string cookie = CookieOf(login);
  // Active all day: a request every 14 minutes, until 9 h 55 min.
  for (int i = 0; i < 42; ++i) {
    clock_.Advance(minutes(14));
    ASSERT_NE(Home(cookie)->body.find("U bent ingelogd"), std::string::npos) << i;
  }
  clock_.Advance(minutes(7));  // 9 h 55 min after the login
  const auto late = Home(cookie);
  EXPECT_NE(late->body.find(R"(data-warn-in="180" data-end-in="300")"), std::string::npos)
      << late->body;
  EXPECT_NE(late->body.find("10 uur na het inloggen."), std::string::npos);
  EXPECT_NE(late->body.find(R"(id="sessie-verlengen" hidden>)"), std::string::npos)
      << "no button that cannot keep the session";
  // Earlier in the day the page offered to keep it.
  EXPECT_EQ(late->body.find(R"(<p id="sessie-waarschuwing-einde" hidden>)"), std::string::npos);
}

TEST_F(WebLoginTest, AFormThatOpensASession_WithoutItsToken_IsRefused_NothingWritten) {
  const auto enrolled = Enrol("coordinator-1");
  const std::string code = CodeNow(enrolled.secret);
  const std::vector<std::pair<std::string, std::string>> login{{"organisatie", "essm-rotterdam"},
                                                               {"gebruikersnaam", "coordinator-1"},
                                                               {"wachtwoord", kPassword},
                                                               {"code", code}};
  // A page of another site that the browser lets post without telling
  // where from: no form cookie, or a cookie but no token, or another
  // browser's token.
  const auto bare = Post("/inloggen", Form(login), "", "https://127.0.0.1");
  EXPECT_EQ(bare->status, 403);
  EXPECT_NE(bare->body.find("Dit formulier is verlopen"), std::string::npos) << bare->body;
  EXPECT_EQ(bare->get_header_value("Set-Cookie").rfind("__Host-ketenregie-formulier=", 0), 0u)
      << "the form comes back with a token to post it again";
  const FormGuard mine = GuardOf();
  const FormGuard other = GuardOf("/activeren");
  EXPECT_NE(mine.cookie, other.cookie);
  EXPECT_EQ(Post("/inloggen", Form(login), mine.cookie)->status, 403);
  auto with_other = login;
  with_other.emplace_back("csrf", other.csrf);
  EXPECT_EQ(Post("/inloggen", Form(with_other), mine.cookie)->status, 403);
  auto enrol = login;
  enrol.emplace_back("activeringscode", IssueCode("coordinator-2"));
  EXPECT_EQ(Post("/activeren", Form(enrol), mine.cookie)->status, 403);
  // Nothing was asked of the directory: no session, no attempt counted,
  // the code still unused, and the enrolment code still to be used.
  EXPECT_EQ(OpenSessions(), 0);
  EXPECT_EQ(db_.Count("SELECT failed_logins FROM directory.users WHERE user_id = 'coordinator-1'"),
            0);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.login_addresses"), 0);
  EXPECT_EQ(db_.Count("SELECT count(*) FROM directory.users WHERE user_id = 'coordinator-2' "
                      "AND password_hash IS NULL"),
            1);
  // With its own token the same form logs in, with the code not used
  // before — posted as a browser posts it under this site's
  // Referrer-Policy: no-referrer, with Origin "null".
  auto with_mine = login;
  with_mine.emplace_back("csrf", mine.csrf);
  const auto in = Browser()->Post(
      "/inloggen",
      httplib::Headers{
          {"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}, {"Cookie", mine.cookie}},
      Form(with_mine), "application/x-www-form-urlencoded");
  EXPECT_EQ(in->status, 303) << in->body;
  EXPECT_EQ(OpenSessions(), 1);
}

}  // namespace
}  // namespace ketenregie::web
