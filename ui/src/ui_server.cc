// SPDX-License-Identifier: Apache-2.0
// ui_server: http_server + router (api_v1) + nimbus_leader_client, wired from the daemon config.
#include "tempest/ui/ui_server.h"

#include "api_error.h"
#include "api_v1.h"
#include "event_stream.h"
#include "logger.h"
#include "nimbus_leader_client.h"
#include "prometheus_exporter.h"
#include "response_cache.h"
#include "router.h"
#include "static_assets.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/nimbus_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace tempest::ui {

namespace {

// nimbus.seeds, each a host on nimbus.thrift.port or HOST:PORT, parsed as every client of
// Nimbus parses it (common::nimbus_seeds); throws std::runtime_error naming the key otherwise.
std::vector<nimbus_endpoint> seeds_of(const config& conf) {
    std::vector<nimbus_endpoint> out;
    try {
        for (auto& a : common::nimbus_seeds(conf)) {
            out.push_back({std::move(a.host), a.port});
        }
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("ui: ") + e.what());
    }
    return out;
}

}  // namespace

struct ui_server::impl {
    ui_options options;
    std::vector<nimbus_endpoint> seeds;
    nimbus_leader_client nimbus;
    prometheus_exporter metrics{nimbus};
    router routes;
    // Identical GETs of the REST API within api_cache_ttl share one answer (response_cache.h).
    response_cache cache{options.api_cache_ttl, 256};
    // Live updates for the pages: evaluates GET routes of `routes` in process (event_stream.h).
    event_stream_hub live{{}, [this](const std::string& target) { return get(target); }};
    std::optional<http_server> http;

    impl(ui_options o, std::vector<nimbus_endpoint> s)
        : options(std::move(o)),
          seeds(s),
          // One Nimbus connection per handler thread: no request waits for another's call.
          nimbus(std::move(s), options.nimbus_timeout, std::chrono::seconds(1),
                 static_cast<std::size_t>(std::max(1, options.http.handler_threads))) {}

    // GET `target` through the routes, as a request would.
    http_response get(const std::string& target) {
        http_request req;
        req.method = "GET";
        req.target = target;
        if (!parse_target(target, req.path, req.query)) {
            return error_response(400, "bad request target '" + target + "'");
        }
        return routes.dispatch(req);
    }
};

ui_server::ui_server(config daemon_conf, ui_options options) {
    options.http.host = common::conf_string(daemon_conf, "ui.host");
    options.http.port = static_cast<int>(common::conf_int(daemon_conf, "ui.port"));
    _impl = std::make_unique<impl>(std::move(options), seeds_of(daemon_conf));
    api_options api;
    api.logviewer_port = static_cast<int>(common::conf_int(daemon_conf, "logviewer.port"));
    add_api_v1_routes(_impl->routes, _impl->nimbus, api);
    add_prometheus_route(_impl->routes, _impl->metrics);
    // The pages and their live updates (ui/README.md, "Pages").
    _impl->routes.add("GET", event_stream_hub::route,
                      [&live = _impl->live](const http_request& req, const path_params&) {
                          return live.subscribe(req);
                      });
    add_static_routes(_impl->routes);
}

ui_server::~ui_server() {
    stop();
}

void ui_server::start() {
    if (_impl->http) {
        return;
    }
    _impl->http.emplace(_impl->options.http, [impl = _impl.get()](const http_request& req) {
        http_response res;
        if (req.method == "GET" && req.path.starts_with("/api/v1/") &&
            req.path != event_stream_hub::route) {
            res = impl->cache.get(req.target, [&] { return impl->routes.dispatch(req); });
        } else {
            res = impl->routes.dispatch(req);
            if (req.method != "GET" && res.status < 400) {
                impl->cache.clear();  // an action: the next GET shows its effect
            }
        }
        log().debug("{} {} -> {}", req.method, req.target, res.status);
        return res;
    });
    try {
        _impl->http->start();
    } catch (...) {
        _impl->http.reset();
        throw;
    }
    _impl->live.start();
    log().info(
        "ui serving on {} (pages at /, REST API under /api/v1, Prometheus at /metrics), following "
        "Nimbus seeds {}",
        address(), nimbus_seeds());
}

void ui_server::stop() {
    if (_impl && _impl->http) {
        _impl->live.stop();  // ends the streams first, so that they end with their last chunk
        _impl->http->stop();
        _impl->http.reset();
        log().info("ui stopped");
    }
}

int ui_server::port() const {
    return _impl->http ? _impl->http->port() : 0;
}

std::string ui_server::address() const {
    return fmt::format("http://{}:{}", _impl->options.http.host, port());
}

std::string ui_server::nimbus_seeds() const {
    std::string hosts;
    for (const auto& s : _impl->seeds) {
        hosts += (hosts.empty() ? "" : ", ") + s.host;
    }
    return fmt::format("[{}] port {}", hosts, _impl->seeds.front().port);
}

}  // namespace tempest::ui
