// SPDX-License-Identifier: Apache-2.0
#include "bench_options.h"

#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace tempest::bench {

namespace {

double parse_seconds(std::string_view opt, std::string_view text, bool zero_ok) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0 ||
        (!zero_ok && v == 0) || v > 86400) {
        throw usage_error(std::string(opt) + " expects " +
                          (zero_ok ? "seconds >= 0" : "seconds > 0") + ", got '" +
                          std::string(text) + "'");
    }
    return v;
}

int parse_positive_int(std::string_view opt, std::string_view text) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v <= 0) {
        throw usage_error(std::string(opt) + " expects a positive integer, got '" +
                          std::string(text) + "'");
    }
    return v;
}

}  // namespace

std::string usage_text() {
    return "usage: tempest-bench WORKLOAD [--acking] [--duration S] [--warmup S] [--json FILE]\n"
           "                     [--max-pending N] [--queue-size N] [--batch-size N]\n"
           "                     [--no-chaining] [--rss-every S] [--workers N]\n"
           "workloads: const-null, const-id-null, word-count\n"
           "  --acking        one acker; the spout emits with message ids, bolts anchor and ack\n"
           "  --duration S    measured seconds after the warm-up (default 10)\n"
           "  --warmup S      seconds run before measuring (default 3)\n"
           "  --json FILE     also write the result as a JSON object to FILE\n"
           "  --max-pending N topology.max.spout.pending with --acking (default 4096)\n"
           "  --queue-size N  topology.executor.receive.buffer.size (default 1024)\n"
           "  --batch-size N  topology.producer.batch.size (default 64)\n"
           "  --no-chaining   topology.chaining = false: no bolt runs on its producer's thread\n"
           "  --rss-every S   print the resident set size every S seconds (--workers 1 only)\n"
           "  --workers N     1: one process (default); 2: two worker processes joined over\n"
           "                  loopback TCP, parallelism 2 per component, rate per node\n";
}

bench_options parse_bench_options(int argc, const char* const* argv) {
    bench_options o;
    bool have_workload = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view name = arg;
        std::optional<std::string_view> inline_value;
        if (arg.starts_with("--")) {
            if (auto eq = arg.find('='); eq != std::string_view::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
            }
        }
        auto value = [&]() -> std::string_view {
            if (inline_value) {
                return *inline_value;
            }
            if (i + 1 >= argc) {
                throw usage_error(std::string(name) + " needs a value");
            }
            return argv[++i];
        };
        if (name == "--help" || name == "-h") {
            o.help = true;
        } else if (name == "--acking") {
            if (inline_value) {
                throw usage_error("--acking takes no value");
            }
            o.acking = true;
        } else if (name == "--no-chaining") {
            if (inline_value) {
                throw usage_error("--no-chaining takes no value");
            }
            o.no_chaining = true;
        } else if (name == "--duration") {
            o.duration_s = parse_seconds(name, value(), false);
        } else if (name == "--warmup") {
            o.warmup_s = parse_seconds(name, value(), true);
        } else if (name == "--json") {
            o.json_path = std::string(value());
            if (o.json_path.empty()) {
                throw usage_error("--json needs a file name");
            }
        } else if (name == "--max-pending") {
            o.max_pending = parse_positive_int(name, value());
        } else if (name == "--queue-size") {
            o.queue_size = parse_positive_int(name, value());
        } else if (name == "--batch-size") {
            o.batch_size = parse_positive_int(name, value());
        } else if (name == "--rss-every") {
            o.rss_every_s = parse_seconds(name, value(), false);
        } else if (name == "--workers") {
            std::string_view text = value();
            if (text != "1" && text != "2") {
                throw usage_error(
                    "--workers expects 1 or 2 (more workers are not supported yet), "
                    "got '" +
                    std::string(text) + "'");
            }
            o.workers = text == "1" ? 1 : 2;
        } else if (arg.starts_with("-") && arg.size() > 1) {
            throw usage_error("unknown option '" + std::string(arg) + "'");
        } else if (have_workload) {
            throw usage_error("unexpected argument '" + std::string(arg) + "' (one workload only)");
        } else {
            o.workload = std::string(arg);
            have_workload = true;
        }
    }
    if (!have_workload && !o.help) {
        throw usage_error("missing WORKLOAD (const-null, const-id-null or word-count)");
    }
    if (o.workers != 1 && o.rss_every_s > 0) {
        throw usage_error("--rss-every works with --workers 1 only");
    }
    return o;
}

}  // namespace tempest::bench
