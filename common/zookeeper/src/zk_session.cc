// SPDX-License-Identifier: Apache-2.0
// zk_cluster_state, the session's life: connecting, the C client's session and watch callbacks,
// the session state, watches, closing (see zk_session_impl.h). The operations on nodes are in
// zk_cluster_state.cc.
#include "zk_session_impl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tempest::common {

using zk_detail::from_context;
using zk_detail::impl_registry;
using zk_detail::to_context;
using zk_detail::to_errc;
using zk_detail::zk_log;

namespace zk_detail {

spdlog::logger& zk_log() {
    return logger("zookeeper");
}

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

}  // namespace zk_detail

namespace {

// Sessions whose callbacks the current thread is running now (innermost last), so that close()
// called from inside a callback does not wait for itself.
thread_local std::vector<const zk_cluster_state::impl*> t_dispatching;

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
