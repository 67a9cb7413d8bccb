#pragma once

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

}  // namespace ketenregie::common
