// SPDX-License-Identifier: Apache-2.0
// logviewer_server: Storm's logviewer as an object — one per supervisor node, serving that
// node's worker logs (`<tempest.log.dir>/workers-artifacts/<topology-id>/<port>/worker.log`)
// over HTTP at logviewer.host:logviewer.port: pages read from the end, downloads, search, and
// the list of logs (ui/README.md, "Logviewer"). Nothing outside that folder is served.
// `tempest logviewer` runs one; tests run it in process.
//
// Lifecycle: construct with the daemon config (logviewer.host, logviewer.port, tempest.log.dir,
// storm.local.hostname); start() binds and serves on background threads (throws when it cannot
// bind); stop() (or the destructor) stops serving and joins. The folder need not exist at
// start: it appears when the first worker runs.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/ui/http_server.h"

#include <filesystem>
#include <memory>
#include <string>

namespace tempest::ui {

struct logviewer_options {
    // host and port are taken from logviewer.host and logviewer.port; the rest as given.
    http_options http;
};

class logviewer_server {
  public:
    explicit logviewer_server(const config& daemon_conf, logviewer_options options = {});
    ~logviewer_server();
    logviewer_server(const logviewer_server&) = delete;
    logviewer_server& operator=(const logviewer_server&) = delete;

    void start();
    void stop();

    // The bound port. Requires: started.
    int port() const;
    // "http://host:port" it binds. Requires: started.
    std::string address() const;
    // The folder it serves (absolute): <tempest.log.dir>/workers-artifacts.
    const std::filesystem::path& folder() const;

  private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::ui
