// SPDX-License-Identifier: Apache-2.0
// TEMPEST_FUZZ_CHECK: a promise of the code under test that an input broke. Prints what and
// where, then aborts, so that libFuzzer saves the input and the regression test fails.
#pragma once

#include <cstdio>
#include <cstdlib>

#define TEMPEST_FUZZ_CHECK(cond, what)                                                        \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "fuzz check failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         what, #cond);                                                        \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)
