// SPDX-License-Identifier: Apache-2.0
// code_replicator: a standby Nimbus' copy of every topology's code, so that it can serve
// downloads once it leads (each Nimbus has its own storm.local.dir, as on separate hosts).
//
//   storms/ ──▶ replicate(fetch) ─┬─▶ rm <stormdist>/<id> of topologies gone (killed)
//                                 └─▶ common::install_topology_code(<stormdist>, id, fetch)
//
// `fetch` fetches one file (nimbus_code_fetcher over Thrift in production, a fake in tests);
// install_topology_code fetches into a temporary directory, checks the package's SHA-256 and
// renames it into place, so a copy appears under its id only when complete. A copy of a
// topology killed meanwhile is removed again at once, under the mutex that serializes
// topology changes (`topology_mu`, nimbus_service's), which replicate() takes only briefly,
// never while fetching.
//
// Owned by nimbus_service; its background thread calls replicate() every second while another
// Nimbus leads. Thread-safe through `topology_mu`. No threads, no start/stop.
#pragma once

#include "tempest/common/cluster_state.h"
#include "tempest/common/code_install.h"
#include "tempest/common/zk_paths.h"

#include <filesystem>
#include <mutex>
#include <set>
#include <string>

namespace tempest::nimbus {

class code_replicator {
  public:
    // Copies the code of topology `id` into `dest` (created), checked; throws
    // std::runtime_error naming what failed (`dest` may then hold part of the files).
    using fetch_fn = std::function<void(const std::string& id, const std::filesystem::path& dest)>;

    code_replicator(common::cluster_state& state, common::zk_paths paths,
                    std::filesystem::path stormdist, std::mutex& topology_mu);

    // Removes stormdist entries of topologies no longer in storms/ (and partial fetches), then
    // fetches every topology in storms/ that has no code here. `from` names the source in logs.
    // Returns how many were fetched; throws std::runtime_error with the first failure after
    // trying them all.
    // Requires: `topology_mu` not held by the caller.
    int replicate(const common::code_file_fetcher& fetch, const std::string& from);

    // Logs an error for each of `ids` without a package here (a new leader that never got it).
    void warn_missing(const std::set<std::string>& ids) const;

  private:
    common::cluster_state& _state;
    common::zk_paths _paths;
    std::filesystem::path _stormdist;
    std::mutex& _topology_mu;
};

}  // namespace tempest::nimbus
