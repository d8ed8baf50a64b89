// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/zk_cluster_state.h"

#include "tempest/common/log.h"

#include <fmt/format.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tempest::common {
namespace {

spdlog::logger& zk_log() {
    return logger("zookeeper");
}

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

void* to_context(std::uint64_t id) {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
}

std::uint64_t from_context(const void* ctx) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(ctx));
}

// Sessions whose callbacks the current thread is running now (innermost last), so that close()
// called from inside a callback does not wait for itself.
thread_local std::vector<const zk_cluster_state::impl*> t_dispatching;

errc to_errc(int rc) {
    switch (rc) {
        case ZNONODE:
            return errc::no_node;
        case ZNODEEXISTS:
            return errc::node_exists;
        case ZBADVERSION:
            return errc::bad_version;
        case ZNOTEMPTY:
            return errc::not_empty;
        case ZNOCHILDRENFOREPHEMERALS:
            return errc::no_children_for_ephemerals;
        case ZBADARGUMENTS:
        case ZNOAUTH:
            return errc::invalid_path;
        case ZSESSIONEXPIRED:
        case ZINVALIDSTATE:
        case ZCLOSING:
        case ZAUTHFAILED:
            return errc::session_expired;
        default:
            // ZCONNECTIONLOSS, ZOPERATIONTIMEOUT, ZSESSIONMOVED and the rest: the request may or
            // may not have taken effect, as with a lost connection.
            return errc::connection_lost;
    }
}

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

// The C client's log lines ("<time>:<pid>(<tid>):ZOO_WARN@<func>@<line>: <text>") go to our
// "zookeeper" logger at debug: during an outage the client retries (and logs) dozens of times a
// second, and this file logs each session state change itself. Only its warnings and errors are
// produced at all (set_client_log_level).
void on_client_log(const char* message) {
    std::string_view m(message);
    if (auto at = m.find("ZOO_"); at != std::string_view::npos) {
        m.remove_prefix(at);
    }
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) {
        m.remove_suffix(1);
    }
    zk_log().debug("client: {}", m);
}

void set_client_log_level() {
    static std::once_flag once;
    std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

// An initial read size that fits most records; larger data is read again at its size.
constexpr int initial_read_size = 16 * 1024;

}  // namespace

std::string_view to_string(zk_session_state s) noexcept {
    switch (s) {
        case zk_session_state::connecting:
            return "connecting";
        case zk_session_state::connected:
            return "connected";
        case zk_session_state::expired:
            return "expired";
        case zk_session_state::closed:
            return "closed";
    }
    return "unknown";
}

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
};

void zk_cluster_state::impl::connect() {
    if (_options.servers.empty()) {
        throw std::invalid_argument(
            "zk_options.servers is empty: expected \"host:port[,host:port...]\"");
    }
    if (_options.root != "" && _options.root != "/") {
        if (!is_valid_path(_options.root)) {
            throw std::invalid_argument(
                fmt::format("zk_options.root \"{}\" is not an absolute path such as \"/tempest\"",
                            _options.root));
        }
        _root = _options.root;
    }
    if (_options.session_timeout.count() <= 0 || _options.connection_timeout.count() <= 0) {
        throw std::invalid_argument(
            fmt::format("zk_options timeouts must be positive (session {} ms, connection {} ms)",
                        _options.session_timeout.count(), _options.connection_timeout.count()));
    }
    set_client_log_level();

    errno = 0;
    zhandle_t* zh = zookeeper_init2(_options.servers.c_str(), &session_watcher,
                                    static_cast<int>(_options.session_timeout.count()), nullptr,
                                    to_context(_id), 0, &on_client_log);
    if (zh == nullptr) {
        int e = errno;
        throw std::system_error(
            errc::connection_lost,
            fmt::format("cannot connect to ZooKeeper at {}: {}", _options.servers,
                        e != 0 ? std::strerror(e) : "the server list is not valid"));
    }
    {
        std::unique_lock lock(_handle_mu);
        _zh = zh;
    }

    std::string failure;
    {
        std::unique_lock lock(_mu);
        bool settled = _cv.wait_for(lock, _options.connection_timeout,
                                    [&] { return _state.load() != zk_session_state::connecting; });
        if (!settled) {
            failure =
                fmt::format("no server answered within {} ms", _options.connection_timeout.count());
        } else if (_state.load() != zk_session_state::connected) {
            failure = "the server refused the session";
        } else {
            _session_id = zoo_client_id(zh)->client_id;
            _connected_once = true;
        }
    }
    if (!failure.empty()) {
        close_handle();
        throw std::system_error(
            errc::connection_lost,
            fmt::format("cannot connect to ZooKeeper at {}: {}", _options.servers, failure));
    }
    zk_log().info("connected to {} (session {:#x}, timeout {} ms{}{})", _options.servers,
                  _session_id.load(), _negotiated_ms.load(), _root.empty() ? "" : ", root ", _root);

    // Create the root and its missing ancestors; nodes that exist already are fine.
    for (std::size_t pos = _root.empty() ? std::string::npos : 0; pos != std::string::npos;) {
        pos = _root.find('/', pos + 1);
        std::string prefix = _root.substr(0, pos);
        std::vector<char> created(prefix.size() + 1, '\0');
        int rc = with_handle([&](zhandle_t* h) {
            return zoo_create(h, prefix.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT,
                              created.data(), static_cast<int>(created.size()));
        });
        if (rc != ZOK && rc != ZNODEEXISTS) {
            close();
            throw std::system_error(
                to_errc(rc), fmt::format("cannot create the root {} on ZooKeeper at {}", prefix,
                                         _options.servers));
        }
    }
}

template <typename F>
auto zk_cluster_state::impl::with_handle(F&& f) -> decltype(f(static_cast<zhandle_t*>(nullptr))) {
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

std::uint64_t zk_cluster_state::impl::add_watch(watcher w, std::string_view path) {
    if (!w) {
        return 0;
    }
    std::scoped_lock lock(_mu);
    std::uint64_t id = _next_watch++;
    _watches.emplace(id, pending_watch{std::move(w), std::string(path)});
    return id;
}

void zk_cluster_state::impl::drop_watch(std::uint64_t id) {
    if (id == 0) {
        return;
    }
    watcher dropped;  // destroyed after the lock is released
    std::scoped_lock lock(_mu);
    if (auto it = _watches.find(id); it != _watches.end()) {
        dropped = std::move(it->second.fn);
        _watches.erase(it);
    }
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
        std::string buf(initial_read_size, '\0');
        int len = static_cast<int>(buf.size());
        Stat st{};
        int rc = zoo_wget(h, full.c_str(), watch_fn(wid), to_context(wid), buf.data(), &len, &st);
        watch_set = rc == ZOK;
        // Data larger than the buffer: read it again at its size, without a second watch. Should
        // it change in between, the watch left by the first read fires for that change.
        while (rc == ZOK && st.dataLength > static_cast<int>(buf.size())) {
            buf.assign(static_cast<std::size_t>(st.dataLength), '\0');
            len = static_cast<int>(buf.size());
            rc = zoo_get(h, full.c_str(), 0, buf.data(), &len, &st);
        }
        if (rc != ZOK) {
            return fail(rc, "get", path);
        }
        buf.resize(static_cast<std::size_t>(std::max(len, 0)));  // -1 for a node without data
        return node_data{std::move(buf), to_stat(st)};
    });
    if (!watch_set) {
        drop_watch(wid);
    }
    return r;
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

void zk_cluster_state::impl::close() {
    std::unordered_map<std::uint64_t, pending_watch> dropped;  // destroyed outside the lock
    {
        std::scoped_lock lock(_mu);
        if (_closing) {
            return;
        }
        _closing = true;
        _state = zk_session_state::closed;
        dropped.swap(_watches);
    }
    _cv.notify_all();
    dropped.clear();
    // Wait for this session's callbacks running on other threads; no new one starts now.
    auto self = static_cast<int>(std::count(t_dispatching.begin(), t_dispatching.end(), this));
    {
        std::unique_lock lock(_mu);
        _cv.wait(lock, [&] { return _running <= self; });
    }
    close_handle();
    if (_session_id.load() != 0) {
        zk_log().debug("closed session {:#x}", _session_id.load());
    }
}

void zk_cluster_state::impl::close_handle() {
    zhandle_t* zh = nullptr;
    {
        // Waits for operations in flight; later ones find no handle.
        std::unique_lock lock(_handle_mu);
        std::swap(zh, _zh);
    }
    if (zh != nullptr) {
        // Ends the session (the server removes its ephemeral nodes) and joins the C client's
        // threads; from the completion thread itself the C client defers that part.
        int rc = zookeeper_close(zh);
        if (rc != ZOK) {
            zk_log().debug("closing session {:#x}: {}", _session_id.load(), zerror(rc));
        }
    }
}

template <typename F>
void zk_cluster_state::impl::run_callback(std::string_view what, F&& f) {
    t_dispatching.push_back(this);
    try {
        f();
    } catch (const std::exception& e) {
        // Nothing may throw into the C client: the exception is logged and dropped.
        zk_log().error("{} callback threw: {}", what, e.what());
    } catch (...) {
        zk_log().error("{} callback threw", what);
    }
    t_dispatching.pop_back();
    {
        std::scoped_lock lock(_mu);
        --_running;
    }
    _cv.notify_all();
}

void zk_cluster_state::impl::session_watcher(zhandle_t* zh, int type, int state, const char*,
                                             void*) {
    if (type != ZOO_SESSION_EVENT) {
        return;
    }
    if (auto self = impl_registry::instance().find(from_context(zoo_get_context(zh)))) {
        self->on_session_event(zh, state);
    }
}

void zk_cluster_state::impl::node_watcher(zhandle_t* zh, int type, int, const char*, void* ctx) {
    // The C client also hands session events to every watch it holds; those are the session
    // watcher's business.
    if (type == ZOO_SESSION_EVENT) {
        return;
    }
    if (auto self = impl_registry::instance().find(from_context(zoo_get_context(zh)))) {
        self->on_watch_event(from_context(ctx), type);
    }
}

void zk_cluster_state::impl::on_session_event(zhandle_t* zh, int zk_state) {
    zk_session_state next;
    if (zk_state == ZOO_CONNECTED_STATE) {
        next = zk_session_state::connected;
    } else if (zk_state == ZOO_EXPIRED_SESSION_STATE || zk_state == ZOO_AUTH_FAILED_STATE) {
        next = zk_session_state::expired;
    } else {
        next = zk_session_state::connecting;
    }
    std::unordered_map<std::uint64_t, pending_watch> dropped;  // destroyed outside the lock
    bool notify = false;
    bool report = false;
    {
        std::scoped_lock lock(_mu);
        auto current = _state.load();
        if (_closing || current == zk_session_state::expired || current == next) {
            return;
        }
        if (next == zk_session_state::connected) {
            _negotiated_ms = zoo_recv_timeout(zh);
        }
        if (next == zk_session_state::expired) {
            dropped.swap(_watches);  // the server dropped them with the session
        }
        _state = next;
        report = _connected_once;
        notify = report && static_cast<bool>(_options.on_session_state);
        if (notify) {
            ++_running;
        }
    }
    _cv.notify_all();
    dropped.clear();
    if (report) {
        auto id = _session_id.load();
        switch (next) {
            case zk_session_state::connected:
                zk_log().info("session {:#x} reconnected to {}", id, _options.servers);
                break;
            case zk_session_state::connecting:
                zk_log().warn("session {:#x} lost its connection to {}; reconnecting", id,
                              _options.servers);
                break;
            default:
                zk_log().warn(
                    "session {:#x} on {} expired; its ephemeral nodes and watches are gone", id,
                    _options.servers);
                break;
        }
    }
    if (notify) {
        run_callback("session state", [&] { _options.on_session_state(next); });
    }
}

void zk_cluster_state::impl::on_watch_event(std::uint64_t watch_id, int type) {
    watch_event event{};
    if (type == ZOO_CREATED_EVENT) {
        event.type = watch_event_type::created;
    } else if (type == ZOO_DELETED_EVENT) {
        event.type = watch_event_type::deleted;
    } else if (type == ZOO_CHANGED_EVENT) {
        event.type = watch_event_type::data_changed;
    } else if (type == ZOO_CHILD_EVENT) {
        event.type = watch_event_type::children_changed;
    } else {
        // ZOO_NOTWATCHING_EVENT: the watch was removed without firing.
        drop_watch(watch_id);
        return;
    }
    watcher fn;
    {
        std::scoped_lock lock(_mu);
        auto it = _watches.find(watch_id);
        if (_closing || it == _watches.end()) {
            return;
        }
        fn = std::move(it->second.fn);
        event.path = std::move(it->second.path);
        _watches.erase(it);
        ++_running;
    }
    run_callback("watch", [&] { fn(event); });
}

zk_cluster_state::zk_cluster_state(zk_options options)
    : _impl(std::make_shared<impl>(std::move(options))) {
    auto id = impl_registry::instance().add(_impl);
    _impl->set_id(id);
    try {
        _impl->connect();
    } catch (...) {
        impl_registry::instance().remove(id);
        throw;
    }
}

zk_cluster_state::~zk_cluster_state() {
    _impl->close();
    impl_registry::instance().remove(_impl->id());
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

std::int64_t zk_cluster_state::session_id() const {
    return _impl->session_id();
}

void zk_cluster_state::close() {
    _impl->close();
}

zk_session_state zk_cluster_state::session_state() const noexcept {
    return _impl->state();
}

std::chrono::milliseconds zk_cluster_state::negotiated_session_timeout() const noexcept {
    return _impl->negotiated_timeout();
}

const zk_options& zk_cluster_state::options() const noexcept {
    return _impl->options();
}

}  // namespace tempest::common
