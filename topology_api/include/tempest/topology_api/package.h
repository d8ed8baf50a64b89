// SPDX-License-Identifier: Apache-2.0
// A topology package is a shared library built against libtempest_topology_api that exports
// three C symbols, the way a Storm jar has a main class:
//
//   int  tempest_api_version();                         // must equal TEMPEST_API_VERSION
//   void tempest_register(tempest::component_registry&); // registers the package's classes
//   int  tempest_main(int argc, char** argv, tempest::submitter&);  // builds and submits
//
// TEMPEST_PACKAGE() defines the first; the package writes the other two. `tempest local` and
// `tempest jar` load the package, check the version, call tempest_register, then tempest_main
// with the arguments after the package path. Workers load the same file and call only
// tempest_register before rebuilding components by class name.
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <string>

#define TEMPEST_API_VERSION 1

namespace tempest {

// Where tempest_main hands its topology: the local cluster in `tempest local`, Nimbus in
// `tempest jar`. Throws invalid_topology (or std::runtime_error) when the topology is refused.
class submitter {
  public:
    virtual ~submitter() = default;
    virtual void submit_topology(const std::string& name, const config& conf,
                                 const topology& t) = 0;
};

}  // namespace tempest

extern "C" {
using tempest_api_version_fn = int (*)();
using tempest_register_fn = void (*)(tempest::component_registry&);
using tempest_main_fn = int (*)(int, char**, tempest::submitter&);
}

#define TEMPEST_PACKAGE()                                                         \
    extern "C" __attribute__((visibility("default"))) int tempest_api_version() { \
        return TEMPEST_API_VERSION;                                               \
    }
