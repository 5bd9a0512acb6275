/* Unit tests for serve/behaviour: spec parsing, latency distributions, routes, decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/rng.h"
#include "serve/behaviour.h"

#define MS 1e6

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Draw n samples and return the q-quantile (nearest rank) in ns. */
static double sample_quantile(const struct lc_latency *l, uint64_t seed, size_t n, double q)
{
    struct lc_rng rng;
    lc_rng_seed(&rng, seed);
    uint64_t *v = malloc(n * sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = lc_latency_sample_ns(l, &rng);
    qsort(v, n, sizeof(*v), cmp_u64);
    size_t k = (size_t)ceil(q * (double)n);
    double out = (double)v[k ? k - 1 : 0];
    free(v);
    return out;
}

static void parse_ok(const char *spec, struct lc_latency *l)
{
    struct lc_error err = {0};
    int rc = lc_latency_parse(spec, l, &err);
    if (rc != 0)
        fail_msg("'%s' did not parse: %s", spec, err.msg);
}

static void test_parse_kinds(void **state)
{
    (void)state;
    struct lc_latency l;
    parse_ok("fixed:10ms", &l);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_FIXED);
    assert_true(l.parts[0].a == 10 * MS);
    parse_ok("25ms", &l);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_FIXED);
    assert_true(l.parts[0].a == 25 * MS);
    parse_ok("uniform:5ms..20ms", &l);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_UNIFORM);
    assert_true(l.parts[0].a == 5 * MS && l.parts[0].b == 20 * MS);
    parse_ok("normal:20ms,5ms", &l);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_NORMAL);
    assert_true(l.parts[0].a == 20 * MS && l.parts[0].b == 5 * MS);
    parse_ok("lognormal:20ms,0.5", &l);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_LOGNORMAL);
    assert_true(l.parts[0].a == 20 * MS && l.parts[0].b == 0.5);
    parse_ok("exp:15ms", &l);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_EXP);
    assert_true(l.parts[0].a == 15 * MS);
    parse_ok("0", &l);
    assert_true(lc_latency_is_zero(&l));
    parse_ok("none", &l);
    assert_true(lc_latency_is_zero(&l));
    parse_ok("fixed:1ms", &l);
    assert_false(lc_latency_is_zero(&l));
}

static void test_parse_mixture(void **state)
{
    (void)state;
    struct lc_latency l;
    parse_ok("90%fixed:10ms,10%fixed:200ms", &l);
    assert_int_equal(l.count, 2);
    assert_true(fabs(l.parts[0].weight - 0.9) < 1e-12);
    assert_true(fabs(l.cum[0] - 0.9) < 1e-12);
    assert_true(l.cum[1] == 1.0);
    assert_true(l.parts[1].a == 200 * MS);
    /* Commas inside a component's parameters stay with it. */
    parse_ok("50%normal:10ms,2ms,25%lognormal:30ms,0.3,25%uniform:1ms..2ms", &l);
    assert_int_equal(l.count, 3);
    assert_int_equal(l.parts[0].kind, LC_LATENCY_NORMAL);
    assert_true(l.parts[0].b == 2 * MS);
    assert_int_equal(l.parts[1].kind, LC_LATENCY_LOGNORMAL);
    assert_true(l.parts[1].b == 0.3);
    assert_int_equal(l.parts[2].kind, LC_LATENCY_UNIFORM);
    parse_ok("33.5%exp:5ms,66.5%fixed:1ms", &l);
    assert_int_equal(l.count, 2);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct {
        const char *spec, *says;
    } bad[] = {
        {"", "empty"},
        {"fixed", "not a duration"},
        {"fixed:10", "not a duration"},
        {"gauss:10ms", "unknown distribution 'gauss'"},
        {"uniform:5ms", "LO..HI"},
        {"uniform:20ms..5ms", "LO..HI"},
        {"normal:10ms", "MEAN,SD"},
        {"normal:10ms,2ms,3ms", "MEAN,SD"},
        {"lognormal:10ms,abc", "sigma"},
        {"lognormal:0ms,0.5", "median must be above 0"},
        {"exp:0ms", "mean must be above 0"},
        {"90%fixed:10ms,20%fixed:200ms", "sum to 110%"},
        {"90%fixed:10ms", "sum to 90%"},
        {"0%fixed:10ms,100%fixed:1ms", "weight"},
        {"50%fixed:10ms,50%bogus:1ms", "unknown distribution"},
        {"fixed:2h", "longer than 1h"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_latency l;
        struct lc_error err = {0};
        int rc = lc_latency_parse(bad[i].spec, &l, &err);
        if (rc != LC_EINVAL || !strstr(err.msg, bad[i].says))
            fail_msg("'%s': rc %d, message '%s' lacks '%s'", bad[i].spec, rc, err.msg, bad[i].says);
    }
}

/* Theoretical quantiles against closed forms. */
static void test_quantiles(void **state)
{
    (void)state;
    struct lc_latency l;
    parse_ok("fixed:10ms", &l);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.5) - 10 * MS) < 1);
    parse_ok("uniform:10ms..30ms", &l);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.99) - 29.8 * MS) < 1);
    parse_ok("exp:10ms", &l);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.5) - 10 * MS * log(2)) < 1);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.99) - 10 * MS * log(100)) < 1);
    parse_ok("lognormal:20ms,0.5", &l);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.5) - 20 * MS) < 1);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.99) - 20 * MS * exp(0.5 * 2.3263478740)) < 100);
    parse_ok("normal:100ms,10ms", &l); /* truncation at 0 is negligible 10 sd away */
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.5) - 100 * MS) < 10);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.99) - 123.263478740 * MS) < 100);
    parse_ok("90%fixed:10ms,10%fixed:200ms", &l);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.5) - 10 * MS) < 1);
    assert_true(fabs(lc_latency_quantile_ns(&l, 0.95) - 200 * MS) < 1);
}

/* Sampled median and p99 of every family within 1% (or 20 us) of the theory. */
static void test_sampling_matches_theory(void **state)
{
    (void)state;
    const char *specs[] = {
        "fixed:10ms",
        "uniform:5ms..20ms",
        "normal:20ms,5ms",
        "normal:2ms,4ms", /* heavily truncated: the median moves above the mean */
        "lognormal:20ms,0.5",
        "exp:10ms",
        "90%fixed:10ms,10%fixed:200ms",
        "70%normal:30ms,3ms,30%exp:50ms",
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct lc_latency l;
        parse_ok(specs[i], &l);
        for (int k = 0; k < 2; k++) {
            double q = k ? 0.99 : 0.5;
            double want = lc_latency_quantile_ns(&l, q);
            double got = sample_quantile(&l, 42 + i, 400000, q);
            double tol = fmax(0.01 * want, 20000);
            if (fabs(got - want) > tol)
                fail_msg("%s: q%.2f sampled %.0f ns, theory %.0f ns", specs[i], q, got, want);
        }
    }
    /* Truncated normal never goes below 0 and its median is above the mean. */
    struct lc_latency l;
    parse_ok("normal:2ms,4ms", &l);
    assert_true(lc_latency_quantile_ns(&l, 0.5) > 2 * MS);
}

static void test_samples_never_negative(void **state)
{
    (void)state;
    struct lc_latency l;
    struct lc_rng rng;
    lc_rng_seed(&rng, 9);
    parse_ok("normal:0ms,10ms", &l);
    for (int i = 0; i < 100000; i++)
        assert_true(lc_latency_sample_ns(&l, &rng) <= LC_LATENCY_MAX_NS);
    parse_ok("lognormal:30m,5", &l); /* clamped at one hour */
    for (int i = 0; i < 10000; i++)
        assert_true(lc_latency_sample_ns(&l, &rng) <= LC_LATENCY_MAX_NS);
}

static void test_behaviour_set(void **state)
{
    (void)state;
    struct lc_serve_behaviour b;
    struct lc_error err = {0};
    lc_serve_behaviour_default(&b);
    assert_int_equal(b.status, 200);
    assert_int_equal(b.error_status, 500);
    assert_int_equal(b.body_min_bytes, 2);
    assert_int_equal(lc_serve_behaviour_set(&b, "status", "404", &err), 0);
    assert_int_equal(b.status, 404);
    assert_int_equal(lc_serve_behaviour_set(&b, "error-rate", "2.5%", &err), 0);
    assert_true(fabs(b.error_rate - 0.025) < 1e-12);
    assert_int_equal(lc_serve_behaviour_set(&b, "body", "1KB..4KB", &err), 0);
    assert_int_equal(b.body_min_bytes, 1024);
    assert_int_equal(b.body_max_bytes, 4096);
    assert_int_equal(lc_serve_behaviour_set(&b, "chunked", NULL, &err), 0);
    assert_int_equal(b.chunked, 1);
    assert_int_equal(lc_serve_behaviour_set(&b, "chunked", "false", &err), 0);
    assert_int_equal(b.chunked, 0);
    assert_int_equal(lc_serve_behaviour_set(&b, "stall", "1s/5s", &err), 0);
    assert_int_equal(b.stall_ns, 1000000000ULL);
    assert_int_equal(b.stall_period_ns, 5000000000ULL);
    assert_int_equal(lc_serve_behaviour_set(&b, "chaos", "reset=5%,trickle=1%", &err), 0);
    assert_true(fabs(b.chaos[LC_CHAOS_RESET] - 0.05) < 1e-12);
    assert_true(fabs(b.chaos_total - 0.06) < 1e-12);
    /* A second chaos spec adds kinds and keeps the others. */
    assert_int_equal(lc_serve_behaviour_set(&b, "chaos", "no-answer=4%", &err), 0);
    assert_true(fabs(b.chaos_total - 0.10) < 1e-12);
    assert_int_equal(lc_serve_behaviour_set(&b, "chaos", "off", &err), 0);
    assert_true(b.chaos_total == 0);

    struct {
        const char *key, *value, *says;
    } bad[] = {
        {"status", "99", "200 to 599"},
        {"status", "600", "200 to 599"},
        {"status", "abc", "200 to 599"},
        {"error-rate", "150%", "percentage"},
        {"body", "lots", "size"},
        {"body", "1GB", "at most 256MB"},
        {"chunked", "maybe", "true or false"},
        {"stall", "5s/1s", "shorter than the period"},
        {"stall", "1s", "STALL/PERIOD"},
        {"chaos", "explode=5%", "unknown kind 'explode'"},
        {"chaos", "reset", "KIND=RATE"},
        {"chaos", "reset=60%,trickle=50%", "more than 100%"},
        {"colour", "red", "unknown key 'colour'"},
        {"latency", "bogus:1ms", "unknown distribution"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_serve_behaviour before = b;
        lc_error_clear(&err);
        int rc = lc_serve_behaviour_set(&b, bad[i].key, bad[i].value, &err);
        if (rc != LC_EINVAL || !strstr(err.msg, bad[i].says))
            fail_msg("%s=%s: rc %d, message '%s' lacks '%s'", bad[i].key, bad[i].value, rc, err.msg,
                     bad[i].says);
        assert_memory_equal(&before, &b, sizeof(b)); /* unchanged on error */
    }
}

static void test_routes(void **state)
{
    (void)state;
    struct lc_serve_behaviour base;
    struct lc_serve_route r[3];
    struct lc_error err = {0};
    lc_serve_behaviour_default(&base);
    assert_int_equal(lc_serve_behaviour_set(&base, "error-rate", "1%", &err), 0);
    assert_int_equal(lc_serve_route_parse("/query:latency=lognormal:20ms,0.5;status=201;body=2KB",
                                          &base, &r[0], &err),
                     0);
    assert_string_equal(r[0].pattern, "/query");
    assert_int_equal(r[0].prefix, 0);
    assert_int_equal(r[0].behaviour.status, 201);
    assert_int_equal(r[0].behaviour.body_max_bytes, 2048);
    assert_int_equal(r[0].behaviour.latency.parts[0].kind, LC_LATENCY_LOGNORMAL);
    assert_true(fabs(r[0].behaviour.error_rate - 0.01) < 1e-12); /* inherited */
    assert_int_equal(
        lc_serve_route_parse("/api/*:chunked;chaos=reset=5%,trickle=5%;latency=90%fixed:1ms,"
                             "10%fixed:2ms",
                             &base, &r[1], &err),
        0);
    assert_int_equal(r[1].prefix, 1);
    assert_int_equal(r[1].match_len, 5);
    assert_int_equal(r[1].behaviour.chunked, 1);
    assert_true(fabs(r[1].behaviour.chaos_total - 0.10) < 1e-12);
    assert_int_equal(r[1].behaviour.latency.count, 2);
    assert_int_equal(lc_serve_route_parse("/plain", &base, &r[2], &err), 0);
    assert_int_equal(r[2].behaviour.status, 200);

    assert_int_equal(lc_serve_route_match(r, 3, "/query", 6), 0);
    assert_int_equal(lc_serve_route_match(r, 3, "/query/x", 8), -1);
    assert_int_equal(lc_serve_route_match(r, 3, "/quer", 5), -1);
    assert_int_equal(lc_serve_route_match(r, 3, "/api/", 5), 1);
    assert_int_equal(lc_serve_route_match(r, 3, "/api/v1/x", 9), 1);
    assert_int_equal(lc_serve_route_match(r, 3, "/api", 4), -1);
    assert_int_equal(lc_serve_route_match(r, 3, "/plain", 6), 2);
    assert_int_equal(lc_serve_route_match(r, 3, "/", 1), -1);

    struct {
        const char *spec, *says;
    } bad[] = {
        {"query:status=200", "must start with '/'"},
        {"", "must start with '/'"},
        {"/a*b:status=200", "'*' before its end"},
        {"/a b", "blank"},
        {"/q:status", "needs a value"},
        {"/q:status=999", "200 to 599"},
        {"/q:speed=fast", "unknown key 'speed'"},
        {"/q:latency=fixed:10", "not a duration"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_serve_route out;
        lc_error_clear(&err);
        int rc = lc_serve_route_parse(bad[i].spec, &base, &out, &err);
        if (rc != LC_EINVAL || !strstr(err.msg, bad[i].says))
            fail_msg("'%s': rc %d, message '%s' lacks '%s'", bad[i].spec, rc, err.msg, bad[i].says);
    }
}

static void test_decide(void **state)
{
    (void)state;
    struct lc_serve_behaviour b;
    struct lc_error err = {0};
    struct lc_rng rng, rng2;
    struct lc_serve_decision d, d2;
    lc_serve_behaviour_default(&b);
    lc_rng_seed(&rng, 1);
    /* Nothing configured: no random draw at all. */
    struct lc_rng before = rng;
    lc_serve_decide(&b, &rng, &d);
    assert_memory_equal(&before, &rng, sizeof(rng));
    assert_int_equal(d.status, 200);
    assert_int_equal(d.body_bytes, 2);
    assert_int_equal(d.delay_ns, 0);
    assert_int_equal(d.chaos, LC_CHAOS_NONE);

    assert_int_equal(lc_serve_behaviour_set(&b, "chaos",
                                            "reset=5%,close-mid-body=5%,bad-status=5%,"
                                            "huge-headers=5%,no-answer=5%,trickle=5%",
                                            &err),
                     0);
    assert_int_equal(lc_serve_behaviour_set(&b, "error-rate", "10%", &err), 0);
    assert_int_equal(lc_serve_behaviour_set(&b, "error-status", "503", &err), 0);
    assert_int_equal(lc_serve_behaviour_set(&b, "body", "100..200", &err), 0);
    assert_int_equal(lc_serve_behaviour_set(&b, "latency", "uniform:1ms..2ms", &err), 0);
    const int n = 200000;
    int chaos[LC_CHAOS_COUNT] = {0}, errors = 0;
    lc_rng_seed(&rng, 7);
    lc_rng_seed(&rng2, 7);
    for (int i = 0; i < n; i++) {
        lc_serve_decide(&b, &rng, &d);
        lc_serve_decide(&b, &rng2, &d2);
        assert_memory_equal(&d, &d2, sizeof(d)); /* same seed, same decisions */
        chaos[d.chaos]++;
        errors += d.error;
        assert_int_equal(d.status, d.error ? 503 : 200);
        assert_in_range(d.body_bytes, 100, 200);
        assert_in_range(d.delay_ns, 1000000, 2000000);
    }
    /* Binomial 4-sigma bounds: one draw with cumulative rates gives each kind its share. */
    double sd5 = sqrt(n * 0.05 * 0.95), sd10 = sqrt(n * 0.1 * 0.9), sd70 = sqrt(n * 0.7 * 0.3);
    for (int k = 1; k < LC_CHAOS_COUNT; k++)
        if (fabs(chaos[k] - n * 0.05) > 4 * sd5)
            fail_msg("chaos %s: %d of %d", lc_chaos_name(k), chaos[k], n);
    assert_true(fabs(chaos[LC_CHAOS_NONE] - n * 0.7) <= 4 * sd70);
    assert_true(fabs(errors - n * 0.1) <= 4 * sd10);
}

static void test_stall(void **state)
{
    (void)state;
    struct lc_serve_behaviour b;
    struct lc_error err = {0};
    lc_serve_behaviour_default(&b);
    const uint64_t s = 1000000000ULL, start = 5 * s;
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + 123), start + 123);
    assert_int_equal(lc_serve_behaviour_set(&b, "stall", "1s/5s", &err), 0);
    /* In the first second of each period: moved to its end. */
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start), start + s);
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + s / 2), start + s);
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + 10 * s + 1), start + 11 * s);
    /* Outside: unchanged. */
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + s), start + s);
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + 3 * s), start + 3 * s);
    assert_int_equal(lc_serve_stall_due_ns(&b, start, start + 5 * s - 1), start + 5 * s - 1);
}

static void test_chaos_names(void **state)
{
    (void)state;
    assert_string_equal(lc_chaos_name(LC_CHAOS_NONE), "none");
    assert_string_equal(lc_chaos_name(LC_CHAOS_CLOSE_MID_BODY), "close-mid-body");
    assert_string_equal(lc_chaos_name(LC_CHAOS_TRICKLE), "trickle");
    assert_string_equal(lc_chaos_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_kinds),
        cmocka_unit_test(test_parse_mixture),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_sampling_matches_theory),
        cmocka_unit_test(test_samples_never_negative),
        cmocka_unit_test(test_behaviour_set),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_stall),
        cmocka_unit_test(test_chaos_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
