// Demo accounts for the browser: each demo organisation's administrator
// issues enrolment codes (R-LOGIN-ENROLMENT) through the directory
// service's public API, as a real administrator does, and the codes are
// printed for whoever tries the local stack. No password or secret of any
// account is in the repository.
#include <grpcpp/client_context.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <random>
#include <stdexcept>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/cli/demo.h"
#include "services/common/client.h"

namespace ketenregie::cli {
namespace {

namespace pb = ketenregie::directory::v1;

struct DemoAccount {
  const char* organisation;
  const char* administrator;
  const char* user;
  const char* what;
};

constexpr DemoAccount kAccounts[] = {
    {"essm-rotterdam", "beheer-1", "coordinator-1", "zorgcoördinator"},
    {"essm-rotterdam", "beheer-1", "coordinator-2", "zorgcoördinator (the second pair of eyes)"},
    {"essm-rotterdam", "beheer-1", "privacy-1", "privacy officer"},
    {"essm-rotterdam", "beheer-1", "beheer-1", "beheerder (organisation administrator)"},
    {"gemeente-rotterdam", "beheer-gemeente-1", "aandachtsfunctionaris-1", "gemeente partner"},
};

void Check(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) {
    throw std::runtime_error(what + " failed: " + std::to_string(status.error_code()) + " " +
                             status.error_message());
  }
}

}  // namespace

int RunDemoAccounts(const common::StackEnv& env, bool tsv) {
  std::random_device random;
  const std::string run = std::to_string(random());
  const std::string& web_url = env.At("KETENREGIE_WEB_URL");
  if (!tsv) {
    std::cout << "Demo accounts for the browser: set each up at " << web_url
              << "activeren with its enrolment code (once, within 72 hours), then log in at "
              << web_url << "inloggen. A new run issues new codes.\n";
    std::cout << "  " << std::left << std::setw(20) << "organisation" << std::setw(26) << "user"
              << std::setw(17) << "enrolment code"
              << "role\n";
  }
  for (const DemoAccount& account : kAccounts) {
    const auto stub = pb::DirectoryService::NewStub(common::OrganisationChannel(
        env.At("KETENREGIE_DIRECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), account.organisation,
        env.At("KETENREGIE_CA")));
    const auto context = [&account] {
      auto out = std::make_unique<grpc::ClientContext>();
      out->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      out->AddMetadata("x-actor", account.administrator);
      return out;
    };
    pb::GetUserRequest get;
    get.set_organisation_id(account.organisation);
    get.set_user_id(account.user);
    pb::User user;
    Check(stub->GetUser(context().get(), get, &user), "GetUser");
    pb::IssueEnrolmentCodeRequest issue;
    issue.set_request_id("demo-accounts-" + run + "-" + account.user);
    issue.set_organisation_id(account.organisation);
    issue.set_user_id(account.user);
    issue.set_etag(user.etag());
    // A demo account starts afresh: a password is chosen at enrolment.
    issue.set_reset_password(true);
    pb::IssueEnrolmentCodeResponse issued;
    Check(stub->IssueEnrolmentCode(context().get(), issue, &issued), "IssueEnrolmentCode");
    if (tsv) {
      std::cout << account.organisation << '\t' << account.user << '\t' << issued.enrolment_code()
                << '\n';
    } else {
      std::cout << "  " << std::left << std::setw(20) << account.organisation << std::setw(26)
                << account.user << std::setw(17) << issued.enrolment_code() << account.what << "\n";
    }
  }
  return 0;
}

}  // namespace ketenregie::cli
