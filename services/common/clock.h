#pragma once

#include <atomic>
#include <chrono>

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

/// The real clock shifted by an offset a test sets (TestClock service):
/// time keeps running. Only with --test-clock, only on loopback.
class OffsetClock final : public Clock {
 public:
  workflow::Instant Now() const override {
    return real_.Now() + std::chrono::seconds{offset_seconds_.load()};
  }
  void Set(workflow::Instant now) { offset_seconds_ = (now - real_.Now()).count(); }
  void Reset() { offset_seconds_ = 0; }

 private:
  SystemClock real_;
  std::atomic<long long> offset_seconds_{0};
};

}  // namespace ketenregie::common
