// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace tempest::common {

struct sha256::state {
    EVP_MD_CTX* ctx = nullptr;
    ~state() { EVP_MD_CTX_free(ctx); }
};

sha256::sha256() : _state(std::make_unique<state>()) {
    _state->ctx = EVP_MD_CTX_new();
    if (_state->ctx == nullptr || EVP_DigestInit_ex(_state->ctx, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 initialisation failed");
    }
}

// Out of line: `state` is complete only here.
sha256::~sha256() = default;

void sha256::update(std::string_view data) {
    EVP_DigestUpdate(_state->ctx, data.data(), data.size());
}

std::string sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(_state->ctx, md, &len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 0xf]);
    }
    return out;
}

std::string sha256_of_file(const std::filesystem::path& p) {
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

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

}  // namespace tempest::common
