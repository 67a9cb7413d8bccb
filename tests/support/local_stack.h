#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "services/common/client.h"

namespace ketenregie::testing {

/// Runs a shell command with extra environment; returns its exit status and
/// what it printed (stdout and stderr together).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

/// A throwaway local stack, started with deploy/local/stack exactly as a user
/// starts it, in its own folder (KETENREGIE_LOCAL_DIR).
class LocalStack final {
 public:
  LocalStack();
  ~LocalStack();
  LocalStack(const LocalStack&) = delete;
  LocalStack& operator=(const LocalStack&) = delete;

  /// `deploy/local/stack <verb>` for this stack.
  CommandResult Run(const std::string& verb) const;
  /// Starts it; fails the test with the script's output when it fails.
  bool Start();
  /// Reads stack.env (after Start).
  const common::StackEnv& env() const { return env_; }
  const std::string& dir() const { return dir_; }

  /// A channel presenting organisation `org`'s development certificate.
  std::shared_ptr<grpc::Channel> Channel(const std::string& address_key,
                                         const std::string& org = "essm-rotterdam") const;

  /// Pids the stack recorded for its services (run/<svc>.pid) and PostgreSQL.
  std::vector<int> RecordedPids() const;

 private:
  std::string dir_;
  common::StackEnv env_;
  bool started_ = false;
};

}  // namespace ketenregie::testing
