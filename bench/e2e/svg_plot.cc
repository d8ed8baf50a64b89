// SPDX-License-Identifier: Apache-2.0
#include "svg_plot.h"

#include "tempest/common/html_escape.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace tempest::bench {

namespace {

constexpr double panel_w = 560;
constexpr double panel_h = 380;
constexpr double margin_left = 72;
constexpr double margin_right = 24;
constexpr double margin_top = 44;
constexpr double margin_bottom = 56;
constexpr double title_h = 30;

using common::html_escape;

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// Maps data to pixels on one axis.
struct axis {
    double lo = 0;
    double hi = 1;
    bool log = false;
    double p0 = 0;  // pixel of lo
    double p1 = 1;  // pixel of hi
    double map(double v) const {
        double a = log ? std::log10(lo) : lo;
        double b = log ? std::log10(hi) : hi;
        double x = log ? std::log10(std::max(v, lo)) : v;
        return p0 + (x - a) / (b - a) * (p1 - p0);
    }
};

// The data range of a panel's axis: [min, max] of the points (positive ones on a log axis),
// widened so that it is never empty. A linear y axis starts at 0 when all values are positive.
std::pair<double, double> range(const plot_panel& p, bool x, bool log) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const auto& s : p.series) {
        for (const auto& [px, py] : s.points) {
            double v = x ? px : py;
            if (!std::isfinite(v) || (log && v <= 0)) {
                continue;
            }
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    if (x && p.marker_x && std::isfinite(*p.marker_x) && (!log || *p.marker_x > 0)) {
        lo = std::min(lo, *p.marker_x);
        hi = std::max(hi, *p.marker_x);
    }
    if (!std::isfinite(lo)) {
        return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
    }
    if (log) {
        // Widened to the 1-2-5 steps around the data, so that both ends carry a tick.
        const double d_lo = std::pow(10, std::floor(std::log10(lo)));
        double l = d_lo;
        for (double m : {2.0, 5.0}) {
            if (m * d_lo <= lo) {
                l = m * d_lo;
            }
        }
        const double d_hi = std::pow(10, std::floor(std::log10(hi)));
        double h = 10 * d_hi;
        for (double m : {5.0, 2.0, 1.0}) {
            if (m * d_hi >= hi) {
                h = m * d_hi;
            }
        }
        if (h <= l) {
            h = l * 2;
        }
        return {l, h};
    }
    if (!x && lo > 0) {
        lo = 0;
    }
    if (hi <= lo) {
        hi = lo + (lo == 0 ? 1 : std::abs(lo));
    }
    auto t = linear_ticks(lo, hi, 6);
    return {std::min(lo, t.front()), std::max(hi, t.back())};
}

}  // namespace

std::vector<double> linear_ticks(double lo, double hi, int target) {
    double span = hi - lo;
    if (span <= 0) {
        return {lo};
    }
    double raw = span / std::max(1, target);
    double mag = std::pow(10, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    }
    std::vector<double> out;
    double first = std::floor(lo / step) * step;
    double last = std::ceil(hi / step) * step;
    for (double v = first; v <= last + step * 1e-9; v += step) {
        out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    }
    return out;
}

std::vector<double> log_ticks(double lo, double hi) {
    std::vector<double> out;
    const bool wide = std::log10(hi / lo) > 3;
    for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= std::ceil(std::log10(hi));
         ++e) {
        for (double m : {1.0, 2.0, 5.0}) {
            if (wide && m != 1.0) {
                continue;
            }
            double v = m * std::pow(10, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                out.push_back(v);
            }
        }
    }
    return out;
}

std::string tick_label(double v) {
    char buf[32];
    double a = std::abs(v);
    const char* suffix = "";
    if (a >= 1e9) {
        v /= 1e9;
        suffix = "G";
    } else if (a >= 1e6) {
        v /= 1e6;
        suffix = "M";
    } else if (a >= 1e3) {
        v /= 1e3;
        suffix = "k";
    }
    std::snprintf(buf, sizeof buf, "%.3g%s", v, suffix);
    return buf;
}

std::string render_svg(const std::string& title, const std::vector<plot_panel>& panels) {
    const double width = panel_w * static_cast<double>(std::max<std::size_t>(1, panels.size()));
    const double height = panel_h + title_h;
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\""
      << num(height) << "\" viewBox=\"0 0 " << num(width) << ' ' << num(height)
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << num(width / 2) << "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" "
      << "font-weight=\"bold\">" << html_escape(title) << "</text>\n";
    for (std::size_t i = 0; i < panels.size(); ++i) {
        const plot_panel& p = panels[i];
        const double ox = panel_w * static_cast<double>(i);
        const double oy = title_h;
        auto [xlo, xhi] = range(p, true, p.log_x);
        auto [ylo, yhi] = range(p, false, p.log_y);
        axis ax{xlo, xhi, p.log_x, ox + margin_left, ox + panel_w - margin_right};
        axis ay{ylo, yhi, p.log_y, oy + panel_h - margin_bottom, oy + margin_top};
        o << "<g>\n<text x=\"" << num(ox + panel_w / 2) << "\" y=\"" << num(oy + 24)
          << "\" text-anchor=\"middle\" font-size=\"13\">" << html_escape(p.title) << "</text>\n";
        // Grid and ticks.
        auto xt = p.log_x ? log_ticks(xlo, xhi) : linear_ticks(xlo, xhi, 6);
        auto yt = p.log_y ? log_ticks(ylo, yhi) : linear_ticks(ylo, yhi, 6);
        for (double t : xt) {
            if (t < xlo || t > xhi) {
                continue;
            }
            double x = ax.map(t);
            o << "<line x1=\"" << num(x) << "\" y1=\"" << num(ay.p0) << "\" x2=\"" << num(x)
              << "\" y2=\"" << num(ay.p1) << "\" stroke=\"#e4e4e4\"/>\n"
              << "<line x1=\"" << num(x) << "\" y1=\"" << num(ay.p0) << "\" x2=\"" << num(x)
              << "\" y2=\"" << num(ay.p0 + 5) << "\" stroke=\"black\"/>\n"
              << "<text x=\"" << num(x) << "\" y=\"" << num(ay.p0 + 18)
              << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
        }
        for (double t : yt) {
            if (t < ylo || t > yhi) {
                continue;
            }
            double y = ay.map(t);
            o << "<line x1=\"" << num(ax.p0) << "\" y1=\"" << num(y) << "\" x2=\"" << num(ax.p1)
              << "\" y2=\"" << num(y) << "\" stroke=\"#e4e4e4\"/>\n"
              << "<line x1=\"" << num(ax.p0 - 5) << "\" y1=\"" << num(y) << "\" x2=\"" << num(ax.p0)
              << "\" y2=\"" << num(y) << "\" stroke=\"black\"/>\n"
              << "<text x=\"" << num(ax.p0 - 8) << "\" y=\"" << num(y + 4)
              << "\" text-anchor=\"end\">" << tick_label(t) << "</text>\n";
        }
        // Axes and their labels.
        o << "<line x1=\"" << num(ax.p0) << "\" y1=\"" << num(ay.p0) << "\" x2=\"" << num(ax.p1)
          << "\" y2=\"" << num(ay.p0) << "\" stroke=\"black\"/>\n"
          << "<line x1=\"" << num(ax.p0) << "\" y1=\"" << num(ay.p0) << "\" x2=\"" << num(ax.p0)
          << "\" y2=\"" << num(ay.p1) << "\" stroke=\"black\"/>\n"
          << "<text x=\"" << num((ax.p0 + ax.p1) / 2) << "\" y=\"" << num(oy + panel_h - 14)
          << "\" text-anchor=\"middle\">" << html_escape(p.x_label)
          << (p.log_x ? " (log scale)" : "") << "</text>\n"
          << "<text transform=\"translate(" << num(ox + 16) << ',' << num((ay.p0 + ay.p1) / 2)
          << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(p.y_label)
          << (p.log_y ? " (log scale)" : "") << "</text>\n";
        if (p.marker_x) {
            double x = ax.map(*p.marker_x);
            o << "<line x1=\"" << num(x) << "\" y1=\"" << num(ay.p0) << "\" x2=\"" << num(x)
              << "\" y2=\"" << num(ay.p1) << "\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>\n"
              << "<text x=\"" << num(x + 4) << "\" y=\"" << num(ay.p0 - 6) << "\" fill=\"#555\">"
              << html_escape(p.marker_label) << "</text>\n";
        }
        // Series, then the legend (top left inside the plot area).
        for (std::size_t k = 0; k < p.series.size(); ++k) {
            const plot_series& s = p.series[k];
            std::ostringstream pts;
            for (const auto& [x, y] : s.points) {
                if (!std::isfinite(x) || !std::isfinite(y) || (p.log_x && x <= 0) ||
                    (p.log_y && y <= 0)) {
                    continue;
                }
                pts << num(ax.map(x)) << ',' << num(ay.map(y)) << ' ';
            }
            o << "<polyline fill=\"none\" stroke=\"" << html_escape(s.color)
              << "\" stroke-width=\"2\"" << (s.dashed ? " stroke-dasharray=\"6,4\"" : "")
              << " points=\"" << pts.str() << "\"/>\n";
            if (s.points.size() <= 40) {
                for (const auto& [x, y] : s.points) {
                    if (!std::isfinite(x) || !std::isfinite(y) || (p.log_x && x <= 0) ||
                        (p.log_y && y <= 0)) {
                        continue;
                    }
                    o << "<circle cx=\"" << num(ax.map(x)) << "\" cy=\"" << num(ay.map(y))
                      << "\" r=\"3\" fill=\"" << html_escape(s.color) << "\"/>\n";
                }
            }
            const double ly = ay.p1 + 14 + 16 * static_cast<double>(k);
            o << "<line x1=\"" << num(ax.p0 + 10) << "\" y1=\"" << num(ly - 4) << "\" x2=\""
              << num(ax.p0 + 34) << "\" y2=\"" << num(ly - 4) << "\" stroke=\""
              << html_escape(s.color) << "\" stroke-width=\"2\""
              << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n<text x=\""
              << num(ax.p0 + 40) << "\" y=\"" << num(ly) << "\">" << html_escape(s.name)
              << "</text>\n";
        }
        o << "</g>\n";
    }
    o << "</svg>\n";
    return o.str();
}

void write_svg(const std::string& path, const std::string& title,
               const std::vector<plot_panel>& panels) {
    std::ofstream out(path, std::ios::trunc);
    out << render_svg(title, panels);
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write --plot file '" + path + "'");
    }
}

}  // namespace tempest::bench
