#include "tests/support/local_stack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "services/common/service_list.h"

namespace ketenregie::testing {

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("popen failed");
  }
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

LocalStack::LocalStack() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ketenregie-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = pattern;
  // The postgres user must reach the cluster folder inside it.
  chmod(dir_.c_str(), 0755);
}

LocalStack::~LocalStack() {
  if (started_) {
    Run("stop");
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CommandResult LocalStack::Run(const std::string& verb) const {
  return RunCommand("KETENREGIE_LOCAL_DIR='" + dir_ + "' KETENREGIE_BUILD_DIR='" +
                    KETENREGIE_BINARY_DIR + "' '" + KETENREGIE_SOURCE_DIR +
                    "/deploy/local/stack' " + verb);
}

bool LocalStack::Start() {
  const CommandResult result = Run("start");
  started_ = true;
  if (result.exit_code != 0) {
    ADD_FAILURE() << "stack start failed:\n" << result.output;
    return false;
  }
  env_ = common::LoadStackEnv(dir_ + "/stack.env");
  return true;
}

std::shared_ptr<grpc::Channel> LocalStack::Channel(const std::string& address_key,
                                                   const std::string& org) const {
  return common::OrganisationChannel(env_.At(address_key), env_.At("KETENREGIE_CERTS_DIR"), org,
                                     env_.At("KETENREGIE_CA"));
}

std::vector<int> LocalStack::RecordedPids() const {
  std::vector<int> pids;
  std::vector<std::string> names(common::kServices.size());
  std::transform(common::kServices.begin(), common::kServices.end(), names.begin(),
                 [](const common::ServiceEntry& service) { return std::string(service.name); });
  names.emplace_back("web");  // the front door
  for (const std::string& name : names) {
    std::ifstream in(dir_ + "/run/" + name + ".pid");
    int pid = 0;
    if (in >> pid) {
      pids.push_back(pid);
    }
  }
  std::ifstream postmaster(dir_ + "/pg/data/postmaster.pid");
  int pid = 0;
  if (postmaster >> pid) {
    pids.push_back(pid);
  }
  return pids;
}

}  // namespace ketenregie::testing
