// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace tempest::common {
namespace {

std::string name_of(pthread_t t) {
    char buf[32] = {};
    EXPECT_EQ(pthread_getname_np(t, buf, sizeof(buf)), 0);
    return buf;
}

TEST(thread_name_test, keeps_the_task_number_and_shortens_the_component) {
    EXPECT_EQ(thread_name("split", 7), "split:7");
    EXPECT_EQ(thread_name("a-very-long-component-id", 12345), "a-very-lo:12345");
    EXPECT_EQ(thread_name("a-very-long-component-id", 12345).size(), 15u);
    EXPECT_EQ(thread_name("", 3), ":3");
}

TEST(thread_name_test, names_the_calling_thread_within_the_kernel_limit) {
    std::string seen;
    std::thread t([&] {
        set_thread_name("transfer");
        seen = name_of(pthread_self());
    });
    t.join();
    EXPECT_EQ(seen, "transfer");

    std::thread long_name([&] {
        set_thread_name("a-name-longer-than-fifteen-bytes");
        seen = name_of(pthread_self());
    });
    long_name.join();
    EXPECT_EQ(seen, "a-name-longer-t");
}

}  // namespace
}  // namespace tempest::common
