// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/memory_cluster_state.h"

#include "tempest/common/log.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tempest::common {

// Per-session bookkeeping shared by the session object and the watches it left in the store.
struct memory_cluster_state::session {
    explicit session(std::int64_t i) : id(i) {}
    const std::int64_t id;
    std::atomic<bool> closed{false};
    std::mutex mu;               // guards running
    std::condition_variable cv;  // signalled when running drops
    int running = 0;             // callbacks of this session collected but not yet finished
};

namespace {

using session_ptr = std::shared_ptr<memory_cluster_state::session>;

// Sessions whose callbacks the current thread is running now (innermost last), so that close()
// called from inside a callback does not wait for itself.
thread_local std::vector<const memory_cluster_state::session*> t_dispatching;

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct pending_call {
    session_ptr owner;
    watcher fn;
    watch_event event;
};

// Runs callbacks collected under the store's mutex, after it has been released.
void dispatch(std::vector<pending_call>& calls) {
    for (auto& c : calls) {
        t_dispatching.push_back(c.owner.get());
        if (!c.owner->closed.load()) {
            try {
                c.fn(c.event);
            } catch (const std::exception& e) {
                // A watcher must not throw. The exception is logged and dropped rather than
                // unwinding into the unrelated operation that fired the watch.
                logger("cluster_state").error("watcher on {} threw: {}", c.event.path, e.what());
            } catch (...) {
                logger("cluster_state").error("watcher on {} threw", c.event.path);
            }
        }
        t_dispatching.pop_back();
        {
            std::scoped_lock lock(c.owner->mu);
            --c.owner->running;
        }
        c.owner->cv.notify_all();
    }
}

}  // namespace

class memory_cluster_state::store {
  public:
    struct node {
        std::string data;
        node_stat stat;
        std::set<std::string, std::less<>> children;
    };
    struct watch {
        session_ptr owner;
        watcher fn;
    };
    using watch_map = std::multimap<std::string, watch, std::less<>>;

    store() {
        node root;
        root.stat.ctime_ms = root.stat.mtime_ms = now_ms();
        nodes.emplace("/", std::move(root));
    }

    // Moves the watches on `path` out of `watches` into `out` as calls with `type`.
    // Requires: mu held.
    static void fire(watch_map& watches, std::string_view path, watch_event_type type,
                     std::vector<pending_call>& out) {
        auto [lo, hi] = watches.equal_range(path);
        for (auto it = lo; it != hi; ++it) {
            {
                std::scoped_lock lock(it->second.owner->mu);
                ++it->second.owner->running;
            }
            out.push_back(
                {std::move(it->second.owner), std::move(it->second.fn), {type, std::string(path)}});
        }
        watches.erase(lo, hi);
    }

    // Removes the node at `path` (which exists and has no children) and fires its watches and
    // its parent's. Requires: mu held.
    void erase_node(std::string path, std::vector<pending_call>& out) {
        nodes.erase(path);
        std::string parent = parent_path(path);
        node& p = nodes.at(parent);
        p.children.erase(path.substr(parent.size() == 1 ? 1 : parent.size() + 1));
        p.stat.cversion++;
        p.stat.num_children = static_cast<std::int32_t>(p.children.size());
        fire(data_watches, path, watch_event_type::deleted, out);
        fire(child_watches, path, watch_event_type::deleted, out);
        fire(child_watches, parent, watch_event_type::children_changed, out);
    }

    std::mutex mu;  // guards everything below
    std::map<std::string, node, std::less<>> nodes;
    watch_map data_watches;
    watch_map child_watches;
    std::int64_t next_session = 1;
};

std::shared_ptr<memory_cluster_state::store> memory_cluster_state::make_store() {
    return std::make_shared<store>();
}

memory_cluster_state::memory_cluster_state(std::shared_ptr<store> s) : _store(std::move(s)) {
    std::scoped_lock lock(_store->mu);
    _session = std::make_shared<session>(_store->next_session++);
}

memory_cluster_state::~memory_cluster_state() {
    close();
}

std::int64_t memory_cluster_state::session_id() const {
    return _session->id;
}

result<std::string> memory_cluster_state::create(std::string_view path, std::string_view data,
                                                 create_mode mode) {
    if (!is_valid_path(path) || path == "/") {
        return errc::invalid_path;
    }
    bool sequential =
        mode == create_mode::persistent_sequential || mode == create_mode::ephemeral_sequential;
    bool ephemeral = mode == create_mode::ephemeral || mode == create_mode::ephemeral_sequential;
    std::vector<pending_call> calls;
    std::string created;
    {
        std::scoped_lock lock(_store->mu);
        if (_session->closed) {
            return errc::session_expired;
        }
        std::string parent = parent_path(path);
        auto pit = _store->nodes.find(parent);
        if (pit == _store->nodes.end()) {
            return errc::no_node;
        }
        store::node& p = pit->second;
        if (p.stat.ephemeral_owner != 0) {
            return errc::no_children_for_ephemerals;
        }
        created = std::string(path);
        if (sequential) {
            // As ZooKeeper: the suffix is the parent's child version, zero-padded to 10 digits.
            created += fmt::format("{:010d}", p.stat.cversion);
        }
        if (_store->nodes.contains(created)) {
            return errc::node_exists;
        }
        store::node n;
        n.data = std::string(data);
        n.stat.ephemeral_owner = ephemeral ? _session->id : 0;
        n.stat.data_length = static_cast<std::int32_t>(data.size());
        n.stat.ctime_ms = n.stat.mtime_ms = now_ms();
        p.children.insert(created.substr(parent.size() == 1 ? 1 : parent.size() + 1));
        p.stat.cversion++;
        p.stat.num_children = static_cast<std::int32_t>(p.children.size());
        _store->nodes.emplace(created, std::move(n));
        store::fire(_store->data_watches, created, watch_event_type::created, calls);
        store::fire(_store->child_watches, parent, watch_event_type::children_changed, calls);
    }
    dispatch(calls);
    return created;
}

result<node_data> memory_cluster_state::get(std::string_view path, watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::scoped_lock lock(_store->mu);
    if (_session->closed) {
        return errc::session_expired;
    }
    auto it = _store->nodes.find(path);
    if (it == _store->nodes.end()) {
        return errc::no_node;
    }
    if (w) {
        _store->data_watches.emplace(std::string(path), store::watch{_session, std::move(w)});
    }
    return node_data{it->second.data, it->second.stat};
}

result<node_stat> memory_cluster_state::set(std::string_view path, std::string_view data,
                                            std::int32_t expected_version) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::vector<pending_call> calls;
    node_stat stat;
    {
        std::scoped_lock lock(_store->mu);
        if (_session->closed) {
            return errc::session_expired;
        }
        auto it = _store->nodes.find(path);
        if (it == _store->nodes.end()) {
            return errc::no_node;
        }
        store::node& n = it->second;
        if (expected_version != any_version && expected_version != n.stat.version) {
            return errc::bad_version;
        }
        n.data = std::string(data);
        n.stat.version++;
        n.stat.data_length = static_cast<std::int32_t>(data.size());
        n.stat.mtime_ms = now_ms();
        stat = n.stat;
        store::fire(_store->data_watches, path, watch_event_type::data_changed, calls);
    }
    dispatch(calls);
    return stat;
}

result<std::optional<node_stat>> memory_cluster_state::exists(std::string_view path, watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::scoped_lock lock(_store->mu);
    if (_session->closed) {
        return errc::session_expired;
    }
    if (w) {
        _store->data_watches.emplace(std::string(path), store::watch{_session, std::move(w)});
    }
    auto it = _store->nodes.find(path);
    if (it == _store->nodes.end()) {
        return std::optional<node_stat>();
    }
    return std::optional<node_stat>(it->second.stat);
}

result<std::vector<std::string>> memory_cluster_state::children(std::string_view path, watcher w) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    std::scoped_lock lock(_store->mu);
    if (_session->closed) {
        return errc::session_expired;
    }
    auto it = _store->nodes.find(path);
    if (it == _store->nodes.end()) {
        return errc::no_node;
    }
    if (w) {
        _store->child_watches.emplace(std::string(path), store::watch{_session, std::move(w)});
    }
    return std::vector<std::string>(it->second.children.begin(), it->second.children.end());
}

result<void> memory_cluster_state::remove(std::string_view path, std::int32_t expected_version) {
    if (!is_valid_path(path) || path == "/") {
        return errc::invalid_path;
    }
    std::vector<pending_call> calls;
    {
        std::scoped_lock lock(_store->mu);
        if (_session->closed) {
            return errc::session_expired;
        }
        auto it = _store->nodes.find(path);
        if (it == _store->nodes.end()) {
            return errc::no_node;
        }
        if (expected_version != any_version && expected_version != it->second.stat.version) {
            return errc::bad_version;
        }
        if (!it->second.children.empty()) {
            return errc::not_empty;
        }
        _store->erase_node(it->first, calls);
    }
    dispatch(calls);
    return {};
}

void memory_cluster_state::close() {
    std::vector<pending_call> calls;
    {
        std::scoped_lock lock(_store->mu);
        if (_session->closed.exchange(true)) {
            return;
        }
        auto drop_own = [this](store::watch_map& m) {
            std::erase_if(m, [this](const auto& kv) { return kv.second.owner == _session; });
        };
        drop_own(_store->data_watches);
        drop_own(_store->child_watches);
        // Ephemerals cannot have children, so each can go on its own; paths are copied first
        // because erase_node changes the map.
        std::vector<std::string> own;
        for (const auto& [p, n] : _store->nodes) {
            if (n.stat.ephemeral_owner == _session->id) {
                own.push_back(p);
            }
        }
        for (const auto& p : own) {
            _store->erase_node(p, calls);
        }
    }
    dispatch(calls);
    // Wait for this session's callbacks that other threads collected before the close.
    auto self =
        static_cast<int>(std::count(t_dispatching.begin(), t_dispatching.end(), _session.get()));
    std::unique_lock lock(_session->mu);
    _session->cv.wait(lock, [&] { return _session->running <= self; });
}

}  // namespace tempest::common
