// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/cluster_state.h"

namespace tempest::common {

std::string_view to_string(watch_event_type t) noexcept {
    switch (t) {
        case watch_event_type::created:
            return "created";
        case watch_event_type::deleted:
            return "deleted";
        case watch_event_type::data_changed:
            return "data_changed";
        case watch_event_type::children_changed:
            return "children_changed";
    }
    return "unknown";
}

bool is_valid_path(std::string_view path) noexcept {
    if (path.empty() || path.front() != '/') {
        return false;
    }
    if (path == "/") {
        return true;
    }
    if (path.back() == '/' || path.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") {
            return false;
        }
        start = end + 1;
    }
    return true;
}

std::string parent_path(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) {
        return "/";
    }
    return std::string(path.substr(0, slash));
}

std::string join_path(std::string_view parent, std::string_view child) {
    std::string p(parent);
    if (p.empty() || p.back() != '/') {
        p += '/';
    }
    p += child;
    return p;
}

result<void> ensure_path(cluster_state& state, std::string_view path) {
    if (!is_valid_path(path)) {
        return errc::invalid_path;
    }
    if (path == "/") {
        return {};
    }
    // Create from the top down; existing nodes (including ones created concurrently) are fine.
    std::size_t pos = 0;
    while (pos != std::string_view::npos) {
        pos = path.find('/', pos + 1);
        std::string_view prefix = path.substr(0, pos);
        auto r = state.create(prefix, "");
        if (!r && r.error() != errc::node_exists) {
            return r.error();
        }
    }
    return {};
}

result<void> remove_recursive(cluster_state& state, std::string_view path) {
    if (!is_valid_path(path) || path == "/") {
        return errc::invalid_path;
    }
    // Children may be added concurrently; retry a bounded number of times before giving up.
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto kids = state.children(path);
        if (!kids) {
            return kids.error() == errc::no_node ? result<void>() : result<void>(kids.error());
        }
        for (const auto& k : *kids) {
            auto r = remove_recursive(state, join_path(path, k));
            if (!r) {
                return r;
            }
        }
        auto r = state.remove(path);
        if (r || r.error() == errc::no_node) {
            return {};
        }
        if (r.error() != errc::not_empty) {
            return r;
        }
    }
    return errc::not_empty;
}

}  // namespace tempest::common
