// SPDX-License-Identifier: Apache-2.0
// sha256: incremental SHA-256 over OpenSSL's EVP interface, with a hex digest, for the package
// checksums Nimbus records at upload and checks when it replicates code. One object per digest,
// used by one thread at a time.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tempest::nimbus {

class sha256 {
  public:
    sha256() : _ctx(EVP_MD_CTX_new()) {
        if (_ctx == nullptr || EVP_DigestInit_ex(_ctx, EVP_sha256(), nullptr) != 1) {
            EVP_MD_CTX_free(_ctx);
            throw std::runtime_error("SHA-256 initialisation failed");
        }
    }
    ~sha256() { EVP_MD_CTX_free(_ctx); }
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;

    void update(std::string_view data) { EVP_DigestUpdate(_ctx, data.data(), data.size()); }
    // The digest of everything passed to update(), as 64 lowercase hex digits. Call once.
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(_ctx, md, &len);
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < len; ++i) {
            out.push_back(digits[md[i] >> 4]);
            out.push_back(digits[md[i] & 0xf]);
        }
        return out;
    }

  private:
    EVP_MD_CTX* _ctx;
};

// The SHA-256 of the file at `p` (hex), read in 1 MiB blocks. Throws std::runtime_error naming
// the file when it cannot be read.
inline std::string sha256_of_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    sha256 h;
    std::string block(1 << 20, '\0');
    while (in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        h.update(std::string_view(block.data(), static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return h.hex();
}

}  // namespace tempest::nimbus
