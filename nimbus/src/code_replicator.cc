// SPDX-License-Identifier: Apache-2.0
// Standby code replication (see code_replicator.h).
#include "code_replicator.h"

#include "logger.h"
#include "tempest/common/file_util.h"
#include "tempest/common/stormdist.h"

#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace tempest::nimbus {

namespace fs = std::filesystem;
namespace sd = common::stormdist;

code_replicator::code_replicator(common::cluster_state& state, common::zk_paths paths,
                                 fs::path stormdist, std::mutex& topology_mu)
    : _state(state),
      _paths(std::move(paths)),
      _stormdist(std::move(stormdist)),
      _topology_mu(topology_mu) {}

int code_replicator::replicate(const common::code_file_fetcher& fetch, const std::string& from) {
    std::vector<std::string> missing;
    {
        std::scoped_lock lock(_topology_mu);
        // Ids, not records: an unreadable record must not cost a topology its code.
        std::set<std::string> storms;
        if (auto ids = _state.children(_paths.storms()); ids) {
            storms.insert(ids->begin(), ids->end());
        } else if (ids.error() != common::errc::no_node) {
            throw std::runtime_error("cluster state: listing " + _paths.storms() + ": " +
                                     ids.error().message());
        }
        fs::create_directories(_stormdist);
        // Code of topologies gone from storms/ (killed by the leader) and partial installs go.
        std::vector<fs::path> stale;
        for (const auto& entry : fs::directory_iterator(_stormdist)) {
            if (!storms.contains(entry.path().filename().string())) {
                stale.push_back(entry.path());
            }
        }
        for (const auto& p : stale) {
            std::error_code ec;
            fs::remove_all(p, ec);
            log().info("removed {} (no such topology in the cluster state)", p.string());
        }
        for (const auto& id : storms) {
            if (!fs::exists(sd::topology_dir(_stormdist, id))) {
                missing.push_back(id);
            }
        }
    }
    int fetched = 0;
    std::string first_error;
    for (const auto& id : missing) {
        auto dir = sd::topology_dir(_stormdist, id);
        if (auto r = common::install_topology_code(_stormdist, id, fetch); !r) {
            if (first_error.empty()) {
                first_error =
                    "installing the code of " + id + " from " + from + ": " + r.error().message();
            }
            continue;
        }
        // A topology killed while its code was fetched keeps no copy.
        std::scoped_lock lock(_topology_mu);
        auto still = _state.exists(_paths.storm(id));
        if (still && still->has_value()) {
            ++fetched;
            log().info("replicated the code of {} from the leader {} (package sha256 {})", id, from,
                       common::read_file(dir / sd::checksum_file).substr(0, 64));
        } else {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    }
    if (!first_error.empty()) {
        throw std::runtime_error(first_error);
    }
    return fetched;
}

void code_replicator::warn_missing(const std::set<std::string>& ids) const {
    for (const auto& id : ids) {
        auto dir = sd::topology_dir(_stormdist, id);
        if (!fs::is_regular_file(dir / sd::package_file)) {
            log().error(
                "no code for topology {} under {}: it was never replicated here, so "
                "this Nimbus cannot serve its package",
                id, dir.string());
        }
    }
}

}  // namespace tempest::nimbus
