// SPDX-License-Identifier: Apache-2.0
// flux_loader: reads a topology described in Storm Flux's YAML layout, so that a package's
// registered classes can be wired together without writing a tempest_main:
//
//   name: "word-count"
//   config:                          # topology config: scalars and lists only
//     topology.workers: 1
//   spouts:
//     - id: "sentences"
//       className: "word_count.sentence_spout"   # a class the package registered
//       parallelism: 1
//   bolts:
//     - id: "report"
//       className: "word_count.reporter"
//       constructorArgs: [2.0]
//   streams:
//     - from: "sentences"
//       to: "report"
//       grouping:
//         type: SHUFFLE              # SHUFFLE FIELDS ALL GLOBAL LOCAL_OR_SHUFFLE NONE DIRECT
//                                    # CUSTOM PARTIAL_KEY
//         args: ["word"]             # FIELDS and PARTIAL_KEY
//         streamId: "default"        # optional
//         customClass:               # CUSTOM: a registered grouping class
//           className: "my.grouping"
//           constructorArgs: [1]
//
// Spouts and bolts may also set numTasks. The topology is built with topology_builder from the
// given registry, so it is validated exactly as a package's own topology is. Flux features that
// need a JVM object model (includes, components, `ref` arguments, properties, configMethods,
// factory methods, topologySource, workerHooks) are refused with an error naming the key.
// Every error is one flux_error whose message starts with "SOURCE:LINE: KEY: ", e.g.
//   word_count.yaml:14: bolts[1].className: no bolt class 'x' is registered
// Free functions; thread-safe as far as the registry is (it is).
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tempest::common {

// A Flux file that cannot be read or does not describe a valid topology.
class flux_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct flux_topology {
    std::string name;
    config conf;
    tempest::topology topology;
};

// Parses Flux YAML `text`; `source_name` (e.g. the file name) prefixes every error. Components'
// classes are looked up, and one instance of each built, in `registry`. Throws flux_error.
flux_topology parse_flux_yaml(std::string_view text, const std::string& source_name,
                              component_registry& registry);

// Reads and parses a file; a missing or unreadable file is a flux_error.
flux_topology load_flux_file(const std::filesystem::path& path, component_registry& registry);

}  // namespace tempest::common
