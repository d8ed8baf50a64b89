// SPDX-License-Identifier: Apache-2.0
// logviewer_server: http_server + router (logviewer_routes) over the workers' log folder.
#include "tempest/ui/logviewer_server.h"

#include "logger.h"
#include "logviewer_files.h"
#include "logviewer_routes.h"
#include "router.h"
#include "tempest/common/config_keys.h"

#include <fmt/format.h>
#include <unistd.h>

#include <optional>

namespace tempest::ui {

namespace fs = std::filesystem;

namespace {

// The host search results link to: storm.local.hostname when set (as Storm's logviewer uses
// the node's host name), else logviewer.host unless it is a wildcard, else this machine's name.
std::string advertised_host(const config& conf, const std::string& bind_host) {
    std::string h = common::conf_string_or_empty(conf, "storm.local.hostname");
    if (!h.empty()) {
        return h;
    }
    if (!bind_host.empty() && bind_host != "0.0.0.0" && bind_host != "::") {
        return bind_host;
    }
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') {
        return name;
    }
    return "localhost";
}

}  // namespace

struct logviewer_server::impl {
    logviewer_options options;
    log_folder folder;
    std::string host;  // advertised in absolute links
    router routes;
    std::optional<http_server> http;

    impl(logviewer_options o, fs::path root, std::string h)
        : options(std::move(o)), folder(std::move(root)), host(std::move(h)) {}
};

logviewer_server::logviewer_server(const config& daemon_conf, logviewer_options options) {
    options.http.host = common::conf_string(daemon_conf, "logviewer.host");
    options.http.port = static_cast<int>(common::conf_int(daemon_conf, "logviewer.port"));
    // As the supervisor places worker logs: tempest.log.dir made absolute against the working
    // directory (both run from the node's install).
    fs::path root = (fs::absolute(common::conf_string(daemon_conf, common::keys::tempest_log_dir)) /
                     "workers-artifacts")
                        .lexically_normal();
    std::string host = advertised_host(daemon_conf, options.http.host);
    _impl = std::make_unique<impl>(std::move(options), std::move(root), std::move(host));
    impl* i = _impl.get();
    add_logviewer_routes(_impl->routes, _impl->folder, [i] {
        return fmt::format("http://{}:{}", i->host, i->http ? i->http->port() : 0);
    });
}

logviewer_server::~logviewer_server() {
    stop();
}

void logviewer_server::start() {
    if (_impl->http) {
        return;
    }
    auto& routes = _impl->routes;
    _impl->http.emplace(_impl->options.http, [&routes](const http_request& req) {
        auto res = routes.dispatch(req);
        log().debug("logviewer {} {} -> {}", req.method, req.target, res.status);
        return res;
    });
    try {
        _impl->http->start();
    } catch (...) {
        _impl->http.reset();
        throw;
    }
    std::error_code ec;
    log().info("logviewer serving on {}, worker logs from {}{}", address(),
               _impl->folder.root().string(),
               fs::is_directory(_impl->folder.root(), ec) ? "" : " (not there yet)");
}

void logviewer_server::stop() {
    if (_impl && _impl->http) {
        _impl->http->stop();
        _impl->http.reset();
        log().info("logviewer stopped");
    }
}

int logviewer_server::port() const {
    return _impl->http ? _impl->http->port() : 0;
}

std::string logviewer_server::address() const {
    return fmt::format("http://{}:{}", _impl->options.http.host, port());
}

const fs::path& logviewer_server::folder() const {
    return _impl->folder.root();
}

}  // namespace tempest::ui
