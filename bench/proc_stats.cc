#include "proc_stats.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace bench {
namespace {

// The "Key:  value [kB]" lines of a /proc file, as numbers (the unit is always kB).
std::map<std::string, long> ReadProcFields(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::map<std::string, long> fields;
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream value(line.substr(colon + 1));
    long number = 0;
    if (value >> number) fields[line.substr(0, colon)] = number;
  }
  return fields;
}

long Field(const std::map<std::string, long>& fields, const std::string& key,
           const std::string& file) {
  const auto it = fields.find(key);
  if (it == fields.end()) throw std::runtime_error(file + " has no " + key);
  return it->second;
}

double KibToMib(long kib) { return static_cast<double>(kib) / 1024.0; }

}  // namespace

MemorySnapshot ReadMemory(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/";
  const std::string status_file = dir + "status";
  const std::string rollup_file = dir + "smaps_rollup";
  const auto status = ReadProcFields(status_file);
  const auto rollup = ReadProcFields(rollup_file);
  MemorySnapshot snapshot;
  snapshot.rss_mib = KibToMib(Field(status, "VmRSS", status_file));
  snapshot.hwm_mib = KibToMib(Field(status, "VmHWM", status_file));
  snapshot.anon_mib = KibToMib(Field(status, "RssAnon", status_file));
  snapshot.threads = static_cast<int>(Field(status, "Threads", status_file));
  snapshot.private_mib = KibToMib(Field(rollup, "Private_Clean", rollup_file) +
                                  Field(rollup, "Private_Dirty", rollup_file));
  return snapshot;
}

}  // namespace bench
