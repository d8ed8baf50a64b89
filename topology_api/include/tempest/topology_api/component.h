// SPDX-License-Identifier: Apache-2.0
// The interfaces user code implements, under Storm's names: spout (a source), bolt (a processing
// step that acks explicitly), basic_bolt (acks automatically) and custom_stream_grouping.
// Every method of a component runs on its executor's thread; one instance serves one task.
// Lifecycle: constructed from (class name, args) by the component_registry, then
// open()/prepare(), many next_tuple()/execute(), then close()/cleanup() on a clean stop.
#pragma once

#include "tempest/topology_api/collectors.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/topology_context.h"
#include "tempest/topology_api/tuple.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest {

// One output stream a component declares.
struct stream_def {
    std::string id;
    tempest::fields fields;
    bool direct = false;
    friend bool operator==(const stream_def&, const stream_def&) = default;
};

// Collects the streams a component declares, as Storm's OutputFieldsDeclarer.
class output_fields_declarer {
  public:
    void declare(fields f) { declare_stream(std::string(default_stream), false, std::move(f)); }
    void declare(bool direct, fields f) {
        declare_stream(std::string(default_stream), direct, std::move(f));
    }
    void declare_stream(std::string id, fields f) {
        declare_stream(std::move(id), false, std::move(f));
    }
    // A stream declared twice is an error reported when the topology is built.
    void declare_stream(std::string id, bool direct, fields f);

    const std::vector<stream_def>& streams() const noexcept { return _streams; }
    const std::vector<std::string>& duplicates() const noexcept { return _duplicates; }

  private:
    std::vector<stream_def> _streams;
    std::vector<std::string> _duplicates;
};

// Thrown by a basic bolt's execute() to fail its input tuple (Storm's FailedException).
class failed_exception : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class component {
  public:
    virtual ~component() = default;
    virtual void declare_output_fields(output_fields_declarer& declarer) = 0;
    // Component-level config, merged over the topology's (e.g. topology.tick.tuple.freq.secs).
    virtual config get_component_configuration() const { return {}; }
};

class spout : public component {
  public:
    virtual void open(const config& conf, const topology_context& context,
                      spout_output_collector& collector) = 0;
    virtual void close() {}
    virtual void activate() {}
    virtual void deactivate() {}
    // Emit zero or more tuples and return; called in a loop while the topology is active and
    // fewer than topology.max.spout.pending tuples are in flight. Should not block.
    virtual void next_tuple() = 0;
    virtual void ack(message_id /*id*/) {}
    virtual void fail(message_id /*id*/) {}
};

class bolt : public component {
  public:
    virtual void prepare(const config& conf, const topology_context& context,
                         output_collector& collector) = 0;
    virtual void execute(const tuple& input) = 0;
    virtual void cleanup() {}
};

class basic_bolt : public component {
  public:
    virtual void prepare(const config& /*conf*/, const topology_context& /*context*/) {}
    virtual void execute(const tuple& input, basic_output_collector& collector) = 0;
    virtual void cleanup() {}
};

// A user-defined grouping, as Storm's CustomStreamGrouping.
class custom_stream_grouping {
  public:
    virtual ~custom_stream_grouping() = default;
    // Called once per producing task with the consumer's task ids (ascending).
    virtual void prepare(const topology_context& context, const std::string& source_component,
                         const std::string& stream, const std::vector<int>& target_tasks) = 0;
    // Appends the chosen target task ids (each one of target_tasks) to `out`.
    virtual void choose_tasks(int source_task, const values& v, std::vector<int>& out) = 0;
};

// Runs a basic_bolt as a bolt: anchors its emits to the input, acks after execute(), fails on
// failed_exception. Registered for basic bolts by component_registry.
class basic_bolt_adapter final : public bolt {
  public:
    explicit basic_bolt_adapter(std::unique_ptr<basic_bolt> inner) : _inner(std::move(inner)) {}
    void declare_output_fields(output_fields_declarer& d) override {
        _inner->declare_output_fields(d);
    }
    config get_component_configuration() const override {
        return _inner->get_component_configuration();
    }
    void prepare(const config& conf, const topology_context& context,
                 output_collector& collector) override;
    void execute(const tuple& input) override;
    void cleanup() override { _inner->cleanup(); }

  private:
    std::unique_ptr<basic_bolt> _inner;
    output_collector* _out = nullptr;
};

}  // namespace tempest
