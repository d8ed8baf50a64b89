// SPDX-License-Identifier: Apache-2.0
#include "router.h"

#include "api_error.h"

#include <set>

namespace tempest::ui {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        auto slash = path.find('/', i);
        if (slash == std::string::npos) {
            slash = path.size();
        }
        if (slash > i) {
            out.push_back(path.substr(i, slash - i));
        }
        i = slash + 1;
    }
    return out;
}

void router::add(std::string method, const std::string& pattern, route_handler h) {
    _routes.push_back({std::move(method), split_path(pattern), std::move(h)});
}

http_response router::dispatch(const http_request& req) const {
    const auto segments = split_path(req.path);
    std::set<std::string> allowed;
    for (const auto& r : _routes) {
        if (r.segments.size() != segments.size()) {
            continue;
        }
        path_params params;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            const auto& p = r.segments[i];
            if (!p.empty() && p.front() == ':') {
                params[p.substr(1)] = segments[i];
            } else {
                match = p == segments[i];
            }
        }
        if (!match) {
            continue;
        }
        if (r.method != req.method) {
            allowed.insert(r.method);
            continue;
        }
        return r.handler(req, params);
    }
    if (!allowed.empty()) {
        std::string allow;
        for (const auto& m : allowed) {
            allow += allow.empty() ? m : ", " + m;
        }
        auto res = error_response(
            405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
        res.headers.emplace_back("Allow", allow);
        return res;
    }
    return error_response(404, "no such resource: " + req.path);
}

}  // namespace tempest::ui
