// SPDX-License-Identifier: Apache-2.0
// The pages' files embedded in the binary: each served at its path with its Content-Type and
// caching headers, "/" as the cluster page, the libraries (Chart.js, dagre) present and whole.
#include "static_assets.h"

#include "router.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tempest::ui {
namespace {

http_response get(const router& r, const std::string& path) {
    http_request req;
    req.method = "GET";
    req.target = path;
    req.path = path;
    return r.dispatch(req);
}

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string header(const http_response& res, const std::string& name) {
    for (const auto& [k, v] : res.headers) {
        if (k == name) {
            return v;
        }
    }
    return "";
}

class static_assets_test : public ::testing::Test {
  protected:
    void SetUp() override { add_static_routes(routes); }
    router routes;
};

TEST_F(static_assets_test, serves_the_cluster_page_at_the_root) {
    auto res = get(routes, "/");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.content_type, "text/html; charset=utf-8");
    EXPECT_NE(res.body.find("<title>Tempest cluster</title>"), std::string::npos);
    EXPECT_EQ(header(res, "Cache-Control"), "no-cache");
    EXPECT_EQ(get(routes, "/index.html").body, res.body);
}

TEST_F(static_assets_test, serves_each_page_script_and_style_with_its_type) {
    EXPECT_EQ(get(routes, "/topology.html").content_type, "text/html; charset=utf-8");
    EXPECT_EQ(get(routes, "/component.html").content_type, "text/html; charset=utf-8");
    EXPECT_EQ(get(routes, "/css/tempest.css").content_type, "text/css; charset=utf-8");
    EXPECT_EQ(get(routes, "/favicon.svg").content_type, "image/svg+xml");
    for (const char* js : {"/js/common.js", "/js/cluster.js", "/js/topology.js", "/js/graph.js",
                           "/js/component.js"}) {
        auto res = get(routes, js);
        EXPECT_EQ(res.status, 200) << js;
        EXPECT_EQ(res.content_type, "text/javascript; charset=utf-8") << js;
        EXPECT_EQ(header(res, "Cache-Control"), "no-cache") << js;
        EXPECT_EQ(header(res, "X-Content-Type-Options"), "nosniff") << js;
    }
    // Every page names only files that are served.
    for (const char* page : {"/index.html", "/topology.html", "/component.html"}) {
        std::string body = get(routes, page).body;
        for (auto pos = body.find("=\"/"); pos != std::string::npos;
             pos = body.find("=\"/", pos + 1)) {
            std::string ref = body.substr(pos + 2, body.find('"', pos + 2) - pos - 2);
            if (ref == "/") {
                continue;
            }
            EXPECT_NE(find_static_asset(ref), nullptr) << page << " refers to " << ref;
        }
    }
}

TEST_F(static_assets_test, embeds_the_libraries_whole_and_lets_browsers_cache_them) {
    auto chart = get(routes, "/lib/chart.min.js");
    EXPECT_EQ(chart.status, 200);
    EXPECT_EQ(header(chart, "Cache-Control"), "public, max-age=86400");
    EXPECT_GT(chart.body.size(), 100000U);
    EXPECT_NE(chart.body.find("Chart.js v3"), std::string::npos);
    auto dagre = get(routes, "/lib/dagre.min.js");
    EXPECT_EQ(dagre.status, 200);
    EXPECT_NE(dagre.body.find("var dagre="), std::string::npos);
    // Byte for byte the files the build embedded.
    // (Compared as booleans: a failure should not print half a megabyte.)
    const std::string chart_file = read_file(TEMPEST_UI_CHART_JS);
    const std::string dagre_file = read_file(TEMPEST_UI_DAGRE_JS);
    EXPECT_TRUE(chart.body == chart_file) << chart.body.size() << " bytes served, "
                                          << chart_file.size() << " in " << TEMPEST_UI_CHART_JS;
    EXPECT_TRUE(dagre.body == dagre_file) << dagre.body.size() << " bytes served, "
                                          << dagre_file.size() << " in " << TEMPEST_UI_DAGRE_JS;
    EXPECT_EQ(get(routes, "/lib/dagre.LICENSE.txt").content_type, "text/plain; charset=utf-8");
}

TEST_F(static_assets_test, answers_404_for_a_file_not_embedded) {
    EXPECT_EQ(get(routes, "/nothing.html").status, 404);
    EXPECT_EQ(get(routes, "/js/../index.html").status, 404);
    EXPECT_EQ(find_static_asset("/css/none.css"), nullptr);
}

}  // namespace
}  // namespace tempest::ui
