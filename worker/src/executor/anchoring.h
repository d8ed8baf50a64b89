// SPDX-License-Identifier: Apache-2.0
// anchoring: the emitting side of Storm's acking algorithm. A bolt's anchored emit draws one
// fresh edge id per (target, tracked anchor), XORs it into the anchor's ack value (sent to the
// acker when the anchor is acked) and gives the child tuple the anchor's roots with that edge.
// Children of several anchors with a common root carry that root once, with the XOR of its
// edges. The acker (acker_table.h) sees every edge twice — once in the child's ack, once in the
// parent's — so a tree's XOR returns to zero when every tuple in it has been acked.
//
// Free functions, inline (they run per anchored emit); called on the emitting task's thread.
#pragma once

#include "tempest/topology_api/tuple.h"
#include "tempest/worker/hash.h"
#include "tuple_access.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace tempest::worker {

// True when any of `anchors` is tracked by an acker (has a root).
inline bool any_tracked(std::span<const tuple* const> anchors) noexcept {
    for (const tuple* a : anchors) {
        if (detail::tuple_access::anchor_count(*a) > 0) {
            return true;
        }
    }
    return false;
}

// The anchors of one child of `anchors` (for one target): one new edge id per tracked anchor,
// XORed into that anchor's ack value, and in `out` one (root, XOR of its new edges) per distinct
// root. `out` is cleared first; it is the caller's reusable buffer. A few roots keep the order
// they first appear in; past anchor_child_linear of them (a windowed bolt anchors to its whole
// window) they are merged by sorting, so an emit anchored to L tuples costs O(L log L), not
// O(L^2).
inline constexpr std::size_t anchor_child_linear = 16;

inline void anchor_child(std::span<const tuple* const> anchors, fast_random& rng,
                         std::vector<detail::anchor>& out) {
    using detail::tuple_access;
    out.clear();
    for (const tuple* a : anchors) {
        std::uint32_t n = tuple_access::anchor_count(*a);
        if (n == 0) {
            continue;
        }
        std::uint64_t edge = rng.next_id();
        tuple_access::xor_ack_val(*a, edge);
        for (std::uint32_t i = 0; i < n; ++i) {
            out.push_back({tuple_access::anchor_at(*a, i).root, edge});
        }
    }
    if (out.size() <= 1) {
        return;
    }
    auto kept = out.begin();
    if (out.size() <= anchor_child_linear) {
        for (auto it = out.begin(); it != out.end(); ++it) {
            auto same = std::find_if(out.begin(), kept,
                                     [&](const detail::anchor& x) { return x.root == it->root; });
            if (same == kept) {
                *kept++ = *it;
            } else {
                same->edge ^= it->edge;
            }
        }
    } else {
        std::sort(out.begin(), out.end(),
                  [](const detail::anchor& x, const detail::anchor& y) { return x.root < y.root; });
        for (auto it = out.begin(); it != out.end(); ++it) {
            if (kept != out.begin() && (kept - 1)->root == it->root) {
                (kept - 1)->edge ^= it->edge;
            } else {
                *kept++ = *it;
            }
        }
    }
    out.erase(kept, out.end());
}

}  // namespace tempest::worker
