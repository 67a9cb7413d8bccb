// ketenregie-diagrams DIR: writes the state diagrams of every workflow
// machine to DIR (docs/workflow in the repository).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "workflow/diagram.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ketenregie-diagrams DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : ketenregie::workflow::AllDiagrams()) {
    std::ofstream(dir / name) << text;
    std::cout << (dir / name).string() << '\n';
  }
  return 0;
}
