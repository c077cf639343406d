// Runs a fuzz target as a plain test, so that CI exercises it without libFuzzer: every
// file of the corpus directories given on the command line, then a fixed number of
// deterministic mutations of each (byte flips, truncations, splices), seeded so that a
// failure reproduces. CRIO_FUZZ_MUTATIONS sets the count per file (default 200).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string Mutate(const std::string& input, std::mt19937& rng) {
  std::string out = input;
  if (out.empty()) return std::string(1, static_cast<char>(rng() & 0xff));
  switch (rng() % 4) {
    case 0:  // flip a byte
      out[rng() % out.size()] = static_cast<char>(rng() & 0xff);
      break;
    case 1:  // truncate
      out.resize(rng() % out.size());
      break;
    case 2: {  // duplicate a slice somewhere else
      const std::size_t from = rng() % out.size();
      const std::size_t len = rng() % (out.size() - from) + 1;
      out.insert(rng() % out.size(), out.substr(from, len));
      break;
    }
    default:  // insert a TOML-significant character
      out.insert(rng() % out.size(), 1, "[]=\"'\n.#{},"[rng() % 12]);
      break;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("CRIO_FUZZ_MUTATIONS");
  const int mutations = env != nullptr ? std::atoi(env) : 200;
  std::size_t files = 0;
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i])) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      const std::string seed = buffer.str();
      Run(seed);
      std::mt19937 rng(static_cast<std::uint32_t>(std::hash<std::string>{}(seed)));
      std::string current = seed;
      for (int m = 0; m < mutations; ++m) {
        current = (m % 8 == 0) ? seed : current;  // go back to the seed now and then
        current = Mutate(current, rng);
        Run(current);
        ++runs;
      }
      ++files;
    }
  }
  if (files == 0) {
    std::fprintf(stderr, "no corpus files found\n");
    return 1;
  }
  std::printf("replayed %zu corpus files and %zu mutations: no crash\n", files, runs);
  return 0;
}
