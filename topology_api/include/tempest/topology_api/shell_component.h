// SPDX-License-Identifier: Apache-2.0
// shell_bolt / shell_spout: components written in another language (Python, Node.js, ...) that
// a worker runs as a subprocess speaking Storm's multilang protocol, as Storm's ShellBolt and
// ShellSpout. From C++ they are declared with the command that starts them and the streams
// they emit on:
//
//   b.set_bolt("split", tempest::shell_bolt({"python3", "split.py"}).output_fields({"word"}), 4)
//       .shuffle_grouping("sentences");
//
// The topology records them as the classes "tempest.shell_bolt" / "tempest.shell_spout" with
// the spec as constructor arguments (shell_spec::to_args), so they travel like any component;
// the worker builds the subprocess side itself (worker/src/multilang/). Plain data.
#pragma once

#include "tempest/topology_api/component.h"
#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/value.h"

#include <string>
#include <string_view>
#include <vector>

namespace tempest {

inline constexpr std::string_view shell_bolt_class = "tempest.shell_bolt";
inline constexpr std::string_view shell_spout_class = "tempest.shell_spout";

inline bool is_shell_class(std::string_view class_name) noexcept {
    return class_name == shell_bolt_class || class_name == shell_spout_class;
}

// What a shell component runs (argv; the program is found on PATH or relative to the
// topology's resources directory, which is also its working directory) and the streams it
// declares.
struct shell_spec {
    std::vector<std::string> command;
    std::vector<stream_def> streams;

    // As constructor arguments, flat scalars (which Storm's Thrift JavaObjectArg can carry):
    // [argc, argv..., stream count, then per stream: id, direct, field count, fields...].
    std::vector<value> to_args() const;
    // The inverse; throws std::invalid_argument naming what is wrong (no command, an empty
    // program, a malformed stream, a stream declared twice).
    static shell_spec from_args(const std::vector<value>& args);
};

namespace detail {
template <typename Self>
class shell_declaration {
  public:
    explicit shell_declaration(std::vector<std::string> command) {
        _spec.command = std::move(command);
    }
    // Fields of the default stream.
    Self& output_fields(fields f) {
        return output_stream(std::string(default_stream), std::move(f), false);
    }
    Self& output_stream(std::string stream, fields f, bool direct = false) {
        _spec.streams.push_back({std::move(stream), std::move(f), direct});
        return static_cast<Self&>(*this);
    }
    const shell_spec& spec() const noexcept { return _spec; }

  private:
    shell_spec _spec;
};
}  // namespace detail

// A bolt run by a subprocess (Storm's ShellBolt).
class shell_bolt : public detail::shell_declaration<shell_bolt> {
  public:
    using shell_declaration::shell_declaration;
};

// A spout run by a subprocess (Storm's ShellSpout).
class shell_spout : public detail::shell_declaration<shell_spout> {
  public:
    using shell_declaration::shell_declaration;
};

}  // namespace tempest
