// SPDX-License-Identifier: Apache-2.0
// static_assets: the pages' files (ui/web: HTML, CSS, JavaScript, and the libraries they use:
// Debian's Chart.js, the npm-pinned dagre layout) embedded in the binary at build time by
// ui/cmake/embed_assets.cmake, so `tempest ui` serves its pages with no file beside it and no
// internet access. Served with their Content-Type; the libraries as cacheable for a day, our own
// files to be revalidated (no-cache), so that an upgrade shows at once.
#pragma once

#include "router.h"

#include <cstddef>
#include <string_view>

namespace tempest::ui {

struct static_asset {
    std::string_view path;  // URL path, "/index.html"
    std::string_view content_type;
    std::string_view data;
};

// The asset served at `path` ("/" is /index.html), or nullptr.
const static_asset* find_static_asset(std::string_view path);

// Adds a GET route for each asset (and "/" for the cluster page) to `r`.
void add_static_routes(router& r);

namespace detail {

// The generated table (web_assets.cc in the build tree).
struct embedded_file {
    const char* path;
    const unsigned char* data;
    std::size_t size;
};
extern const embedded_file embedded_files[];
extern const std::size_t embedded_file_count;

}  // namespace detail

}  // namespace tempest::ui
