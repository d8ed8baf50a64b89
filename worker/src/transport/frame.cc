// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/frame.h"

#include "tuple_access.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tempest::worker::transport {

using detail::message_kind;
using detail::tuple_access;

namespace {

static_assert(std::endian::native == std::endian::little,
              "the frame format is little-endian; add byte swapping for big-endian hosts");

// Stores values at a cursor into bytes already sized for them.
struct writer {
    std::byte* p;
    template <typename T>
    void put(T v) noexcept {
        std::memcpy(p, &v, sizeof(T));
        p += sizeof(T);
    }
};

template <typename T>
void put_at(frame_bytes& buf, std::size_t at, T v) {
    std::memcpy(buf.data() + at, &v, sizeof(T));
}

// A bounds-checked cursor over untrusted bytes.
class reader {
  public:
    explicit reader(std::span<const std::byte> b) : _p(b.data()), _left(b.size()) {}

    template <typename T>
    bool get(T& v) noexcept {
        if (_left < sizeof(T)) {
            return false;
        }
        std::memcpy(&v, _p, sizeof(T));
        _p += sizeof(T);
        _left -= sizeof(T);
        return true;
    }
    bool take(std::size_t n, std::span<const std::byte>& out) noexcept {
        if (_left < n) {
            return false;
        }
        out = {_p, n};
        _p += n;
        _left -= n;
        return true;
    }
    std::size_t left() const noexcept { return _left; }

  private:
    const std::byte* _p;
    std::size_t _left;
};

bool is_known_kind(std::uint8_t k) noexcept {
    return k <= static_cast<std::uint8_t>(message_kind::flow);
}

// The fewest bytes a message takes: a data repeat without anchors (its tag, its values' length).
constexpr std::size_t min_message_bytes = 1 + 4;
// A whole message's head: kind, dest, source, stream, anchor count.
constexpr std::size_t whole_head_bytes = 1 + 4 + 4 + 2 + 4;

}  // namespace

std::string_view to_string(frame_error e) noexcept {
    switch (e) {
        case frame_error::none:
            return "no error";
        case frame_error::truncated:
            return "truncated frame";
        case frame_error::bad_length:
            return "frame length out of range or inconsistent";
        case frame_error::bad_version:
            return "unsupported frame version";
        case frame_error::too_many_messages:
            return "too many messages in frame";
        case frame_error::bad_kind:
            return "unknown message kind";
        case frame_error::too_many_anchors:
            return "too many anchors in message";
        case frame_error::bad_system_message:
            return "malformed system message";
        case frame_error::bad_task:
            return "task id out of range";
        case frame_error::unknown_stream:
            return "unknown stream for source task";
        case frame_error::bad_values:
            return "malformed encoded values";
        case frame_error::value_count_mismatch:
            return "value count differs from stream fields";
        case frame_error::trailing_bytes:
            return "trailing bytes after last message";
        case frame_error::bad_repeat:
            return "repeated message head where none may be";
    }
    return "unknown frame error";
}

void schema_table::set(std::uint32_t task, std::uint16_t stream_index,
                       const detail::stream_schema* s) {
    auto& streams = _by_task.at(task);
    if (stream_index >= streams.size()) {
        streams.resize(std::size_t{stream_index} + 1, nullptr);
    }
    streams[stream_index] = s;
}

void frame_encoder::begin() {
    // The buffer's bytes past _len are writable: add() writes there without a resize per
    // message, and growing fills nothing (frame_bytes' allocator).
    if (_buf.size() < _buf.capacity()) {
        _buf.resize(_buf.capacity());
    }
    if (_buf.size() < frame_header_bytes) {
        _buf.resize(4096);
    }
    _len = frame_header_bytes;
    _count = 0;
}

void frame_encoder::grow(std::size_t need) {
    _buf.resize(std::max(need, 2 * _buf.size()));
}

void frame_encoder::add(const tuple& t) {
    // One bounds check for the whole message, then plain stores: this runs once per tuple sent
    // to another worker, and mostly takes the first branch (a data tuple repeating the head
    // before it).
    constexpr std::size_t anchor_bytes = 8 + 8;       // root, edge (or root, value)
    constexpr std::size_t values_head_bytes = 2 + 4;  // field count, encoded length
    const message_kind kind = tuple_access::kind(t);
    const detail::stream_schema* schema = tuple_access::schema(t);
    const bool data = kind == message_kind::data;
    const std::uint32_t anchors = data ? tuple_access::anchor_count(t) : 1;
    const auto dest = static_cast<std::uint32_t>(tuple_access::dest_task(t));
    const auto source = static_cast<std::uint32_t>(t.get_source_task());
    const std::uint16_t stream = schema != nullptr ? schema->stream_index : std::uint16_t{0};
    const std::uint64_t tasks = dest | std::uint64_t{source} << 32;
    const std::uint64_t shape = stream | std::uint64_t{static_cast<std::uint8_t>(kind)} << 16 |
                                std::uint64_t{anchors} << 24;
    const bool repeat = _count != 0 && tasks == _last_tasks && shape == _last_shape;
    ++_count;
    if (data && repeat) [[likely]] {
        const auto enc = t.get_values().encoded();
        const std::size_t need = _len + 1 + anchors * anchor_bytes + 4 + enc.size();
        if (need > _buf.size()) [[unlikely]] {
            grow(need);
        }
        writer w{_buf.data() + _len};
        _len = need;
        w.put(repeat_tag);
        for (std::uint32_t i = 0; i < anchors; ++i) {
            const detail::anchor& a = tuple_access::anchor_at(t, i);
            w.put(a.root);
            w.put(a.edge);
        }
        w.put(static_cast<std::uint32_t>(enc.size()));
        if (!enc.empty()) {
            std::memcpy(w.p, enc.data(), enc.size());
        }
        return;
    }
    _last_tasks = tasks;
    _last_shape = shape;
    const auto enc = data ? t.get_values().encoded() : std::span<const std::byte>{};
    const std::size_t need =
        _len + (repeat ? 1 : whole_head_bytes) + anchors * anchor_bytes +
        (data ? values_head_bytes + enc.size() : (repeat ? 0 : values_head_bytes));
    if (need > _buf.size()) [[unlikely]] {
        grow(need);
    }
    writer w{_buf.data() + _len};
    _len = need;
    if (repeat) {  // a system message
        w.put(repeat_tag);
        w.put(tuple_access::sys_root(t));
        w.put(tuple_access::sys_val(t));
        return;
    }
    w.put(static_cast<std::uint8_t>(kind));
    w.put(dest);
    w.put(source);
    w.put(stream);
    w.put(anchors);
    if (!data) {
        w.put(tuple_access::sys_root(t));
        w.put(tuple_access::sys_val(t));
        w.put(std::uint16_t{0});
        w.put(std::uint32_t{0});
        return;
    }
    for (std::uint32_t i = 0; i < anchors; ++i) {
        const detail::anchor& a = tuple_access::anchor_at(t, i);
        w.put(a.root);
        w.put(a.edge);
    }
    w.put(static_cast<std::uint16_t>(t.size()));
    w.put(static_cast<std::uint32_t>(enc.size()));
    if (!enc.empty()) {
        std::memcpy(w.p, enc.data(), enc.size());
    }
}

void frame_encoder::add_run(const run_head& h, std::span<const std::byte> bytes,
                            std::uint32_t count) {
    if (count == 0) {
        return;
    }
    const std::uint64_t tasks = h.dest | std::uint64_t{h.source} << 32;
    const std::uint64_t shape =
        h.stream | std::uint64_t{h.kind} << 16 | std::uint64_t{h.anchors} << 24;
    const bool repeat = _count != 0 && tasks == _last_tasks && shape == _last_shape;
    const bool data = h.kind == static_cast<std::uint8_t>(message_kind::data);
    // Whole, the first message has the head instead of the tag, and the value count before its
    // values (data) or a value count and length of 0 after its pair (system).
    const std::size_t extra = repeat ? 0 : whole_head_bytes - 1 + (data ? 2 : 2 + 4);
    const std::size_t need = _len + bytes.size() + extra;
    if (need > _buf.size()) [[unlikely]] {
        grow(need);
    }
    writer w{_buf.data() + _len};
    _len = need;
    _count += count;
    _last_tasks = tasks;
    _last_shape = shape;
    if (repeat) {
        std::memcpy(w.p, bytes.data(), bytes.size());
        return;
    }
    w.put(h.kind);
    w.put(h.dest);
    w.put(h.source);
    w.put(h.stream);
    w.put(h.anchors);
    const std::size_t pairs = std::size_t{16} * h.anchors;
    std::memcpy(w.p, bytes.data() + 1, pairs);
    w.p += pairs;
    w.put(data ? h.n_values : std::uint16_t{0});
    if (!data) {
        w.put(std::uint32_t{0});
    }
    // The first message's values length and values (data), then the rest of the run as it is.
    const std::size_t rest = bytes.size() - 1 - pairs;
    if (rest > 0) {
        std::memcpy(w.p, bytes.data() + 1 + pairs, rest);
    }
}

run_prefix fit_run(const run_head& h, std::span<const std::byte> bytes, std::uint32_t count,
                   std::uint32_t max_count, std::size_t max_bytes, bool at_least_one) noexcept {
    if (count <= max_count && bytes.size() <= max_bytes) {
        return {count, bytes.size()};
    }
    const bool data = h.kind == static_cast<std::uint8_t>(message_kind::data);
    const std::size_t fixed = 1 + std::size_t{16} * h.anchors + (data ? 4 : 0);
    const std::uint32_t limit = std::min(count, max_count);
    run_prefix p;
    while (p.count < limit) {
        std::size_t m = fixed;
        if (data) {
            std::uint32_t len;
            std::memcpy(&len, bytes.data() + p.bytes + fixed - 4, 4);
            m += len;
        }
        if (p.bytes + m > max_bytes && !(at_least_one && p.count == 0)) {
            break;
        }
        p.bytes += m;
        ++p.count;
    }
    return p;
}

std::span<const std::byte> frame_encoder::finish() {
    put_at<std::uint32_t>(_buf, 0, static_cast<std::uint32_t>(_len - frame_length_bytes));
    put_at<std::uint16_t>(_buf, 4, frame_version);
    put_at<std::uint32_t>(_buf, 6, _count);
    return {_buf.data(), _len};
}

frame_bytes frame_encoder::take(frame_bytes&& replacement) {
    _buf.resize(_len);  // shrinking: nothing is written
    frame_bytes out = std::move(_buf);
    _buf = std::move(replacement);
    begin();
    return out;
}

frame_error check_frame_length(std::uint32_t length, std::uint32_t max_frame_bytes) noexcept {
    if (length < frame_header_bytes - frame_length_bytes || length > max_frame_bytes) {
        return frame_error::bad_length;
    }
    return frame_error::none;
}

frame_error frame_reader::open(std::span<const std::byte> body) noexcept {
    reader r(body);
    std::uint16_t version = 0;
    std::uint32_t count = 0;
    _left = 0;
    _has_last = false;
    _plain_last = false;
    if (!r.get(version) || !r.get(count)) {
        return frame_error::truncated;
    }
    if (version != frame_version) {
        return frame_error::bad_version;
    }
    if (count > max_messages_per_frame) {
        return frame_error::too_many_messages;
    }
    // Each message needs at least its fixed fields: reject an impossible count before anything
    // is sized for it.
    if (count > r.left() / min_message_bytes) {
        return frame_error::truncated;
    }
    _p = body.data() + (body.size() - r.left());
    _n = r.left();
    _left = count;
    return frame_error::none;
}

frame_error frame_reader::head(const schema_table& schemas, message_head& h) noexcept {
    if (_n == 0) {
        return frame_error::truncated;
    }
    if (static_cast<std::uint8_t>(*_p) == repeat_tag) {
        // The last message's head, checked when it was read; only the anchors' room is new.
        if (!_has_last) {
            return frame_error::bad_repeat;
        }
        ++_p;
        --_n;
        --_left;
        h = _last;
        h.repeat = true;
        if (h.anchors > _n / 16) {
            return frame_error::truncated;
        }
        return frame_error::none;
    }
    if (_n < whole_head_bytes) {
        return frame_error::truncated;
    }
    std::memcpy(&h.kind, _p, 1);
    std::memcpy(&h.dest, _p + 1, 4);
    std::memcpy(&h.source, _p + 5, 4);
    std::memcpy(&h.stream, _p + 9, 2);
    std::memcpy(&h.anchors, _p + 11, 4);
    h.repeat = false;
    _p += whole_head_bytes;
    _n -= whole_head_bytes;
    --_left;
    if (!is_known_kind(h.kind)) {
        return frame_error::bad_kind;
    }
    if (h.dest >= schemas.num_tasks() || h.source >= schemas.num_tasks()) {
        return frame_error::bad_task;
    }
    if (h.anchors > max_anchors_per_message) {
        return frame_error::too_many_anchors;
    }
    if (h.anchors > _n / 16) {
        return frame_error::truncated;
    }
    if (_has_last && h.dest == _last.dest && h.source == _last.source && h.stream == _last.stream &&
        h.kind == _last.kind && h.anchors == _last.anchors) {
        return frame_error::bad_repeat;  // not canonical: the encoder writes a repeat
    }
    _last = h;
    _has_last = true;
    _plain_last = h.kind == static_cast<std::uint8_t>(message_kind::data) && h.anchors == 0;
    return frame_error::none;
}

frame_error frame_reader::body(const schema_table& schemas, const message_head& h, tuple& t) {
    reader r(std::span<const std::byte>(_p, _n));
    const auto kind = static_cast<message_kind>(h.kind);
    const auto advance = [&] {
        _p += _n - r.left();
        _n = r.left();
    };
    if (kind != message_kind::data) {
        std::uint64_t root = 0;
        std::uint64_t val = 0;
        std::uint16_t n_values = 0;
        std::uint32_t n_bytes = 0;
        if (h.anchors != 1 || h.stream != 0) {
            return frame_error::bad_system_message;
        }
        if (!r.get(root) || !r.get(val)) {
            return frame_error::truncated;
        }
        if (!h.repeat) {
            if (!r.get(n_values) || !r.get(n_bytes)) {
                return frame_error::truncated;
            }
            if (n_values != 0 || n_bytes != 0) {
                return frame_error::bad_system_message;
            }
        }
        tuple_access::set_header(t, nullptr, static_cast<int>(h.source), static_cast<int>(h.dest),
                                 kind);
        tuple_access::set_system(t, root, val);
        advance();
        return frame_error::none;
    }
    // A repeat's schema is its last message's (same source and stream), found when it was read.
    const detail::stream_schema* schema =
        h.repeat ? _last_schema : schemas.find(h.source, h.stream);
    if (schema == nullptr) {
        return frame_error::unknown_stream;
    }
    _last_schema = schema;
    tuple_access::set_header(t, schema, static_cast<int>(h.source), static_cast<int>(h.dest), kind);
    if (h.anchors == 0) {
        tuple_access::clear_anchors(t);
    } else if (h.anchors == 1) {
        detail::anchor a;
        (void)r.get(a.root);  // cannot fail: anchors * 16 <= left was checked by head()
        (void)r.get(a.edge);
        tuple_access::set_anchor(t, a.root, a.edge);
    } else {
        _anchors.resize(h.anchors);
        for (auto& a : _anchors) {
            (void)r.get(a.root);  // cannot fail, as above
            (void)r.get(a.edge);
        }
        tuple_access::set_anchors(t, _anchors.data(), h.anchors);
    }
    auto n_values = static_cast<std::uint16_t>(schema->fields.size());  // a repeat's
    std::uint32_t n_bytes = 0;
    std::span<const std::byte> bytes;
    if ((!h.repeat && !r.get(n_values)) || !r.get(n_bytes) || !r.take(n_bytes, bytes)) {
        return frame_error::truncated;
    }
    if (n_values != schema->fields.size()) {
        return frame_error::value_count_mismatch;
    }
    if (!tuple_access::vals(t).assign_encoded(bytes, n_values)) {
        return frame_error::bad_values;
    }
    advance();
    return frame_error::none;
}

frame_error frame_reader::finish() const noexcept {
    return _n != 0 ? frame_error::trailing_bytes : frame_error::none;
}

frame_error decode_frame_body(std::span<const std::byte> body, const schema_table& schemas,
                              decoded_batch& out) {
    out._size = 0;
    frame_reader& rd = out._reader;
    if (const frame_error e = rd.open(body); e != frame_error::none) {
        return e;
    }
    const std::uint32_t count = rd.left();
    if (out._pool.size() < count) {
        out._pool.resize(count);
    }
    message_head h;
    for (std::uint32_t i = 0; i < count; ++i) {
        frame_error e = rd.head(schemas, h);
        if (e == frame_error::none) {
            e = rd.body(schemas, h, out._pool[i]);
        }
        if (e != frame_error::none) {
            return e;
        }
    }
    if (const frame_error e = rd.finish(); e != frame_error::none) {
        return e;
    }
    out._size = count;
    return frame_error::none;
}

frame_error decode_frame(std::span<const std::byte> frame, const schema_table& schemas,
                         decoded_batch& out, std::uint32_t max_frame_bytes) {
    out.clear();
    if (frame.size() < frame_length_bytes) {
        return frame_error::truncated;
    }
    std::uint32_t length = 0;
    std::memcpy(&length, frame.data(), 4);
    if (const frame_error e = check_frame_length(length, max_frame_bytes); e != frame_error::none) {
        return e;
    }
    if (frame.size() - frame_length_bytes < length) {
        return frame_error::truncated;
    }
    if (frame.size() - frame_length_bytes > length) {
        return frame_error::trailing_bytes;
    }
    return decode_frame_body(frame.subspan(frame_length_bytes), schemas, out);
}

}  // namespace tempest::worker::transport
