/* Unit tests for serve/stats: per-thread counters, sums, reset baselines, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "serve/stats.h"

static void test_accumulate_and_subtract(void **state)
{
    (void)state;
    struct lc_serve_counters a, b, sum, base;
    assert_int_equal(lc_serve_counters_init(&a, 3), 0);
    assert_int_equal(lc_serve_counters_init(&b, 3), 0);
    assert_int_equal(lc_serve_counters_init(&sum, 3), 0);
    assert_int_equal(lc_serve_counters_init(&base, 3), 0);
    lc_serve_count(&a.requests, 5);
    lc_serve_count(&b.requests, 7);
    lc_serve_count(&a.by_status[200], 4);
    lc_serve_count(&b.by_status[500], 2);
    lc_serve_count(&a.by_route[2], 5);
    lc_serve_count(&b.by_route[0], 7);
    lc_serve_count(&b.by_chaos[LC_CHAOS_TRICKLE], 1);
    lc_serve_count(&a.bytes_out, 1000);
    lc_serve_counters_accumulate(&sum, &a);
    lc_serve_counters_accumulate(&sum, &b);
    assert_int_equal(sum.requests, 12);
    assert_int_equal(sum.by_status[200], 4);
    assert_int_equal(sum.by_status[500], 2);
    assert_int_equal(sum.by_route[0], 7);
    assert_int_equal(sum.by_route[2], 5);
    assert_int_equal(sum.by_chaos[LC_CHAOS_TRICKLE], 1);
    assert_int_equal(sum.bytes_out, 1000);

    /* A reset stores the sums as the baseline; later counts show above it. */
    lc_serve_counters_zero(&base);
    lc_serve_counters_accumulate(&base, &a);
    lc_serve_counters_accumulate(&base, &b);
    lc_serve_count(&a.requests, 3);
    lc_serve_count(&a.by_route[2], 3);
    lc_serve_counters_zero(&sum);
    lc_serve_counters_accumulate(&sum, &a);
    lc_serve_counters_accumulate(&sum, &b);
    lc_serve_counters_subtract(&sum, &base);
    assert_int_equal(sum.requests, 3);
    assert_int_equal(sum.by_route[2], 3);
    assert_int_equal(sum.by_route[0], 0);
    assert_int_equal(sum.by_status[200], 0);
    assert_int_equal(sum.bytes_out, 0);

    lc_serve_counters_free(&a);
    lc_serve_counters_free(&b);
    lc_serve_counters_free(&sum);
    lc_serve_counters_free(&base);
}

static void test_json(void **state)
{
    (void)state;
    struct lc_serve_counters c;
    const char *names[] = {"/query", "default"};
    assert_int_equal(lc_serve_counters_init(&c, 2), 0);
    lc_serve_count(&c.requests, 10);
    lc_serve_count(&c.by_route[0], 6);
    lc_serve_count(&c.by_route[1], 4);
    lc_serve_count(&c.by_status[200], 9);
    lc_serve_count(&c.by_chaos[LC_CHAOS_RESET], 1);
    lc_serve_count(&c.connections, 3);
    json_t *j = lc_serve_counters_json(&c, names, 2, 1.5);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "requests")), 10);
    json_t *routes = json_object_get(j, "by_route");
    assert_int_equal(json_integer_value(json_object_get(routes, "/query")), 6);
    assert_int_equal(json_integer_value(json_object_get(routes, "default")), 4);
    json_t *statuses = json_object_get(j, "by_status");
    assert_int_equal(json_object_size(statuses), 1); /* only non-zero statuses */
    assert_int_equal(json_integer_value(json_object_get(statuses, "200")), 9);
    json_t *chaos = json_object_get(j, "by_chaos");
    assert_int_equal(json_object_size(chaos), LC_CHAOS_COUNT - 1); /* every kind */
    assert_int_equal(json_integer_value(json_object_get(chaos, "reset")), 1);
    assert_int_equal(json_integer_value(json_object_get(chaos, "no-answer")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "connections_accepted")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "threads")), 2);
    assert_true(json_real_value(json_object_get(j, "uptime_s")) == 1.5);
    json_decref(j);
    lc_serve_counters_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accumulate_and_subtract),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
