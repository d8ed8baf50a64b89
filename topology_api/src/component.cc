// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/component.h"

namespace tempest {

void output_fields_declarer::declare_stream(std::string id, bool direct, fields f) {
    for (const stream_def& s : _streams) {
        if (s.id == id) {
            _duplicates.push_back(std::move(id));
            return;
        }
    }
    _streams.push_back({std::move(id), std::move(f), direct});
}

void basic_bolt_adapter::prepare(const config& conf, const topology_context& context,
                                 output_collector& collector) {
    _out = &collector;
    _inner->prepare(conf, context);
}

void basic_bolt_adapter::execute(const tuple& input) {
    basic_output_collector bc(*_out, input);
    try {
        _inner->execute(input, bc);
    } catch (const failed_exception& e) {
        _out->fail(input);
        if (*e.what() != '\0') {
            _out->report_error(e.what());
        }
        return;
    }
    // Any other exception propagates: the runtime reports it and fails the input.
    _out->ack(input);
}

}  // namespace tempest
