// SPDX-License-Identifier: Apache-2.0
// The collectors a task's spout or bolt emits, acks and fails through: thin final adapters that
// forward to the executor_core of the task's thread (defined in executor_core_emit.cc and
// executor_core_acking.cc, so that the forwarding call inlines). One per task, owned by its
// task_state, called only on the executor's thread (the user may not use a collector from another
// thread). rebind() points a collector at the executor_core of the next generation
// (rebind_task_state): the user's spout or bolt keeps the collector it was given.
#pragma once

#include "tempest/topology_api/collectors.h"

#include <span>
#include <string_view>

namespace tempest::worker {

class executor_core;
struct task_state;

class spout_collector_impl final : public spout_output_collector {
  public:
    spout_collector_impl(executor_core& ex, task_state& t) : _ex(&ex), _t(t) {}
    void rebind(executor_core& ex) noexcept { _ex = &ex; }
    void report_error(std::string_view message) override;
    std::size_t get_pending_count() const override;
    // For the runtime's own spouts (the shell spout): any stream, id and direct task in one call.
    void emit_any(std::string_view stream, const values& v, const message_id* id, int direct_task) {
        do_emit(stream, v, id, direct_task);
    }

  protected:
    void do_emit(std::string_view stream, const values& v, const message_id* id,
                 int direct_task) override;
    void do_emit_default(const values& v, const message_id* id, int direct_task) override;

  private:
    // do_emit_default but for its common case (executor_core::emit_one).
    [[gnu::noinline]] void emit_default_general(const values& v, const message_id* id,
                                                int direct_task);

    executor_core* _ex;
    task_state& _t;
};

// A bolt's collector in a topology with ackers (its emits may be anchored and tracked);
// bolt_collector_unacked below without them (the choice is the plan's, fixed for the topology's
// life: its task ids, the ackers' included, never change).
class bolt_collector_impl : public output_collector {
  public:
    bolt_collector_impl(executor_core& ex, task_state& t) : _ex(&ex), _t(t) {}
    void rebind(executor_core& ex) noexcept { _ex = &ex; }
    void ack(const tuple& input) override;
    void fail(const tuple& input) override;
    void report_error(std::string_view message) override;
    // For the runtime's own bolts (the shell bolt): any anchors with any direct task.
    void emit_any(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                  int direct_task) {
        do_emit(stream, anchors, v, direct_task);
    }

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int direct_task) override;
    void do_emit_default(std::span<const tuple* const> anchors, const values& v,
                         int direct_task) override;

  protected:
    executor_core* _ex;
    task_state& _t;

  private:
    // do_emit_default but for its common case (executor_core::emit_one_anchored).
    [[gnu::noinline]] void emit_default_general(std::span<const tuple* const> anchors,
                                                const values& v, int direct_task);
};

// Without ackers no emit is tracked: the emit skips the anchors altogether (one virtual call
// chooses, instead of a test in every emit).
class bolt_collector_unacked final : public bolt_collector_impl {
  public:
    using bolt_collector_impl::bolt_collector_impl;

  protected:
    void do_emit(std::string_view stream, std::span<const tuple* const> anchors, const values& v,
                 int direct_task) override;
    void do_emit_default(std::span<const tuple* const> anchors, const values& v,
                         int direct_task) override;

  private:
    // do_emit_default but for its common case (executor_core::emit_one).
    [[gnu::noinline]] void emit_default_general(std::span<const tuple* const> anchors,
                                                const values& v, int direct_task);
};

}  // namespace tempest::worker
