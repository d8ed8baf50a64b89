// SPDX-License-Identifier: Apache-2.0
// Output collectors, as Storm's SpoutOutputCollector, OutputCollector and BasicOutputCollector.
// The runtime implements the two abstract ones; each call is one virtual dispatch, then the
// tuple is encoded straight into the destination queue slot.
#pragma once

#include "tempest/topology_api/tuple.h"
#include "tempest/topology_api/values.h"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace tempest {

inline constexpr std::string_view default_stream = "default";

// A spout's id for one message, handed back to ack()/fail(). A spout that wants acking gives
// each emitted tuple one; tuples emitted without one are not tracked.
struct message_id {
    std::uint64_t id = 0;
    friend bool operator==(message_id, message_id) = default;
};

class spout_output_collector {
  public:
    virtual ~spout_output_collector() = default;

    void emit(const values& v) { do_emit_default(v, nullptr, -1); }
    void emit(const values& v, message_id id) { do_emit_default(v, &id, -1); }
    void emit(std::string_view stream, const values& v) { do_emit(stream, v, nullptr, -1); }
    void emit(std::string_view stream, const values& v, message_id id) {
        do_emit(stream, v, &id, -1);
    }
    // To one task of a consumer that subscribed with direct grouping on a direct stream.
    void emit_direct(int task, const values& v) { do_emit_default(v, nullptr, task); }
    void emit_direct(int task, const values& v, message_id id) { do_emit_default(v, &id, task); }
    void emit_direct(int task, std::string_view stream, const values& v) {
        do_emit(stream, v, nullptr, task);
    }
    void emit_direct(int task, std::string_view stream, const values& v, message_id id) {
        do_emit(stream, v, &id, task);
    }
    // Records an error against this component (shown by the UI; does not stop the task).
    virtual void report_error(std::string_view message) = 0;
    // Tuples emitted with a message id and neither acked nor failed yet.
    virtual std::size_t get_pending_count() const = 0;

  protected:
    // Requires: stream declared by this spout (else std::invalid_argument naming it).
    virtual void do_emit(std::string_view stream, const values& v, const message_id* id,
                         int direct_task) = 0;
    // do_emit on default_stream. The emits without a stream name come here, so that a
    // collector can keep the default stream's route at hand instead of looking the name up
    // on every emit; by default it is do_emit.
    virtual void do_emit_default(const values& v, const message_id* id, int direct_task) {
        do_emit(default_stream, v, id, direct_task);
    }
};

class output_collector {
  public:
    virtual ~output_collector() = default;

    // Anchored: the new tuple joins the tuple tree of `anchor`.
    void emit(const tuple& anchor, const values& v) {
        const tuple* a = &anchor;
        do_emit_default({&a, 1}, v, -1);
    }
    void emit(std::string_view stream, const tuple& anchor, const values& v) {
        const tuple* a = &anchor;
        do_emit(stream, {&a, 1}, v, -1);
    }
    void emit(std::initializer_list<const tuple*> anchors, const values& v) {
        do_emit_default({anchors.begin(), anchors.size()}, v, -1);
    }
    void emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v) {
        do_emit(stream, anchors, v, -1);
    }
    // Unanchored: not part of any tuple tree.
    void emit(const values& v) { do_emit_default({}, v, -1); }
    void emit(std::string_view stream, const values& v) { do_emit(stream, {}, v, -1); }

    void emit_direct(int task, const tuple& anchor, const values& v) {
        const tuple* a = &anchor;
        do_emit_default({&a, 1}, v, task);
    }
    void emit_direct(int task, std::string_view stream, const tuple& anchor, const values& v) {
        const tuple* a = &anchor;
        do_emit(stream, {&a, 1}, v, task);
    }
    void emit_direct(int task, std::string_view stream, std::span<const tuple* const> anchors,
                     const values& v) {
        do_emit(stream, anchors, v, task);
    }
    void emit_direct(int task, const values& v) { do_emit_default({}, v, task); }
    void emit_direct(int task, std::string_view stream, const values& v) {
        do_emit(stream, {}, v, task);
    }

    // Each input tuple must be acked or failed exactly once.
    virtual void ack(const tuple& input) = 0;
    virtual void fail(const tuple& input) = 0;
    virtual void report_error(std::string_view message) = 0;

  protected:
    virtual void do_emit(std::string_view stream, std::span<const tuple* const> anchors,
                         const values& v, int direct_task) = 0;
    // do_emit on default_stream, as spout_output_collector::do_emit_default.
    virtual void do_emit_default(std::span<const tuple* const> anchors, const values& v,
                                 int direct_task) {
        do_emit(default_stream, anchors, v, direct_task);
    }
};

// For basic bolts: every emit is anchored to the input being executed, which is acked when
// execute() returns (or failed if it throws failed_exception).
class basic_output_collector {
  public:
    basic_output_collector(output_collector& out, const tuple& input) noexcept
        : _out(out), _input(&input) {}

    void emit(const values& v) { _out.emit(*_input, v); }
    void emit(std::string_view stream, const values& v) { _out.emit(stream, *_input, v); }
    void emit_direct(int task, const values& v) { _out.emit_direct(task, *_input, v); }
    void emit_direct(int task, std::string_view stream, const values& v) {
        _out.emit_direct(task, stream, *_input, v);
    }
    void report_error(std::string_view message) { _out.report_error(message); }

    // Requires: called by the runtime only.
    void set_input(const tuple& input) noexcept { _input = &input; }

  private:
    output_collector& _out;
    const tuple* _input;
};

}  // namespace tempest
