// SPDX-License-Identifier: Apache-2.0
#include "workloads.h"

#include "components.h"
#include "tempest/topology.h"

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
                                                        "zipf-agg"};
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
    workload w;
    w.name = p.name;
    w.conf.set_num_ackers(p.acking ? n : 0);
    if (p.acking) {
        w.conf.set_max_spout_pending(p.max_pending);
    }
    const double task_rate = p.rate > 0 ? p.rate / n : 0.0;
    std::vector<value> spout_args = {p.acking, task_rate, p.record_after_s};
    std::vector<value> bolt_args = {p.acking};
    topology_builder b;
    if (p.name == "const-null") {
        b.set_spout("spout", "bench.const_spout", spout_args, n);
        b.set_bolt("null", "bench.null_bolt", bolt_args, n).local_or_shuffle_grouping("spout");
        w.spout = "spout";
        w.last_bolt = "null";
        w.unit = "tuples";
        w.components = {"spout", "null"};
    } else if (p.name == "const-id-null") {
        b.set_spout("spout", "bench.const_spout", spout_args, n);
        b.set_bolt("identity", "bench.identity_bolt", bolt_args, n)
            .local_or_shuffle_grouping("spout");
        b.set_bolt("null", "bench.null_bolt", bolt_args, n).local_or_shuffle_grouping("identity");
        w.spout = "spout";
        w.last_bolt = "null";
        w.unit = "tuples";
        w.components = {"spout", "identity", "null"};
    } else if (p.name == "word-count") {
        b.set_spout("sentences", "bench.sentence_spout", spout_args, n);
        // With several executors the spout feeds the split of its own worker (local-or-shuffle),
        // so only the fields-grouped words cross between workers, as a deployment would arrange
        // it. bench/README.md ("Two workers") has the figures of a plain shuffle there.
        auto& split = b.set_bolt("split", "bench.split_bolt", bolt_args, n);
        if (n == 1) {
            split.shuffle_grouping("sentences");
        } else {
            split.local_or_shuffle_grouping("sentences");
        }
        b.set_bolt("count", "bench.count_bolt", bolt_args, n).fields_grouping("split", {"word"});
        w.spout = "sentences";
        w.last_bolt = "count";
        w.unit = "words";
        w.components = {"sentences", "split", "count"};
    } else if (p.name == "zipf-agg") {
        spout_args.push_back(p.keys);
        spout_args.push_back(p.skew);
        b.set_spout("keys", "bench.zipf_spout", spout_args, n);
        b.set_bolt("sum", "bench.sum_bolt", {p.acking, p.keys}, n).fields_grouping("keys", {"key"});
        w.spout = "keys";
        w.last_bolt = "sum";
        w.unit = "keys";
        w.components = {"keys", "sum"};
    } else {
        throw std::invalid_argument("unknown workload '" + p.name + "'");
    }
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
