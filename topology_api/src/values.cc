// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/values.h"

#include "value_format.h"

#include <algorithm>
#include <limits>
#include <memory>

namespace tempest {

namespace {

// Deepest list nesting accepted from untrusted bytes; keeps decoding recursion bounded.
constexpr int max_list_depth = 32;

std::uint32_t read_u32(const std::byte* p) noexcept {
    std::uint32_t n;
    std::memcpy(&n, p, 4);
    return n;
}

// Returns the byte after the value starting at `p`. Requires: `p` starts a well-formed value.
// Iterative so that nested lists cost no recursion.
const std::byte* skip_value(const std::byte* p) noexcept {
    std::uint64_t pending = 1;  // values still to skip, nested list elements included
    while (pending > 0) {
        --pending;
        switch (static_cast<value_type>(*p)) {
            case value_type::null:
                p += 1;
                break;
            case value_type::boolean:
                p += 2;
                break;
            case value_type::int64:
            case value_type::float64:
                p += 9;
                break;
            case value_type::string:
            case value_type::bytes:
                p += 5 + read_u32(p + 1);
                break;
            case value_type::list:
                pending += read_u32(p + 1);
                p += 5;
                break;
        }
    }
    return p;
}

// Decodes the value starting at `p` and advances `p` past it.
// Requires: `p` starts a well-formed value (list depth bounded, see assign_encoded).
value decode_value(const std::byte*& p) {
    auto t = static_cast<value_type>(*p);
    switch (t) {
        case value_type::null:
            p += 1;
            return value();
        case value_type::boolean: {
            bool b = p[1] != std::byte{0};
            p += 2;
            return value(b);
        }
        case value_type::int64: {
            std::int64_t i;
            std::memcpy(&i, p + 1, 8);
            p += 9;
            return value(i);
        }
        case value_type::float64: {
            double d;
            std::memcpy(&d, p + 1, 8);
            p += 9;
            return value(d);
        }
        case value_type::string:
        case value_type::bytes: {
            std::uint32_t n = read_u32(p + 1);
            std::string s(reinterpret_cast<const char*>(p + 5), n);
            p += 5 + n;
            return t == value_type::string ? value(std::move(s)) : value(bytes{std::move(s)});
        }
        case value_type::list: {
            std::uint32_t n = read_u32(p + 1);
            p += 5;
            value::list l;
            l.reserve(n);
            for (std::uint32_t k = 0; k < n; ++k) {
                l.push_back(decode_value(p));
            }
            return value(std::move(l));
        }
    }
    return value();
}

// True when `in` holds exactly `count` well-formed values and nothing more. Never reads
// outside `in`.
bool well_formed(std::span<const std::byte> in, std::uint16_t count) noexcept {
    const std::size_t n = in.size();
    std::size_t pos = 0;
    // pending[d]: values still expected at nesting depth d (0 = top level).
    std::uint64_t pending[max_list_depth + 1];
    int depth = 0;
    pending[0] = count;
    auto have = [&](std::size_t k) { return n - pos >= k; };
    for (;;) {
        while (depth > 0 && pending[depth] == 0) {
            --depth;
        }
        if (pending[depth] == 0) {
            break;
        }
        --pending[depth];
        if (!have(1)) {
            return false;
        }
        auto tag = static_cast<std::uint8_t>(in[pos]);
        ++pos;
        switch (static_cast<value_type>(tag)) {
            case value_type::null:
                break;
            case value_type::boolean: {
                if (!have(1)) {
                    return false;
                }
                auto b = static_cast<std::uint8_t>(in[pos]);
                if (b > 1) {
                    return false;
                }
                pos += 1;
                break;
            }
            case value_type::int64:
            case value_type::float64:
                if (!have(8)) {
                    return false;
                }
                pos += 8;
                break;
            case value_type::string:
            case value_type::bytes: {
                if (!have(4)) {
                    return false;
                }
                std::uint32_t len = read_u32(in.data() + pos);
                pos += 4;
                if (!have(len)) {
                    return false;
                }
                pos += len;
                break;
            }
            case value_type::list: {
                if (!have(4)) {
                    return false;
                }
                std::uint32_t elems = read_u32(in.data() + pos);
                pos += 4;
                // Each element takes at least one byte: a count past the end is garbage.
                if (depth == max_list_depth || !have(elems)) {
                    return false;
                }
                pending[++depth] = elems;
                break;
            }
            default:
                return false;
        }
    }
    return pos == n;
}

std::unique_ptr<std::byte[]> allocate(std::uint32_t n) {
    return std::make_unique_for_overwrite<std::byte[]>(n);
}

}  // namespace

values::values(const values& o) {
    if (o._size > inline_capacity) {
        set_heap(allocate(o._size).release(), o._size);
    }
    if (o._size > 0) {
        std::memcpy(data(), o.data(), o._size);
    }
    _size = o._size;
    _count = o._count;
}

values::values(values&& o) noexcept {
    if (o.on_heap()) {
        set_heap(o.heap(), o._capacity);
        o._capacity = inline_capacity;
    } else if (o._size > 0) {
        std::memcpy(_inline, o._inline, o._size);
    }
    _size = o._size;
    _count = o._count;
    o._size = 0;
    o._count = 0;
}

values& values::operator=(const values& o) {
    if (this == &o) {
        return *this;
    }
    if (o._size > _capacity) {
        std::unique_ptr<std::byte[]> fresh = allocate(o._size);
        release();
        set_heap(fresh.release(), o._size);
    }
    if (o._size > 0) {
        std::memcpy(data(), o.data(), o._size);
    }
    _size = o._size;
    _count = o._count;
    return *this;
}

values& values::operator=(values&& o) noexcept {
    if (this == &o) {
        return *this;
    }
    if (o.on_heap()) {
        release();
        set_heap(o.heap(), o._capacity);
        o._capacity = inline_capacity;
    } else if (o._size > 0) {
        // Fits inline, hence in whatever buffer we have.
        std::memcpy(data(), o._inline, o._size);
    }
    _size = o._size;
    _count = o._count;
    o._size = 0;
    o._count = 0;
    return *this;
}

void values::grow(std::uint32_t need) {
    std::uint64_t cap = std::max<std::uint64_t>(std::uint64_t{_capacity} * 2, need);
    cap = std::min<std::uint64_t>(cap, std::numeric_limits<std::uint32_t>::max());
    std::unique_ptr<std::byte[]> fresh = allocate(static_cast<std::uint32_t>(cap));
    if (_size > 0) {
        std::memcpy(fresh.get(), data(), _size);
    }
    release();
    set_heap(fresh.release(), static_cast<std::uint32_t>(cap));
}

void values::release() noexcept {
    // Owned through the raw pointer so that the object stays a plain buffer; see allocate().
    if (on_heap()) {
        std::unique_ptr<std::byte[]> owned(heap());
        _capacity = inline_capacity;
    }
}

void values::add(const value& v) {
    switch (v.type()) {
        case value_type::null:
            add(nullptr);
            break;
        case value_type::boolean:
            add(v.as_bool());
            break;
        case value_type::int64:
            add_int(v.as_int());
            break;
        case value_type::float64:
            add_double(v.as_double());
            break;
        case value_type::string:
            add(std::string_view(v.as_string()));
            break;
        case value_type::bytes:
            add(v.as_bytes());
            break;
        case value_type::list:
            add(v.as_list());
            break;
    }
}

void values::add(const value::list& l) {
    // The list is one top-level value: its elements are appended with add() and the count
    // put back afterwards.
    const std::uint16_t count = _count;
    std::byte* p = put_tag(value_type::list, 4);
    auto n = static_cast<std::uint32_t>(l.size());
    std::memcpy(p, &n, 4);
    for (const value& e : l) {
        add(e);
    }
    _count = static_cast<std::uint16_t>(count + 1);
}

const std::byte* values::locate_slow(std::size_t i) const {
    if (i >= _count) [[unlikely]] {
        throw type_error("index " + std::to_string(i) + " out of range (" + std::to_string(_count) +
                         (_count == 1 ? " value)" : " values)"));
    }
    const std::byte* p = data();
    for (std::size_t k = 0; k < i; ++k) {
        p = skip_value(p);
    }
    return p;
}

void values::throw_type(std::size_t i, value_type want, value_type got) {
    throw type_error("value " + std::to_string(i) + " is " + std::string(tempest::to_string(got)) +
                     ", not " + std::string(tempest::to_string(want)));
}

double values::get_double(std::size_t i) const {
    const std::byte* p = locate(i);
    auto t = static_cast<value_type>(*p);
    if (t == value_type::float64) {
        double d;
        std::memcpy(&d, p + 1, 8);
        return d;
    }
    if (t == value_type::int64) {
        std::int64_t v;
        std::memcpy(&v, p + 1, 8);
        return static_cast<double>(v);
    }
    throw_type(i, value_type::float64, t);
}

value values::get(std::size_t i) const {
    const std::byte* p = locate(i);
    return decode_value(p);
}

value::list values::to_list() const {
    value::list l;
    l.reserve(_count);
    const std::byte* p = data();
    for (std::size_t k = 0; k < _count; ++k) {
        l.push_back(decode_value(p));
    }
    return l;
}

std::string values::to_string() const {
    return value(to_list()).to_string();
}

values values::from_list(const value::list& l) {
    values v;
    for (const value& e : l) {
        v.add(e);
    }
    return v;
}

bool values::assign_checked(std::span<const std::byte> bytes, std::uint16_t count) {
    if (bytes.size() > std::numeric_limits<std::uint32_t>::max() || !well_formed(bytes, count)) {
        clear();
        return false;
    }
    assign_trusted(bytes.data(), static_cast<std::uint32_t>(bytes.size()), count);
    return true;
}

}  // namespace tempest
