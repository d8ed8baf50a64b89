// SPDX-License-Identifier: Apache-2.0
// The chaos suite's CI run: a ~2-minute mixed fault schedule (chaos_driver.h) on a cluster of a
// fsyncing ZooKeeper, two Nimbus processes (leader and standby) and three supervisors running the
// chaos_test package: one fault every 12 s, each kind once — a worker SIGKILLed, a worker
// SIGSTOPped (hung), a supervisor SIGKILLed and restarted, the Nimbus leader SIGKILLed (the
// standby takes over and accepts a submission), ZooKeeper killed and restarted, and (as root,
// on a tmpfs) a supervisor's local dir filled up. Asserts that every fault was noticed, that
// throughput came back to 90% of the input rate after each, and that the ledger holds every id
// the producer wrote, acked (duplicates are counted and printed, not failed). The table goes to
// stdout. TEMPEST_KEEP_TEST_DIRS=1 keeps the directory (logs, ledger).
#include "chaos_driver.h"
#include "tempest/common/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace tempest::system_test::chaos {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(chaos_test, a_mixed_schedule_loses_nothing_and_recovers) {
    std::string tmpl = (fs::temp_directory_path() / "tempest-chaos-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    options o;
    o.dir = tmpl;
    o.rate = 200;
    o.period = 12s;
    o.duration = 70s;
    o.faults = {fault_kind::worker_kill,        fault_kind::worker_stop,
                fault_kind::supervisor_restart, fault_kind::nimbus_failover,
                fault_kind::zk_restart,         fault_kind::disk_full};
    o.out = &std::cout;

    report r = run(o);
    std::cout << "\n" << r.table();

    EXPECT_TRUE(r.ledger.ok()) << r.ledger.describe();
    EXPECT_GT(r.ledger.expected, 10000U) << "the producer wrote too little to mean anything";
    EXPECT_EQ(r.faults.size(), o.faults.size());
    for (const auto& f : r.faults) {
        bool skipped = f.note.starts_with("skipped");
        if (!skipped) {
            EXPECT_TRUE(f.detect.has_value()) << fault_name(f.kind) << ": " << f.note;
        }
        EXPECT_TRUE(f.recover.has_value())
            << fault_name(f.kind) << " " << f.target << ": " << f.note;
        EXPECT_EQ(f.ledger.rfind("ok", 0), 0U) << fault_name(f.kind) << ": " << f.ledger;
        EXPECT_EQ(f.note.find("DRIVER ERROR"), std::string::npos) << f.note;
        if (f.kind == fault_kind::nimbus_failover) {
            EXPECT_NE(f.note.find("submit to the new leader ok"), std::string::npos) << f.note;
        }
    }
    EXPECT_EQ(r.zk_session_expirations, 0) << "ZooKeeper sessions expired";

    if (!HasFailure() && std::getenv("TEMPEST_KEEP_TEST_DIRS") == nullptr) {
        std::error_code ignored;
        fs::remove_all(o.dir, ignored);
    } else {
        std::cout << "kept " << o.dir.string() << "\n";
    }
}

}  // namespace
}  // namespace tempest::system_test::chaos

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Workers outlive a SIGKILLed supervisor; as subreaper this process reaps them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    tempest::common::init_logging("warn");
    return RUN_ALL_TESTS();
}
