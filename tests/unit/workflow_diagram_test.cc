// The diagrams under docs/workflow/ are generated from the transition tables;
// this fails when a table changed and the diagram was not regenerated
// (build/workflow/ketenregie-diagrams docs/workflow).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "workflow/diagram.h"
#include "workflow/rules.h"

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

// docs/route-and-rules.md explains every rule of the catalogue to the
// people who use and keep the system: none may be missing from its table.
TEST(RulesCatalogue, EveryRuleIsDocumented) {
  std::ifstream in(std::filesystem::path(KETENREGIE_SOURCE_DIR) / "docs" / "route-and-rules.md");
  ASSERT_TRUE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const Rule& rule : AllRules()) {
    EXPECT_NE(text.find("| " + std::string(rule.id) + " |"), std::string::npos) << rule.id;
  }
}

}  // namespace
}  // namespace ketenregie::workflow

namespace ketenregie::workflow {
namespace {

// The library reads no clock and does no I/O: its sources never name them.
// (diagrams_main.cc is the generator tool, not part of the library.)
TEST(WorkflowPurity, LibrarySourcesUseNoClockNoIoNoRpc) {
  const auto dir = std::filesystem::path(KETENREGIE_SOURCE_DIR) / "workflow";
  const std::vector<std::string> forbidden = {
      "::now(", "steady_clock",    "<fstream>", "<cstdio>", "<iostream>", "grpc",
      "pqxx",   "google/protobuf", "getenv",    "<thread>", "rand("};
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name == "diagrams_main.cc" || name == "CMakeLists.txt") {
      continue;
    }
    ++files;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& token : forbidden) {
      EXPECT_EQ(text.find(token), std::string::npos) << name << " uses " << token;
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace ketenregie::workflow
