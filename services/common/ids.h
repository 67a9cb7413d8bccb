#pragma once

#include <string>
#include <string_view>

namespace ketenregie::common {

/// A random (version 4) UUID in canonical text form, from libsodium's CSPRNG.
std::string NewUuid();

/// True for a canonical lower- or upper-case UUID.
bool IsUuid(std::string_view text);

/// True for a client request id: 1..128 printable ASCII characters.
bool IsRequestId(std::string_view text);

}  // namespace ketenregie::common
