#pragma once

#include <string_view>

namespace ketenregie::common {

/// Sets up the process logger: one line per record on stderr, UTC
/// timestamps, the service name in every line.
///
/// What may be logged: identifiers we generate (trajectory ids, request ids),
/// organisation ids, method names, status codes, durations and counts.
/// Never names, dates of birth, free text, addresses or anything a person
/// told us; status messages that may quote input are not logged either.
void InitLogging(std::string_view service, std::string_view level);

}  // namespace ketenregie::common
