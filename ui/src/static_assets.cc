// SPDX-License-Identifier: Apache-2.0
#include "static_assets.h"

#include <string>
#include <vector>

namespace tempest::ui {

namespace {

std::string_view content_type_of(std::string_view path) {
    auto ends = [&](std::string_view ext) {
        return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
    };
    if (ends(".html")) {
        return "text/html; charset=utf-8";
    }
    if (ends(".css")) {
        return "text/css; charset=utf-8";
    }
    if (ends(".js")) {
        return "text/javascript; charset=utf-8";
    }
    if (ends(".svg")) {
        return "image/svg+xml";
    }
    if (ends(".json")) {
        return "application/json";
    }
    if (ends(".txt")) {
        return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
}

const std::vector<static_asset>& assets() {
    static const std::vector<static_asset> all = [] {
        std::vector<static_asset> out;
        for (std::size_t i = 0; i < detail::embedded_file_count; ++i) {
            const auto& f = detail::embedded_files[i];
            out.push_back({f.path, content_type_of(f.path),
                           std::string_view(reinterpret_cast<const char*>(f.data), f.size)});
        }
        return out;
    }();
    return all;
}

}  // namespace

const static_asset* find_static_asset(std::string_view path) {
    if (path == "/" || path.empty()) {
        path = "/index.html";
    }
    for (const auto& a : assets()) {
        if (a.path == path) {
            return &a;
        }
    }
    return nullptr;
}

void add_static_routes(router& r) {
    auto serve = [](const static_asset* a) {
        return [a](const http_request&, const path_params&) {
            http_response res;
            res.content_type = std::string(a->content_type);
            res.body = std::string(a->data);
            // Libraries change only with a new build of a pinned version: cache them; our own
            // pages and scripts are revalidated so that an upgrade shows at once.
            const bool library = a->path.substr(0, 5) == "/lib/";
            res.headers.emplace_back("Cache-Control",
                                     library ? "public, max-age=86400" : "no-cache");
            res.headers.emplace_back("X-Content-Type-Options", "nosniff");
            return res;
        };
    };
    if (const auto* index = find_static_asset("/index.html")) {
        r.add("GET", "/", serve(index));
    }
    for (const auto& a : assets()) {
        r.add("GET", std::string(a.path), serve(&a));
    }
}

}  // namespace tempest::ui
