// SPDX-License-Identifier: Apache-2.0
#include "remote_receiver.h"

#include "tempest/common/log.h"
#include "tuple_access.h"

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

std::size_t remote_receiver::drain(inbound& in) {
    std::size_t moved = 0;
    while (in.has_overflow()) {
        tuple* slot = in.ring->try_claim();
        if (slot == nullptr) {
            break;
        }
        slot->swap(in.overflow[in.head]);
        _ledger.owe(in.origin[in.head], static_cast<std::uint32_t>(tuple_access::dest_task(*slot)));
        ++in.head;
        in.ring->commit();
        ++moved;
    }
    if (moved > 0) {
        in.dirty = true;
    }
    if (!in.has_overflow()) {
        in.overflow.clear();
        in.origin.clear();
        in.head = 0;
    } else if (in.head >= 4096 && in.head * 2 >= in.overflow.size()) {
        // Still appended to while it drains: drop the consumed front so that the vectors hold
        // what is overflowed, not everything since they last ran empty.
        const auto n = static_cast<std::ptrdiff_t>(in.head);
        in.overflow.erase(in.overflow.begin(), in.overflow.begin() + n);
        in.origin.erase(in.origin.begin(), in.origin.begin() + n);
        in.head = 0;
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

void remote_receiver::on_batch(std::uint32_t connection, std::span<tuple> tuples) {
    _ledger.open(connection);
    if (_held > 0) {
        // Older tuples first, so each executor gets its tuples in the order they arrived.
        for (auto& in : _inbound) {
            if (in->has_overflow()) {
                drain(*in);
            }
        }
    }
    std::size_t dropped = 0;
    for (tuple& t : tuples) {
        const int task = tuple_access::dest_task(t);
        inbound* in = _task_inbound[static_cast<std::size_t>(task)];
        if (in == nullptr || tuple_access::kind(t) == detail::message_kind::flow) [[unlikely]] {
            _ledger.owe(connection, static_cast<std::uint32_t>(task));
            ++dropped;
            const std::uint64_t n = _dropped.fetch_add(1, std::memory_order_relaxed) + 1;
            if (n <= 10 || n % 10000 == 0) {
                common::logger("worker").warn(
                    "dropping a {} for task {} ({} dropped so far): {}",
                    in == nullptr ? "tuple" : "credit grant", task, n,
                    in == nullptr
                        ? "the task does not run in this worker; the sender's assignment is stale"
                        : "grants are only sent to the sending worker");
            }
            continue;
        }
        tuple* slot = in->has_overflow() ? nullptr : in->ring->try_claim();
        if (slot == nullptr) [[unlikely]] {
            in->overflow.emplace_back().swap(t);
            in->origin.push_back(connection);
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

std::size_t remote_receiver::retry() {
    std::size_t moved = 0;
    if (_held > 0) {
        for (auto& in : _inbound) {
            if (in->has_overflow()) {
                moved += drain(*in);
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
