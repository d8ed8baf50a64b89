// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/package_bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace tempest::common {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view magic = "TMPSTRS1";
constexpr std::size_t trailer_bytes = 8 + 8 + magic.size();
constexpr std::uint32_t max_path_bytes = 4096;
constexpr std::size_t copy_chunk = 1 << 16;

class bundle_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tempest.package_bundle"; }
    std::string message(int code) const override {
        switch (static_cast<bundle_errc>(code)) {
            case bundle_errc::success:
                return "success";
            case bundle_errc::malformed:
                return "the package's resources archive is malformed";
            case bundle_errc::bad_path:
                return "the package's resources archive names a path outside its folder";
            case bundle_errc::io_error:
                return "cannot read the package or write its resources";
        }
        return "unknown package bundle error";
    }
};

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
}

std::uint64_t get_le(const char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    }
    return v;
}

// Appends the file at `from` to `out`; throws naming `from`.
void copy_into(std::ofstream& out, const fs::path& from, std::uint64_t expected) {
    std::ifstream in(from, std::ios::binary);
    if (!in) {
        throw std::runtime_error(fmt::format("cannot read '{}'", from.string()));
    }
    std::vector<char> buf(copy_chunk);
    std::uint64_t copied = 0;
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = in.gcount();
        out.write(buf.data(), n);
        copied += static_cast<std::uint64_t>(n);
    }
    if (in.bad() || copied != expected) {
        throw std::runtime_error(
            fmt::format("cannot read '{}' (it changed while being read?)", from.string()));
    }
}

struct entry {
    char kind = 'F';
    std::string path;  // relative, '/'-separated
    fs::path source;
    std::uint32_t mode = 0;
    std::uint64_t size = 0;
};

// The entries of `dir`, recursively, in name order (so a bundle is the same bytes each time).
void list_entries(const fs::path& dir, const std::string& prefix, std::vector<entry>& out) {
    std::vector<fs::path> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        names.push_back(e.path());
    }
    std::sort(names.begin(), names.end());
    for (const fs::path& p : names) {
        const std::string rel = prefix + p.filename().string();
        std::error_code ec;
        const fs::file_status st = fs::status(p, ec);  // follows links
        entry e;
        e.path = rel;
        e.source = p;
        e.mode = static_cast<std::uint32_t>(st.permissions() & fs::perms::mask);
        if (fs::is_directory(st)) {
            e.kind = 'D';
            out.push_back(e);
            list_entries(p, rel + "/", out);
        } else if (fs::is_regular_file(st)) {
            e.size = fs::file_size(p);
            out.push_back(e);
        } else {
            throw std::runtime_error(
                fmt::format("cannot ship '{}' as a resource: not a regular file or a directory{}",
                            p.string(), ec ? " (a dangling link?)" : ""));
        }
    }
}

// A path of the archive that stays inside the destination: relative, no empty, "." or ".."
// parts, no NUL or backslash tricks.
bool safe_relative(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") {
            return false;
        }
        start = end + 1;
    }
    return true;
}

struct trailer {
    std::uint64_t archive_start = 0;
    std::uint64_t archive_bytes = 0;
    std::uint64_t entries = 0;
};

// The trailer of `in` (of `size` bytes), if it has a valid one.
std::optional<trailer> read_trailer(std::ifstream& in, std::uint64_t size) {
    if (size < trailer_bytes) {
        return std::nullopt;
    }
    std::array<char, trailer_bytes> t{};
    in.seekg(static_cast<std::streamoff>(size - trailer_bytes));
    in.read(t.data(), static_cast<std::streamsize>(t.size()));
    if (!in || std::string_view(t.data() + 16, magic.size()) != magic) {
        return std::nullopt;
    }
    trailer out;
    out.archive_bytes = get_le(t.data(), 8);
    out.entries = get_le(t.data() + 8, 8);
    if (out.archive_bytes > size - trailer_bytes) {
        return std::nullopt;
    }
    out.archive_start = size - trailer_bytes - out.archive_bytes;
    return out;
}

}  // namespace

const std::error_category& bundle_category() noexcept {
    static const bundle_category_impl category;
    return category;
}

void write_package_bundle(const fs::path& package, const fs::path& resources, const fs::path& out) {
    if (!fs::is_regular_file(package)) {
        throw std::runtime_error(fmt::format("package '{}' is not a file", package.string()));
    }
    if (!fs::is_directory(resources)) {
        throw std::runtime_error(
            fmt::format("resources '{}' is not a directory", resources.string()));
    }
    std::vector<entry> entries;
    list_entries(resources, "", entries);

    std::ofstream o(out, std::ios::binary | std::ios::trunc);
    if (!o) {
        throw std::runtime_error(fmt::format("cannot write '{}'", out.string()));
    }
    copy_into(o, package, fs::file_size(package));
    std::uint64_t archive_bytes = 0;
    std::string header;
    for (const entry& e : entries) {
        header.clear();
        header.push_back(e.kind);
        put_u32(header, static_cast<std::uint32_t>(e.path.size()));
        header += e.path;
        put_u32(header, e.mode);
        put_u64(header, e.size);
        o.write(header.data(), static_cast<std::streamsize>(header.size()));
        if (e.kind == 'F') {
            copy_into(o, e.source, e.size);
        }
        archive_bytes += header.size() + e.size;
    }
    std::string t;
    put_u64(t, archive_bytes);
    put_u64(t, entries.size());
    t += magic;
    o.write(t.data(), static_cast<std::streamsize>(t.size()));
    o.close();
    if (!o) {
        throw std::runtime_error(fmt::format("cannot write '{}'", out.string()));
    }
}

bool has_bundled_resources(const fs::path& package) {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(package, ec);
    if (ec) {
        return false;
    }
    std::ifstream in(package, std::ios::binary);
    return in && read_trailer(in, size).has_value();
}

result<std::uint64_t> extract_bundled_resources(const fs::path& package, const fs::path& dest,
                                                std::string* detail) {
    auto fail = [&](bundle_errc e, std::string why) -> result<std::uint64_t> {
        if (detail != nullptr) {
            *detail = std::move(why);
        }
        return e;
    };
    std::error_code ec;
    const std::uint64_t size = fs::file_size(package, ec);
    std::ifstream in(package, std::ios::binary);
    if (ec || !in) {
        return fail(bundle_errc::io_error, "cannot read " + package.string());
    }
    const std::optional<trailer> t = read_trailer(in, size);
    if (!t) {
        return std::uint64_t{0};
    }
    if (!fs::create_directory(dest, ec) || ec) {
        return fail(bundle_errc::io_error, fmt::format("cannot create '{}': {}", dest.string(),
                                                       ec ? ec.message() : "it exists"));
    }
    in.seekg(static_cast<std::streamoff>(t->archive_start));
    std::uint64_t left = t->archive_bytes;
    std::vector<char> buf(copy_chunk);
    for (std::uint64_t i = 0; i < t->entries; ++i) {
        std::array<char, 5> head{};
        if (left < head.size() + 12 || !in.read(head.data(), head.size())) {
            return fail(bundle_errc::malformed, fmt::format("entry {} is cut short", i));
        }
        const char kind = head[0];
        const std::uint64_t path_len = get_le(head.data() + 1, 4);
        if ((kind != 'F' && kind != 'D') || path_len > max_path_bytes ||
            path_len + head.size() + 12 > left) {
            return fail(bundle_errc::malformed,
                        fmt::format("entry {} has a bad header (kind {:?}, path of {} bytes)", i,
                                    kind, path_len));
        }
        std::string path(path_len, '\0');
        std::array<char, 12> tail{};
        if (!in.read(path.data(), static_cast<std::streamsize>(path_len)) ||
            !in.read(tail.data(), tail.size())) {
            return fail(bundle_errc::malformed, fmt::format("entry {} is cut short", i));
        }
        left -= head.size() + path_len + tail.size();
        const auto mode = static_cast<std::uint32_t>(get_le(tail.data(), 4));
        const std::uint64_t bytes = get_le(tail.data() + 4, 8);
        if (!safe_relative(path)) {
            return fail(bundle_errc::bad_path, fmt::format("entry {} has path {:?}", i, path));
        }
        if (bytes > left || (kind == 'D' && bytes != 0)) {
            return fail(bundle_errc::malformed,
                        fmt::format("entry '{}' claims {} bytes, {} are left", path, bytes, left));
        }
        const fs::path target = dest / fs::path(path);
        const auto perms = static_cast<fs::perms>(mode) & fs::perms::mask;
        if (kind == 'D') {
            fs::create_directories(target, ec);
            if (ec) {
                return fail(bundle_errc::io_error,
                            fmt::format("cannot create '{}': {}", target.string(), ec.message()));
            }
            fs::permissions(target, perms | fs::perms::owner_all, ec);
            continue;
        }
        // Parent directories come as entries before their files; a file whose parent is missing
        // (or is a file) fails to open below.
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        std::uint64_t remaining = bytes;
        while (out && remaining > 0) {
            const auto n =
                static_cast<std::streamsize>(std::min<std::uint64_t>(remaining, buf.size()));
            if (!in.read(buf.data(), n)) {
                return fail(bundle_errc::malformed, fmt::format("entry '{}' is cut short", path));
            }
            out.write(buf.data(), n);
            remaining -= static_cast<std::uint64_t>(n);
        }
        out.close();
        if (!out) {
            return fail(bundle_errc::io_error, fmt::format("cannot write '{}'", target.string()));
        }
        left -= bytes;
        fs::permissions(target, perms | fs::perms::owner_read | fs::perms::owner_write, ec);
    }
    if (left != 0) {
        return fail(bundle_errc::malformed,
                    fmt::format("{} bytes after the last of {} entries", left, t->entries));
    }
    return t->entries;
}

}  // namespace tempest::common
