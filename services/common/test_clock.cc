#include "services/common/test_clock.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/common/identity.h"
#include "services/common/status.h"

namespace ketenregie::common {

workflow::Instant OffsetClock::Now() const {
  if (!shared_file_.empty()) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - read_at_ >= std::chrono::milliseconds(100)) {
      read_at_ = now;
      long long offset = 0;
      std::ifstream in(shared_file_);
      offset_seconds_ = (in >> offset) ? offset : 0;
    }
  }
  return real_.Now() + std::chrono::seconds{offset_seconds_.load()};
}

void OffsetClock::Set(workflow::Instant now) { Write((now - real_.Now()).count()); }

void OffsetClock::Reset() { Write(0); }

void OffsetClock::Write(long long offset) {
  std::lock_guard lock(mutex_);
  offset_seconds_ = offset;
  if (shared_file_.empty()) {
    return;
  }
  // Written whole, then renamed: another service never reads half of it.
  const std::string temporary = shared_file_ + ".new." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << offset << "\n";
  }
  std::error_code error;
  std::filesystem::rename(temporary, shared_file_, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw std::runtime_error("test clock file cannot be written");
  }
  read_at_ = std::chrono::steady_clock::now();
}

bool IsLoopbackListen(const std::string& listen) {
  for (const std::string host : {"127.0.0.1:", "[::1]:", "localhost:"}) {
    if (listen.rfind(host, 0) == 0) {
      return true;
    }
  }
  return false;
}

grpc::Status TestClockHandler::SetTime(grpc::ServerContext* context,
                                       const ketenregie::testing::v1::SetTimeRequest* request,
                                       ketenregie::testing::v1::SetTimeResponse* response) {
  CallIdentity identity;
  if (auto status = IdentifyCaller(*context, identity); !status.ok()) {
    return status;
  }
  try {
    if (request->reset()) {
      clock_.Reset();
    } else {
      clock_.Set(workflow::Instant{std::chrono::seconds{request->now().seconds()}});
    }
  } catch (const std::runtime_error& e) {
    return Internal(e.what());
  }
  const auto now = clock_.Now();
  spdlog::warn("test clock set by {} to {}", identity.organisation_id,
               now.time_since_epoch().count());
  response->mutable_now()->set_seconds(now.time_since_epoch().count());
  return grpc::Status::OK;
}

grpc::Status TestClockHandler::GetTime(grpc::ServerContext* context,
                                       const ketenregie::testing::v1::GetTimeRequest*,
                                       ketenregie::testing::v1::SetTimeResponse* response) {
  CallIdentity identity;
  if (auto status = IdentifyCaller(*context, identity); !status.ok()) {
    return status;
  }
  response->mutable_now()->set_seconds(clock_.Now().time_since_epoch().count());
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
