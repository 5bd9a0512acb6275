/* Unit tests for core/timer_heap: ordering, re-arming, removal, capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/rng.h"
#include "core/timer_heap.h"

#define N 1000

static void test_random_order(void **state)
{
    (void)state;
    struct lc_timer_heap heap;
    static struct lc_timer timers[N];
    struct lc_rng rng;
    lc_rng_seed(&rng, 42);
    assert_int_equal(lc_timer_heap_init(&heap, N), 0);
    for (int i = 0; i < N; i++) {
        lc_timer_init(&timers[i]);
        assert_int_equal(lc_timer_heap_add(&heap, &timers[i], lc_rng_range(&rng, 1, 1000000)), 0);
    }
    /* Re-arm a third of them and remove another third. */
    for (int i = 0; i < N; i += 3)
        assert_int_equal(lc_timer_heap_add(&heap, &timers[i], lc_rng_range(&rng, 1, 1000000)), 0);
    int removed = 0;
    for (int i = 1; i < N; i += 3) {
        lc_timer_heap_remove(&heap, &timers[i]);
        assert_false(lc_timer_armed(&timers[i]));
        removed++;
    }
    lc_timer_heap_remove(&heap, &timers[1]); /* twice: a no-op */
    uint64_t last = 0;
    int popped = 0;
    struct lc_timer *t;
    assert_null(lc_timer_heap_pop_expired(&heap, 0));
    while ((t = lc_timer_heap_pop_expired(&heap, UINT64_MAX)) != NULL) {
        assert_true(t->deadline_ns >= last);
        assert_false(lc_timer_armed(t));
        last = t->deadline_ns;
        popped++;
    }
    assert_int_equal(popped, N - removed);
    lc_timer_heap_free(&heap);
}

static void test_capacity(void **state)
{
    (void)state;
    struct lc_timer_heap heap;
    struct lc_timer a, b;
    lc_timer_init(&a);
    lc_timer_init(&b);
    assert_int_equal(lc_timer_heap_init(&heap, 1), 0);
    assert_int_equal(lc_timer_heap_add(&heap, &a, 5), 0);
    assert_int_equal(lc_timer_heap_add(&heap, &b, 6), LC_ELIMIT);
    assert_int_equal(lc_timer_heap_add(&heap, &a, 7), 0); /* re-arm needs no slot */
    assert_ptr_equal(lc_timer_heap_peek(&heap), &a);
    assert_int_equal(a.deadline_ns, 7);
    lc_timer_heap_free(&heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
