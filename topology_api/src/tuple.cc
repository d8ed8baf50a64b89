// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/tuple.h"

#include <algorithm>
#include <memory>

namespace tempest {

namespace {

// A copy of the anchors after the first, or null when there are none.
std::unique_ptr<detail::anchor[]> copy_more(const std::unique_ptr<detail::anchor[]>& more,
                                            std::uint32_t anchor_count) {
    if (more == nullptr || anchor_count < 2) {
        return nullptr;
    }
    // make_unique_for_overwrite: every element is written just below.
    auto copy = std::make_unique_for_overwrite<detail::anchor[]>(anchor_count - 1);
    std::copy_n(more.get(), anchor_count - 1, copy.get());
    return copy;
}

}  // namespace

tuple::tuple(const tuple& o)
    : _schema(o._schema),
      _anchor(o._anchor),
      _source_task(o._source_task),
      _dest_task(o._dest_task),
      _kind_anchors(o._kind_anchors),
      _values(o._values),
      _more(copy_more(o._more, o._kind_anchors >> detail::anchors_shift)),
      _ack_val(o._ack_val) {}

tuple::tuple(tuple&& o) noexcept
    : _schema(o._schema),
      _anchor(o._anchor),
      _source_task(o._source_task),
      _dest_task(o._dest_task),
      _kind_anchors(o._kind_anchors),
      _values(std::move(o._values)),
      _more(std::move(o._more)),
      _ack_val(o._ack_val) {
    o._kind_anchors &= detail::kind_mask;  // no anchors left there
}

tuple& tuple::operator=(const tuple& o) {
    if (this == &o) {
        return *this;
    }
    std::unique_ptr<detail::anchor[]> more =
        copy_more(o._more, o._kind_anchors >> detail::anchors_shift);
    _values = o._values;  // may throw (allocation): nothing else has changed yet
    _more = std::move(more);
    _schema = o._schema;
    _source_task = o._source_task;
    _dest_task = o._dest_task;
    _kind_anchors = o._kind_anchors;
    _anchor = o._anchor;
    _ack_val = o._ack_val;
    return *this;
}

tuple& tuple::operator=(tuple&& o) noexcept {
    if (this == &o) {
        return *this;
    }
    _more = std::move(o._more);
    _schema = o._schema;
    _source_task = o._source_task;
    _dest_task = o._dest_task;
    _kind_anchors = o._kind_anchors;
    o._kind_anchors &= detail::kind_mask;  // no anchors left there
    _anchor = o._anchor;
    _ack_val = o._ack_val;
    _values = std::move(o._values);
    return *this;
}

const fields& tuple::get_fields() const noexcept {
    static const fields none;
    return _schema != nullptr ? _schema->fields : none;
}

const std::string& tuple::get_source_component() const noexcept {
    static const std::string none;
    return _schema != nullptr ? _schema->component : none;
}

const std::string& tuple::get_source_stream_id() const noexcept {
    static const std::string none;
    return _schema != nullptr ? _schema->stream : none;
}

std::size_t tuple::index(std::string_view field) const {
    int i = field_index(field);
    if (i < 0) [[unlikely]] {
        std::string msg = "tuple has no field '" + std::string(field) + "'";
        if (_schema != nullptr) {
            msg += ": stream '" + _schema->stream + "' of '" + _schema->component + "' declares " +
                   _schema->fields.to_string();
        } else {
            msg += ": it has no declared fields";
        }
        throw type_error(msg);
    }
    return static_cast<std::size_t>(i);
}

std::string tuple::to_string() const {
    return get_source_component() + ":" + std::to_string(_source_task) + "/" +
           get_source_stream_id() + " " + _values.to_string();
}

}  // namespace tempest
