// SPDX-License-Identifier: Apache-2.0
// `tempest local`: runs a topology package in this process, as Storm's local mode.
//
//   tempest local [--duration SECS] [--config FILE] [-c key=value]... PACKAGE.so [ARGS...]
//   tempest local [OPTIONS] --package PACKAGE.so TOPOLOGY.yaml
//
// Loads the daemon config and the package, calls tempest_register, runs tempest_main(ARGS) with
// a local_cluster as the submitter (through checking_submitter), then lets the topologies run for
// --duration seconds or until SIGINT/SIGTERM, kills them (waiting for their threads), prints the
// errors their components reported, and returns 0 or tempest_main's non-zero result. With a
// Flux file (--package), tempest_main is not run: the topology read from the file
// (common/flux_loader.h) with the package's registered classes is submitted the same way.
// Runs on the main thread; throws cli_error (and config/package errors) for bad input.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tempest::cli {

struct local_options {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    std::optional<double> duration_secs;
    std::string package;
    std::vector<std::string> package_args;
    std::optional<std::string> flux_file;  // --package: the topology comes from this YAML
    std::optional<std::string> resources;  // --resources: the shell components' folder
};

int run_local(const local_options& o);

}  // namespace tempest::cli
