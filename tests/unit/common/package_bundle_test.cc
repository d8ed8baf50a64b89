// SPDX-License-Identifier: Apache-2.0
// package_bundle: a package with its resources folder appended still loads as the package, and
// the folder comes back out exactly (files, directories, permission bits); a broken or hostile
// archive is refused without writing outside the destination.
#include "tempest/common/package_bundle.h"

#include "tempest/common/file_util.h"
#include "tempest/common/package_loader.h"
#include "tempest/common/random_id.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace tempest::common {
namespace {

namespace fs = std::filesystem;

struct package_bundle_test : ::testing::Test {
    fs::path root;
    void SetUp() override {
        root = fs::temp_directory_path() / ("tempest-bundle-test-" + random_hex(12));
        fs::create_directories(root / "res" / "lib" / "deep");
        write(root / "res" / "split.py", "print('split')\n");
        write(root / "res" / "lib" / "tiny.py", "x = 1\n");
        write(root / "res" / "lib" / "deep" / "empty.txt", "");
        fs::create_directories(root / "res" / "empty_dir");
        fs::permissions(root / "res" / "split.py", fs::perms::owner_exec, fs::perm_options::add);
    }
    void TearDown() override { fs::remove_all(root); }
    static void write(const fs::path& p, const std::string& text) {
        std::ofstream(p, std::ios::binary) << text;
    }
    // A bundle of `package_bytes` and res/.
    fs::path bundle_of(const std::string& package_bytes) {
        write(root / "pkg.so", package_bytes);
        write_package_bundle(root / "pkg.so", root / "res", root / "bundle.so");
        return root / "bundle.so";
    }
    // The archive part of a hand-made bundle: entries, then the trailer.
    static std::string archive(const std::string& entries, std::uint64_t count) {
        std::string out = entries;
        auto u64 = [&](std::uint64_t v) {
            for (int i = 0; i < 8; ++i) {
                out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
            }
        };
        u64(entries.size());
        u64(count);
        return out + "TMPSTRS1";
    }
    static std::string file_entry(const std::string& path, const std::string& data) {
        std::string e = "F";
        auto le = [&](std::uint64_t v, int n) {
            for (int i = 0; i < n; ++i) {
                e.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
            }
        };
        le(path.size(), 4);
        e += path;
        le(0644, 4);
        le(data.size(), 8);
        return e + data;
    }
};

TEST_F(package_bundle_test, round_trips_files_directories_and_exec_bits) {
    const fs::path b = bundle_of("the library");
    EXPECT_TRUE(has_bundled_resources(b));
    EXPECT_EQ(read_file(b).substr(0, 11), "the library");  // the package comes first, unchanged
    const fs::path out = root / "out";
    std::string why;
    auto n = extract_bundled_resources(b, out, &why);
    ASSERT_TRUE(n) << why;
    EXPECT_EQ(*n, 6u);  // empty_dir, lib, lib/deep, lib/deep/empty.txt, lib/tiny.py, split.py
    EXPECT_EQ(read_file(out / "split.py"), "print('split')\n");
    EXPECT_EQ(read_file(out / "lib" / "tiny.py"), "x = 1\n");
    EXPECT_EQ(read_file(out / "lib" / "deep" / "empty.txt"), "");
    EXPECT_TRUE(fs::is_directory(out / "empty_dir"));
    EXPECT_NE(fs::status(out / "split.py").permissions() & fs::perms::owner_exec, fs::perms::none);
    EXPECT_EQ(fs::status(out / "lib" / "tiny.py").permissions() & fs::perms::owner_exec,
              fs::perms::none);
    // The same folder gives the same bytes (a stable checksum).
    const std::string first = read_file(b);
    write_package_bundle(root / "pkg.so", root / "res", root / "again.so");
    EXPECT_EQ(read_file(root / "again.so"), first);
}

TEST_F(package_bundle_test, a_plain_package_has_no_resources_and_nothing_is_created) {
    write(root / "plain.so", "just a library");
    EXPECT_FALSE(has_bundled_resources(root / "plain.so"));
    auto n = extract_bundled_resources(root / "plain.so", root / "out");
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
    EXPECT_FALSE(fs::exists(root / "out"));
}

TEST_F(package_bundle_test, a_bundled_shared_library_still_loads) {
    write_package_bundle(TEMPEST_TEST_PKG_OK, root / "res", root / "bundled_ok.so");
    ASSERT_TRUE(has_bundled_resources(root / "bundled_ok.so"));
    package_loader pkg(root / "bundled_ok.so");
    component_registry registry;
    pkg.register_components(registry);
    EXPECT_TRUE(registry.contains("test_pkg.quiet_spout"));
}

TEST_F(package_bundle_test, paths_climbing_out_or_absolute_are_refused_and_never_written) {
    for (const std::string& bad :
         {std::string("../escaped.txt"), std::string("/tmp/escaped.txt"), std::string("a/../../b"),
          std::string("a//b"), std::string("./x"), std::string()}) {
        SCOPED_TRACE(bad);
        write(root / "evil.so", "lib" + archive(file_entry(bad, "pwned"), 1));
        ASSERT_TRUE(has_bundled_resources(root / "evil.so"));
        std::string why;
        auto n = extract_bundled_resources(root / "evil.so", root / "out", &why);
        ASSERT_FALSE(n);
        EXPECT_EQ(n.error(), bundle_errc::bad_path);
        EXPECT_NE(why.find("entry 0"), std::string::npos) << why;
        EXPECT_FALSE(fs::exists(root / "escaped.txt"));
        fs::remove_all(root / "out");
    }
}

TEST_F(package_bundle_test, truncated_or_inconsistent_archives_are_malformed) {
    const std::string good = file_entry("a.txt", "hello");
    // Entry count says two, there is one; the size claims more bytes than there are; bytes
    // left over after the entries; a kind that is neither file nor directory.
    std::string big = good;
    big[1 + 4 + 5 + 4] = 100;  // size's low byte
    std::string kind = good;
    kind[0] = 'L';
    for (const std::string& a :
         {archive(good, 2), archive(big, 1), archive(good + "zz", 1), archive(kind, 1)}) {
        write(root / "bad.so", "lib" + a);
        std::string why;
        auto n = extract_bundled_resources(root / "bad.so", root / "out", &why);
        ASSERT_FALSE(n);
        EXPECT_EQ(n.error(), bundle_errc::malformed) << why;
        EXPECT_FALSE(why.empty());
        fs::remove_all(root / "out");
    }
    // A trailer naming more bytes than the file has is no trailer: a plain package.
    std::string lying = archive(good, 1);
    lying[good.size()] = static_cast<char>(0xff);
    write(root / "lying.so", lying);
    EXPECT_FALSE(has_bundled_resources(root / "lying.so"));
}

TEST_F(package_bundle_test, bad_inputs_are_named) {
    try {
        write_package_bundle(root / "missing.so", root / "res", root / "b.so");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing.so' is not a file"), std::string::npos)
            << e.what();
    }
    write(root / "pkg.so", "lib");
    try {
        write_package_bundle(root / "pkg.so", root / "nope", root / "b.so");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("nope' is not a directory"), std::string::npos)
            << e.what();
    }
    fs::create_symlink(root / "gone", root / "res" / "dangling");
    try {
        write_package_bundle(root / "pkg.so", root / "res", root / "b.so");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("dangling"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace tempest::common
