// SPDX-License-Identifier: Apache-2.0
#include "logviewer_routes.h"

#include "api_error.h"
#include "logger.h"
#include "logviewer_search.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace tempest::ui {

using json = nlohmann::json;

namespace {

// The value of query parameter `name`, if present.
std::optional<std::string> param(const http_request& req, const std::string& name) {
    if (auto it = req.query.find(name); it != req.query.end()) {
        return it->second;
    }
    return std::nullopt;
}

// Query parameter `name` as a whole number in [min, max]; nullopt when absent. 400 otherwise.
std::optional<std::uint64_t> uint_param(const http_request& req, const std::string& name,
                                        std::uint64_t min, std::uint64_t max) {
    auto text = param(req, name);
    if (!text) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || v < min ||
        v > max) {
        throw log_access_error(400, fmt::format("bad parameter '{}' '{}': expected a whole number "
                                                "from {} to {}",
                                                name, *text, min, max));
    }
    return v;
}

std::string file_param(const http_request& req) {
    return param(req, "file").value_or("");
}

bool valid_callback(const std::string& cb) {
    return !cb.empty() && cb.size() <= 128 && std::all_of(cb.begin(), cb.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '.';
    });
}

// JSON (JSONP with `callback`, as Storm's logviewer). Bytes that are not UTF-8 (a page may cut
// a character in two; logs may hold anything) become U+FFFD rather than failing the reply.
http_response json_reply(const json& body, const http_request& req) {
    http_response res;
    res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    if (auto cb = param(req, "callback")) {
        if (!valid_callback(*cb)) {
            throw log_access_error(
                400,
                "bad callback '" + *cb + "': expected a JavaScript name (letters, digits, _ $ .)");
        }
        res.content_type = "application/javascript";
        res.body = *cb + "(" + res.body + ");";
    }
    return res;
}

const char* html_style =
    "body{font-family:sans-serif;margin:1em}pre{white-space:pre-wrap;word-break:break-all;"
    "background:#f6f6f6;padding:.5em;font-size:.85em}.pager a,.pager span{margin-right:1em}"
    "mark{background:#fd5}form{margin:.5em 0}.match{border-top:1px solid #ccc;margin-top:.5em}";

std::string html_page(const std::string& title, const std::string& body) {
    return fmt::format(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>{} - Tempest log "
        "viewer</title><style>{}</style></head>\n<body>\n{}</body></html>\n",
        html_escape(title), html_style, body);
}

http_response html_reply(int status, const std::string& title, const std::string& body) {
    http_response res;
    res.status = status;
    res.content_type = "text/html; charset=utf-8";
    res.body = html_page(title, body);
    return res;
}

std::string log_link(const std::string& file, std::optional<std::uint64_t> start,
                     std::uint64_t length) {
    std::string url = "/log?file=" + url_encode(file);
    if (start) {
        url += fmt::format("&start={}", *start);
    }
    if (length != default_page_bytes) {
        url += fmt::format("&length={}", length);
    }
    return url;
}

// Storm's pager: first, previous, next, last (the end of the file).
std::string pager(const std::string& file, const log_page& page, std::uint64_t length) {
    std::string out = "<p class=\"pager\">";
    auto link = [&](const std::string& text, std::optional<std::uint64_t> start, bool enabled) {
        if (enabled) {
            out += fmt::format("<a href=\"{}\">{}</a>", html_escape(log_link(file, start, length)),
                               text);
        } else {
            out += fmt::format("<span>{}</span>", text);
        }
    };
    const std::uint64_t end = page.start + page.content.size();
    link("First", std::uint64_t{0}, page.start > 0);
    link("Prev", page.start > length ? page.start - length : 0, page.start > 0);
    link("Next", end, end < page.size);
    link("Last", std::nullopt, end < page.size);
    out += fmt::format("<span>bytes {}&ndash;{} of {}</span></p>\n", page.start, end, page.size);
    return out;
}

std::string search_form(const std::string& file, const std::string& value) {
    return fmt::format(
        "<form action=\"/log\" method=\"get\"><input type=\"hidden\" name=\"file\" value=\"{}\">"
        "<input type=\"search\" name=\"search-string\" value=\"{}\" maxlength=\"{}\" "
        "placeholder=\"search this file\"> <input type=\"submit\" value=\"Search\"> "
        "<a href=\"{}\">Download full file</a></form>\n",
        html_escape(file), html_escape(value), max_search_bytes,
        html_escape("/download?file=" + url_encode(file)));
}

// Storm's file switcher: the other logs of the same topology on this node.
std::string file_switcher(const log_folder& folder, const std::string& file) {
    const auto slash = file.find('/');
    if (slash == std::string::npos) {
        return "";
    }
    const auto files = folder.list(file.substr(0, slash), std::nullopt);
    if (files.size() < 2) {
        return "";
    }
    std::string out = "<form action=\"/log\" method=\"get\"><select name=\"file\">";
    for (const auto& f : files) {
        out += fmt::format("<option value=\"{}\"{}>{}</option>", html_escape(f),
                           f == file ? " selected" : "", html_escape(f));
    }
    return out + "</select> <input type=\"submit\" value=\"Switch file\"></form>\n";
}

// Checks Storm's search parameters: search-string of 1..1024 bytes, num-matches, offset.
struct search_params {
    std::string needle;
    std::size_t num_matches = 10;
    std::uint64_t start = 0;
};

search_params parse_search(const http_request& req) {
    search_params p;
    p.needle = param(req, "search-string").value_or("");
    if (p.needle.empty() || p.needle.size() > max_search_bytes) {
        throw log_access_error(400, fmt::format("bad parameter 'search-string': it must be 1 to {} "
                                                "bytes (UTF-8), got {}",
                                                max_search_bytes, p.needle.size()));
    }
    p.num_matches = static_cast<std::size_t>(
        uint_param(req, "num-matches", 1, max_search_matches).value_or(10));
    p.start = uint_param(req, "start-byte-offset", 0, std::numeric_limits<std::int64_t>::max())
                  .value_or(0);
    return p;
}

// Storm's logviewerURL: the page of default size centred on the match.
std::string match_url(const std::string& base, const std::string& file, std::uint64_t offset,
                      std::size_t needle_size) {
    const std::uint64_t half = default_page_bytes / 2;
    const std::uint64_t centre = offset + needle_size / 2;
    const std::uint64_t start = centre > half ? centre - half : 0;
    return fmt::format("{}/log?file={}&start={}&length={}", base, url_encode(file), start,
                       default_page_bytes);
}

template <typename Fn>
router::route_handler json_route(Fn fn) {
    return [fn = std::move(fn)](const http_request& req, const path_params&) {
        try {
            return fn(req);
        } catch (const log_access_error& e) {
            return error_response(e.status(), e.what());
        } catch (const std::exception& e) {
            log().error("{} {} failed: {}", req.method, req.path, e.what());
            return error_response(500, e.what());
        }
    };
}

http_response log_html(const log_folder& folder, const http_request& req) {
    const std::string requested = file_param(req);
    try {
        const resolved_log f = folder.resolve(requested);
        const std::uint64_t length =
            uint_param(req, "length", 1, std::numeric_limits<std::int64_t>::max())
                .value_or(default_page_bytes);
        std::string body =
            fmt::format("<h3>{}</h3>\n<p><a href=\"/\">All logs</a></p>\n", html_escape(f.name));
        if (auto s = param(req, "search-string"); s && !s->empty()) {
            const search_params sp = parse_search(req);
            const log_search_result r = search_log(f.path, sp.needle, sp.num_matches, sp.start);
            body += search_form(f.name, sp.needle);
            body += fmt::format("<p>{} match{} of <code>{}</code> from byte {} of {}</p>\n",
                                r.matches.size(), r.matches.size() == 1 ? "" : "es",
                                html_escape(sp.needle), sp.start, r.size);
            for (const auto& m : r.matches) {
                body += fmt::format(
                    "<div class=\"match\"><a href=\"{}\">byte {}</a><pre>{}<mark>{}</mark>{}</pre>"
                    "</div>\n",
                    html_escape(match_url("", f.name, m.byte_offset, sp.needle.size())),
                    m.byte_offset, html_escape(m.before), html_escape(sp.needle),
                    html_escape(m.after));
            }
            if (r.next_byte_offset) {
                body += fmt::format(
                    "<p><a href=\"{}\">More matches</a></p>\n",
                    html_escape(fmt::format("/log?file={}&search-string={}&num-matches={}&"
                                            "start-byte-offset={}",
                                            url_encode(f.name), url_encode(sp.needle),
                                            sp.num_matches, *r.next_byte_offset)));
            }
            return html_reply(200, f.name, body);
        }
        const log_page page = log_folder::read_page(
            f.path, uint_param(req, "start", 0, std::numeric_limits<std::int64_t>::max()), length);
        const std::uint64_t page_length = std::min(length, max_page_bytes);
        body += search_form(f.name, "");
        body += file_switcher(folder, f.name);
        body += pager(f.name, page, page_length);
        body += "<pre id=\"logContent\">" + html_escape(page.content) + "</pre>\n";
        body += pager(f.name, page, page_length);
        return html_reply(200, f.name, body);
    } catch (const log_access_error& e) {
        return html_reply(
            e.status(), reason_phrase(e.status()),
            fmt::format("<h3>{} {}</h3>\n<p>{}</p>\n<p><a href=\"/\">All logs</a></p>\n",
                        e.status(), reason_phrase(e.status()), html_escape(e.what())));
    }
}

}  // namespace

void add_logviewer_routes(router& r, const log_folder& folder,
                          std::function<std::string()> base_url) {
    const auto max_offset = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

    r.add("GET", "/", [&folder](const http_request&, const path_params&) {
        std::string body = fmt::format("<h3>Worker logs</h3>\n<p>Folder {}</p>\n<ul>\n",
                                       html_escape(folder.root().string()));
        const auto files = folder.list(std::nullopt, std::nullopt);
        for (const auto& f : files) {
            body += fmt::format("<li><a href=\"{}\">{}</a></li>\n",
                                html_escape(log_link(f, std::nullopt, default_page_bytes)),
                                html_escape(f));
        }
        body += "</ul>\n";
        if (files.empty()) {
            body += "<p>No worker logs on this node yet.</p>\n";
        }
        return html_reply(200, "Worker logs", body);
    });

    r.add("GET", "/log",
          [&folder](const http_request& req, const path_params&) { return log_html(folder, req); });

    r.add("GET", "/api/v1/log", json_route([&folder, max_offset](const http_request& req) {
              const resolved_log f = folder.resolve(file_param(req));
              const std::uint64_t length =
                  uint_param(req, "length", 1, max_offset).value_or(default_page_bytes);
              const log_page page =
                  log_folder::read_page(f.path, uint_param(req, "start", 0, max_offset), length);
              return json_reply(json{{"file", f.name},
                                     {"start", page.start},
                                     {"length", page.content.size()},
                                     {"size", page.size},
                                     {"content", page.content}},
                                req);
          }));

    auto download = json_route([&folder](const http_request& req) {
        const resolved_log f = folder.resolve(file_param(req));
        std::error_code ec;
        const auto size = std::filesystem::file_size(f.path, ec);
        if (ec) {
            throw log_access_error(404, "cannot read '" + f.name + "': " + ec.message());
        }
        http_response res;
        res.content_type = "application/octet-stream";
        std::string name = f.path.filename().string();
        // The file name for the browser's download, with what could break the header dropped.
        std::erase_if(name, [](char c) { return c == '"' || c == '\\' || c < 0x20; });
        res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
        res.file = http_file_body{f.path.string(), 0, size};
        return res;
    });
    r.add("GET", "/download", download);
    r.add("GET", "/api/v1/download", download);

    auto search = json_route([&folder, base_url](const http_request& req) {
        const resolved_log f = folder.resolve(file_param(req));
        const search_params sp = parse_search(req);
        const log_search_result result = search_log(f.path, sp.needle, sp.num_matches, sp.start);
        const std::string base = base_url();
        json matches = json::array();
        for (const auto& m : result.matches) {
            matches.push_back(
                {{"byteOffset", m.byte_offset},
                 {"beforeString", m.before},
                 {"afterString", m.after},
                 {"matchString", sp.needle},
                 {"logviewerURL", match_url(base, f.name, m.byte_offset, sp.needle.size())}});
        }
        json body{{"isDaemon", "no"},
                  {"searchString", sp.needle},
                  {"startByteOffset", sp.start},
                  {"matches", std::move(matches)}};
        if (result.next_byte_offset) {
            body["nextByteOffset"] = *result.next_byte_offset;
        }
        return json_reply(body, req);
    });
    r.add("GET", "/search", search);
    r.add("GET", "/api/v1/search", search);

    r.add("GET", "/api/v1/listLogs", json_route([&folder](const http_request& req) {
              auto topology = param(req, "topologyId");
              auto port = param(req, "port");
              if (topology && topology->empty()) {
                  topology.reset();
              }
              if (port && port->empty()) {
                  port.reset();
              }
              if (port) {
                  (void)uint_param(req, "port", 1, 65535);  // 400 unless a port number
              }
              return json_reply(json(folder.list(topology, port)), req);
          }));
}

}  // namespace tempest::ui
