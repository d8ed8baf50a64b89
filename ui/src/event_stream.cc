// SPDX-License-Identifier: Apache-2.0
// event_stream_hub: topics (GET targets) evaluated on one poll thread, change-only events to
// every stream subscribed to them. See event_stream.h.
#include "event_stream.h"

#include "api_error.h"
#include "logger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

namespace tempest::ui {

namespace {

using clock = std::chrono::steady_clock;

long long epoch_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "event: NAME\nid: N\ndata: ...\n\n", one data line per line of `data`.
std::string format_event(const std::string& name, std::uint64_t id, const std::string& data) {
    std::string out = "event: " + name + "\nid: " + std::to_string(id) + "\n";
    std::size_t start = 0;
    while (true) {
        auto nl = data.find('\n', start);
        out += "data: " + data.substr(start, nl == std::string::npos ? nl : nl - start) + "\n";
        if (nl == std::string::npos) {
            break;
        }
        start = nl + 1;
    }
    return out + "\n";
}

}  // namespace

struct event_stream_hub::impl : std::enable_shared_from_this<impl> {
    // Held by a stream from subscribe() until it ends: the count of these is the stream count,
    // so that a stream whose response was never sent still gives its place back.
    struct slot {
        std::weak_ptr<impl> hub;
        explicit slot(std::weak_ptr<impl> h) : hub(std::move(h)) {}
        ~slot() {
            if (auto h = hub.lock()) {
                h->live_slots.fetch_sub(1);
            }
        }
    };
    struct stream {
        std::shared_ptr<http_stream_sink> sink;
        std::vector<std::string> paths;
        std::shared_ptr<slot> place;
    };
    struct topic {
        std::size_t streams = 0;
        std::optional<std::string> last_event;  // formatted, sent to newcomers
        int last_status = 0;
        std::string last_body;
        long long checked_ms = 0;  // the last evaluation's time, 0 before the first
    };

    event_stream_options options;
    evaluator evaluate;
    std::atomic<std::size_t> live_slots{0};

    mutable std::mutex mu;  // guards everything below
    std::condition_variable wake;
    std::vector<stream> streams;
    std::map<std::string, topic> topics;
    std::uint64_t next_id = 0;
    bool urgent = false;  // a topic has not been evaluated yet
    bool started = false;
    bool stopping = false;
    std::thread poller;

    impl(event_stream_options o, evaluator e) : options(o), evaluate(std::move(e)) {}

    // Requires: on an I/O thread (the stream callback); quick.
    void open(std::vector<std::string> paths, std::shared_ptr<http_stream_sink> sink,
              std::shared_ptr<slot> place) {
        std::scoped_lock lock(mu);
        if (stopping) {
            sink->close();
            return;
        }
        (void)sink->send("retry: " + std::to_string(options.retry.count()) + "\n\n");
        for (const auto& p : paths) {
            auto& t = topics[p];
            ++t.streams;
            if (t.last_event) {
                (void)sink->send(*t.last_event);  // false: the sink dropped itself
            } else {
                urgent = true;
            }
        }
        if (urgent) {
            wake.notify_all();
        }
        log().debug("stream opened on {} topic(s) ({} streams)", paths.size(), live_slots.load());
        streams.push_back({std::move(sink), std::move(paths), std::move(place)});
    }

    // Drops ended streams and the topics nobody follows any more. Requires: mu held.
    void prune() {
        std::erase_if(streams, [this](const stream& s) {
            if (s.sink->is_open()) {
                return false;
            }
            for (const auto& p : s.paths) {
                auto it = topics.find(p);
                if (it != topics.end() && --it->second.streams == 0) {
                    topics.erase(it);
                }
            }
            return true;
        });
    }

    void run() {
        auto next_keepalive = clock::now() + options.keepalive_interval;
        std::unique_lock lock(mu);
        while (!stopping) {
            auto next_poll = clock::now() + options.poll_interval;
            urgent = false;
            prune();
            std::vector<std::string> names;
            for (const auto& [name, t] : topics) {
                names.push_back(name);
            }
            for (const auto& name : names) {
                lock.unlock();
                http_response res = evaluate(name);
                lock.lock();
                if (stopping) {
                    break;
                }
                publish(name, res);
            }
            if (clock::now() >= next_keepalive) {
                next_keepalive = clock::now() + options.keepalive_interval;
                keepalive();
            }
            wake.wait_until(lock, std::min(next_poll, next_keepalive),
                            [this] { return stopping || urgent; });
        }
    }

    // Requires: mu held.
    void keepalive() {
        for (auto& s : streams) {
            nlohmann::json checked = nlohmann::json::object();
            for (const auto& p : s.paths) {
                auto it = topics.find(p);
                checked[p] = it == topics.end() ? 0 : it->second.checked_ms;
            }
            nlohmann::json data = {{"checked", checked}};
            (void)s.sink->send(": keep-alive\n\n" + format_event("ping", ++next_id, data.dump()));
        }
    }

    // Requires: mu held.
    void publish(const std::string& name, const http_response& res) {
        auto it = topics.find(name);
        if (it == topics.end()) {
            return;
        }
        auto& t = it->second;
        t.checked_ms = epoch_ms();
        if (t.last_event && res.status == t.last_status && res.body == t.last_body) {
            return;
        }
        t.last_status = res.status;
        t.last_body = res.body;
        nlohmann::json body = nlohmann::json::parse(res.body, nullptr, false);
        if (body.is_discarded()) {
            body = res.body;
        }
        if (res.status >= 200 && res.status < 300) {
            nlohmann::json data = {{"path", name}, {"data", std::move(body)}};
            t.last_event = format_event("update", ++next_id, data.dump());
        } else {
            nlohmann::json data = {{"path", name}, {"status", res.status}, {"error", body}};
            t.last_event = format_event("failure", ++next_id, data.dump());
        }
        for (auto& s : streams) {
            if (std::find(s.paths.begin(), s.paths.end(), name) != s.paths.end()) {
                (void)s.sink->send(*t.last_event);  // false: the sink dropped itself
            }
        }
    }
};

namespace {

// Every `path` parameter of `target`'s query, decoded; false on a malformed escape.
bool paths_of(const std::string& target, std::vector<std::string>& out) {
    auto q = target.find('?');
    if (q == std::string::npos) {
        return true;
    }
    std::string_view rest(target.data() + q + 1, target.size() - q - 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || pair.substr(0, eq) != "path") {
            continue;
        }
        std::string value;
        if (!percent_decode(pair.substr(eq + 1), value, true)) {
            return false;
        }
        out.push_back(std::move(value));
    }
    return true;
}

}  // namespace

event_stream_hub::event_stream_hub(event_stream_options options, evaluator evaluate)
    : _impl(std::make_shared<impl>(options, std::move(evaluate))) {}

event_stream_hub::~event_stream_hub() {
    stop();
}

void event_stream_hub::start() {
    std::scoped_lock lock(_impl->mu);
    if (_impl->started || _impl->stopping) {
        return;
    }
    _impl->started = true;
    _impl->poller = std::thread([i = _impl.get()] { i->run(); });
}

void event_stream_hub::stop() {
    std::vector<std::shared_ptr<http_stream_sink>> sinks;
    {
        std::scoped_lock lock(_impl->mu);
        if (_impl->stopping) {
            return;
        }
        _impl->stopping = true;
        _impl->wake.notify_all();
        for (auto& st : _impl->streams) {
            sinks.push_back(st.sink);
        }
        _impl->streams.clear();
        _impl->topics.clear();
    }
    if (_impl->poller.joinable()) {
        _impl->poller.join();
    }
    for (auto& s : sinks) {
        s->close();
    }
}

http_response event_stream_hub::subscribe(const http_request& req) {
    std::vector<std::string> paths;
    if (!paths_of(req.target, paths) || paths.empty()) {
        return error_response(400,
                              "missing path: expected /api/v1/stream?path=<a GET path under "
                              "/api/v1>[&path=...], each percent-encoded");
    }
    if (paths.size() > _impl->options.max_paths) {
        return error_response(400, "too many paths (" + std::to_string(paths.size()) +
                                       "): one stream follows at most " +
                                       std::to_string(_impl->options.max_paths));
    }
    for (const auto& target : paths) {
        std::string path;
        std::map<std::string, std::string> query;
        if (!parse_target(target, path, query) || path.rfind("/api/v1/", 0) != 0 || path == route ||
            query.count("callback") != 0) {
            return error_response(400, "bad path '" + target +
                                           "': expected a GET path under /api/v1 (not the "
                                           "stream itself, no callback)");
        }
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    {
        std::scoped_lock lock(_impl->mu);
        if (_impl->stopping || !_impl->started) {
            return error_response(503, "live updates are stopped");
        }
    }
    if (_impl->live_slots.fetch_add(1) >= _impl->options.max_streams) {
        _impl->live_slots.fetch_sub(1);
        return error_response(503, "too many live update streams (" +
                                       std::to_string(_impl->options.max_streams) +
                                       "); try again later");
    }
    auto place = std::make_shared<impl::slot>(_impl);
    http_response res;
    res.content_type = "text/event-stream";
    res.headers.emplace_back("X-Accel-Buffering", "no");  // no buffering by an nginx in front
    res.stream = [weak = std::weak_ptr<impl>(_impl), paths = std::move(paths),
                  place](std::shared_ptr<http_stream_sink> sink) {
        if (auto hub = weak.lock()) {
            hub->open(paths, std::move(sink), place);
        } else {
            sink->close();
        }
    };
    return res;
}

std::size_t event_stream_hub::streams() const {
    return _impl->live_slots.load();
}

std::size_t event_stream_hub::topics() const {
    std::scoped_lock lock(_impl->mu);
    return _impl->topics.size();
}

}  // namespace tempest::ui
