// SPDX-License-Identifier: Apache-2.0
// prometheus_writer: builds a scrape in Prometheus' text exposition format, version 0.0.4.
// Samples are added in any order; text() writes each family once — its HELP and TYPE lines,
// then its samples — families sorted by name, samples in the order first added. A sample added
// again with the same labels adds to a counter and replaces a gauge, so a family never holds one
// series twice. Metric names are sanitized to [a-zA-Z_:][a-zA-Z0-9_:]* and a counter's name ends
// in _total (appended when missing); label values and HELP text are escaped.
//
// Not thread-safe: one scrape builds one writer.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tempest::ui {

class prometheus_writer {
  public:
    enum class kind { counter, gauge };
    using labels = std::vector<std::pair<std::string, std::string>>;

    // Adds a sample of family `name`. The first add of a name fixes its type and HELP; a sample
    // of the same (sanitized) name with another type is dropped and logged as an error.
    void add(std::string_view name, kind type, std::string_view help, const labels& l,
             double value);

    std::string text() const;

    // [a-zA-Z_:][a-zA-Z0-9_:]*: every other character becomes '_'; a leading digit gets a '_'.
    static std::string sanitize_name(std::string_view name);
    // A label value between double quotes: backslash, double quote and newline escaped.
    static std::string escape_label_value(std::string_view v);
    // HELP text: backslash and newline escaped.
    static std::string escape_help(std::string_view v);
    // A sample value: integers without a fraction, others in the shortest form that reads back
    // the same; NaN, +Inf, -Inf as Prometheus writes them.
    static std::string format_value(double v);

  private:
    struct family {
        kind type = kind::gauge;
        std::string help;
        std::vector<std::pair<std::string, double>> samples;  // label text -> value
        std::map<std::string, std::size_t> index;             // label text -> samples position
    };
    std::map<std::string, family> _families;
};

}  // namespace tempest::ui
