// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/stats_record.h"

#include <algorithm>

namespace tempest::common {

namespace {

constexpr std::uint64_t version = 1;
// Bounds what a decoder allocates for a hostile count before the bytes run out.
constexpr std::uint64_t max_count = 1 << 20;

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

class reader {
  public:
    explicit reader(std::string_view b) : _b(b) {}
    bool varint(std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (_pos >= _b.size()) {
                return false;
            }
            auto byte = static_cast<std::uint8_t>(_b[_pos++]);
            v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                return true;
            }
        }
        return false;  // more than ten bytes
    }
    bool string(std::string& s) {
        std::uint64_t n = 0;
        if (!varint(n) || n > _b.size() - _pos) {
            return false;
        }
        s.assign(_b.substr(_pos, n));
        _pos += n;
        return true;
    }
    bool done() const { return _pos == _b.size(); }
    std::size_t left() const { return _b.size() - _pos; }

  private:
    std::string_view _b;
    std::size_t _pos = 0;
};

}  // namespace

void stats_record::add(stat_kind kind, const stream_key& key, const window_values& v) {
    auto k = std::find(keys.begin(), keys.end(), key);
    auto index = static_cast<std::uint32_t>(k - keys.begin());
    if (k == keys.end()) {
        keys.push_back(key);
    }
    auto e = std::find_if(entries.begin(), entries.end(),
                          [&](const stat_entry& x) { return x.kind == kind && x.key == index; });
    if (e == entries.end()) {
        entries.push_back(stat_entry{kind, index, v});
        return;
    }
    for (std::size_t w = 0; w < num_windows; ++w) {
        e->values[w] += v[w];
    }
}

window_values stats_record::get(stat_kind kind, const stream_key& key) const {
    auto k = std::find(keys.begin(), keys.end(), key);
    if (k == keys.end()) {
        return {};
    }
    auto index = static_cast<std::uint32_t>(k - keys.begin());
    for (const auto& e : entries) {
        if (e.kind == kind && e.key == index) {
            return e.values;
        }
    }
    return {};
}

std::string encode_stats(const stats_record& r) {
    std::string out;
    out.reserve(8 + r.keys.size() * 16 + r.entries.size() * 12);
    put_varint(out, version);
    put_varint(out, r.keys.size());
    for (const auto& k : r.keys) {
        put_string(out, k.component);
        put_string(out, k.stream);
    }
    put_varint(out, r.entries.size());
    for (const auto& e : r.entries) {
        out.push_back(static_cast<char>(e.kind));
        put_varint(out, e.key);
        for (std::uint64_t v : e.values) {
            put_varint(out, v);
        }
    }
    return out;
}

result<stats_record> decode_stats(std::string_view bytes) {
    const auto bad = std::make_error_code(std::errc::bad_message);
    reader in(bytes);
    std::uint64_t v = 0;
    if (!in.varint(v) || v != version) {
        return bad;
    }
    stats_record r;
    std::uint64_t nkeys = 0;
    // A key takes at least 2 bytes (two lengths), an entry at least 6 (kind, key, four values):
    // a count the bytes left cannot back is refused before anything is sized for it.
    if (!in.varint(nkeys) || nkeys > max_count || nkeys > in.left() / 2) {
        return bad;
    }
    r.keys.resize(nkeys);
    for (auto& k : r.keys) {
        if (!in.string(k.component) || !in.string(k.stream)) {
            return bad;
        }
    }
    std::uint64_t nentries = 0;
    if (!in.varint(nentries) || nentries > max_count || nentries > in.left() / 6) {
        return bad;
    }
    r.entries.resize(nentries);
    for (auto& e : r.entries) {
        std::uint64_t kind = 0;
        std::uint64_t key = 0;
        if (!in.varint(kind) || kind >= num_stat_kinds || !in.varint(key) || key >= nkeys) {
            return bad;
        }
        e.kind = static_cast<stat_kind>(kind);
        e.key = static_cast<std::uint32_t>(key);
        for (auto& x : e.values) {
            if (!in.varint(x)) {
                return bad;
            }
        }
    }
    if (!in.done()) {
        return bad;
    }
    return r;
}

}  // namespace tempest::common
