#pragma once

namespace ketenregie::common {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// starts afterwards, so that one thread can wait for them
/// (WaitForShutdownSignal). Call first thing in main(), before any thread
/// exists.
void BlockShutdownSignals();

/// Waits until SIGINT or SIGTERM arrives for the process; returns which.
int WaitForShutdownSignal();

}  // namespace ketenregie::common
