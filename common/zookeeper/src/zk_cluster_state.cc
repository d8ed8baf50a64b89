// SPDX-License-Identifier: Apache-2.0
// zk_cluster_state, the operations on nodes (create, get, set, exists, children, remove) over
// the session's C handle, with the root prefix applied. The session's life is in zk_session.cc.
#include "zk_session_impl.h"

#include <algorithm>
#include <cstdint>
#include <system_error>
#include <utility>

namespace tempest::common {

using zk_detail::to_context;
using zk_detail::to_errc;
using zk_detail::zk_log;

namespace {

node_stat to_stat(const Stat& s) {
    return node_stat{
        .version = s.version,
        .cversion = s.cversion,
        .ephemeral_owner = s.ephemeralOwner,
        .data_length = s.dataLength,
        .num_children = s.numChildren,
        .ctime_ms = s.ctime,
        .mtime_ms = s.mtime,
    };
}

int to_zk_mode(create_mode m) {
    switch (m) {
        case create_mode::persistent:
            return ZOO_PERSISTENT;
        case create_mode::ephemeral:
            return ZOO_EPHEMERAL;
        case create_mode::persistent_sequential:
            return ZOO_PERSISTENT_SEQUENTIAL;
        case create_mode::ephemeral_sequential:
            return ZOO_EPHEMERAL_SEQUENTIAL;
    }
    return ZOO_PERSISTENT;
}

// An initial read size that fits most records. Larger data is read again at its size the first
// time; later reads of the path start at the size last seen.
constexpr int initial_read_size = 16 * 1024;
// Paths whose size is remembered; past it the table starts over (a few daemons' worth of nodes).
constexpr std::size_t max_size_hints = 1024;

}  // namespace

std::string zk_cluster_state::impl::full_path(std::string_view p) const {
    if (_root.empty()) {
        return std::string(p);
    }
    return p == "/" ? _root : _root + std::string(p);
}

std::string zk_cluster_state::impl::user_path(std::string_view full) const {
    if (_root.empty()) {
        return std::string(full);
    }
    if (full == _root) {
        return "/";
    }
    if (full.size() > _root.size() && full.substr(0, _root.size()) == _root &&
        full[_root.size()] == '/') {
        return std::string(full.substr(_root.size()));
    }
    return std::string(full);
}

std::error_code zk_cluster_state::impl::fail(int rc, std::string_view op,
                                             std::string_view path) const {
    errc e = to_errc(rc);
    if (e == errc::connection_lost) {
        zk_log().warn("{} {} on session {:#x}: {}", op, path, _session_id.load(), zerror(rc));
    }
    return e;
}

result<std::string> zk_cluster_state::impl::create(std::string_view path, std::string_view data,
                                                   create_mode mode) {
    if (!is_valid_path(path) || path == "/") {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    // Room for the 10-digit sequence suffix and the terminating NUL.
    std::vector<char> created(full.size() + 16, '\0');
    return with_handle([&](zhandle_t* h) -> result<std::string> {
        int rc = zoo_create(h, full.c_str(), data.empty() ? "" : data.data(),
                            static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE, to_zk_mode(mode),
                            created.data(), static_cast<int>(created.size()));
        if (rc != ZOK) {
            return fail(rc, "create", path);
        }
        return user_path(created.data());
    });
}

result<node_data> zk_cluster_state::impl::get(std::string_view path, watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    std::uint64_t wid = add_watch(std::move(w), path);
    bool watch_set = false;
    auto r = with_handle([&](zhandle_t* h) -> result<node_data> {
        std::string buf(static_cast<std::size_t>(read_size_hint(full)), '\0');
        int len = static_cast<int>(buf.size());
        Stat st{};
        int rc = zoo_wget(h, full.c_str(), watch_fn(wid), to_context(wid), buf.data(), &len, &st);
        watch_set = rc == ZOK;
        // Data larger than the buffer (new or grown since the last read): read it again at its
        // size, without a second watch. Should it change in between, the watch left by the first
        // read fires for that change.
        while (rc == ZOK && st.dataLength > static_cast<int>(buf.size())) {
            buf.assign(static_cast<std::size_t>(st.dataLength), '\0');
            len = static_cast<int>(buf.size());
            rc = zoo_get(h, full.c_str(), 0, buf.data(), &len, &st);
        }
        if (rc != ZOK) {
            return fail(rc, "get", path);
        }
        note_read_size(full, st.dataLength);
        buf.resize(static_cast<std::size_t>(std::max(len, 0)));  // -1 for a node without data
        return node_data{std::move(buf), to_stat(st)};
    });
    if (!watch_set) {
        drop_watch(wid);
    }
    return r;
}

int zk_cluster_state::impl::read_size_hint(const std::string& full) {
    std::scoped_lock lock(_hint_mu);
    auto it = _size_hints.find(full);
    return it != _size_hints.end() ? it->second : initial_read_size;
}

void zk_cluster_state::impl::note_read_size(const std::string& full, int data_length) {
    std::scoped_lock lock(_hint_mu);
    if (data_length <= initial_read_size) {
        _size_hints.erase(full);
        return;
    }
    if (_size_hints.size() >= max_size_hints && !_size_hints.contains(full)) {
        _size_hints.clear();
    }
    _size_hints[full] = data_length;
}

result<node_stat> zk_cluster_state::impl::set(std::string_view path, std::string_view data,
                                              std::int32_t version) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    return with_handle([&](zhandle_t* h) -> result<node_stat> {
        Stat st{};
        int rc = zoo_set2(h, full.c_str(), data.empty() ? "" : data.data(),
                          static_cast<int>(data.size()), version, &st);
        if (rc != ZOK) {
            return fail(rc, "set", path);
        }
        return to_stat(st);
    });
}

result<std::optional<node_stat>> zk_cluster_state::impl::exists(std::string_view path, watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    std::uint64_t wid = add_watch(std::move(w), path);
    bool watch_set = false;
    auto r = with_handle([&](zhandle_t* h) -> result<std::optional<node_stat>> {
        Stat st{};
        int rc = zoo_wexists(h, full.c_str(), watch_fn(wid), to_context(wid), &st);
        // ZooKeeper leaves the watch on a missing node too: it fires when the node is created.
        watch_set = rc == ZOK || rc == ZNONODE;
        if (rc == ZNONODE) {
            return std::optional<node_stat>();
        }
        if (rc != ZOK) {
            return fail(rc, "exists", path);
        }
        return std::optional<node_stat>(to_stat(st));
    });
    if (!watch_set) {
        drop_watch(wid);
    }
    return r;
}

result<std::vector<std::string>> zk_cluster_state::impl::children(std::string_view path,
                                                                  watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    std::uint64_t wid = add_watch(std::move(w), path);
    bool watch_set = false;
    auto r = with_handle([&](zhandle_t* h) -> result<std::vector<std::string>> {
        String_vector names{};
        int rc = zoo_wget_children(h, full.c_str(), watch_fn(wid), to_context(wid), &names);
        watch_set = rc == ZOK;
        if (rc != ZOK) {
            return fail(rc, "children", path);
        }
        std::vector<std::string> out(names.data, names.data + names.count);
        deallocate_String_vector(&names);
        return out;
    });
    if (!watch_set) {
        drop_watch(wid);
    }
    return r;
}

result<void> zk_cluster_state::impl::remove(std::string_view path, std::int32_t version) {
    if (!is_valid_path(path) || path == "/") {
        return errc::invalid_path;
    }
    std::string full = full_path(path);
    return with_handle([&](zhandle_t* h) -> result<void> {
        int rc = zoo_delete(h, full.c_str(), version);
        if (rc != ZOK) {
            return fail(rc, "remove", path);
        }
        return {};
    });
}

result<std::string> zk_cluster_state::create(std::string_view path, std::string_view data,
                                             create_mode mode) {
    return _impl->create(path, data, mode);
}

result<node_data> zk_cluster_state::get(std::string_view path, watcher w) {
    return _impl->get(path, std::move(w));
}

result<node_stat> zk_cluster_state::set(std::string_view path, std::string_view data,
                                        std::int32_t expected_version) {
    return _impl->set(path, data, expected_version);
}

result<std::optional<node_stat>> zk_cluster_state::exists(std::string_view path, watcher w) {
    return _impl->exists(path, std::move(w));
}

result<std::vector<std::string>> zk_cluster_state::children(std::string_view path, watcher w) {
    return _impl->children(path, std::move(w));
}

result<void> zk_cluster_state::remove(std::string_view path, std::int32_t expected_version) {
    return _impl->remove(path, expected_version);
}

}  // namespace tempest::common
