// Plain-text tables: one row per figure, one column per daemon.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bench {

class Table {
 public:
  Table(std::string title, std::vector<std::string> columns);

  // `cells` has one entry per column; an empty string prints as "-".
  void AddRow(std::string label, std::vector<std::string> cells);
  void Print(std::ostream& out) const;

 private:
  struct Row {
    std::string label;
    std::vector<std::string> cells;
  };
  std::string title_;
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
};

// `value` with `decimals` digits after the point, e.g. Fixed(12.345, 1) == "12.3".
std::string Fixed(double value, int decimals);

}  // namespace bench
