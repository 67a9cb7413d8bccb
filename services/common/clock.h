#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "workflow/core.h"

namespace ketenregie::common {

/// The one source of "now" a service passes to the workflow library.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual workflow::Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  workflow::Instant Now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

/// The real clock shifted by an offset a test sets (TestClockService):
/// time keeps running. Only with --test-clock, only on loopback.
/// The settable clock of a test stack: the real clock moved by an offset.
/// With `shared_file`, the offset lives in that file, which every service
/// of one local stack is given: moving the clock of one moves all of them,
/// so a demo or a test can never leave them apart. The file is read at most
/// every 100 ms; a missing file is offset 0.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::string shared_file = "") : shared_file_(std::move(shared_file)) {}
  workflow::Instant Now() const override;
  void Set(workflow::Instant now);
  void Reset();

 private:
  void Write(long long offset);

  SystemClock real_;
  std::string shared_file_;
  mutable std::mutex mutex_;
  mutable std::atomic<long long> offset_seconds_{0};
  mutable std::chrono::steady_clock::time_point read_at_{};
};

}  // namespace ketenregie::common
