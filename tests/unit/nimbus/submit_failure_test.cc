// SPDX-License-Identifier: Apache-2.0
// A submission that fails part way leaves nothing behind. nimbus_service runs over
// failing_cluster_state (the in-memory state underneath), which fails the N-th cluster-state
// write of the submission — refused, or applied with the reply lost — for every N the
// submission makes; a disk failure is injected by putting a file where stormdist should be.
// After each failure: no topology record, no assignment, no code under stormdist, the upload
// back in the inbox, the other topology untouched; then the same submission, retried, succeeds.
#include "failing_cluster_state.h"
#include "nimbus_error.h"
#include "nimbus_fixture.h"
#include "nimbus_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace tempest::nimbus {
namespace {

namespace fs = std::filesystem;
using testing::failing_cluster_state;
using testing::nimbus_part_test;

class submit_failure_test : public nimbus_part_test {
  protected:
    submit_failure_test() {
        add_supervisor("sup-a", {6700, 6701, 6702, 6703});
        config c = conf;
        c.set("nimbus.package.check", false);  // the packages here are not shared libraries
        service = std::make_unique<nimbus_service>(failing, c, dir.path / "local", paths);
        service->set_clocks(fake_clocks());
        // Another topology, already stored and assigned: a failing submission leaves it alone.
        other_id = service->submit(submission("other", upload()));
        other_assignment = state.get(paths.assignment(other_id))->data;
    }

    std::string upload() {
        auto location = service->begin_upload();
        service->files().upload_chunk(location, "package bytes");
        service->files().finish_upload(location);
        return location;
    }

    static nimbus_service::submission submission(const std::string& name,
                                                 const std::string& location) {
        nimbus_service::submission s;
        s.name = name;
        s.uploaded_location = location;
        s.conf_json = R"({"topology.workers": 2})";
        s.topology = testing::word_count();
        s.code = thrift::to_binary(thrift::to_thrift(testing::word_count()));
        return s;
    }

    fs::path service_stormdist() const { return dir.path / "local" / "nimbus" / "stormdist"; }

    // Only "other" is stored, assigned (as before) and has code; the upload is back.
    void expect_only_other(const std::string& location, const std::string& what) {
        SCOPED_TRACE(what);
        EXPECT_EQ(children(paths.storms()), std::vector<std::string>{other_id});
        EXPECT_EQ(children(paths.assignments()), std::vector<std::string>{other_id});
        EXPECT_EQ(children(paths.routes()), std::vector<std::string>{other_id});
        EXPECT_EQ(state.get(paths.assignment(other_id))->data, other_assignment);
        std::vector<std::string> dirs;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(service_stormdist(), ec)) {
            dirs.push_back(e.path().filename().string());
        }
        EXPECT_EQ(dirs, std::vector<std::string>{other_id});
        EXPECT_TRUE(fs::is_regular_file(location)) << "the upload did not go back to the inbox";
    }

    // The retried submission is stored, assigned and has its code.
    void expect_stored(const std::string& id) {
        EXPECT_TRUE(store.read(id));
        EXPECT_TRUE(state.get(paths.assignment(id)));
        EXPECT_TRUE(state.get(paths.routes(id)));
        EXPECT_TRUE(fs::is_regular_file(service_stormdist() / id / "stormjar.so"));
        EXPECT_TRUE(fs::is_regular_file(service_stormdist() / id / "stormcode.ser"));
    }

    failing_cluster_state failing{state};
    std::unique_ptr<nimbus_service> service;
    std::string other_id;
    std::string other_assignment;
};

// The writes a submission makes: the record, the routes, then the assignment.
TEST_F(submit_failure_test, a_submission_writes_its_record_then_its_assignment) {
    failing.count_writes();
    auto id = service->submit(submission("wc", upload()));
    EXPECT_EQ(failing.written_paths(),
              (std::vector<std::string>{paths.storm(id), paths.routes(id), paths.assignment(id)}));
}

// A monitor round over an unchanged topology reads no record's data: the assignment and the
// routes only when their nodes changed, the workers' heartbeats never (their stats tell).
TEST_F(submit_failure_test, a_quiet_monitor_round_reads_no_assignment_routes_or_heartbeat) {
    for (int port : {6700, 6701, 6702, 6703}) {
        ASSERT_TRUE(common::ensure_path(state, paths.workerbeat(other_id, "sup-a", port)));
        ASSERT_TRUE(state.set(paths.workerbeat(other_id, "sup-a", port), std::string(4096, 'b')));
    }
    service->monitor_once();  // sees the submission's own writes
    failing.count_writes();
    service->monitor_once();
    service->monitor_once();
    for (const auto& path : failing.read_paths()) {
        EXPECT_NE(path, paths.assignment(other_id));
        EXPECT_NE(path, paths.routes(other_id));
        EXPECT_NE(path.rfind(paths.workerbeats(other_id), 0), 0U) << path;
    }
    EXPECT_EQ(failing.writes(), 0);

    // A change is read: routes removed behind Nimbus' back are written again.
    ASSERT_TRUE(state.remove(paths.routes(other_id)));
    service->monitor_once();
    EXPECT_TRUE(state.get(paths.routes(other_id)));
    EXPECT_EQ(failing.written_paths(), std::vector<std::string>{paths.routes(other_id)});
}

TEST_F(submit_failure_test, each_failing_write_leaves_nothing_behind_and_a_retry_succeeds) {
    failing.count_writes();
    (void)service->submit(submission("probe", upload()));
    const int writes = failing.writes();
    ASSERT_GE(writes, 2);
    service->kill("probe", 0);

    for (auto how : {failing_cluster_state::failure::refused,
                     failing_cluster_state::failure::applied_anyway}) {
        for (int n = 1; n <= writes; ++n) {
            std::string what = std::string(how == failing_cluster_state::failure::refused
                                               ? "refused"
                                               : "applied but reported failed") +
                               " write " + std::to_string(n) + " of " + std::to_string(writes);
            auto location = upload();
            failing.fail_write(n, how);
            EXPECT_THROW(service->submit(submission("wc", location)), std::runtime_error) << what;
            EXPECT_TRUE(failing.failed()) << what;
            expect_only_other(location, what);
            EXPECT_TRUE(service->is_name_allowed("wc")) << what;

            failing.count_writes();
            auto id = service->submit(submission("wc", location));
            expect_stored(id);
            service->kill("wc", 0);
            expect_only_other(upload(), what + ", after the retry's kill");
        }
    }
}

TEST_F(submit_failure_test, a_disk_failure_leaves_nothing_behind_and_a_retry_succeeds) {
    auto location = upload();
    // A file where the topology directories go: creating one fails.
    fs::rename(service_stormdist(), dir.path / "stormdist-aside");
    std::ofstream(service_stormdist()) << "not a directory";
    failing.count_writes();
    try {
        service->submit(submission("wc", location));
        FAIL() << "stored a topology under a file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(service_stormdist().string()), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(failing.writes(), 0);
    EXPECT_EQ(children(paths.storms()), std::vector<std::string>{other_id});
    EXPECT_TRUE(fs::is_regular_file(location));

    fs::remove(service_stormdist());
    fs::rename(dir.path / "stormdist-aside", service_stormdist());
    auto id = service->submit(submission("wc", location));
    expect_stored(id);
}

}  // namespace
}  // namespace tempest::nimbus
