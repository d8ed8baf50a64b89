// SPDX-License-Identifier: Apache-2.0
#include "heartbeat_tracker.h"

#include <functional>
#include <string_view>

namespace tempest::nimbus {

heartbeat_tracker::fingerprint heartbeat_tracker::of(const common::node_stat& stat) {
    return {stat.ctime_ms, stat.version, stat.mtime_ms, stat.data_length};
}

heartbeat_tracker::clock::duration heartbeat_tracker::observe(const std::string& key,
                                                              const fingerprint& fp,
                                                              clock::time_point now) {
    auto [it, inserted] = _entries.try_emplace(key, entry{fp, now, true});
    entry& e = it->second;
    e.seen = true;
    if (!inserted && e.fp != fp) {
        e.fp = fp;
        e.since = now;
    }
    return now > e.since ? now - e.since : clock::duration::zero();
}

void heartbeat_tracker::sweep() {
    std::erase_if(_entries, [](const auto& kv) { return !kv.second.seen; });
    for (auto& [key, e] : _entries) {
        e.seen = false;
    }
}

}  // namespace tempest::nimbus
