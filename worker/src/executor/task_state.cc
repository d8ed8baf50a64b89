// SPDX-License-Identifier: Apache-2.0
// A task's lifecycle around the user's component: building it, open/prepare, activation,
// close/cleanup. Construction runs on the runtime's thread; the rest on the executor's.
#include "executor/task_state.h"

#include "executor/collectors.h"
#include "executor/config_defaults.h"
#include "executor/executor_core.h"
#include "multilang/shell_components.h"

#include <vector>

namespace tempest::worker {

namespace {

// With ackers a bolt's emits may be tracked; without, the collector that ignores anchors.
std::unique_ptr<output_collector> make_bolt_collector(executor_core& ex, task_state& t,
                                                      const topology_plan& plan) {
    if (plan.acker_tasks().empty()) {
        return std::make_unique<bolt_collector_unacked>(ex, t);
    }
    return std::make_unique<bolt_collector_impl>(ex, t);
}

// A shell component's settings, with the consumers of its streams for the handshake.
multilang::shell_settings shell_settings_of(const topology_plan& plan, const component_plan& comp) {
    multilang::shell_settings s = multilang::read_shell_settings(*comp.def, comp.conf);
    for (const stream_plan& sp : comp.streams) {
        for (const edge_plan& e : sp.edges) {
            s.targets.push_back({sp.schema->stream, plan.components()[e.consumer].id, e.group});
        }
    }
    return s;
}

// The targets of `e` that run on plan executor `self`'s thread, which a local_or_shuffle
// grouping prefers (into `out`, cleared first).
void same_thread_targets(const topology_plan& plan, const edge_plan& e, int self,
                         std::vector<int>& out) {
    out.clear();
    if (e.group.type != grouping_type::local_or_shuffle) {
        return;
    }
    for (int target : e.targets) {
        if (plan.in_worker(target) && plan.task_thread(target) == self) {
            out.push_back(target);
        }
    }
}

bool is_shell(const component_plan& comp) {
    return comp.def != nullptr &&
           (comp.def->class_name == shell_spout_class || comp.def->class_name == shell_bolt_class);
}

}  // namespace

prebuilt_component prebuild_component(const component_plan& comp,
                                      const component_registry& registry) {
    prebuilt_component pre;
    if (comp.is_acker || is_shell(comp)) {
        return pre;
    }
    if (comp.is_spout) {
        pre.sp = registry.make_spout(comp.def->class_name, comp.def->args);
    } else {
        pre.bl = registry.make_bolt(comp.def->class_name, comp.def->args);
    }
    return pre;
}

std::unique_ptr<task_state> make_task_state(executor_core& ex, const topology_plan& plan,
                                            const component_plan& comp, int id, bool chained,
                                            int self, const component_registry& registry,
                                            prebuilt_component* pre) {
    auto t = std::make_unique<task_state>();
    t->id = id;
    t->comp = &comp;
    t->chained = chained;
    t->debug = conf_bool(comp.conf, config::topology_debug);
    std::int64_t tick = conf_int_or_zero(comp.conf, config::topology_tick_tuple_freq_secs);
    t->tick_ns = (tick > 0 && !comp.is_spout && !comp.is_acker) ? tick * 1'000'000'000 : 0;
    t->ctx = std::make_unique<topology_context>(plan.layout(), id, ex.shared().metrics);
    t->sample = sampler(conf_double(comp.conf, config::topology_stats_sample_rate));
    if (!comp.inputs.empty()) {
        t->input_base = comp.input_base.data();
        t->inputs = std::make_unique<input_stats[]>(comp.inputs.size());
    }
    if (comp.is_spout && comp.def->class_name == shell_spout_class) {
        auto s = std::make_unique<multilang::shell_spout_impl>(shell_settings_of(plan, comp));
        s->core().set_capture(&t->capture_targets);
        t->sp = std::move(s);
    } else if (comp.is_spout) {
        t->sp = pre != nullptr && pre->sp
                    ? std::move(pre->sp)
                    : registry.make_spout(comp.def->class_name, comp.def->args);
    }
    if (comp.is_spout) {
        t->spout_out = std::make_unique<spout_collector_impl>(ex, *t);
        t->pending =
            pending_messages(conf_int_or_zero(comp.conf, config::topology_max_spout_pending));
    } else if (!comp.is_acker && comp.def->class_name == shell_bolt_class) {
        auto b = std::make_unique<multilang::shell_bolt_impl>(shell_settings_of(plan, comp));
        b->core().set_capture(&t->capture_targets);
        b->core().set_stop_flag(&ex.shared().stop);
        t->polled = b.get();
        t->bl = std::move(b);
        t->bolt_out = make_bolt_collector(ex, *t, plan);
    } else if (!comp.is_acker) {
        t->bl = pre != nullptr && pre->bl
                    ? std::move(pre->bl)
                    : registry.make_bolt(comp.def->class_name, comp.def->args);
        t->bolt_out = make_bolt_collector(ex, *t, plan);
    }
    // A shell component's emits may be captured (need_task_ids); logged ones with debug.
    t->routes.set_plain(!t->debug && !is_shell(comp));
    std::vector<int> same_thread;
    for (const stream_plan& sp : comp.streams) {
        stream_route route;
        route.plan = &sp;
        for (const edge_plan& e : sp.edges) {
            same_thread_targets(plan, e, self, same_thread);
            std::unique_ptr<custom_stream_grouping> custom;
            if (e.group.type == grouping_type::custom) {
                custom = registry.make_grouping(e.group.custom_class, e.group.custom_args);
            }
            route.edges.push_back(make_edge_route(e, id, same_thread, std::move(custom)));
        }
        t->routes.add(std::move(route));
    }
    return t;
}

void rebind_task_state(task_state& t, executor_core& ex, const topology_plan& plan,
                       const component_plan& comp, bool chained, int self) {
    t.comp = &comp;
    t.chained = chained;
    *t.ctx = topology_context(plan.layout(), t.id, ex.shared().metrics);
    t.input_base = comp.inputs.empty() ? nullptr : comp.input_base.data();
    if (t.spout_out) {
        static_cast<spout_collector_impl&>(*t.spout_out).rebind(ex);
    }
    if (t.bolt_out) {
        static_cast<bolt_collector_impl&>(*t.bolt_out).rebind(ex);
    }
    // The same topology: the same streams and edges in the same order, so each route (and its
    // counters) stays and only its targets on this worker and thread are redone.
    std::vector<int> same_thread;
    t.routes.forget_last();
    auto& streams = t.routes.streams();
    for (std::size_t si = 0; si < streams.size(); ++si) {
        stream_route& r = streams[si];
        const stream_plan& sp = comp.streams[si];
        r.plan = &sp;
        for (std::size_t k = 0; k < sp.edges.size(); ++k) {
            same_thread_targets(plan, sp.edges[k], self, same_thread);
            r.edges[k] =
                make_edge_route(sp.edges[k], t.id, same_thread, std::move(r.edges[k].custom));
        }
        t.routes.refresh(r);
    }
    t.kept = false;
}

void start_task(task_state& t, shared_state& shared) {
    if (t.opened) {
        return;
    }
    t.opened = true;
    for (auto& s : t.routes.streams()) {
        for (auto& e : s.edges) {
            if (e.custom) {
                guarded(shared, t, "custom grouping prepare", [&] {
                    e.custom->prepare(*t.ctx, t.comp->id, s.plan->schema->stream, e.plan->targets);
                });
            }
        }
    }
    if (t.sp) {
        guarded(shared, t, "open", [&] { t.sp->open(t.comp->conf, *t.ctx, *t.spout_out); });
    } else if (t.bl) {
        guarded(shared, t, "prepare", [&] { t.bl->prepare(t.comp->conf, *t.ctx, *t.bolt_out); });
    }
}

void set_task_active(task_state& t, bool active, shared_state& shared) {
    if (!t.sp || t.activated == active) {
        return;
    }
    t.activated = active;
    if (active) {
        guarded(shared, t, "activate", [&] { t.sp->activate(); });
    } else {
        guarded(shared, t, "deactivate", [&] { t.sp->deactivate(); });
    }
}

void stop_task(task_state& t, shared_state& shared) {
    if (t.sp) {
        if (t.activated) {
            t.activated = false;
            guarded(shared, t, "deactivate", [&] { t.sp->deactivate(); });
        }
        guarded(shared, t, "close", [&] { t.sp->close(); });
    } else if (t.bl) {
        guarded(shared, t, "cleanup", [&] { t.bl->cleanup(); });
    }
}

}  // namespace tempest::worker
