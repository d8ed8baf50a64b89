// SPDX-License-Identifier: Apache-2.0
#include "cluster_commands.h"

#include "checking_submitter.h"
#include "cli_error.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/flux_loader.h"
#include "tempest/common/log.h"
#include "tempest/common/package_loader.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

namespace tempest::cli {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// Bounds connecting and each call; submit and kill return once Nimbus has recorded the change.
constexpr std::chrono::milliseconds call_timeout = 30s;

struct endpoint {
    std::string host;
    int port = 0;
};

int parse_int(const std::string& text, int min, int max) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min ||
        v > max) {
        return min - 1;
    }
    return v;
}

config load_config(const client_options& o) {
    std::optional<std::filesystem::path> file;
    if (o.config_file) {
        file = *o.config_file;
    }
    return common::load_daemon_config(file, o.overrides);
}

// --nimbus HOST:PORT, else nimbus.seeds[0]:nimbus.thrift.port.
endpoint nimbus_endpoint(const client_options& o, const config& conf) {
    if (o.nimbus) {
        const std::string& t = *o.nimbus;
        auto colon = t.rfind(':');
        int port = colon == std::string::npos ? 0 : parse_int(t.substr(colon + 1), 1, 65535);
        if (colon == std::string::npos || colon == 0 || port <= 0) {
            throw cli_error(fmt::format("bad --nimbus '{}': expected HOST:PORT", t), exit_usage);
        }
        return {t.substr(0, colon), port};
    }
    const value* seeds = conf.find("nimbus.seeds");
    if (seeds == nullptr || seeds->type() != value_type::list || seeds->as_list().empty() ||
        seeds->as_list().front().type() != value_type::string) {
        throw cli_error(
            "nimbus.seeds names no host; set it (-c nimbus.seeds=[HOST]) or give "
            "--nimbus HOST:PORT");
    }
    auto port = conf.get_int("nimbus.thrift.port", 6627);
    if (port <= 0) {
        throw cli_error(
            fmt::format("nimbus.thrift.port is {}, which a client cannot connect to; "
                        "give --nimbus HOST:PORT",
                        port));
    }
    return {seeds->as_list().front().as_string(), static_cast<int>(port)};
}

common::nimbus_client connect(const client_options& o) {
    endpoint e = nimbus_endpoint(o, load_config(o));
    return common::nimbus_client::connect(e.host, e.port, call_timeout);
}

// Shows upload progress on stderr: a bar redrawn in place on a terminal, else one line at the
// end (logs stay readable).
class upload_progress {
  public:
    explicit upload_progress(std::string name) : _name(std::move(name)), _tty(::isatty(2) != 0) {}

    void operator()(std::uint64_t sent, std::uint64_t total) {
        if (!_tty) {
            return;
        }
        constexpr int width = 30;
        double frac = total == 0 ? 1.0 : static_cast<double>(sent) / static_cast<double>(total);
        int filled = static_cast<int>(frac * width);
        fmt::print(stderr, "\ruploading {} [{}{}] {:3d}% ({:.1f} of {:.1f} MiB)", _name,
                   std::string(static_cast<std::size_t>(filled), '#'),
                   std::string(static_cast<std::size_t>(width - filled), '.'),
                   static_cast<int>(frac * 100), static_cast<double>(sent) / (1 << 20),
                   static_cast<double>(total) / (1 << 20));
        if (sent >= total) {
            fmt::print(stderr, "\n");
        }
        std::fflush(stderr);
    }

    void done(std::uint64_t bytes, const std::string& location) const {
        if (!_tty) {
            fmt::print(stderr, "uploaded {} ({} bytes) to {}\n", _name, bytes, location);
            std::fflush(stderr);
        }
    }

  private:
    std::string _name;
    bool _tty;
};

// What `tempest jar` hands (through checking_submitter) to tempest_main: uploads the package
// and submits each topology to Nimbus. Used on the thread that runs tempest_main.
class nimbus_submitter final : public submitter {
  public:
    nimbus_submitter(common::nimbus_client& client, std::string package)
        : _client(client), _package(std::move(package)) {}

    void submit_topology(const std::string& name, const config& conf, const topology& t) override {
        // Nimbus keeps the code per topology, so each submission uploads its own copy.
        std::string file = std::filesystem::path(_package).filename().string();
        upload_progress progress(file);
        std::string location = _client.upload_package(
            _package, [&](std::uint64_t sent, std::uint64_t total) { progress(sent, total); });
        progress.done(std::filesystem::file_size(_package), location);
        _client.submit(name, location, conf, t);
        fmt::print("tempest: submitted topology '{}' to Nimbus at {}\n", name, _client.endpoint());
        std::fflush(stdout);
    }

  private:
    common::nimbus_client& _client;
    std::string _package;
};

// Polls Nimbus until `name` is ACTIVE or `secs` pass; reports the status and how many of its
// executors are assigned.
void wait_active(common::nimbus_client& client, const std::string& name, double secs) {
    auto deadline = clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(secs * 1e3));
    while (true) {
        common::topology_info info = client.info(name);
        auto assigned = std::count_if(info.executors.begin(), info.executors.end(),
                                      [](const auto& e) { return !e.host.empty(); });
        if (info.status == "ACTIVE") {
            fmt::print("tempest: topology '{}' is ACTIVE: {} of {} executors assigned\n", name,
                       assigned, info.executors.size());
            std::fflush(stdout);
            return;
        }
        if (clock::now() >= deadline) {
            throw cli_error(
                fmt::format("topology '{}' is {} after {} s, not ACTIVE ({} of {} "
                            "executors assigned)",
                            name, info.status, secs, assigned, info.executors.size()));
        }
        std::this_thread::sleep_for(std::min<clock::duration>(200ms, deadline - clock::now()));
    }
}

std::string format_uptime(int secs) {
    int d = secs / 86400;
    int h = secs / 3600 % 24;
    int m = secs / 60 % 60;
    int s = secs % 60;
    if (d > 0) {
        return fmt::format("{}d{}h{}m{}s", d, h, m, s);
    }
    if (h > 0) {
        return fmt::format("{}h{}m{}s", h, m, s);
    }
    if (m > 0) {
        return fmt::format("{}m{}s", m, s);
    }
    return fmt::format("{}s", s);
}

}  // namespace

std::pair<std::string, int> parse_component_parallelism(const std::string& text) {
    auto eq = text.rfind('=');
    int n = eq == std::string::npos ? 0 : parse_int(text.substr(eq + 1), 1, 1 << 20);
    if (eq == std::string::npos || eq == 0 || n <= 0) {
        throw cli_error(fmt::format("bad -e '{}': expected COMPONENT=PARALLELISM with "
                                    "PARALLELISM a positive integer",
                                    text),
                        exit_usage);
    }
    return {text.substr(0, eq), n};
}

int run_jar(const jar_options& o) {
    config conf = load_config(o.client);
    common::init_logging(conf.get_string("tempest.log.level", "info"));
    endpoint e = nimbus_endpoint(o.client, conf);

    common::package_loader pkg(o.package);
    auto& registry = component_registry::instance();
    pkg.register_components(registry);
    auto names = registry.names();
    std::set<std::string> registered(names.begin(), names.end());
    // A Flux file is read (and refused) before Nimbus is contacted.
    std::optional<common::flux_topology> flux;
    if (o.flux_file) {
        flux = common::load_flux_file(*o.flux_file, registry);
    }

    auto client = common::nimbus_client::connect(e.host, e.port, call_timeout);
    nimbus_submitter target(client, o.package);
    checking_submitter sub(target, registered);
    int rc = 0;
    try {
        if (flux) {
            sub.submit_topology(flux->name, flux->conf, flux->topology);
        } else {
            rc = pkg.run_main(o.package_args, sub);
        }
    } catch (const std::exception& ex) {
        if (sub.failure()) {
            throw cli_error(*sub.failure());
        }
        throw cli_error(flux ? fmt::format("cannot submit topology '{}': {}", flux->name, ex.what())
                             : fmt::format("tempest_main failed: {}", ex.what()));
    } catch (...) {
        throw cli_error("tempest_main threw an exception that is not a std::exception");
    }
    if (sub.failure()) {
        throw cli_error(*sub.failure());
    }
    if (rc != 0) {
        print_error(fmt::format("tempest_main of {} returned {}", o.package, rc));
        return rc;
    }
    if (sub.submitted().empty()) {
        common::logger("cli").warn("the package submitted no topology");
        return 0;
    }
    if (o.wait_secs) {
        for (const auto& name : sub.submitted()) {
            wait_active(client, name, *o.wait_secs);
        }
    }
    return 0;
}

int run_list(const client_options& o) {
    auto client = connect(o);
    auto topologies = client.list();
    if (topologies.empty()) {
        fmt::print("No topologies running.\n");
        return 0;
    }
    std::sort(topologies.begin(), topologies.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::vector<std::array<std::string, 7>> rows;
    rows.push_back({"NAME", "ID", "STATUS", "UPTIME", "WORKERS", "EXECUTORS", "TASKS"});
    for (const auto& t : topologies) {
        rows.push_back({t.name, t.id, t.status, format_uptime(t.uptime_secs),
                        std::to_string(t.num_workers), std::to_string(t.num_executors),
                        std::to_string(t.num_tasks)});
    }
    std::array<std::size_t, 7> width{};
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size(); ++i) {
            width[i] = std::max(width[i], r[i].size());
        }
    }
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            // Text columns left-aligned, numbers right-aligned; no trailing blanks.
            if (i < 4) {
                line += i + 1 < r.size() ? fmt::format("{:<{}}  ", r[i], width[i]) : r[i];
            } else {
                line += fmt::format("{:>{}}", r[i], width[i]) + (i + 1 < r.size() ? "  " : "");
            }
        }
        fmt::print("{}\n", line);
    }
    return 0;
}

int run_kill(const client_options& o, const std::string& name, std::optional<int> wait_secs) {
    auto client = connect(o);
    client.kill(name, wait_secs);
    if (wait_secs) {
        fmt::print("tempest: killed topology '{}' (deactivated; removed after {} s)\n", name,
                   *wait_secs);
    } else {
        fmt::print(
            "tempest: killed topology '{}' (deactivated; removed after its message "
            "timeout)\n",
            name);
    }
    return 0;
}

int run_activate(const client_options& o, const std::string& name) {
    auto client = connect(o);
    client.activate(name);
    fmt::print("tempest: activated topology '{}'\n", name);
    return 0;
}

int run_deactivate(const client_options& o, const std::string& name) {
    auto client = connect(o);
    client.deactivate(name);
    fmt::print("tempest: deactivated topology '{}'\n", name);
    return 0;
}

int run_rebalance(const client_options& o, const std::string& name,
                  const common::rebalance_request& r) {
    auto client = connect(o);
    client.rebalance(name, r);
    fmt::print("tempest: rebalancing topology '{}'\n", name);
    return 0;
}

}  // namespace tempest::cli
