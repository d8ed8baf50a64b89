// SPDX-License-Identifier: Apache-2.0
// A package that forgot tempest_register, for package_loader_test.
#include "tempest/topology.h"

TEMPEST_PACKAGE()

extern "C" int tempest_main(int, char**, tempest::submitter&) {
    return 0;
}
