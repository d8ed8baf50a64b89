// SPDX-License-Identifier: Apache-2.0
// A package that claims a future API version, for package_loader_test.
#include "tempest/topology.h"

extern "C" __attribute__((visibility("default"))) int tempest_api_version() {
    return 2;
}

extern "C" void tempest_register(tempest::component_registry&) {}

extern "C" int tempest_main(int, char**, tempest::submitter&) {
    return 0;
}
