// SPDX-License-Identifier: Apache-2.0
// The session object behind zk_cluster_state (private to common/zookeeper/src): its class, the
// registry the C client's callbacks find it through, and the helpers both halves of its
// implementation share. zk_session.cc holds the session's life (connect, state changes, watches,
// close); zk_cluster_state.cc holds the operations on nodes. Threads: see the class comment.
#pragma once

#include "tempest/common/log.h"
#include "tempest/common/zk_cluster_state.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace tempest::common {
namespace zk_detail {

// The "zookeeper" logger.
spdlog::logger& zk_log();

// Our errc for a C client return code.
errc to_errc(int rc);

// The C client calls back with integer ids as contexts (the handle's context names the session,
// a watch's context names the watch), never with pointers to our objects: a callback that comes
// after the object is gone finds nothing in the registry instead of freed memory.
class impl_registry {
  public:
    // Never destroyed, so that C client threads outliving main() still find a valid registry.
    static impl_registry& instance() {
        alignas(impl_registry) static unsigned char storage[sizeof(impl_registry)];
        static impl_registry* r = new (storage) impl_registry;
        return *r;
    }
    std::uint64_t add(const std::shared_ptr<zk_cluster_state::impl>& p) {
        std::scoped_lock lock(_mu);
        std::uint64_t id = _next++;
        _impls.emplace(id, p);
        return id;
    }
    void remove(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        _impls.erase(id);
    }
    std::shared_ptr<zk_cluster_state::impl> find(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        auto it = _impls.find(id);
        return it == _impls.end() ? nullptr : it->second.lock();
    }

  private:
    std::mutex _mu;  // guards the members below
    std::uint64_t _next = 1;
    std::unordered_map<std::uint64_t, std::weak_ptr<zk_cluster_state::impl>> _impls;
};

inline void* to_context(std::uint64_t id) {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
}

inline std::uint64_t from_context(const void* ctx) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(ctx));
}

}  // namespace zk_detail

// One ZooKeeper session. Owned by a zk_cluster_state through a shared_ptr; the C callbacks take
// a temporary reference through the registry while they run.
//
// Locks: `_handle_mu` is held shared by each operation for as long as it uses the C handle and
// exclusively by close() to take the handle away. `_mu` guards the session state, the watches
// and the count of running callbacks; it is held only briefly and never across a C call that
// waits for the server, nor while a user callback runs.
class zk_cluster_state::impl {
  public:
    explicit impl(zk_options o) : _options(std::move(o)) {}

    void set_id(std::uint64_t id) { _id = id; }
    std::uint64_t id() const { return _id; }

    // Validates the options, opens the session and creates the root. Throws as the
    // zk_cluster_state constructor.
    void connect();

    result<std::string> create(std::string_view path, std::string_view data, create_mode mode);
    result<node_data> get(std::string_view path, watcher w);
    result<node_stat> set(std::string_view path, std::string_view data, std::int32_t version);
    result<std::optional<node_stat>> exists(std::string_view path, watcher w);
    result<std::vector<std::string>> children(std::string_view path, watcher w);
    result<void> remove(std::string_view path, std::int32_t version);
    void close();

    std::int64_t session_id() const { return _session_id.load(); }
    zk_session_state state() const { return _state.load(); }
    std::chrono::milliseconds negotiated_timeout() const {
        return std::chrono::milliseconds(_negotiated_ms.load());
    }
    const zk_options& options() const { return _options; }

    // C client callbacks, on its completion thread.
    static void session_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
    static void node_watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);

  private:
    struct pending_watch {
        watcher fn;
        std::string path;  // as the user gave it, without the root
    };

    void on_session_event(zhandle_t* zh, int state);
    void on_watch_event(std::uint64_t watch_id, int type);

    // Runs a user callback counted in `_running`. Requires: `_running` was incremented under
    // `_mu` by the caller; this decrements it.
    template <typename F>
    void run_callback(std::string_view what, F&& f);

    // Calls f(handle) under a shared `_handle_mu`, or returns session_expired when the session is
    // closed or expired.
    template <typename F>
    auto with_handle(F&& f) -> decltype(f(static_cast<zhandle_t*>(nullptr)));

    // Registers `w` for `path`; returns its id (0 for an empty watcher, meaning no watch).
    std::uint64_t add_watch(watcher w, std::string_view path);
    // Drops a watch the C client did not register (the read failed).
    void drop_watch(std::uint64_t id);
    static watcher_fn watch_fn(std::uint64_t id) { return id != 0 ? &node_watcher : nullptr; }

    std::string full_path(std::string_view p) const;
    std::string user_path(std::string_view full) const;
    // The error of a failed C call, logged when it is not an expected outcome.
    std::error_code fail(int rc, std::string_view op, std::string_view path) const;
    void close_handle();
    // The buffer size to read `full` with: its data length at the last read when that exceeded
    // the default (so a large node costs one read, not two), else the default.
    int read_size_hint(const std::string& full);
    void note_read_size(const std::string& full, int data_length);

    const zk_options _options;
    std::string _root;  // normalised _options.root: "" for none, else "/a/b"
    std::uint64_t _id = 0;

    std::shared_mutex _handle_mu;  // guards _zh (the pointer, not the C client's internals)
    zhandle_t* _zh = nullptr;

    std::mutex _mu;               // guards the members below
    std::condition_variable _cv;  // signalled on state changes and when _running drops
    bool _connected_once = false;
    bool _closing = false;
    int _running = 0;  // user callbacks collected but not yet finished
    std::uint64_t _next_watch = 1;
    std::unordered_map<std::uint64_t, pending_watch> _watches;

    // Written under _mu, read without it.
    std::atomic<zk_session_state> _state{zk_session_state::connecting};
    std::atomic<std::int64_t> _session_id{0};
    std::atomic<int> _negotiated_ms{0};

    std::mutex _hint_mu;  // guards _size_hints
    // Data lengths above the default read size, by full path; bounded (cleared when full).
    std::unordered_map<std::string, int> _size_hints;
};

template <typename F>
inline auto zk_cluster_state::impl::with_handle(F&& f)
    -> decltype(f(static_cast<zhandle_t*>(nullptr))) {
    std::shared_lock lock(_handle_mu);
    auto s = _state.load();
    if (_zh == nullptr || s == zk_session_state::expired || s == zk_session_state::closed) {
        if constexpr (std::is_same_v<decltype(f(_zh)), int>) {
            return ZSESSIONEXPIRED;
        } else {
            return errc::session_expired;
        }
    }
    return f(_zh);
}

}  // namespace tempest::common
