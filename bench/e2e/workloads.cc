// SPDX-License-Identifier: Apache-2.0
#include "workloads.h"

#include "components.h"
#include "tempest/topology.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace tempest::bench {

namespace {

constexpr std::pair<std::string_view, std::string_view> storm_perf_names[] = {
    {"const-null", "ConstSpoutNullBoltTopo"},
    {"const-id-null", "ConstSpoutIdBoltNullBoltTopo"},
};

}  // namespace

const std::vector<std::string_view>& workload_names() {
    static const std::vector<std::string_view> names = {"const-null", "const-id-null", "word-count",
                                                        "zipf-agg", "windowed-agg"};
    return names;
}

std::string canonical_workload(std::string_view name) {
    for (std::string_view n : workload_names()) {
        if (n == name) {
            return std::string(n);
        }
    }
    for (const auto& [ours, storm] : storm_perf_names) {
        if (storm == name) {
            return std::string(ours);
        }
    }
    return {};
}

bool is_workload(std::string_view name) {
    return !canonical_workload(name).empty();
}

std::string_view storm_perf_name(std::string_view workload) {
    for (const auto& [ours, storm] : storm_perf_names) {
        if (ours == workload) {
            return storm;
        }
    }
    return {};
}

workload make_workload(const workload_params& p) {
    const int n = p.parallelism;
    if (p.pipelines < 1) {
        throw std::invalid_argument("a workload needs at least one pipeline");
    }
    workload w;
    w.name = p.name;
    w.conf.set_num_ackers(p.acking ? n : 0);
    if (p.acking) {
        w.conf.set_max_spout_pending(p.max_pending);
    }
    const double task_rate = p.rate > 0 ? p.rate / (n * p.pipelines) : 0.0;
    if (task_rate > 0) {
        // A paced spout's task asks for its next tuple every time its executor is idle, and the
        // executor sleeps at most topology.spout.wait.max.micros (1 ms by default) in between:
        // about 0.5% of a core per spout executor with nothing due. With slow tasks (many
        // spout executors sharing a low --rate, as bench/idle_workers.sh runs 40+ workers) that
        // alone saturated this machine. Sleep up to a tenth of the task's interval instead
        // (1 ms to 100 ms), so a tuple waits at most that long past its due time.
        const double tenth_us = 1e5 / task_rate;
        const auto wait_us =
            static_cast<std::int64_t>(std::clamp(tenth_us, 1000.0, static_cast<double>(100000)));
        w.conf.set("topology.spout.wait.max.micros", wait_us);
    }
    std::vector<value> spout_args = {p.acking, task_rate, p.record_after_s};
    std::vector<value> bolt_args = {p.acking};
    topology_builder b;
    // One chain of the workload's components; with several pipelines each chain's ids end in
    // "-i" and no stream connects two chains.
    auto add_chain = [&](const std::string& sfx) {
        auto id = [&](const char* base) {
            std::string s(base);
            s += sfx;
            return s;
        };
        if (p.name == "const-null") {
            b.set_spout(id("spout"), "bench.const_spout", spout_args, n);
            b.set_bolt(id("null"), "bench.null_bolt", bolt_args, n)
                .local_or_shuffle_grouping(id("spout"));
            w.spout = id("spout");
            w.last_bolt = id("null");
            w.unit = "tuples";
            w.components.insert(w.components.end(), {id("spout"), id("null")});
        } else if (p.name == "const-id-null") {
            b.set_spout(id("spout"), "bench.const_spout", spout_args, n);
            b.set_bolt(id("identity"), "bench.identity_bolt", bolt_args, n)
                .local_or_shuffle_grouping(id("spout"));
            b.set_bolt(id("null"), "bench.null_bolt", bolt_args, n)
                .local_or_shuffle_grouping(id("identity"));
            w.spout = id("spout");
            w.last_bolt = id("null");
            w.unit = "tuples";
            w.components.insert(w.components.end(), {id("spout"), id("identity"), id("null")});
        } else if (p.name == "word-count") {
            b.set_spout(id("sentences"), "bench.sentence_spout", spout_args, n);
            // Local-or-shuffle: each spout feeds the split of its own worker, so only the
            // fields-grouped words cross between workers, as a deployment would arrange it
            // (bench/README.md, "Two workers", has the figures of a plain shuffle there); and
            // with chaining (on by default) split runs on its spout's thread, as the reference
            // wc2 splits on its source's thread. --no-chaining gives each its own thread.
            auto& split = b.set_bolt(id("split"), "bench.split_bolt", bolt_args, n);
            split.local_or_shuffle_grouping(id("sentences"));
            b.set_bolt(id("count"), "bench.count_bolt", bolt_args, n)
                .fields_grouping(id("split"), {"word"});
            w.spout = id("sentences");
            w.last_bolt = id("count");
            w.unit = "words";
            w.components.insert(w.components.end(), {id("sentences"), id("split"), id("count")});
        } else if (p.name == "zipf-agg") {
            const std::vector<value> args = {p.acking, task_rate, p.record_after_s, p.keys, p.skew};
            b.set_spout(id("keys"), "bench.zipf_spout", args, n);
            b.set_bolt(id("sum"), "bench.sum_bolt", {p.acking, p.keys}, n)
                .fields_grouping(id("keys"), {"key"});
            w.spout = id("keys");
            w.last_bolt = id("sum");
            w.unit = "keys";
            w.components.insert(w.components.end(), {id("keys"), id("sum")});
        } else if (p.name == "windowed-agg") {
            const std::vector<value> args = {p.acking, task_rate, p.record_after_s, p.keys, p.skew};
            b.set_spout(id("keys"), "bench.zipf_spout", args, n);
            // Per task: the newest 1000 tuples, evaluated every 100 (with acking, each tuple is
            // acked as it leaves; 1100 stays under the default max spout pending, 4096).
            b.set_bolt(id("window"), "bench.window_sum_bolt", {p.acking, p.keys}, n)
                .fields_grouping(id("keys"), {"key"})
                .with_window(window_count(1000), window_count(100));
            w.spout = id("keys");
            w.last_bolt = id("window");
            w.unit = "tuples";
            w.components.insert(w.components.end(), {id("keys"), id("window")});
        } else {
            throw std::invalid_argument("unknown workload '" + p.name + "'");
        }
        w.spouts.push_back(w.spout);
        w.last_bolts.push_back(w.last_bolt);
    };
    if (p.pipelines == 1) {
        add_chain("");
    } else {
        for (int i = 0; i < p.pipelines; ++i) {
            std::string sfx(1, '-');
            sfx += std::to_string(i);
            add_chain(sfx);
        }
    }
    // The first pipeline's spout and last bolt stand for the workload where one is named.
    w.spout = w.spouts.front();
    w.last_bolt = w.last_bolts.front();
    w.executors = static_cast<int>(w.components.size()) * n + (p.acking ? n : 0);
    w.topo = b.create_topology();
    return w;
}

workload_params params_of(const bench_options& o) {
    workload_params p;
    p.name = canonical_workload(o.workload);
    p.acking = o.acking;
    p.max_pending = o.max_pending.value_or(default_max_spout_pending);
    p.parallelism = o.executors.value_or(o.workers);
    p.rate = o.rate;
    p.record_after_s = o.warmup_s;
    p.keys = o.keys;
    p.skew = o.skew;
    p.pipelines = o.pipelines;
    return p;
}

workload make_workload(const bench_options& o) {
    workload w = make_workload(params_of(o));
    if (o.queue_size) {
        w.conf.set(config::topology_executor_receive_buffer_size, *o.queue_size);
    }
    if (o.no_chaining) {
        w.conf.set("topology.chaining", false);
    }
    if (o.batch_size) {
        w.conf.set(config::topology_producer_batch_size, *o.batch_size);
    }
    return w;
}

}  // namespace tempest::bench
