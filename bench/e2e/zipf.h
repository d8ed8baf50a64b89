// SPDX-License-Identifier: Apache-2.0
// zipf: draws keys 0..n-1 with P(k) proportional to 1/(k+1)^s (key 0 the hottest), from a CDF
// table computed once (n doubles) and a binary search per draw: no allocation per draw.
// splitmix64 is the uniform source (deterministic for a seed, so runs and tests repeat).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::bench {

// splitmix64: a tiny, fast 64-bit generator.
class splitmix64 {
  public:
    explicit splitmix64(std::uint64_t seed) noexcept : _s(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (_s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1), 53 bits.
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  private:
    std::uint64_t _s;
};

class zipf_table {
  public:
    // Throws std::invalid_argument for keys < 1 or a skew that is negative or not finite.
    zipf_table(std::int64_t keys, double skew) {
        if (keys < 1 || keys > 100'000'000) {
            throw std::invalid_argument("zipf: key count must be 1..100000000, got " +
                                        std::to_string(keys));
        }
        if (!std::isfinite(skew) || skew < 0) {
            throw std::invalid_argument("zipf: skew must be a finite number >= 0, got " +
                                        std::to_string(skew));
        }
        _cdf.resize(static_cast<std::size_t>(keys));
        double sum = 0;
        for (std::int64_t k = 0; k < keys; ++k) {
            sum += 1.0 / std::pow(static_cast<double>(k + 1), skew);
            _cdf[static_cast<std::size_t>(k)] = sum;
        }
        for (double& c : _cdf) {
            c /= sum;
        }
        _cdf.back() = 1.0;
    }

    std::int64_t keys() const noexcept { return static_cast<std::int64_t>(_cdf.size()); }
    // P(key <= k).
    double cdf(std::int64_t k) const { return _cdf.at(static_cast<std::size_t>(k)); }

    // The key whose CDF interval holds u (0 <= u < 1).
    std::int64_t key_for(double u) const noexcept {
        auto it = std::upper_bound(_cdf.begin(), _cdf.end(), u);
        if (it == _cdf.end()) {
            --it;
        }
        return it - _cdf.begin();
    }
    std::int64_t draw(splitmix64& rng) const noexcept { return key_for(rng.uniform()); }

  private:
    std::vector<double> _cdf;
};

}  // namespace tempest::bench
