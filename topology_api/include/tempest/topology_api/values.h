// SPDX-License-Identifier: Apache-2.0
// values: the list of values a tuple carries, kept in Tempest's compact binary encoding in a
// buffer inline in the object (heap only past inline_capacity bytes). Building one encodes each
// value once; reading decodes in place (strings come back as views), so a tuple moves through
// queues and onto the wire as one memcpy with no per-value allocation.
//
// Encoding, per value: one tag byte (value_type), then
//   null: nothing | bool: 1 byte | int64, double: 8 bytes little-endian |
//   string, bytes: u32 length + the bytes | list: u32 count + that many encoded values.
#pragma once

#include "tempest/topology_api/value.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tempest {

class values;

template <typename T>
concept encodable =
    !std::same_as<std::remove_cvref_t<T>, values> &&
    (std::same_as<std::remove_cvref_t<T>, bool> || std::integral<std::remove_cvref_t<T>> ||
     std::floating_point<std::remove_cvref_t<T>> || std::convertible_to<T, std::string_view> ||
     std::same_as<std::remove_cvref_t<T>, bytes> || std::same_as<std::remove_cvref_t<T>, value> ||
     std::same_as<std::remove_cvref_t<T>, value::list> ||
     std::same_as<std::remove_cvref_t<T>, std::nullptr_t>);

class values {
  public:
    // The object is 140 bytes; its 10-byte header (sizes) comes first, so that in a tuple the
    // first encoded bytes share the tuple's first cache line (tuple.h). Past inline_capacity
    // the bytes live on the heap, and the first 8 inline bytes hold the heap pointer.
    static constexpr std::uint32_t inline_capacity = 130;

    values() noexcept {}
    // values{"fox", 3, 2.5}: encodes each argument in order.
    template <typename... Ts>
    requires(sizeof...(Ts) > 0 && (encodable<Ts> && ...)) values(Ts&&... vs) {
        (add(std::forward<Ts>(vs)), ...);
    }
    values(const values& o);
    values(values&& o) noexcept;
    values& operator=(const values& o);
    values& operator=(values&& o) noexcept;
    ~values() { release(); }
    // Exchanges contents, each side keeping a heap buffer it owns only if it ends up holding
    // heap-sized content; inline content moves by its used bytes only. The runtime swaps tuples
    // between queue slots with it, so both keep their buffers for reuse.
    void swap(values& o) noexcept {
        if (on_heap() && o.on_heap()) {
            std::byte* mine = heap();
            std::uint32_t cap = _capacity;
            set_heap(o.heap(), o._capacity);
            o.set_heap(mine, cap);
        } else if (!on_heap() && !o.on_heap()) {
            std::byte tmp[inline_capacity];
            std::memcpy(tmp, _inline, _size);
            std::memcpy(_inline, o._inline, o._size);
            std::memcpy(o._inline, tmp, _size);
        } else {
            // One heap buffer: it goes with the heap content, the inline bytes the other way.
            values& h = on_heap() ? *this : o;
            values& i = on_heap() ? o : *this;
            std::byte* buf = h.heap();  // before the inline bytes overwrite it
            std::uint32_t cap = h._capacity;
            std::memcpy(h._inline, i._inline, i._size);
            h._capacity = inline_capacity;
            i.set_heap(buf, cap);
        }
        std::swap(_size, o._size);
        std::swap(_count, o._count);
    }
    friend void swap(values& a, values& b) noexcept { a.swap(b); }

    static values from_list(const value::list& l);

    // Appending.
    void add(std::nullptr_t) { put_tag(value_type::null, 0); }
    void add(bool b) {
        std::byte* p = put_tag(value_type::boolean, 1);
        *p = static_cast<std::byte>(b ? 1 : 0);
    }
    template <std::integral T>
    requires(!std::same_as<T, bool>) void add(T i) { add_int(static_cast<std::int64_t>(i)); }
    template <std::floating_point T>
    void add(T d) {
        add_double(static_cast<double>(d));
    }
    void add(std::string_view s) { add_blob(value_type::string, s.data(), s.size()); }
    void add(const char* s) { add(std::string_view(s)); }
    void add(const std::string& s) { add(std::string_view(s)); }
    void add(const bytes& b) { add_blob(value_type::bytes, b.data.data(), b.data.size()); }
    void add_bytes(std::span<const std::byte> b) {
        add_blob(value_type::bytes, b.data(), b.size());
    }
    void add(const value& v);
    void add(const value::list& l);
    void add_int(std::int64_t i) {
        std::byte* p = put_tag(value_type::int64, 8);
        std::memcpy(p, &i, 8);
    }
    void add_double(double d) {
        std::byte* p = put_tag(value_type::float64, 8);
        std::memcpy(p, &d, 8);
    }
    void clear() noexcept {
        _size = 0;
        _count = 0;
    }

    // Reading by position. Each throws type_error on a wrong type or an index out of range.
    std::size_t size() const noexcept { return _count; }
    bool empty() const noexcept { return _count == 0; }
    value_type type_at(std::size_t i) const { return static_cast<value_type>(*locate(i)); }
    bool is_null(std::size_t i) const { return type_at(i) == value_type::null; }
    std::string_view get_string(std::size_t i) const {
        const std::byte* p = expect(i, value_type::string);
        std::uint32_t n;
        std::memcpy(&n, p + 1, 4);
        return {reinterpret_cast<const char*>(p + 5), n};
    }
    std::span<const std::byte> get_bytes(std::size_t i) const {
        const std::byte* p = expect(i, value_type::bytes);
        std::uint32_t n;
        std::memcpy(&n, p + 1, 4);
        return {p + 5, n};
    }
    std::int64_t get_int(std::size_t i) const {
        const std::byte* p = expect(i, value_type::int64);
        std::int64_t v;
        std::memcpy(&v, p + 1, 8);
        return v;
    }
    double get_double(std::size_t i) const;  // an int64 widens to double
    bool get_bool(std::size_t i) const {
        return *(expect(i, value_type::boolean) + 1) != std::byte{0};
    }
    value get(std::size_t i) const;  // owned copy of any type, lists included
    value::list to_list() const;     // all values, owned
    std::string to_string() const;   // "[\"fox\", 3]"

    // The encoded form: exactly the bytes appended so far.
    std::span<const std::byte> encoded() const noexcept { return {data(), _size}; }
    // Replaces the content with `count` values encoded in `bytes`, after checking that the
    // encoding is well formed (a truncated or garbage buffer returns false and leaves *this
    // empty). Used by the transport on bytes from the network. Inline for the most common
    // tuple, one string (a word, a sentence): well formed exactly when its length is the rest of
    // the bytes, checked here without a call; anything else is walked by assign_checked().
    bool assign_encoded(std::span<const std::byte> bytes, std::uint16_t count) {
        if (count == 1 && bytes.size() >= 5 && bytes.size() <= 0xffffffffu &&
            static_cast<value_type>(bytes[0]) == value_type::string) {
            std::uint32_t len;
            std::memcpy(&len, bytes.data() + 1, 4);
            if (len == bytes.size() - 5) {
                assign_trusted(bytes.data(), static_cast<std::uint32_t>(bytes.size()), 1);
                return true;
            }
        }
        return assign_checked(bytes, count);
    }
    // Replaces the content with already trusted encoded bytes (a copy of another values'
    // encoded()).
    // Inline: this is the per-tuple copy into a queue slot.
    void assign_trusted(const std::byte* bytes, std::uint32_t size, std::uint16_t count) {
        if (size > _capacity) [[unlikely]] {
            clear();
            grow(size);
        }
        copy_encoded(data(), bytes, size);
        _size = size;
        _count = count;
    }

    // assign_trusted(src's encoding) when it needs no call: both inline (this not on the heap)
    // and at most 128 bytes. Returns false, changing nothing, otherwise. The runtime's common
    // emit copies a tuple into its queue slot with it.
    [[gnu::always_inline]] bool assign_small(const values& src) noexcept {
        const std::uint32_t n = src._size;
        if (n > 128 || on_heap()) [[unlikely]] {
            return false;
        }
        copy_upto_128(_inline, src.data(), n);
        _size = n;
        _count = src._count;
        return true;
    }

    friend bool operator==(const values& a, const values& b) noexcept {
        return a._count == b._count && a._size == b._size &&
               std::memcmp(a.data(), b.data(), a._size) == 0;
    }

  private:
    // assign_encoded() for any encoding: walks it (well_formed) before copying it.
    bool assign_checked(std::span<const std::byte> bytes, std::uint16_t count);
    // Copies n bytes from `src` to `dst`, which are either disjoint or the same buffer (a
    // values assigned its own bytes). Encodings up to 128 bytes are copied inline, by
    // copy_upto_128, instead of a call to memmove.
    static void copy_encoded(std::byte* dst, const std::byte* src, std::uint32_t n) noexcept {
        if (n <= 128) [[likely]] {
            copy_upto_128(dst, src, n);
        } else {
            std::memmove(dst, src, n);
        }
    }
    // copy_encoded for n <= 128: from 16 bytes on, 16-byte moves from the front and from the
    // back (2, 4 or 8 of them, overlapping in the middle; one size test per class instead of
    // one per 16 bytes), shorter ones by copy_short. No byte past n is written.
    [[gnu::always_inline]] static void copy_upto_128(std::byte* dst, const std::byte* src,
                                                     std::uint32_t n) noexcept {
        struct chunk {
            std::uint64_t a, b;
        };
        // Blocks from the front and, overlapping them, from the back: all loads of a pair of
        // halves before their stores, so that `dst` may be `src`.
        auto move32 = [&](std::uint32_t a, std::uint32_t b) {
            chunk x, y;
            std::memcpy(&x, src + a, 16);
            std::memcpy(&y, src + b, 16);
            std::memcpy(dst + a, &x, 16);
            std::memcpy(dst + b, &y, 16);
        };
        if (n > 64) {
            move32(0, 16);
            move32(32, 48);
            move32(n - 64, n - 48);
            move32(n - 32, n - 16);
        } else if (n > 32) {
            move32(0, 16);
            move32(n - 32, n - 16);
        } else if (n >= 16) {
            move32(0, n - 16);
        } else {
            copy_short(dst, src, n);
        }
    }
    // Copies n < 16 bytes with at most two loads and two stores, both loads first (so `dst` may
    // be `src`): what memcpy does for short sizes, without the call. Strings and encodings of a
    // word are this short.
    [[gnu::always_inline]] static void copy_short(std::byte* dst, const std::byte* src,
                                                  std::size_t n) noexcept {
        auto move2 = [&](auto word) {
            decltype(word) a, b;
            std::memcpy(&a, src, sizeof(word));
            std::memcpy(&b, src + n - sizeof(word), sizeof(word));
            std::memcpy(dst, &a, sizeof(word));
            std::memcpy(dst + n - sizeof(word), &b, sizeof(word));
        };
        if (n >= 8) {
            move2(std::uint64_t{});
        } else if (n >= 4) {
            move2(std::uint32_t{});
        } else if (n >= 2) {
            move2(std::uint16_t{});
        } else if (n == 1) {
            dst[0] = src[0];
        }
    }
    // On the heap exactly when the capacity exceeds the inline buffer's.
    bool on_heap() const noexcept { return _capacity > inline_capacity; }
    std::byte* heap() const noexcept {
        std::byte* p;
        std::memcpy(&p, _inline, sizeof p);
        return p;
    }
    // Requires: cap > inline_capacity; the inline bytes are no longer needed.
    void set_heap(std::byte* p, std::uint32_t cap) noexcept {
        std::memcpy(_inline, &p, sizeof p);
        _capacity = cap;
    }
    const std::byte* data() const noexcept { return on_heap() ? heap() : _inline; }
    std::byte* data() noexcept { return on_heap() ? heap() : _inline; }
    // Reserves 1 + n bytes, writes the tag and returns where the n payload bytes go.
    std::byte* put_tag(value_type t, std::uint32_t n) {
        if (_size + 1 + n > _capacity) [[unlikely]] {
            grow(_size + 1 + n);
        }
        std::byte* p = data() + _size;
        *p = static_cast<std::byte>(t);
        _size += 1 + n;
        ++_count;
        return p + 1;
    }
    void add_blob(value_type t, const void* src, std::size_t n) {
        std::byte* p = put_tag(t, static_cast<std::uint32_t>(4 + n));
        auto len = static_cast<std::uint32_t>(n);
        std::memcpy(p, &len, 4);
        if (n < 16) [[likely]] {
            copy_short(p + 4, static_cast<const std::byte*>(src), n);
        } else {
            std::memcpy(p + 4, src, n);
        }
    }
    const std::byte* locate(std::size_t i) const {
        if (i == 0 && _count > 0) [[likely]] {
            return data();
        }
        return locate_slow(i);
    }
    const std::byte* locate_slow(std::size_t i) const;
    const std::byte* expect(std::size_t i, value_type t) const {
        const std::byte* p = locate(i);
        if (static_cast<value_type>(*p) != t) [[unlikely]] {
            throw_type(i, t, static_cast<value_type>(*p));
        }
        return p;
    }
    [[noreturn]] static void throw_type(std::size_t i, value_type want, value_type got);
    void grow(std::uint32_t need);
    void release() noexcept;

    std::uint32_t _size = 0;
    std::uint32_t _capacity = inline_capacity;
    std::uint16_t _count = 0;
    std::byte _inline[inline_capacity];  // the bytes, or on the heap the heap pointer
};

static_assert(sizeof(values) == 140 && alignof(values) == 4);

}  // namespace tempest
