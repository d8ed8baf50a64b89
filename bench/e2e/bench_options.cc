// SPDX-License-Identifier: Apache-2.0
#include "bench_options.h"

#include <charconv>
#include <cmath>
#include <cstdio>
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

double parse_number(std::string_view opt, std::string_view text, double min, double max) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < min ||
        v > max) {
        char buf[128];
        std::snprintf(buf, sizeof buf, " expects a number from %g to %g, got '", min, max);
        throw usage_error(std::string(opt) + buf + std::string(text) + "'");
    }
    return v;
}

// A rate such as 50000, 50k or 1.5M (tuples/s), > 0.
double parse_rate(std::string_view opt, std::string_view text) {
    double scale = 1;
    std::string_view digits = text;
    if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'M')) {
        scale = digits.back() == 'k' ? 1e3 : 1e6;
        digits.remove_suffix(1);
    }
    double v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        !std::isfinite(v) || v <= 0 || v * scale > 1e10) {
        throw usage_error(std::string(opt) +
                          " expects tuples per second > 0 (e.g. 50000, 50k, 1.5M), got '" +
                          std::string(text) + "'");
    }
    return v * scale;
}

}  // namespace

std::vector<double> default_rates() {
    return {25e3, 50e3, 100e3, 200e3, 400e3, 800e3, 1.6e6};
}

std::string usage_text() {
    return "usage: tempest-bench WORKLOAD [--acking] [--duration S] [--warmup S] [--json FILE]\n"
           "                     [--max-pending N] [--queue-size N] [--batch-size N]\n"
           "                     [--no-chaining] [--rss-every S] [--workers N]\n"
           "                     [--pipelines N] [--idle]\n"
           "       tempest-bench WORKLOAD --cluster [--config FILE] --workers N [--executors N]\n"
           "       tempest-bench throughput-vs-latency [--workload W] [--rates R1,R2,...]\n"
           "                     [--cluster [--config FILE] [--workers N]]\n"
           "workloads: const-null (ConstSpoutNullBoltTopo), const-id-null\n"
           "           (ConstSpoutIdBoltNullBoltTopo), word-count, zipf-agg, windowed-agg\n"
           "  --acking        one acker; the spout emits with message ids, bolts anchor and ack\n"
           "  --duration S    measured seconds after the warm-up (default 10)\n"
           "  --warmup S      seconds run before measuring (default 3)\n"
           "  --json FILE     also write the result as a JSON object to FILE\n"
           "  --max-pending N topology.max.spout.pending with --acking (default 4096)\n"
           "  --queue-size N  topology.executor.receive.buffer.size (default 4096)\n"
           "  --batch-size N  topology.producer.batch.size (default 64)\n"
           "  --no-chaining   topology.chaining = false: no bolt runs on its producer's thread\n"
           "  --rss-every S   print the resident set size every S seconds (--workers 1 only)\n"
           "  --workers N     1: one process (default); 2: two worker processes joined over\n"
           "                  loopback TCP, parallelism 2 per component, rate per node;\n"
           "                  with --cluster: topology.workers (any N >= 1)\n"
           "  --executors N   executors per component (default: --workers)\n"
           "  --rate R        tuples/s offered by the spouts together (e.g. 200k; default: no\n"
           "                  limit)\n"
           "  --keys N        zipf-agg, windowed-agg: number of keys (default 10000)\n"
           "  --skew S        zipf-agg, windowed-agg: Zipf exponent, P(key k) ~ 1/k^S\n"
           "                  (default 1.0)\n"
           "  --plot FILE.svg draw throughput over time (throughput-vs-latency: latency and\n"
           "                  achieved rate against offered rate) into FILE.svg\n"
           "  --cluster       submit WORKLOAD to a running cluster through Nimbus, measure it\n"
           "                  from the figures its workers report, then kill it\n"
           "  --config FILE   --cluster: the cluster's config (nimbus.seeds, ...), e.g. the\n"
           "                  cluster.yaml of `tempest dev-cluster` (default conf/tempest.yaml)\n"
           "  --pipelines N   N independent copies of the workload's chain in one topology\n"
           "                  (ids end in -0 ... -(N-1)); the rate is the sum of their last\n"
           "                  bolts (one process only)\n"
           "  --idle          after the warm-up deactivate the topology and report what the idle\n"
           "                  process costs over --duration: CPU, wake-ups, threads, RSS (one\n"
           "                  process only)\n"
           "throughput-vs-latency (as Storm's ThroughputVsLatency; acking on; local mode, or\n"
           "a fresh topology on the cluster per step with --cluster):\n"
           "  --workload W    the workload run at each rate (default word-count)\n"
           "  --rates LIST    offered spout tuples/s, comma-separated, in increasing order\n"
           "                  (default 25k,50k,100k,200k,400k,800k,1.6M); --duration and\n"
           "                  --warmup are per step (default 3 and 1)\n";
}

bench_options parse_bench_options(int argc, const char* const* argv) {
    bench_options o;
    bool have_workload = false;
    bool have_duration = false;
    bool have_warmup = false;
    std::optional<std::string> workers_text;
    std::optional<std::string> tvl_workload;
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
            have_duration = true;
        } else if (name == "--warmup") {
            o.warmup_s = parse_seconds(name, value(), true);
            have_warmup = true;
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
            workers_text = std::string(value());
        } else if (name == "--executors") {
            o.executors = parse_positive_int(name, value());
        } else if (name == "--rate") {
            o.rate = parse_rate(name, value());
        } else if (name == "--keys") {
            o.keys = static_cast<std::int64_t>(parse_number(name, value(), 1, 1e8));
        } else if (name == "--skew") {
            o.skew = parse_number(name, value(), 0, 10);
        } else if (name == "--plot") {
            o.plot_path = std::string(value());
            if (o.plot_path.empty()) {
                throw usage_error("--plot needs a file name");
            }
        } else if (name == "--cluster") {
            if (inline_value) {
                throw usage_error("--cluster takes no value");
            }
            o.cluster = true;
        } else if (name == "--config") {
            o.config_file = std::string(value());
            if (o.config_file.empty()) {
                throw usage_error("--config needs a file name");
            }
        } else if (name == "--pipelines") {
            o.pipelines = parse_positive_int(name, value());
            if (o.pipelines > 256) {
                throw usage_error("--pipelines expects 1 to 256 pipelines, got '" +
                                  std::to_string(o.pipelines) + "'");
            }
        } else if (name == "--idle") {
            if (inline_value) {
                throw usage_error("--idle takes no value");
            }
            o.idle = true;
        } else if (name == "--workload") {
            tvl_workload = std::string(value());
        } else if (name == "--rates") {
            const std::string_view value_text = value();
            std::string_view list = value_text;
            o.rates.clear();
            while (true) {
                auto comma = list.find(',');
                o.rates.push_back(parse_rate(name, list.substr(0, comma)));
                if (o.rates.size() > 1 && o.rates.back() <= o.rates[o.rates.size() - 2]) {
                    throw usage_error("--rates must increase, got '" + std::string(value_text) +
                                      "'");
                }
                if (comma == std::string_view::npos) {
                    break;
                }
                list.remove_prefix(comma + 1);
            }
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
        throw usage_error(
            "missing WORKLOAD (const-null, const-id-null, word-count, zipf-agg, windowed-agg or "
            "throughput-vs-latency)");
    }
    if (workers_text) {
        int n = 0;
        auto [end, ec] =
            std::from_chars(workers_text->data(), workers_text->data() + workers_text->size(), n);
        bool number = ec == std::errc() && end == workers_text->data() + workers_text->size();
        if (o.cluster) {
            if (!number || n < 1 || n > 1024) {
                throw usage_error("--workers expects a number of workers from 1 to 1024, got '" +
                                  *workers_text + "'");
            }
        } else if (!number || (n != 1 && n != 2)) {
            throw usage_error("--workers expects 1 or 2 (more workers need --cluster), got '" +
                              *workers_text + "'");
        }
        o.workers = n;
    }
    if (o.workload == "throughput-vs-latency") {
        o.throughput_vs_latency = true;
        o.workload = tvl_workload.value_or("word-count");
        o.acking = true;
        if (o.rates.empty()) {
            o.rates = default_rates();
        }
        if (!have_duration) {
            o.duration_s = 3;
        }
        if (!have_warmup) {
            o.warmup_s = 1;
        }
        if (!o.cluster && o.workers != 1) {
            throw usage_error(
                "throughput-vs-latency in local mode runs one process (--workers 1; more "
                "workers need --cluster)");
        }
        if (o.pipelines != 1 || o.idle) {
            throw usage_error("throughput-vs-latency takes neither --pipelines nor --idle");
        }
        if (o.rate > 0) {
            throw usage_error("throughput-vs-latency takes --rates, not --rate");
        }
    } else if (tvl_workload || !o.rates.empty()) {
        throw usage_error("--workload and --rates are for throughput-vs-latency");
    }
    if (o.executors && o.workers == 2 && !o.cluster) {
        throw usage_error("--executors does not go with --workers 2 (parallelism 2 there)");
    }
    if (!o.plot_path.empty() && o.workers == 2 && !o.cluster) {
        throw usage_error("--plot works with --workers 1 or --cluster");
    }
    if (!o.config_file.empty() && !o.cluster) {
        throw usage_error("--config is for --cluster");
    }
    if (o.cluster && (o.rss_every_s > 0 || o.no_chaining || o.queue_size || o.batch_size)) {
        throw usage_error(
            "--rss-every, --no-chaining, --queue-size and --batch-size are for local runs");
    }
    if (o.workers != 1 && o.rss_every_s > 0) {
        throw usage_error("--rss-every works with --workers 1 only");
    }
    if (o.idle && (o.cluster || o.workers != 1 || !o.plot_path.empty() || o.rss_every_s > 0)) {
        throw usage_error(
            "--idle runs one process (no --cluster, --workers 2, --plot, --rss-every)");
    }
    if (o.pipelines > 1 && o.workers == 2 && !o.cluster) {
        throw usage_error("--pipelines does not go with --workers 2");
    }
    return o;
}

}  // namespace tempest::bench
