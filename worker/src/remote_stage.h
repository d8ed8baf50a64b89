// SPDX-License-Identifier: Apache-2.0
// remote_stage: one executor thread's tuples for tasks in other workers, encoded as they are
// emitted, in emit order, as runs of messages with one head (transport::run_head: a run is what
// a frame holds after its first message), until remote_io::send_outbound moves whole runs into
// the connections' frames (tcp_client::try_send_run_locked: a credit check and a copy per run).
//
//   emit ─▶ add_data()/add() ─▶ [run: head, n messages in repeat form] ... ─▶ send_outbound
//                                 (buffer grows; full() past `limit`: backpressure)
//
// It replaces a ring of tuples that the same thread filled and emptied: a tuple for another
// worker is written once, as the bytes it travels as, instead of into a slot and then into a
// frame. Its size is bounded the way a ring's is: past `limit` messages the stage is full(), the
// executor's output counts as overflowed (output_links) and it takes no new input until
// send_outbound has moved enough out; the emits of the input being handled still go in.
//
// Owned by its executor; every method runs on the executor's thread (remote_io's calls are made
// on it too, or after it stopped).
#pragma once

#include "tempest/worker/transport/frame.h"
#include "tuple_access.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tempest::worker {

class remote_stage {
  public:
    struct run {
        transport::run_head head;
        std::uint32_t count = 0;  // messages
        std::size_t begin = 0;    // offset of its first message in the buffer
        std::size_t bytes = 0;
    };

    explicit remote_stage(std::size_t limit) : _limit(limit) {}

    // A data tuple with no anchor (root 0) or one: the emit path's message.
    [[gnu::always_inline]] void add_data(int source, int dest, const detail::stream_schema* schema,
                                         const values& v, std::uint64_t root, std::uint64_t edge) {
        const auto enc = v.encoded();
        const std::uint32_t anchors = root != 0 ? 1 : 0;
        const transport::run_head h{static_cast<std::uint32_t>(dest),
                                    static_cast<std::uint32_t>(source),
                                    schema != nullptr ? schema->stream_index : std::uint16_t{0},
                                    static_cast<std::uint8_t>(detail::message_kind::data),
                                    anchors,
                                    static_cast<std::uint16_t>(v.size())};
        std::byte* p = reserve(h, 1 + 16 * std::size_t{anchors} + 4 + enc.size());
        *p++ = std::byte{transport::repeat_tag};
        if (anchors != 0) {
            std::memcpy(p, &root, 8);
            std::memcpy(p + 8, &edge, 8);
            p += 16;
        }
        put_values(p, enc);
    }
    // Any message: data with any number of anchors, or a system message.
    void add(const tuple& t);

    std::size_t size() const noexcept { return _size; }  // messages staged
    bool empty() const noexcept { return _size == 0; }
    bool full() const noexcept { return _size >= _limit; }
    std::size_t limit() const noexcept { return _limit; }

    // The oldest run. Requires: !empty().
    const run& front() const noexcept { return _runs[_first]; }
    std::span<const std::byte> front_bytes() const noexcept {
        const run& r = front();
        return {_buf.data() + r.begin, r.bytes};
    }
    // The first `count` messages of the oldest run, `bytes` long, were sent.
    void pop_front(std::uint32_t count, std::size_t bytes) noexcept {
        run& r = _runs[_first];
        r.count -= count;
        r.begin += bytes;
        r.bytes -= bytes;
        _size -= count;
        if (r.count == 0) {
            ++_first;
        }
        if (_size == 0) {
            _runs.clear();
            _first = 0;
            _end = 0;
        }
    }

  private:
    // A data message's tail: its values' length and its values.
    [[gnu::always_inline]] static void put_values(std::byte* p, std::span<const std::byte> enc) {
        const auto len = static_cast<std::uint32_t>(enc.size());
        std::memcpy(p, &len, 4);
        if (len != 0) {
            std::memcpy(p + 4, enc.data(), len);
        }
    }
    // Room for one message of `n` bytes with head `h`, at the end of its run (a new run when
    // the last one has another head).
    [[gnu::always_inline]] std::byte* reserve(const transport::run_head& h, std::size_t n) {
        if (_end + n > _buf.size()) [[unlikely]] {
            make_room(n);
        }
        std::byte* p = _buf.data() + _end;
        if (_runs.size() == _first || !(_runs.back().head == h)) [[unlikely]] {
            _runs.push_back(run{h, 0, _end, 0});
        }
        run& r = _runs.back();
        ++r.count;
        r.bytes += n;
        _end += n;
        ++_size;
        return p;
    }
    // Moves the staged bytes to the front of the buffer, and grows it, so that `n` more fit.
    void make_room(std::size_t n);

    std::size_t _limit;
    transport::frame_bytes _buf;  // the staged messages are [front().begin, _end)
    std::size_t _end = 0;
    std::vector<run> _runs;  // runs [_first, size()) are staged
    std::size_t _first = 0;
    std::size_t _size = 0;
};

}  // namespace tempest::worker
