// SPDX-License-Identifier: Apache-2.0
// event_stream_hub: topics (GET targets) evaluated on one poll thread, change-only events to
// every stream subscribed to them. See event_stream.h.
#include "event_stream.h"

#include "api_error.h"
#include "logger.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
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
    struct subscriber {
        std::shared_ptr<http_stream_sink> sink;
        std::shared_ptr<slot> place;
    };
    struct topic {
        std::vector<subscriber> subscribers;
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
    std::map<std::string, topic> topics;
    std::uint64_t next_id = 0;
    bool urgent = false;  // a topic has not been evaluated yet
    bool started = false;
    bool stopping = false;
    std::thread poller;

    impl(event_stream_options o, evaluator e) : options(o), evaluate(std::move(e)) {}

    // Requires: on an I/O thread (the stream callback); quick.
    void open(const std::string& target, std::shared_ptr<http_stream_sink> sink,
              std::shared_ptr<slot> place) {
        std::scoped_lock lock(mu);
        if (stopping) {
            sink->close();
            return;
        }
        (void)sink->send("retry: " + std::to_string(options.retry.count()) + "\n\n");
        auto& t = topics[target];
        if (t.last_event) {
            (void)sink->send(*t.last_event);  // a full sink drops itself
        } else {
            urgent = true;
            wake.notify_all();
        }
        t.subscribers.push_back({std::move(sink), std::move(place)});
        log().debug("stream opened on {} ({} streams)", target, live_slots.load());
    }

    void run() {
        auto next_keepalive = clock::now() + options.keepalive_interval;
        std::unique_lock lock(mu);
        while (!stopping) {
            auto next_poll = clock::now() + options.poll_interval;
            urgent = false;
            // Drop ended streams and topics nobody follows any more.
            std::vector<std::string> names;
            for (auto it = topics.begin(); it != topics.end();) {
                auto& subs = it->second.subscribers;
                std::erase_if(subs, [](const subscriber& s) { return !s.sink->is_open(); });
                if (subs.empty()) {
                    it = topics.erase(it);
                    continue;
                }
                names.push_back(it->first);
                ++it;
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
                for (auto& [name, t] : topics) {
                    std::string ping =
                        ": keep-alive\n\n" +
                        format_event("ping", ++next_id,
                                     "{\"checked\":" + std::to_string(t.checked_ms) + "}");
                    for (auto& s : t.subscribers) {
                        (void)s.sink->send(ping);  // false: the sink dropped itself
                    }
                }
            }
            wake.wait_until(lock, std::min(next_poll, next_keepalive),
                            [this] { return stopping || urgent; });
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
        if (res.status >= 200 && res.status < 300) {
            t.last_event = format_event("update", ++next_id, res.body);
        } else {
            nlohmann::json error = nlohmann::json::parse(res.body, nullptr, false);
            if (error.is_discarded()) {
                error = res.body;
            }
            nlohmann::json data = {{"status", res.status}, {"error", error}};
            t.last_event = format_event("failure", ++next_id, data.dump());
        }
        for (auto& s : t.subscribers) {
            (void)s.sink->send(*t.last_event);  // false: the sink dropped itself
        }
    }
};

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
        for (auto& [name, t] : _impl->topics) {
            for (auto& s : t.subscribers) {
                sinks.push_back(s.sink);
            }
        }
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
    auto p = req.query.find("path");
    if (p == req.query.end() || p->second.empty()) {
        return error_response(
            400, "missing path: expected /api/v1/stream?path=<a GET path under /api/v1>");
    }
    const std::string& target = p->second;
    std::string path;
    std::map<std::string, std::string> query;
    if (!parse_target(target, path, query) || path.rfind("/api/v1/", 0) != 0 || path == route ||
        query.count("callback") != 0) {
        return error_response(400, "bad path '" + target +
                                       "': expected a GET path under /api/v1 (not the stream "
                                       "itself, no callback)");
    }
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
    res.stream = [weak = std::weak_ptr<impl>(_impl), target,
                  place](std::shared_ptr<http_stream_sink> sink) {
        if (auto hub = weak.lock()) {
            hub->open(target, std::move(sink), place);
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
