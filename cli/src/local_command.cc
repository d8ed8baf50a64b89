// SPDX-License-Identifier: Apache-2.0
#include "local_command.h"

#include "checking_submitter.h"
#include "cli_error.h"
#include "resources_folder.h"
#include "stop_signals.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/flux_loader.h"
#include "tempest/common/log.h"
#include "tempest/common/package_loader.h"
#include "tempest/worker/local_cluster.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>

namespace tempest::cli {
namespace {

std::string format_time(std::int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return fmt::format("{}.{:03d}", buf, ms % 1000);
}

// Kills every topology (waiting for its threads) and prints the errors its components reported.
void kill_and_report(worker::local_cluster& cluster, const std::vector<std::string>& names) {
    auto& log = common::logger("cli");
    for (const auto& name : names) {
        if (cluster.status(name) != worker::topology_status::killed) {
            log.info("killing topology '{}'", name);
            cluster.kill_topology(name);
        }
    }
    for (const auto& name : names) {
        for (const auto& s : cluster.stats(name)) {
            log.info("topology '{}' component '{}': emitted {}, executed {}, acked {}, failed {}",
                     name, s.component, s.emitted, s.executed, s.acked, s.failed);
        }
        for (const auto& e : cluster.errors(name)) {
            fmt::print(stderr, "tempest: topology '{}' component '{}' task {} reported at {}: {}\n",
                       name, e.component, e.task, format_time(e.time_ms), one_line(e.message));
        }
    }
}

}  // namespace

int run_local(const local_options& o) {
    std::optional<std::chrono::milliseconds> duration;
    if (o.duration_secs) {
        duration = std::chrono::milliseconds(static_cast<std::int64_t>(*o.duration_secs * 1000));
    }
    std::optional<std::filesystem::path> config_file;
    if (o.config_file) {
        config_file = *o.config_file;
    }
    config conf = common::load_daemon_config(config_file, o.overrides);
    // Shell components' scripts: --resources, else PACKAGE.resources/ beside the package
    // (docs/MULTILANG.md), unless topology.multilang.resources.dir says otherwise.
    if (const value* dir = conf.find("topology.multilang.resources.dir");
        dir == nullptr || dir->is_null()) {
        if (auto resources = resources_folder(o.package, o.resources)) {
            conf.set("topology.multilang.resources.dir",
                     std::filesystem::absolute(*resources).string());
        }
    }
    common::init_logging(conf.get_string("tempest.log.level", "info"));
    auto& log = common::logger("cli");
    install_stop_signals();

    common::package_loader pkg(o.package);
    auto& registry = component_registry::instance();
    pkg.register_components(registry);
    auto names = registry.names();
    std::set<std::string> registered(names.begin(), names.end());
    log.debug("loaded package {} ({} classes registered)", o.package, registered.size());
    // A Flux file is read (and refused) before any cluster starts.
    std::optional<common::flux_topology> flux;
    if (o.flux_file) {
        flux = common::load_flux_file(*o.flux_file, registry);
    }

    worker::local_cluster cluster(conf, registry);
    checking_submitter sub(cluster, registered);
    int rc = 0;
    try {
        if (flux) {
            log.info("submitting topology '{}' from {}", flux->name, *o.flux_file);
            sub.submit_topology(flux->name, flux->conf, flux->topology);
        } else {
            rc = pkg.run_main(o.package_args, sub);
        }
    } catch (const std::exception& e) {
        // Our own refusal reads better than however the package re-threw it.
        kill_and_report(cluster, sub.submitted());
        if (sub.failure()) {
            throw cli_error(*sub.failure());
        }
        throw cli_error(flux ? fmt::format("cannot submit topology '{}': {}", flux->name, e.what())
                             : fmt::format("tempest_main failed: {}", e.what()));
    } catch (...) {
        kill_and_report(cluster, sub.submitted());
        throw cli_error("tempest_main threw an exception that is not a std::exception");
    }
    if (sub.failure()) {
        // tempest_main caught the refusal and carried on; the run still failed.
        kill_and_report(cluster, sub.submitted());
        throw cli_error(*sub.failure());
    }
    if (rc != 0) {
        kill_and_report(cluster, sub.submitted());
        print_error(fmt::format("tempest_main of {} returned {}", o.package, rc));
        return rc;
    }
    if (sub.submitted().empty()) {
        log.warn("the package submitted no topology");
        return 0;
    }
    if (!duration && sub.requested_duration()) {
        // The package asked for a bounded run (topology.local.duration.secs).
        duration =
            std::chrono::milliseconds(static_cast<std::int64_t>(*sub.requested_duration() * 1000));
    }
    if (duration) {
        log.info("running for {} s (or until SIGINT/SIGTERM)", duration->count() / 1000.0);
    } else {
        log.info("running until SIGINT/SIGTERM");
    }
    if (int sig = wait_for_stop_signal(duration); sig != 0) {
        log.info("received signal {}; stopping", sig);
    }
    kill_and_report(cluster, sub.submitted());
    return 0;
}

}  // namespace tempest::cli
