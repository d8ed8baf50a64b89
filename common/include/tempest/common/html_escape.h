// SPDX-License-Identifier: Apache-2.0
// html_escape: text made safe for HTML and XML (SVG) text and attribute values, for the
// logviewer's pages and tempest-bench's plots.
#pragma once

#include <string>
#include <string_view>

namespace tempest::common {

// Escapes & < > " ' as entities; every other byte passes unchanged.
std::string html_escape(std::string_view s);

}  // namespace tempest::common
