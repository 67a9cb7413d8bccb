// The diagrams under docs/workflow/ are generated from the transition tables;
// this fails when a table changed and the diagram was not regenerated
// (build/workflow/ketenregie-diagrams docs/workflow).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "workflow/diagram.h"

namespace ketenregie::workflow {
namespace {

TEST(WorkflowDiagrams, CheckedInDiagramsMatchTheTables) {
  const auto docs = std::filesystem::path(KETENREGIE_SOURCE_DIR) / "docs" / "workflow";
  for (const auto& [name, generated] : AllDiagrams()) {
    std::ifstream in(docs / name);
    ASSERT_TRUE(in.good()) << "missing " << (docs / name).string();
    const std::string checked_in((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
    EXPECT_EQ(checked_in, generated)
        << name << " is stale: run build/workflow/ketenregie-diagrams docs/workflow";
  }
}

TEST(WorkflowDiagrams, EveryTransitionIsDrawn) {
  for (const auto& [name, text] : AllDiagrams()) {
    EXPECT_NE(text.find("stateDiagram-v2"), std::string::npos) << name;
    EXPECT_NE(text.find("-->"), std::string::npos) << name;
  }
  const std::string trajectory = AllDiagrams().front().second;
  EXPECT_NE(trajectory.find("screened --> child_protection: decide_route_a"), std::string::npos);
}

}  // namespace
}  // namespace ketenregie::workflow
