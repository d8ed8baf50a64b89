// SPDX-License-Identifier: Apache-2.0
// router: maps (method, path) to a route handler, with path parameters. A pattern is a path whose
// segments are literals or ":name" captures: "/api/v1/topology/:id/kill/:wait-time". Matching is
// by whole segments; captures take one non-empty segment (percent-decoded, as the path is).
//
// dispatch() answers 404 when no pattern matches the path and 405 (with an Allow header) when
// some do but not for this method; both as the API's JSON error. Routes are added before the
// server starts; dispatch() may then run on several threads at once.
#pragma once

#include "tempest/ui/http_types.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tempest::ui {

using path_params = std::map<std::string, std::string>;

class router {
  public:
    using route_handler = std::function<http_response(const http_request&, const path_params&)>;

    // Requires: not yet dispatching.
    void add(std::string method, const std::string& pattern, route_handler h);

    http_response dispatch(const http_request& req) const;

  private:
    struct route {
        std::string method;
        std::vector<std::string> segments;
        route_handler handler;
    };
    std::vector<route> _routes;
};

// Splits a path into its segments ("/a//b/" → "a", "b").
std::vector<std::string> split_path(const std::string& path);

}  // namespace tempest::ui
