// SPDX-License-Identifier: Apache-2.0
// frame: the wire format of the worker-to-worker transport, its encoder and its validating
// decoder.
//
// A frame, all integers little-endian:
//   u32 length          bytes that follow this field (header rest + messages)
//   u16 version         frame_version
//   u32 message count
//   messages, each either whole:
//     u8 message kind | u32 dest task | u32 source task | u16 stream index
//     u32 anchor count | anchor count x (u64 root, u64 edge)
//     u16 value count | u32 encoded values length | the encoded values (values::encoded())
//   or a repeat, when dest, source, stream, kind and anchor count are those of the message
//   before it in the frame (a run of tuples from one task to one task, the common case):
//     u8 repeat_tag | anchor count x (u64 root, u64 edge)
//     data only: u32 encoded values length | the encoded values (the value count is the
//     stream's)
// A system message (kind != data: acker traffic) has stream index 0, exactly one pair, (root,
// value), and no values (whole: value count and length 0). The encoding is canonical: a whole
// message whose fields repeat the one before it is refused (the encoder writes a repeat), so
// that a frame that decodes re-encodes to its own bytes. The decoder checks every length against
// the frame and every count against the limits below, and values with values::assign_encoded();
// it never reads outside the given bytes.
#pragma once

#include "tempest/topology_api/tuple.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tempest::worker::transport {

// 2: the kind leads a message, and repeats (a one-byte head) exist; 1 wrote the whole head
// always, the kind after the tasks and stream.
inline constexpr std::uint16_t frame_version = 2;
inline constexpr std::uint8_t repeat_tag = 0x80;
inline constexpr std::size_t frame_length_bytes = 4;          // the u32 length prefix
inline constexpr std::size_t frame_header_bytes = 4 + 2 + 4;  // length, version, count
inline constexpr std::uint32_t default_max_frame_bytes = 64u << 20;
inline constexpr std::uint32_t max_messages_per_frame = 1u << 20;
inline constexpr std::uint32_t max_anchors_per_message = 1u << 16;

// Why a frame was rejected.
enum class frame_error : std::uint8_t {
    none = 0,
    truncated,           // the bytes end before the frame or one of its fields does
    bad_length,          // length prefix is shorter than a header, over the limit or != bytes given
    bad_version,         // version field is not frame_version
    too_many_messages,   // message count over max_messages_per_frame
    bad_kind,            // message kind is not a known message_kind
    too_many_anchors,    // anchor count over max_anchors_per_message
    bad_system_message,  // a system message with a stream index, not one pair, or values
    bad_task,            // dest or source task outside the topology's tasks
    unknown_stream,      // no stream schema for (source task, stream index)
    bad_values,          // encoded values are malformed (assign_encoded refused them)
    value_count_mismatch,  // value count differs from the stream's declared fields
    trailing_bytes,        // bytes left after the last message
    bad_repeat,            // a repeat first in its frame, or a whole head that repeats the last
};

// A short English description of `e` ("truncated frame", ...).
std::string_view to_string(frame_error e) noexcept;

// (source task, stream index) → the stream_schema decoded data tuples point at, plus the number
// of tasks (dest and source tasks must be below it). Filled once per topology, then read-only:
// safe to share between threads after that. The schemas are owned elsewhere (topology_plan) and
// must outlive the table.
class schema_table {
  public:
    explicit schema_table(std::uint32_t num_tasks = 0) : _by_task(num_tasks) {}

    std::uint32_t num_tasks() const noexcept { return static_cast<std::uint32_t>(_by_task.size()); }
    // Requires: task < num_tasks().
    void set(std::uint32_t task, std::uint16_t stream_index, const detail::stream_schema* s);
    // nullptr when unknown (or the task is out of range).
    const detail::stream_schema* find(std::uint32_t task,
                                      std::uint16_t stream_index) const noexcept {
        if (task >= _by_task.size() || stream_index >= _by_task[task].size()) {
            return nullptr;
        }
        return _by_task[task][stream_index];
    }

  private:
    std::vector<std::vector<const detail::stream_schema*>> _by_task;
};

// An allocator whose value-initialisation leaves bytes uninitialised: a frame buffer grows
// without being zero-filled first (the encoder writes every byte of the frame).
template <typename T>
struct uninitialised_allocator : std::allocator<T> {
    using value_type = T;
    template <typename U>
    struct rebind {
        using other = uninitialised_allocator<U>;
    };
    uninitialised_allocator() noexcept = default;
    template <typename U>
    uninitialised_allocator(const uninitialised_allocator<U>&) noexcept {}
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;  // default-, not value-initialised
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

// The bytes of one encoded frame.
using frame_bytes = std::vector<std::byte, uninitialised_allocator<std::byte>>;

// The head a run of messages shares (dest, source, stream, kind, anchor count) and its value
// count (data: the stream's field count; system messages: 0), for messages encoded ahead of
// their frame in repeat form (remote_stage): each message is repeat_tag, its anchor count x
// (u64, u64) pairs ((root, value) for a system message), and for data its u32 values length
// and values: exactly what a frame holds for a message after the first of a run.
struct run_head {
    std::uint32_t dest = 0;
    std::uint32_t source = 0;
    std::uint16_t stream = 0;
    std::uint8_t kind = 0;
    std::uint32_t anchors = 0;
    std::uint16_t n_values = 0;

    friend bool operator==(const run_head&, const run_head&) = default;
};

// How many of the messages of a run (repeat form, `bytes`) fit `max_count` and `max_bytes`,
// and their bytes; at least one if `at_least_one` (and the run is not empty). Walks the
// messages only when the whole run does not fit.
struct run_prefix {
    std::uint32_t count = 0;
    std::size_t bytes = 0;
};
run_prefix fit_run(const run_head& h, std::span<const std::byte> bytes, std::uint32_t count,
                   std::uint32_t max_count, std::size_t max_bytes, bool at_least_one) noexcept;

// Encodes tuples into one frame in a reusable buffer: begin(), add() per tuple, finish().
// Owned and used by one thread at a time; after warm-up encoding allocates nothing.
class frame_encoder {
  public:
    frame_encoder() { begin(); }

    // Starts a new, empty frame (keeps the buffer's capacity).
    void begin();
    // Appends one message: the tuple's header (dest, source, stream index from its schema, kind,
    // anchors; (root, value) for system messages) and its encoded values.
    void add(const tuple& t);
    // Appends `count` messages of one run, encoded ahead in repeat form (run_head): the first
    // is written whole unless it repeats the frame's last message, the rest as they are. The
    // frame is the same as add() of each message's tuple would make.
    void add_run(const run_head& h, std::span<const std::byte> bytes, std::uint32_t count);
    std::uint32_t message_count() const noexcept { return _count; }
    // Bytes so far, header included.
    std::size_t size() const noexcept { return _len; }
    // Writes the length and count; returns the whole frame, valid until the next begin()/add().
    std::span<const std::byte> finish();
    // Gives the buffer away (finish() first) and starts a new frame in `replacement`'s storage.
    frame_bytes take(frame_bytes&& replacement);

  private:
    void grow(std::size_t need);

    frame_bytes _buf;  // the frame is the first _len bytes; the rest is writable
    std::size_t _len = 0;
    std::uint32_t _count = 0;
    // The last message's dest and source, and its stream, kind and anchor count, packed: the
    // next message with both the same is written as a repeat (valid while _count > 0).
    std::uint64_t _last_tasks = 0;
    std::uint64_t _last_shape = 0;
};

// The fixed fields of one message, read and checked by frame_reader::head().
struct message_head {
    std::uint32_t dest = 0;
    std::uint32_t source = 0;
    std::uint16_t stream = 0;
    std::uint8_t kind = 0;  // a detail::message_kind, checked to be a known one
    std::uint32_t anchors = 0;
    bool repeat = false;  // written as a repeat of the message before it
};

// Decodes one frame body message by message into tuples the caller chooses, so that a receiver
// can decode each message straight into the ring slot of its destination's executor (no batch,
// no copy): open(), then per message head() and body(out), then finish(). It checks exactly
// what decode_frame_body checks, in the same order, and never reads outside the body; after an
// error it must not be used further (the messages before it are decoded, so a receiver that
// delivers as it goes has delivered those: the frame's sender is cut off all the same).
class frame_reader {
  public:
    // The body's version and message count. Returns none, truncated, bad_version or
    // too_many_messages.
    frame_error open(std::span<const std::byte> body) noexcept;
    // Messages of the frame not yet read.
    std::uint32_t left() const noexcept { return _left; }
    // Reads the next message's fixed fields and checks them against `schemas`' task range (dest
    // and source below num_tasks()); a repeat's are the last message's. Requires: left() > 0.
    frame_error head(const schema_table& schemas, message_head& h) noexcept;
    // Reads the rest of the message `h` (head() just returned it) into `out`.
    frame_error body(const schema_table& schemas, const message_head& h, tuple& out);
    // After the last message: no bytes may be left.
    frame_error finish() const noexcept;

    // The next message, when it repeats a data message without anchors (the common message of
    // a run): its encoded values, and the message is read. Otherwise false, and nothing is read
    // (head() reads it). The tuple it carries is last()'s head, last_schema()'s stream and these
    // values; checking them is the caller's (values::assign_encoded, else bad_values), all else
    // body() would check holds. Inline: a receiver reads a run in its own loop.
    [[gnu::always_inline]] bool next_plain_repeat(std::span<const std::byte>& values) noexcept {
        if (!_plain_last || _left == 0 || _n < 5 || static_cast<std::uint8_t>(*_p) != repeat_tag) {
            return false;
        }
        std::uint32_t len;
        std::memcpy(&len, _p + 1, 4);
        if (len > _n - 5) {
            return false;  // head() and body() say what is wrong
        }
        values = {_p + 5, len};
        _p += 5 + std::size_t{len};
        _n -= 5 + std::size_t{len};
        --_left;
        return true;
    }
    // The last message's head (head() read it) and, after its body(), its stream.
    const message_head& last() const noexcept { return _last; }
    const detail::stream_schema* last_schema() const noexcept { return _last_schema; }

  private:
    const std::byte* _p = nullptr;
    std::size_t _n = 0;
    std::uint32_t _left = 0;
    bool _has_last = false;    // a message was read from this frame: _last holds its head
    bool _plain_last = false;  // ... a data message without anchors
    message_head _last;
    const detail::stream_schema* _last_schema = nullptr;  // the last data message's
    std::vector<detail::anchor> _anchors;  // scratch for messages with several anchors
};

// The tuples of one decoded frame. The tuple objects are reused from frame to frame (their value
// buffers and anchor arrays keep their storage), so steady-state decoding allocates nothing.
// Owned by one thread at a time.
class decoded_batch {
  public:
    std::span<tuple> tuples() noexcept { return {_pool.data(), _size}; }
    std::size_t size() const noexcept { return _size; }
    void clear() noexcept { _size = 0; }

  private:
    friend frame_error decode_frame_body(std::span<const std::byte>, const schema_table&,
                                         decoded_batch&);
    std::vector<tuple> _pool;
    frame_reader _reader;
    std::size_t _size = 0;
};

// Checks a length prefix before reading the body: at least the rest of a header and at most
// `max_frame_bytes`. Returns none or bad_length.
frame_error check_frame_length(std::uint32_t length,
                               std::uint32_t max_frame_bytes = default_max_frame_bytes) noexcept;

// Decodes the bytes after the length prefix (exactly `length` of them) into `out`. On an error
// `out` holds no tuples and the error says what was wrong; the input is never read out of bounds.
frame_error decode_frame_body(std::span<const std::byte> body, const schema_table& schemas,
                              decoded_batch& out);

// Decodes a whole frame, length prefix included; the prefix must match frame.size().
frame_error decode_frame(std::span<const std::byte> frame, const schema_table& schemas,
                         decoded_batch& out,
                         std::uint32_t max_frame_bytes = default_max_frame_bytes);

}  // namespace tempest::worker::transport
