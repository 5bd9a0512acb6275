/* A binary min-heap of intrusive timers. */
#include "core/timer_heap.h"

#include <stdlib.h>

int lc_timer_heap_init(struct lc_timer_heap *heap, uint32_t capacity)
{
    heap->size = 0;
    heap->capacity = capacity ? capacity : 1;
    heap->slots = calloc(heap->capacity, sizeof(*heap->slots));
    return heap->slots ? 0 : LC_ENOMEM;
}

void lc_timer_heap_free(struct lc_timer_heap *heap)
{
    free(heap->slots);
    heap->slots = NULL;
    heap->size = heap->capacity = 0;
}

static void place(struct lc_timer_heap *heap, uint32_t i, struct lc_timer *t)
{
    heap->slots[i] = t;
    t->index = i;
}

static void sift_up(struct lc_timer_heap *heap, uint32_t i)
{
    struct lc_timer *t = heap->slots[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (heap->slots[parent]->deadline_ns <= t->deadline_ns)
            break;
        place(heap, i, heap->slots[parent]);
        i = parent;
    }
    place(heap, i, t);
}

static void sift_down(struct lc_timer_heap *heap, uint32_t i)
{
    struct lc_timer *t = heap->slots[i];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= heap->size)
            break;
        if (child + 1 < heap->size &&
            heap->slots[child + 1]->deadline_ns < heap->slots[child]->deadline_ns)
            child++;
        if (t->deadline_ns <= heap->slots[child]->deadline_ns)
            break;
        place(heap, i, heap->slots[child]);
        i = child;
    }
    place(heap, i, t);
}

int lc_timer_heap_add(struct lc_timer_heap *heap, struct lc_timer *t, uint64_t deadline_ns)
{
    if (lc_timer_armed(t)) {
        uint64_t old = t->deadline_ns;
        t->deadline_ns = deadline_ns;
        if (deadline_ns < old)
            sift_up(heap, t->index);
        else
            sift_down(heap, t->index);
        return 0;
    }
    if (heap->size == heap->capacity)
        return LC_ELIMIT;
    t->deadline_ns = deadline_ns;
    place(heap, heap->size++, t);
    sift_up(heap, t->index);
    return 0;
}

void lc_timer_heap_remove(struct lc_timer_heap *heap, struct lc_timer *t)
{
    if (!lc_timer_armed(t))
        return;
    uint32_t i = t->index;
    struct lc_timer *last = heap->slots[--heap->size];
    t->index = LC_TIMER_IDLE;
    if (i == heap->size)
        return;
    place(heap, i, last);
    if (i > 0 && heap->slots[(i - 1) / 2]->deadline_ns > last->deadline_ns)
        sift_up(heap, i);
    else
        sift_down(heap, i);
}

struct lc_timer *lc_timer_heap_pop_expired(struct lc_timer_heap *heap, uint64_t now_ns)
{
    struct lc_timer *t = lc_timer_heap_peek(heap);
    if (!t || t->deadline_ns > now_ns)
        return NULL;
    lc_timer_heap_remove(heap, t);
    return t;
}
