#include "report.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <stdexcept>
#include <utility>

namespace bench {

Table::Table(std::string title, std::vector<std::string> columns)
    : title_(std::move(title)), columns_(std::move(columns)) {}

void Table::AddRow(std::string label, std::vector<std::string> cells) {
  if (cells.size() != columns_.size()) throw std::logic_error("row width != column count");
  for (std::string& cell : cells) {
    if (cell.empty()) cell.push_back('-');  // push_back: `= "-"` trips GCC 12's -Wrestrict
  }
  rows_.push_back({std::move(label), std::move(cells)});
}

void Table::Print(std::ostream& out) const {
  size_t label_width = 0;
  std::vector<size_t> widths;
  for (const std::string& column : columns_) widths.push_back(column.size());
  for (const Row& row : rows_) {
    label_width = std::max(label_width, row.label.size());
    for (size_t i = 0; i < row.cells.size(); ++i) {
      widths[i] = std::max(widths[i], row.cells[i].size());
    }
  }
  const auto print_label = [&out, label_width](const std::string& text) {
    out << std::left << std::setw(static_cast<int>(label_width)) << text << std::right;
  };
  out << "== " << title_ << "\n";
  print_label("");
  for (size_t i = 0; i < columns_.size(); ++i) {
    out << "  " << std::setw(static_cast<int>(widths[i])) << columns_[i];
  }
  out << "\n";
  for (const Row& row : rows_) {
    print_label(row.label);
    for (size_t i = 0; i < row.cells.size(); ++i) {
      out << "  " << std::setw(static_cast<int>(widths[i])) << row.cells[i];
    }
    out << "\n";
  }
  out << "\n";
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

}  // namespace bench
