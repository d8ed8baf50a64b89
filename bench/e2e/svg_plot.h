// SPDX-License-Identifier: Apache-2.0
// svg_plot: line charts written as SVG by hand (no dependency), for tempest-bench --plot. A
// figure is one or more panels side by side; each panel has axes with ticks and labels (linear,
// or logarithmic with ticks at 1-2-5 of each decade), a legend, and optionally a vertical
// marker (the knee of a throughput-vs-latency run).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tempest::bench {

struct plot_series {
    std::string name;
    std::string color;                              // any SVG colour, e.g. "#1f77b4"
    std::vector<std::pair<double, double>> points;  // (x, y), drawn in this order
    bool dashed = false;
};

struct plot_panel {
    std::string title;
    std::string x_label;
    std::string y_label;
    bool log_x = false;
    bool log_y = false;
    std::vector<plot_series> series;
    std::optional<double> marker_x;  // a dotted vertical line at this x
    std::string marker_label;
};

// "Nice" linear ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi], about
// `target` of them. Requires lo <= hi.
std::vector<double> linear_ticks(double lo, double hi, int target);
// Ticks 1, 2, 5 × 10^k inside [lo, hi] (only 10^k when the range spans more than 3 decades).
// Requires 0 < lo <= hi.
std::vector<double> log_ticks(double lo, double hi);
// A short tick label: "0", "2.5", "400", "1.5k", "20M".
std::string tick_label(double v);

// The whole SVG document.
std::string render_svg(const std::string& title, const std::vector<plot_panel>& panels);
// Writes render_svg() to `path`; throws std::runtime_error naming the file when it cannot.
void write_svg(const std::string& path, const std::string& title,
               const std::vector<plot_panel>& panels);

}  // namespace tempest::bench
