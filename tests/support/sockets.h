#pragma once

namespace ketenregie::testing {

/// A TCP connection to 127.0.0.1:`port`, as a file descriptor for the
/// caller to close; -1 when nothing accepts there.
int ConnectLoopback(int port);

}  // namespace ketenregie::testing
