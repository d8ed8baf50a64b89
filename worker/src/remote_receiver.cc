// SPDX-License-Identifier: Apache-2.0
#include "remote_receiver.h"

#include "tempest/common/log.h"
#include "tuple_access.h"

#include <algorithm>
#include <utility>

namespace tempest::worker {

using detail::tuple_access;

remote_receiver::remote_receiver(std::uint32_t task_limit, std::uint32_t credit_window,
                                 credit_ledger::grant_fn grant)
    : _ledger(task_limit, credit_window, std::move(grant)), _task_inbound(task_limit, nullptr) {}

void remote_receiver::add_inbound(ring_t* ring, const std::vector<int>& tasks) {
    auto in = std::make_unique<inbound>();
    in->ring = ring;
    for (int t : tasks) {
        _task_inbound[static_cast<std::size_t>(t)] = in.get();
    }
    _inbound.push_back(std::move(in));
}

void remote_receiver::inbound::grow() {
    const std::size_t size = std::max<std::size_t>(1024, 2 * overflow.size());
    std::vector<tuple> t(size);
    std::vector<std::uint32_t> o(size);
    const std::size_t mask = overflow.size() - 1;  // unused when empty
    for (std::size_t i = 0; i < count; ++i) {
        t[i].swap(overflow[(head + i) & mask]);
        o[i] = origin[(head + i) & mask];
    }
    overflow.swap(t);
    origin.swap(o);
    head = 0;
}

namespace {

// Moves `src`'s message into the ring slot `dst`. A message with at most one anchor whose bytes
// fit any buffer is copied (header, anchor, encoded bytes; short ones without a call) and both
// keep their buffers, which is cheaper than swapping two tuples; others are swapped.
void move_into(tuple& dst, tuple& src) noexcept {
    const std::uint32_t anchors = tuple_access::anchor_count(src);
    const auto enc = src.get_values().encoded();
    if (anchors > 1 || enc.size() > values::inline_capacity) [[unlikely]] {
        dst.swap(src);
        return;
    }
    tuple_access::set_header(dst, tuple_access::schema(src), src.get_source_task(),
                             tuple_access::dest_task(src), tuple_access::kind(src));
    if (anchors == 1) {
        const detail::anchor& a = tuple_access::anchor_at(src, 0);
        tuple_access::set_anchor(dst, a.root, a.edge);
    } else {
        tuple_access::clear_anchors(dst);
    }
    tuple_access::vals(dst).assign_trusted(enc.data(), static_cast<std::uint32_t>(enc.size()),
                                           static_cast<std::uint16_t>(src.size()));
}

}  // namespace

std::size_t remote_receiver::drain(inbound& in) {
    std::size_t moved = 0;
    const std::size_t mask = in.overflow.size() - 1;
    // Credits are owed per run of one connection and task, as in on_frame.
    std::uint32_t run_origin = 0;
    std::uint32_t run_task = 0;
    std::uint32_t run = 0;
    while (in.count > 0) {
        tuple* slot = in.ring->try_claim();
        if (slot == nullptr) {
            break;
        }
        tuple& t = in.overflow[in.head];
        const auto task = static_cast<std::uint32_t>(tuple_access::dest_task(t));
        const std::uint32_t origin = in.origin[in.head];
        if (task != run_task || origin != run_origin) {
            _ledger.owe(run_origin, run_task, run);
            run_origin = origin;
            run_task = task;
            run = 0;
        }
        ++run;
        move_into(*slot, t);
        in.head = (in.head + 1) & mask;
        --in.count;
        in.ring->commit();
        ++moved;
    }
    _ledger.owe(run_origin, run_task, run);
    if (moved > 0) {
        in.dirty = true;
    }
    _held -= moved;
    return moved;
}

void remote_receiver::publish() {
    for (auto& in : _inbound) {
        if (in->dirty) {
            in->dirty = false;
            in->ring->publish();
        }
    }
}

void remote_receiver::grant(bool all) {
    const std::uint64_t n = _ledger.grant(all);
    if (n > 0) {
        _credits_granted.fetch_add(n, std::memory_order_relaxed);
    }
}

void remote_receiver::drain_all() {
    for (auto& in : _inbound) {
        if (in->has_overflow()) {
            drain(*in);
        }
    }
}

void remote_receiver::drop(std::uint32_t connection, std::uint32_t task, bool stray_grant) {
    _ledger.owe(connection, task);
    const std::uint64_t n = _dropped.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n <= 10 || n % 10000 == 0) {
        common::logger("worker").warn(
            "dropping a {} for task {} ({} dropped so far): {}",
            stray_grant ? "credit grant" : "tuple", task, n,
            stray_grant ? "grants are only sent to the sending worker"
                        : "the task does not run in this worker; the sender's assignment is stale");
    }
}

void remote_receiver::on_batch(std::uint32_t connection, std::span<tuple> tuples) {
    _ledger.open(connection);
    if (_held > 0) {
        // Older tuples first, so each executor gets its tuples in the order they arrived.
        drain_all();
    }
    std::size_t dropped = 0;
    for (tuple& t : tuples) {
        const int task = tuple_access::dest_task(t);
        inbound* in = _task_inbound[static_cast<std::size_t>(task)];
        if (in == nullptr || tuple_access::kind(t) == detail::message_kind::flow) [[unlikely]] {
            drop(connection, static_cast<std::uint32_t>(task), in != nullptr);
            ++dropped;
            continue;
        }
        tuple* slot = in->has_overflow() ? nullptr : in->ring->try_claim();
        if (slot == nullptr) [[unlikely]] {
            in->next_slot().swap(t);
            in->push(connection);
            ++_held;
            continue;
        }
        // Swap, not move: the batch keeps the slot's old buffers for the next frame.
        slot->swap(t);
        in->ring->commit();
        in->dirty = true;
        _ledger.owe(connection, static_cast<std::uint32_t>(task));
    }
    _received.fetch_add(tuples.size() - dropped, std::memory_order_relaxed);
    publish();
    grant(false);
}

transport::frame_error remote_receiver::on_frame(std::uint32_t connection,
                                                 std::span<const std::byte> body,
                                                 const transport::schema_table& schemas) {
    using transport::frame_error;
    transport::frame_reader& rd = _reader;
    frame_error e = rd.open(body);
    if (e != frame_error::none) {
        return e;
    }
    _ledger.open(connection);
    if (_held > 0) {
        drain_all();  // older tuples first, as in on_batch
    }
    std::size_t delivered = 0;
    // Credits are owed per run of tuples for one task (a frame mostly holds long runs).
    std::uint32_t run_task = 0;
    std::uint32_t run = 0;
    constexpr auto flow = static_cast<std::uint8_t>(detail::message_kind::flow);
    constexpr auto data = static_cast<std::uint8_t>(detail::message_kind::data);
    transport::message_head h;
    while (rd.left() > 0) {
        if (e = rd.head(schemas, h); e != frame_error::none) {
            break;
        }
        inbound* in = h.dest < _task_inbound.size() ? _task_inbound[h.dest] : nullptr;
        if (in == nullptr || h.kind == flow) [[unlikely]] {
            if (e = rd.body(schemas, h, _scratch); e != frame_error::none) {
                break;
            }
            drop(connection, h.dest, in != nullptr);
            continue;
        }
        tuple* slot = in->has_overflow() ? nullptr : in->ring->try_claim();
        if (slot == nullptr) [[unlikely]] {
            if (e = rd.body(schemas, h, in->next_slot()); e != frame_error::none) {
                break;  // not pushed: the slot is written again later
            }
            in->push(connection);
            ++_held;
            ++delivered;
            continue;
        }
        // Straight into the slot: its old value buffer and anchors are reused.
        if (e = rd.body(schemas, h, *slot); e != frame_error::none) {
            break;  // not committed: the slot is filled again later
        }
        in->ring->commit(tuple_access::filled_lines(*slot));
        in->dirty = true;
        ++delivered;
        if (h.dest != run_task) {
            _ledger.owe(connection, run_task, run);
            run_task = h.dest;
            run = 0;
        }
        ++run;
        if (h.kind == data && h.anchors == 0) {
            // The rest of its run (repeats of this head, most of a frame), while the ring has
            // room: a repeat's values are all there is to read.
            const detail::stream_schema* schema = rd.last_schema();
            const auto n_values = static_cast<std::uint16_t>(schema->fields.size());
            const auto source = static_cast<int>(h.source);
            const auto dest = static_cast<int>(h.dest);
            std::span<const std::byte> bytes;
            while ((slot = in->ring->try_claim()) != nullptr && rd.next_plain_repeat(bytes)) {
                tuple_access::set_header(*slot, schema, source, dest, detail::message_kind::data);
                tuple_access::clear_anchors(*slot);
                if (!tuple_access::vals(*slot).assign_encoded(bytes, n_values)) {
                    e = frame_error::bad_values;  // not committed, as above
                    break;
                }
                in->ring->commit(tuple_access::filled_lines(*slot));
                ++delivered;
                ++run;
            }
            if (e != frame_error::none) {
                break;
            }
        }
    }
    _ledger.owe(connection, run_task, run);
    if (e == frame_error::none) {
        e = rd.finish();
    }
    _received.fetch_add(delivered, std::memory_order_relaxed);
    publish();
    grant(false);
    return e;
}

std::size_t remote_receiver::retry() {
    std::size_t moved = 0;
    _refill_percent = 0;
    if (_held > 0) {
        for (auto& in : _inbound) {
            if (!in->has_overflow()) {
                continue;
            }
            const std::size_t m = drain(*in);
            moved += m;
            if (in->has_overflow()) {
                // Its ring is full again: `m` is what its executor took since the last drain.
                const auto pct = static_cast<unsigned>(m * 100 / in->ring->capacity());
                _refill_percent = std::max(_refill_percent, pct);
            }
        }
        publish();
    }
    grant(false);
    return moved;
}

void remote_receiver::grant_all() {
    grant(true);
}

}  // namespace tempest::worker
