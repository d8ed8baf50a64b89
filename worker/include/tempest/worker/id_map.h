// SPDX-License-Identifier: Apache-2.0
// id_map: an open-addressing hash map from non-zero 64-bit ids (random root ids, so already
// well spread) to small values, with linear probing and backward-shift deletion. Used by the
// acker (root -> XOR state) and by spout tasks (root -> pending message). One thread owns it.
#pragma once

#include <cstdint>
#include <vector>

namespace tempest::worker {

template <typename V>
class id_map {
  public:
    explicit id_map(std::size_t initial = 1024) { rehash(round_up(initial)); }

    std::size_t size() const noexcept { return _size; }
    bool empty() const noexcept { return _size == 0; }

    V* find(std::uint64_t key) noexcept {
        std::size_t i = index_of(key);
        return i == npos ? nullptr : &_slots[i].val;
    }
    // The value for key, default-constructed (and `*inserted` set) when new.
    // Requires: key != 0. Inline, as slot_of.
    [[gnu::always_inline]] V& get_or_insert(std::uint64_t key, bool* inserted = nullptr) {
        bool added = false;
        V& v = _slots[slot_of(key, added)].val;
        if (inserted) {
            *inserted = added;
        }
        return v;
    }
    bool erase(std::uint64_t key) noexcept {
        std::size_t i = index_of(key);
        if (i == npos) {
            return false;
        }
        erase_at(i);
        return true;
    }

    // By slot, for a caller that finds an entry and then erases it (one probe, not two). A slot
    // index stays valid until the next insert or erase.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    // The slot of `key`, or npos.
    std::size_t index_of(std::uint64_t key) const noexcept {
        std::size_t i = key & _mask;
        while (true) {
            const std::uint64_t k = _slots[i].key;
            if (k == key) [[likely]] {
                return i;
            }
            if (k == 0) {
                return npos;
            }
            i = (i + 1) & _mask;
        }
    }
    // The slot of `key`, inserted (value default-constructed, `added` set) when new.
    // Requires: key != 0. Inline (the growth is out of line): a spout's pending insert runs once
    // per tracked tuple, and whether GCC inlined it varied with what else the caller's file held.
    [[gnu::always_inline]] std::size_t slot_of(std::uint64_t key, bool& added) {
        std::size_t i = key & _mask;
        while (true) {
            slot& s = _slots[i];
            if (s.key == key) {
                added = false;
                return i;
            }
            if (s.key == 0) {
                break;
            }
            i = (i + 1) & _mask;
        }
        if ((_size + 1) * 4 > (_mask + 1) * 3) [[unlikely]] {
            i = grow_for(key);
        }
        _slots[i].key = key;
        _slots[i].val = V{};
        ++_size;
        added = true;
        return i;
    }
    V& value_at(std::size_t i) noexcept { return _slots[i].val; }
    // Removes the entry in slot `i`. Requires: slot `i` holds an entry.
    void erase_at(std::size_t i) noexcept {
        // Backward-shift: move later entries of the probe run into the hole.
        std::size_t hole = i;
        std::size_t j = i;
        while (true) {
            j = (j + 1) & _mask;
            if (_slots[j].key == 0) {
                break;
            }
            // Entry j may fill the hole if its home is not in (hole, j] cyclically: if it is
            // at least as far from its home as the hole is from j.
            const std::size_t home = _slots[j].key & _mask;
            if (((j - home) & _mask) >= ((j - hole) & _mask)) {
                _slots[hole] = std::move(_slots[j]);
                hole = j;
            }
        }
        _slots[hole].key = 0;
        _slots[hole].val = V{};
        --_size;
    }
    // Calls fn(key, V&) for every entry; fn returns true to erase it.
    template <typename Fn>
    void erase_if(Fn&& fn) {
        std::vector<std::uint64_t> doomed;
        for (auto& s : _slots) {
            if (s.key != 0 && fn(s.key, s.val)) {
                doomed.push_back(s.key);
            }
        }
        for (std::uint64_t k : doomed) {
            erase(k);
        }
    }

  private:
    struct slot {
        std::uint64_t key = 0;
        V val{};
    };
    static std::size_t round_up(std::size_t n) {
        std::size_t c = 16;
        while (c < n)
            c <<= 1;
        return c;
    }
    // Doubles the table (out of line: the lookups inline without its registers) and returns
    // the empty slot where `key` goes. Requires: key is not in the table.
    [[gnu::noinline]] std::size_t grow_for(std::uint64_t key) {
        rehash((_mask + 1) * 2);
        std::size_t i = key & _mask;
        while (_slots[i].key != 0) {
            i = (i + 1) & _mask;
        }
        return i;
    }
    void rehash(std::size_t cap) {
        std::vector<slot> old = std::move(_slots);
        _slots.assign(cap, slot{});
        _mask = cap - 1;
        _size = 0;
        for (auto& s : old) {
            if (s.key != 0) {
                get_or_insert(s.key) = std::move(s.val);
            }
        }
    }

    std::vector<slot> _slots;
    std::size_t _mask = 0;
    std::size_t _size = 0;
};

}  // namespace tempest::worker
