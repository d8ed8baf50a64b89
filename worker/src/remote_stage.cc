// SPDX-License-Identifier: Apache-2.0
#include "remote_stage.h"

namespace tempest::worker {

using detail::message_kind;
using detail::tuple_access;

void remote_stage::add(const tuple& t) {
    const message_kind kind = tuple_access::kind(t);
    if (kind == message_kind::data) {
        const std::uint32_t anchors = tuple_access::anchor_count(t);
        if (anchors <= 1) {
            const detail::anchor* a = anchors == 1 ? &tuple_access::anchor_at(t, 0) : nullptr;
            add_data(t.get_source_task(), tuple_access::dest_task(t), tuple_access::schema(t),
                     t.get_values(), a != nullptr ? a->root : 0, a != nullptr ? a->edge : 0);
            return;
        }
        const auto enc = t.get_values().encoded();
        const detail::stream_schema* schema = tuple_access::schema(t);
        const transport::run_head h{static_cast<std::uint32_t>(tuple_access::dest_task(t)),
                                    static_cast<std::uint32_t>(t.get_source_task()),
                                    schema != nullptr ? schema->stream_index : std::uint16_t{0},
                                    static_cast<std::uint8_t>(kind),
                                    anchors,
                                    static_cast<std::uint16_t>(t.size())};
        std::byte* p = reserve(h, 1 + 16 * std::size_t{anchors} + 4 + enc.size());
        *p++ = std::byte{transport::repeat_tag};
        for (std::uint32_t i = 0; i < anchors; ++i) {
            const detail::anchor& a = tuple_access::anchor_at(t, i);
            std::memcpy(p, &a.root, 8);
            std::memcpy(p + 8, &a.edge, 8);
            p += 16;
        }
        put_values(p, enc);
        return;
    }
    // A system message: (root, value) as its one pair, no values (frame.h).
    const transport::run_head h{static_cast<std::uint32_t>(tuple_access::dest_task(t)),
                                static_cast<std::uint32_t>(t.get_source_task()),
                                0,
                                static_cast<std::uint8_t>(kind),
                                1,
                                0};
    std::byte* p = reserve(h, 1 + 16);
    *p = std::byte{transport::repeat_tag};
    const std::uint64_t root = tuple_access::sys_root(t);
    const std::uint64_t val = tuple_access::sys_val(t);
    std::memcpy(p + 1, &root, 8);
    std::memcpy(p + 9, &val, 8);
}

void remote_stage::make_room(std::size_t n) {
    // Staged bytes start at the first staged run (or nowhere, when empty: then _end is 0).
    const std::size_t from = _runs.size() > _first ? _runs[_first].begin : _end;
    if (from > 0) {
        std::memmove(_buf.data(), _buf.data() + from, _end - from);
        _runs.erase(_runs.begin(), _runs.begin() + static_cast<std::ptrdiff_t>(_first));
        _first = 0;
        for (run& r : _runs) {
            r.begin -= from;
        }
        _end -= from;
    }
    if (_end + n > _buf.size()) {
        _buf.resize(std::max({_end + n, 2 * _buf.size(), std::size_t{4096}}));
    }
}

}  // namespace tempest::worker
