#include "workflow/diagram.h"

#include "workflow/consent.h"
#include "workflow/directory.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::workflow {

std::vector<std::pair<std::string, std::string>> AllDiagrams() {
  return {
      {"trajectory.mmd", MermaidDiagram(TrajectoryMachine())},
      {"reflection_period.mmd", MermaidDiagram(ReflectionMachine())},
      {"placement.mmd", MermaidDiagram(PlacementMachine())},
      {"consent.mmd", MermaidDiagram(ConsentMachine())},
      {"override.mmd", MermaidDiagram(OverrideMachine())},
      {"handoff.mmd", MermaidDiagram(HandoffMachine())},
      {"user_account.mmd", MermaidDiagram(AccountMachine())},
  };
}

}  // namespace ketenregie::workflow
