#include "workflow/core.h"

#include "workflow/rules.h"

namespace ketenregie::workflow {

std::string TimerTrack(std::string_view what) {
  const std::string_view track = what.substr(0, what.find('.'));
  return track == "trajectory" ? std::string() : std::string(track);
}

RuleViolation NotAllowed(std::string_view machine, std::string_view state, std::string_view event) {
  return {rules::kStateOrder, std::string(machine) + ": '" + std::string(event) +
                                  "' is not allowed in state '" + std::string(state) + "'"};
}

}  // namespace ketenregie::workflow
