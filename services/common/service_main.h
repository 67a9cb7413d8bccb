#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "services/common/server.h"

namespace ketenregie::common {

class DbPool;

/// Builds the services once the pool exists (handlers keep a reference to it).
using ServiceFactory = std::function<std::vector<ServedService>(DbPool& db)>;

/// The whole main() of a service: flags and environment, logging, the
/// database pool, then RunServer until SIGINT/SIGTERM. `name` is the short
/// service name ("trajectory"), used in logs and --help.
int ServiceMain(int argc, char** argv, std::string_view name, const ServiceFactory& factory);

}  // namespace ketenregie::common
