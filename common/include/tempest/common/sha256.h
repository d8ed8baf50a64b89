// SPDX-License-Identifier: Apache-2.0
// sha256: incremental SHA-256 with a hex digest, for the package checksums Nimbus records at
// upload (stormjar.so.sha256) and that Nimbus code replication and the supervisor's code download
// check. Implemented over OpenSSL's EVP interface in sha256.cc; the OpenSSL headers stay out of
// this one so that users of tempest::common do not need them. One object per digest, used by one
// thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tempest::common {

class sha256 {
  public:
    // Throws std::runtime_error when OpenSSL cannot set up the digest.
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;

    void update(std::string_view data);
    // The digest of everything passed to update(), as 64 lowercase hex digits. Call once.
    std::string hex();

  private:
    struct state;  // the OpenSSL digest context
    std::unique_ptr<state> _state;
};

// The SHA-256 of the file at `p` (hex), read in 1 MiB blocks. Throws std::runtime_error naming
// the file when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& p);

// True when `s` is a SHA-256 as hex() writes it: exactly 64 lowercase hex digits.
bool is_sha256_hex(std::string_view s);

}  // namespace tempest::common
