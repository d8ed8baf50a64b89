// SPDX-License-Identifier: Apache-2.0
// Tuples built by hand for the windowing tests: (id, ts) on stream src:default, or with a schema
// of the test's own. This test binary's own definition of the runtime's tuple_access (the other
// topology_api tests are a separate binary with theirs).
#pragma once

#include "tempest/topology.h"

#include <cstdint>
#include <utility>

namespace tempest {
namespace detail {
struct tuple_access {
    static void set(tuple& t, const stream_schema* schema, int source_task, values v) {
        t._schema = schema;
        t._source_task = source_task;
        t._values = std::move(v);
    }
    static void set_anchor(tuple& t, std::uint64_t root, std::uint64_t edge) {
        t._anchor = {root, edge};
        t._kind_anchors = (t._kind_anchors & kind_mask) | (1u << anchors_shift);
    }
};
}  // namespace detail

namespace test {

inline const detail::stream_schema& id_ts_schema() {
    static const detail::stream_schema s{"src", "default", {"id", "ts"}};
    return s;
}

inline tuple make_tuple(std::int64_t id, std::int64_t ts = 0,
                        const detail::stream_schema* schema = &id_ts_schema()) {
    tuple t;
    detail::tuple_access::set(t, schema, 1, values{id, ts});
    return t;
}

}  // namespace test
}  // namespace tempest
