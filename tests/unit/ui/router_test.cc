// SPDX-License-Identifier: Apache-2.0
// The UI's router (path parameters, 404, 405) and request target parsing.
#include "router.h"

#include "tempest/ui/http_types.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tempest::ui {
namespace {

http_request get(const std::string& target, const std::string& method = "GET") {
    http_request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(parse_target(target, r.path, r.query)) << target;
    return r;
}

router sample() {
    router r;
    r.add("GET", "/api/v1/topology/summary",
          [](const http_request&, const path_params&) { return http_response{.body = "summary"}; });
    r.add("POST", "/api/v1/topology/:id/kill/:wait-time",
          [](const http_request&, const path_params& p) {
              return http_response{.body = p.at("id") + "|" + p.at("wait-time")};
          });
    r.add("GET", "/api/v1/topology/:id", [](const http_request&, const path_params& p) {
        return http_response{.body = "topology " + p.at("id")};
    });
    return r;
}

TEST(router_test, matches_literals_before_a_capture_in_the_order_added) {
    auto r = sample();
    EXPECT_EQ(r.dispatch(get("/api/v1/topology/summary")).body, "summary");
    EXPECT_EQ(r.dispatch(get("/api/v1/topology/wc-1-2")).body, "topology wc-1-2");
}

TEST(router_test, captures_decoded_path_parameters) {
    auto r = sample();
    auto res = r.dispatch(get("/api/v1/topology/word%20count-1/kill/30", "POST"));
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "word count-1|30");
}

TEST(router_test, answers_404_as_json_for_an_unknown_path) {
    auto r = sample();
    for (const auto* target : {"/", "/api/v1", "/api/v1/topology/x/kill", "/nope/a/b"}) {
        auto res = r.dispatch(get(target));
        EXPECT_EQ(res.status, 404) << target;
        EXPECT_EQ(res.content_type, "application/json");
        auto j = nlohmann::json::parse(res.body);
        EXPECT_EQ(j["error"], "Not Found");
        EXPECT_TRUE(j["errorMessage"].is_string());
    }
}

TEST(router_test, answers_405_with_allow_when_only_the_method_is_wrong) {
    auto r = sample();
    auto res = r.dispatch(get("/api/v1/topology/summary", "POST"));
    EXPECT_EQ(res.status, 405);
    ASSERT_EQ(res.headers.size(), 1U);
    EXPECT_EQ(res.headers[0].first, "Allow");
    EXPECT_EQ(res.headers[0].second, "GET");
    EXPECT_EQ(nlohmann::json::parse(res.body)["error"], "Method Not Allowed");
}

TEST(router_test, parses_query_parameters_and_rejects_bad_escapes) {
    std::string path;
    std::map<std::string, std::string> query;
    ASSERT_TRUE(parse_target("/a/b?id=x%2Fy&host=h+1&flag&id2=", path, query));
    EXPECT_EQ(path, "/a/b");
    EXPECT_EQ(query["id"], "x/y");
    EXPECT_EQ(query["host"], "h 1");
    EXPECT_EQ(query.count("flag"), 1U);
    EXPECT_EQ(query["id2"], "");
    EXPECT_FALSE(parse_target("/a%2", path, query));
    EXPECT_FALSE(parse_target("/a?x=%zz", path, query));
    EXPECT_FALSE(parse_target("http://host/a", path, query));
    EXPECT_FALSE(parse_target("", path, query));
}

TEST(router_test, splits_paths_ignoring_empty_segments) {
    EXPECT_EQ(split_path("/a//b/"), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(split_path("/").empty());
}

}  // namespace
}  // namespace tempest::ui
