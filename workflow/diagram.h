#pragma once

/// Mermaid state diagrams generated from the machines' own tables. The
/// checked-in copies under docs/workflow/ are compared with these by a test,
/// so a diagram can never drift from the rules.

#include <string>
#include <utility>
#include <vector>

#include "workflow/core.h"

namespace ketenregie::workflow {

template <typename State, typename Event>
std::string MermaidDiagram(const MachineSpec<State, Event>& machine) {
  std::string out = "%% Generated from workflow/ by ketenregie-diagrams; do not edit.\n";
  out += "%% Machine: " + std::string(machine.name) + "\n";
  out += "stateDiagram-v2\n";
  out += "    [*] --> " + std::string(machine.state_name(machine.states.front())) + "\n";
  for (const auto& t : machine.transitions) {
    out += "    " + std::string(machine.state_name(t.from)) + " --> " +
           std::string(machine.state_name(t.to)) + ": " + std::string(machine.event_name(t.event)) +
           "\n";
  }
  return out;
}

/// Every machine's diagram: (file name, contents).
std::vector<std::pair<std::string, std::string>> AllDiagrams();

}  // namespace ketenregie::workflow
