// SPDX-License-Identifier: Apache-2.0
// ui_server: the UI daemon as an object — the HTTP server (http_server) with the REST API of
// Storm's UI under /api/v1 (api_v1), answered from Nimbus through a client that follows the
// leader among nimbus.seeds (nimbus_leader_client). `tempest ui` runs one; tests run it in
// process.
//
// Lifecycle: construct with the daemon config (ui.host, ui.port, nimbus.seeds,
// nimbus.thrift.port); start() binds and serves on background threads (throws when it cannot
// bind); stop() (or the destructor) stops serving and joins. Nimbus is reached lazily, on the
// first request that needs it, so the UI starts while Nimbus is down.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/ui/http_server.h"

#include <chrono>
#include <memory>
#include <string>

namespace tempest::ui {

struct ui_options {
    // host and port are taken from ui.host and ui.port; the rest as given.
    http_options http;
    // Bounds the connect and each call to a Nimbus.
    std::chrono::milliseconds nimbus_timeout{std::chrono::seconds(5)};
    // How long an answer of GET /api/v1/... serves identical requests (response_cache.h);
    // 0 computes every answer afresh.
    std::chrono::milliseconds api_cache_ttl{std::chrono::seconds(1)};
};

class ui_server {
  public:
    explicit ui_server(config daemon_conf, ui_options options = {});
    ~ui_server();
    ui_server(const ui_server&) = delete;
    ui_server& operator=(const ui_server&) = delete;

    void start();
    void stop();

    // The bound port. Requires: started.
    int port() const;
    // "http://host:port" of the server. Requires: started.
    std::string address() const;
    // The Nimbus seeds it follows, as "host[, host...] port N".
    std::string nimbus_seeds() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::ui
