// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/versioned_node.h"

#include <utility>

namespace tempest::common {

namespace {

bool same_node_version(const node_stat& a, const node_stat& b) {
    return a.version == b.version && a.ctime_ms == b.ctime_ms;
}

}  // namespace

result<bool> versioned_node::refresh(cluster_state& state, watcher w) {
    auto st = state.exists(_path, std::move(w));
    if (!st) {
        return st.error();
    }
    if (!*st) {
        _copy.reset();
        return errc::no_node;
    }
    if (_copy && same_node_version(_copy->stat, **st)) {
        return false;
    }
    ++_data_reads;
    auto data = state.get(_path);
    if (!data) {
        if (data.error() == errc::no_node) {
            _copy.reset();
        }
        return data.error();
    }
    _copy = std::move(*data);
    return true;
}

}  // namespace tempest::common
