// SPDX-License-Identifier: Apache-2.0
// bench_workloads.so: tempest-bench's workloads as a package, so that a cluster's workers can
// run them (tempest-bench --cluster uploads it). It can also be run by itself:
//
//   tempest jar build/bench/bench_workloads.so WORKLOAD [--acking] [--workers N]
//       [--executors N] [--rate R] [--keys N] [--skew S]
//
// which submits the workload as topology `bench-WORKLOAD` and returns.
#include "bench_options.h"
#include "components.h"
#include "tempest/topology.h"
#include "workloads.h"

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    tempest::bench::register_bench_components(registry);
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    using namespace tempest::bench;
    // argv[0] is the package's path unless it is already an argument.
    std::vector<const char*> args = {"bench_workloads", "--cluster"};
    for (int i = 0; i < argc; ++i) {
        if (i == 0 && !std::string_view(argv[0]).starts_with("-") && !is_workload(argv[0])) {
            continue;
        }
        args.push_back(argv[i]);
    }
    bench_options o;
    try {
        o = parse_bench_options(static_cast<int>(args.size()), args.data());
        if (o.help) {
            std::fputs(
                "usage: bench_workloads WORKLOAD [--acking] [--workers N] [--executors N] "
                "[--rate R] [--keys N] [--skew S]\n",
                stdout);
            return 0;
        }
        if (!is_workload(o.workload) || o.throughput_vs_latency) {
            throw usage_error("unknown workload '" + o.workload + "'");
        }
        o.workload = canonical_workload(o.workload);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "bench_workloads: %s\n", e.what());
        return 2;
    }
    tempest_register(tempest::component_registry::instance());
    try {
        workload w = make_workload(o);
        w.conf.set_num_workers(o.workers);
        submitter.submit_topology("bench-" + w.name, w.conf, w.topo);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_workloads: cannot submit: %s\n", e.what());
        return 1;
    }
    return 0;
}
