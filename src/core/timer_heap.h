/* A binary min-heap of intrusive timers: O(log n) add, remove and pop. */
#ifndef LC_CORE_TIMER_HEAP_H
#define LC_CORE_TIMER_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Embed one in whatever needs a deadline (a connection, a delayed response).
 * `index` is the slot in the heap, or LC_TIMER_IDLE when not armed.
 */
struct lc_timer {
    uint64_t deadline_ns;
    uint32_t index;
};

#define LC_TIMER_IDLE UINT32_MAX

/* The heap holds pointers to timers it does not own; capacity is fixed at init. */
struct lc_timer_heap {
    struct lc_timer **slots;
    uint32_t size;
    uint32_t capacity;
};

/* Allocate room for `capacity` armed timers. Returns 0 or LC_ENOMEM. */
int lc_timer_heap_init(struct lc_timer_heap *heap, uint32_t capacity) LC_WARN_UNUSED;

/* Free the slots (not the timers). */
void lc_timer_heap_free(struct lc_timer_heap *heap);

/* Mark a timer as not armed; call once before its first use. */
static inline void lc_timer_init(struct lc_timer *t)
{
    t->deadline_ns = 0;
    t->index = LC_TIMER_IDLE;
}

static inline int lc_timer_armed(const struct lc_timer *t)
{
    return t->index != LC_TIMER_IDLE;
}

/* Arm (or re-arm) t at deadline_ns. Returns 0, or LC_ELIMIT when the heap is full. */
int lc_timer_heap_add(struct lc_timer_heap *heap, struct lc_timer *t, uint64_t deadline_ns);

/* Disarm t if armed; no-op otherwise. */
void lc_timer_heap_remove(struct lc_timer_heap *heap, struct lc_timer *t);

/* The earliest timer, or NULL when empty. */
static inline struct lc_timer *lc_timer_heap_peek(const struct lc_timer_heap *heap)
{
    return heap->size ? heap->slots[0] : NULL;
}

/* Remove and return the earliest timer whose deadline is <= now_ns, else NULL. */
struct lc_timer *lc_timer_heap_pop_expired(struct lc_timer_heap *heap, uint64_t now_ns);

#endif
