// SPDX-License-Identifier: Apache-2.0
// event_stream: live updates for the pages as Server-Sent Events.
//
//   GET /api/v1/stream?path=/api/v1/topology/ID%3Fwindow%3D600&path=/api/v1/topology/summary
//
//   browser ─EventSource─▶ subscribe() ──sink──▶ topics "/api/v1/topology/ID?window=600", ...
//                                                  ▲ one evaluation per poll for all its streams
//   poll thread: every poll_interval, for each topic: evaluate(path) ─▶ changed? ─▶ send to sinks
//
// A topic is a GET target under /api/v1 (query included); one stream follows up to max_paths of
// them (`path` repeated), so that a page needs one connection (browsers allow six per host).
// The hub's own thread evaluates each topic with subscribers every poll_interval (the route runs
// in process, as a request would), once for all of that topic's streams, and sends an event only
// when the answer changed:
//
//   event: update      data: {"path": TOPIC, "data": <the route's JSON>}            (2xx)
//   event: failure     data: {"path": TOPIC, "status": N, "error": <its JSON error>}
//
// A new stream gets each topic's last event at once. Every keepalive_interval each stream gets
// a comment line (for proxies) and an `event: ping` whose data is {"checked": {TOPIC: <ms since
// the epoch of its last evaluation>, ...}}, so that a page can tell its figures' age and notice
// a dead connection. Each event has an `id:` (a counter, the same for every stream getting the
// same evaluation) and the stream starts with `retry:`.
//
// Bounds: at most max_streams streams (more get 503); sinks drop a client that does not read
// (http_options::max_stream_unsent_bytes); evaluations run on the hub's thread, never on the
// HTTP server's I/O threads, one topic after another (a slow Nimbus stretches the period).
//
// Lifecycle: construct, start() starts the poll thread, stop() ends every stream (each sink is
// closed) and joins. subscribe() may be called from any thread while started; after stop() it
// answers 503.
#pragma once

#include "tempest/ui/http_types.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace tempest::ui {

struct event_stream_options {
    std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
    std::chrono::milliseconds keepalive_interval{std::chrono::seconds(15)};
    std::size_t max_streams = 64;
    std::size_t max_paths = 16;  // topics one stream may follow
    // The `retry:` (reconnect delay) a browser is asked to use.
    std::chrono::milliseconds retry{std::chrono::seconds(3)};
};

class event_stream_hub {
  public:
    // Answers a GET of `target` (path and query), as the router would. Called on the hub's
    // thread only; it may block (a Nimbus call) and must not throw.
    using evaluator = std::function<http_response(const std::string& target)>;

    // The path of the stream route itself, which cannot be a topic.
    static constexpr const char* route = "/api/v1/stream";

    event_stream_hub(event_stream_options options, evaluator evaluate);
    ~event_stream_hub();
    event_stream_hub(const event_stream_hub&) = delete;
    event_stream_hub& operator=(const event_stream_hub&) = delete;

    void start();
    void stop();

    // The answer to GET /api/v1/stream?path=TARGET[&path=TARGET...]: a streaming response
    // (text/event-stream), or a JSON error: 400 when no `path` is given, more than max_paths,
    // or one is not a GET target under /api/v1 (or is the stream itself, or has a callback),
    // 503 when max_streams are open or the hub is stopped.
    http_response subscribe(const http_request& req);

    // Streams open now, and topics with at least one of them (for tests and logs).
    std::size_t streams() const;
    std::size_t topics() const;

  private:
    struct impl;
    std::shared_ptr<impl> _impl;
};

}  // namespace tempest::ui
