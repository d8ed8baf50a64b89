// SPDX-License-Identifier: Apache-2.0
// spsc_ring: a bounded single-producer / single-consumer ring of preallocated slots, the queue
// between two executor threads. The producer fills slots in place and publishes its write index
// once per batch (one release store); the consumer handles a whole run of slots in place and
// publishes its read index once per run. Each side caches the other's index, so in the steady
// state a tuple costs no atomic read-modify-write and no shared-line traffic of its own.
//
//   producer: T* s = try_claim(); fill *s; commit();  ...  publish();
//   consumer: consume(max, [](T& t) { ...; return true; });
//
// Slots are reused, not destroyed: a T keeps its heap buffers between uses, so large tuples
// allocate only until the ring has warmed up. They are built on the ring's first lap, as the
// producer reaches them, so the pages of slots no tuple has reached yet stay untouched.
//
// The producer asks for the lines of a slot up to 16 ahead in a writable state before it fills
// it (when the consumer is done with it), but only the lines it wrote into the last slot
// (commit(lines)): a line of a slot it does not write stays shared with the consumer, whose reads
// past the end of a small tuple (a vector compare of a short string) then cost no second line
// moving between cores per slot.
#pragma once

#include "tempest/worker/parker.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace tempest::worker {

template <typename T>
class spsc_ring {
  public:
    // Requires: capacity is a power of two >= 2. `consumer_parker` is woken when the producer
    // publishes; `producer_parker` when the consumer frees slots of a ring it found at least
    // half full (the producer waits for room only on a full ring; see consume()).
    explicit spsc_ring(std::size_t capacity, parker* consumer_parker = nullptr,
                       parker* producer_parker = nullptr)
        : _slots(
              static_cast<T*>(::operator new (capacity * sizeof(T), std::align_val_t{alignof(T)}))),
          _mask(capacity - 1),
          _consumer_parker(consumer_parker),
          _producer_parker(producer_parker) {
        _w.ahead = std::clamp<std::uint64_t>(capacity / 4, 1, write_ahead);
    }
    ~spsc_ring() {
        const std::uint64_t built = std::min<std::uint64_t>(_w.constructed, capacity());
        for (std::uint64_t i = 0; i < built; ++i) {
            _slots[i].~T();
        }
        ::operator delete (_slots, std::align_val_t{alignof(T)});
    }
    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    std::size_t capacity() const noexcept { return _mask + 1; }

    // ---- producer side (one thread) ----
    // The next free slot, or nullptr when the ring is full.
    [[gnu::always_inline]] T* try_claim() noexcept {
        if (_w.tail - _w.cached_head > _mask) [[unlikely]] {
            _w.cached_head = _head.load(std::memory_order_acquire);
            if (_w.tail - _w.cached_head > _mask) {
                return nullptr;
            }
        }
        if (_w.tail >= _w.constructed) [[unlikely]] {
            construct_more();
        }
        // The slot `ahead` on was last touched by the consumer's core: ask for its lines now so
        // that filling it later does not wait for them. Not while the consumer may still have to
        // read it (a ring nearly full): taking its lines then would make the consumer wait.
        const std::uint64_t ahead = _w.tail + _w.ahead;
        if (ahead - _w.cached_head <= _mask ||
            ahead - (_w.cached_head = _head.load(std::memory_order_acquire)) <= _mask) [[likely]] {
            prefetch_for_write(&_slots[ahead & _mask], _w.lines);
        }
        return &_slots[_w.tail & _mask];
    }
    // try_claim() with each of its unusual cases left to the caller: null when the ring looks
    // full or the slot is not built yet (the caller then calls try_claim()), so that the common
    // emit's path calls nothing (executor_core::emit_one). (A single bound for the three tests,
    // kept up to date by an out-of-line slow path, cost word count 30-50% with the vCPUs far
    // apart in session 27 for no reason found: docs/PERFORMANCE.md.)
    [[gnu::always_inline]] T* try_claim_quick() noexcept {
        if (_w.tail - _w.cached_head > _mask || _w.tail >= _w.constructed) [[unlikely]] {
            return nullptr;
        }
        const std::uint64_t ahead = _w.tail + _w.ahead;
        if (ahead - _w.cached_head <= _mask ||
            ahead - (_w.cached_head = _head.load(std::memory_order_acquire)) <= _mask) [[likely]] {
            prefetch_for_write(&_slots[ahead & _mask], _w.lines);
        }
        T* slot = &_slots[_w.tail & _mask];
        if (slot == nullptr) {
            __builtin_unreachable();  // lets the caller's test for null fold away here
        }
        return slot;
    }
    // Makes the claimed slot part of the next publish(). `lines`: the slot's cache lines the
    // producer wrote (bit i = line i), the guess for the slots it fills next; commit() without
    // it means every line.
    void commit() noexcept { commit(all_lines); }
    void commit(std::uint32_t lines) noexcept {
        _w.lines = lines;
        ++_w.tail;
    }
    std::uint64_t unpublished() const noexcept { return _w.tail - _w.published; }
    // The lines the last commit() said were written: those prefetched for the next slots.
    std::uint32_t committed_lines() const noexcept { return _w.lines; }
    // Makes every committed slot visible to the consumer and wakes it if it sleeps.
    void publish() noexcept {
        if (_w.tail == _w.published) {
            return;
        }
        _w.published = _w.tail;
        _tail.store(_w.tail, std::memory_order_release);
        if (_consumer_parker != nullptr) {
            std::atomic_thread_fence(std::memory_order_seq_cst);
            _consumer_parker->wake_if_parked();
        }
    }
    // Free slots as last seen by the producer (refreshes the consumer's index; after the
    // producer's parker.announce(), this is its re-check before parking for room).
    std::size_t free_slots() noexcept {
        _w.cached_head = _head.load(std::memory_order_acquire);
        return capacity() - static_cast<std::size_t>(_w.tail - _w.cached_head);
    }

    // ---- consumer side (one thread) ----
    // Calls fn(T&) on up to `max` published slots in order, stopping early when fn returns
    // false (that slot is not consumed). Returns how many were consumed.
    // Wakes a producer parked for room, after freeing slots of a ring seen at least half full:
    // a producer parks only when it found the ring full, so the consume that frees it sees a
    // full ring (at the latest on its next refresh of the tail) and pays the fence; consumes of
    // a ring far from full do not.
    template <typename Fn>
    std::size_t consume(std::size_t max, Fn&& fn) {
        return consume(max, std::forward<Fn>(fn), [](const T&) noexcept { return false; });
    }
    // The same, where `reads_second_line(const T&)` says whether the consumer's reads of a slot
    // like this one reach its second line although the producer did not write it (a vector
    // compare of a short string at the end of a one-line tuple). That line was written a lap
    // ago or never, and once a ring's lap outgrows the consumer's caches every such read waits
    // for memory: word count's count bolt spent 68% of its time in memcmp with a 65536-slot
    // ring far apart (docs/PERFORMANCE.md, session 22). After such a slot the slots ahead are
    // prefetched two lines deep; after others one line: asking for a second line the producer
    // wrote too slowed const-null's 105-byte tuples by a third with 32768 slots.
    template <typename Fn, typename SecondLine>
    std::size_t consume(std::size_t max, Fn&& fn, SecondLine&& reads_second_line) {
        if (_r.head == _r.cached_tail) {
            _r.cached_tail = _tail.load(std::memory_order_acquire);
            if (_r.head == _r.cached_tail) {
                return 0;
            }
        }
        const bool was_full_ish = _r.cached_tail - _r.head > _mask / 2;
        std::uint64_t end = _r.cached_tail;
        if (end - _r.head > max) {
            end = _r.head + max;
        }
        std::uint64_t h = _r.head;
        // Only published slots are prefetched: a slot past the tail may be the one the
        // producer is filling, and reading it takes the line away from the producer mid-write.
        // (Alternated runs in one window of session 17: word count without acking 25-26M
        // words/s with that prefetch, 44-48M without; in other minutes both ran at ~45M.
        // docs/PERFORMANCE.md.)
        const std::uint64_t published = _r.cached_tail;
        bool second_line = _r.second_line;
        while (h != end) {
            if (h + prefetch_distance < published) {
                const char* ahead =
                    reinterpret_cast<const char*>(&_slots[(h + prefetch_distance) & _mask]);
                __builtin_prefetch(ahead, 0, 3);
                if constexpr (sizeof(T) > 64) {
                    if (second_line) {
                        __builtin_prefetch(ahead + 64, 0, 3);
                    }
                }
            }
            T& slot = _slots[h & _mask];
            second_line = reads_second_line(std::as_const(slot));
            if (!fn(slot)) {
                break;
            }
            ++h;
        }
        _r.second_line = second_line;
        std::size_t n = static_cast<std::size_t>(h - _r.head);
        if (n > 0) {
            _r.head = h;
            _head.store(h, std::memory_order_release);
            if (_producer_parker != nullptr && was_full_ish) {
                std::atomic_thread_fence(std::memory_order_seq_cst);
                _producer_parker->wake_if_parked();
            }
        }
        return n;
    }
    // True when published slots wait (seq_cst load, for the parker's re-check).
    bool has_published() noexcept { return _r.head != _tail.load(std::memory_order_seq_cst); }
    // Slots published and not yet consumed (approximate from another thread).
    std::size_t size_approx() const noexcept {
        return static_cast<std::size_t>(_tail.load(std::memory_order_relaxed) -
                                        _head.load(std::memory_order_relaxed));
    }

  private:
    static constexpr std::uint64_t prefetch_distance = 4;
    // How far ahead the producer asks for a slot's lines: at most a quarter of the ring, and
    // at most 16 slots. Between far cores of this VM a line takes 200 ns and more to move, and a
    // small tuple ~25 ns to emit: 4 slots ahead hid about 100 ns of it. 64 gained a little more
    // far apart but lost 30% on const-null in some windows with the cores near
    // (docs/PERFORMANCE.md, "Prefetching further ahead", session 15).
    static constexpr std::uint64_t write_ahead = 16;
    static constexpr std::size_t prefetch_lines = sizeof(T) < 4 * 64 ? (sizeof(T) + 63) / 64 : 4;

    // Slots are built on the ring's first lap, a page's worth at a time, as the producer reaches
    // them: the memory of a ring that never fills stays untouched (not resident), so a large
    // receive buffer costs only what the traffic uses.
    [[gnu::noinline]] void construct_more() noexcept {
        const std::uint64_t from = _w.constructed;
        const std::uint64_t to =
            std::min<std::uint64_t>(capacity(), from + std::max<std::size_t>(1, 4096 / sizeof(T)));
        for (std::uint64_t i = from; i < to; ++i) {
            ::new (static_cast<void*>(&_slots[i])) T();
        }
        _w.constructed = to == capacity() ? ~std::uint64_t{0} : to;
    }

  public:
    // commit()'s `lines` for a slot whose every line (up to the four prefetched) was written.
    static constexpr std::uint32_t all_lines = (1u << prefetch_lines) - 1;

  private:
    // Asks for the lines of a slot in `lines` in a state that can be written (a tuple is 64-byte
    // aligned, three lines; the consumer reads and writes some of them, so they may be in its
    // cache). x86's PREFETCHW decodes as a no-op on processors without it.
    static void prefetch_for_write(const T* slot, std::uint32_t lines) noexcept {
        const char* p = reinterpret_cast<const char*>(slot);
        for (std::size_t i = 0; i < prefetch_lines; ++i) {
            if ((lines & (1u << i)) != 0) {
#if defined(__x86_64__)
                asm volatile("prefetchw %0" : : "m"(*(p + 64 * i)));
#else
                __builtin_prefetch(p + 64 * i, 1, 3);
#endif
            }
        }
    }

    struct alignas(64) writer_state {
        std::uint64_t tail = 0;
        std::uint64_t cached_head = 0;
        std::uint64_t published = 0;
        std::uint32_t lines = all_lines;  // the lines written into the last slot committed
        std::uint64_t ahead = 1;          // slots ahead prefetched (write_ahead, capped)
        // Slots built so far (construct_more()); all ones once every slot is.
        std::uint64_t constructed = 0;
    };
    struct alignas(64) reader_state {
        std::uint64_t head = 0;
        std::uint64_t cached_tail = 0;
        bool second_line = false;  // the last slot handled read its unwritten second line
    };

    alignas(64) std::atomic<std::uint64_t> _head{0};  // written by the consumer
    alignas(64) std::atomic<std::uint64_t> _tail{0};  // written by the producer
    writer_state _w;
    reader_state _r;
    T* _slots;  // capacity() slots, the first `_w.constructed` of them built
    std::uint64_t _mask;
    parker* _consumer_parker;
    parker* _producer_parker;
};

}  // namespace tempest::worker
