/* Unit tests for core/hdr: layout, recording, percentiles, merge, iteration, V2 codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "core/base64.h"
#include "core/hdr.h"
#include "core/rng.h"

/* ---- helpers ----------------------------------------------------------- */

static void init_or_fail(struct lc_hdr *h, int64_t lowest, int64_t highest, int sigfigs)
{
    assert_int_equal(lc_hdr_init(h, lowest, highest, sigfigs), 0);
}

/* The nearest-rank count HdrHistogram uses: ceil(p% of n) less one ulp, at least 1. */
static int64_t rank_of(double p, int64_t n)
{
    double fp = p / 100.0 * (double)n;
    double u = 0.0;
    if (fp > 0.0) {
        int e;
        frexp(fp, &e);
        u = ldexp(1.0, e - 53);
    }
    double c = ceil(fp - u);
    if (c < 1.0)
        c = 1.0;
    if (c > (double)n)
        c = (double)n;
    return (int64_t)c;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void assert_same_histogram(const struct lc_hdr *a, const struct lc_hdr *b)
{
    assert_int_equal(a->lowest_discernible, b->lowest_discernible);
    assert_int_equal(a->highest_trackable, b->highest_trackable);
    assert_int_equal(a->significant_figures, b->significant_figures);
    assert_int_equal(a->counts_len, b->counts_len);
    assert_int_equal(a->total_count, b->total_count);
    assert_int_equal(lc_hdr_min(a), lc_hdr_min(b));
    assert_int_equal(lc_hdr_max(a), lc_hdr_max(b));
    for (int32_t i = 0; i < a->counts_len; i++) {
        if (a->counts[i] != b->counts[i])
            fail_msg("counts differ at index %d: %lld vs %lld", (int)i, (long long)a->counts[i],
                     (long long)b->counts[i]);
    }
}

/* ---- layout ------------------------------------------------------------ */

static void test_layout(void **state)
{
    (void)state;
    struct lc_hdr h;
    assert_int_equal(lc_hdr_init_default(&h), 0);
    /* 3 digits: single-unit resolution up to 2000 -> 2048 sub-buckets; 1000 -> unit 2^9. */
    assert_int_equal(h.sub_bucket_count, 2048);
    assert_int_equal(h.sub_bucket_half_count, 1024);
    assert_int_equal(h.sub_bucket_half_count_magnitude, 10);
    assert_int_equal(h.unit_magnitude, 9);
    assert_int_equal(h.sub_bucket_mask, 2047LL << 9);
    /* Bucket b covers up to 2048 << (9 + b - 1); 3.6e12 < 2^42 = 2048 << (9 + 22). */
    assert_int_equal(h.bucket_count, 23);
    assert_int_equal(h.counts_len, (h.bucket_count + 1) * 1024);
    assert_int_equal(h.total_count, 0);
    assert_int_equal(h.min_value, INT64_MAX);
    assert_int_equal(h.max_value, 0);
    lc_hdr_free(&h);
    lc_hdr_free(&h); /* idempotent */

    init_or_fail(&h, 1, 1000000, 2); /* 200 -> 256 sub-buckets */
    assert_int_equal(h.sub_bucket_count, 256);
    assert_int_equal(h.unit_magnitude, 0);
    lc_hdr_free(&h);

    /* The whole int64 range is coverable. */
    init_or_fail(&h, 1, INT64_MAX, 3);
    lc_hdr_record(&h, INT64_MAX);
    assert_int_equal(lc_hdr_max(&h), INT64_MAX);
    assert_int_equal(h.clamped, 0);
    lc_hdr_free(&h);

    assert_int_equal(lc_hdr_init(&h, 0, 1000, 3), LC_EINVAL);
    assert_int_equal(lc_hdr_init(&h, 100, 199, 3), LC_EINVAL);
    assert_int_equal(lc_hdr_init(&h, 1, 1000, 0), LC_EINVAL);
    assert_int_equal(lc_hdr_init(&h, 1, 1000, 6), LC_EINVAL);
    assert_int_equal(lc_hdr_init(&h, 1LL << 55, INT64_MAX, 3), LC_EINVAL);
}

static void test_equivalent_values(void **state)
{
    (void)state;
    struct lc_hdr h;
    init_or_fail(&h, 1, 3600000000000LL, 3);
    /* Below 2048 every value is its own bucket. */
    for (int64_t v = 0; v < 2048; v += 7) {
        assert_int_equal(lc_hdr_lowest_equivalent(&h, v), v);
        assert_int_equal(lc_hdr_highest_equivalent(&h, v), v);
    }
    /* 100000 is in [2^16, 2^17): units of 2^(16-10) = 64. */
    assert_int_equal(lc_hdr_lowest_equivalent(&h, 100000), 99968);
    assert_int_equal(lc_hdr_highest_equivalent(&h, 100000), 100031);
    assert_int_equal(lc_hdr_median_equivalent(&h, 100000), 100000);
    /* Invariants over a sweep: the range is a power of two within 1/1024 of the value. */
    struct lc_rng rng;
    lc_rng_seed(&rng, 7);
    for (int i = 0; i < 10000; i++) {
        int64_t v = (int64_t)lc_rng_range(&rng, 0, 3600000000000ULL);
        int64_t lo = lc_hdr_lowest_equivalent(&h, v), hi = lc_hdr_highest_equivalent(&h, v);
        int64_t width = hi - lo + 1;
        assert_true(lo <= v && v <= hi);
        assert_int_equal(width & (width - 1), 0);
        assert_true(width == 1 || width * 1024 <= v);
        assert_int_equal(lc_hdr_lowest_equivalent(&h, lo), lo);
        assert_int_equal(lc_hdr_highest_equivalent(&h, hi), hi);
        assert_int_equal(lc_hdr_lowest_equivalent(&h, hi + 1), hi + 1);
    }
    lc_hdr_free(&h);
}

/* ---- recording and statistics ------------------------------------------ */

static void test_small_known_data(void **state)
{
    (void)state;
    struct lc_hdr h;
    init_or_fail(&h, 1, 1000000, 3);
    for (int64_t v = 1; v <= 10; v++)
        lc_hdr_record(&h, v);
    assert_int_equal(h.total_count, 10);
    assert_int_equal(lc_hdr_min(&h), 1);
    assert_int_equal(lc_hdr_max(&h), 10);
    assert_true(fabs(lc_hdr_mean(&h) - 5.5) < 1e-12);
    assert_true(fabs(lc_hdr_stdev(&h) - sqrt(8.25)) < 1e-12);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 0), 1);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 10), 1);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 10.0001), 2);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 50), 5);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 90), 9);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 99), 10);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 100), 10);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 250), 10);

    /* Larger values report the edges of their buckets. */
    lc_hdr_record_n(&h, 100000, 10);
    assert_int_equal(h.total_count, 20);
    assert_int_equal(lc_hdr_max(&h), 100031);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 100), 100031);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 75), 100031);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 50), 10);
    /* Mean uses the median equivalent value (100000 here). */
    assert_true(fabs(lc_hdr_mean(&h) - (55.0 + 1000000.0) / 20.0) < 1e-9);
    lc_hdr_record_n(&h, 5, 0); /* no-op */
    lc_hdr_record_n(&h, 5, -3);
    assert_int_equal(h.total_count, 20);
    lc_hdr_free(&h);

    /* The rounding trap of nearest rank: 99.9% of 1000 is rank 999, not 1000. */
    init_or_fail(&h, 1, 1000000, 3);
    for (int64_t v = 1; v <= 1000; v++)
        lc_hdr_record(&h, v);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 99.9), 999);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 99.99), 1000);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 0.1), 1);
    lc_hdr_free(&h);
}

static void test_empty(void **state)
{
    (void)state;
    struct lc_hdr h;
    assert_int_equal(lc_hdr_init_default(&h), 0);
    assert_int_equal(lc_hdr_min(&h), 0);
    assert_int_equal(lc_hdr_max(&h), 0);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 50), 0);
    assert_true(lc_hdr_mean(&h) == 0.0);
    assert_true(lc_hdr_stdev(&h) == 0.0);
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, &h);
    assert_int_equal(lc_hdr_iter_next(&it), 0);
    lc_hdr_free(&h);
}

static void test_clamp_negative_reset(void **state)
{
    (void)state;
    struct lc_hdr h;
    init_or_fail(&h, 1, 1000, 2);
    lc_hdr_record(&h, 5000);
    assert_int_equal(h.clamped, 1);
    assert_int_equal(h.total_count, 1);
    assert_int_equal(h.max_value, 1000);
    assert_int_equal(lc_hdr_max(&h), lc_hdr_highest_equivalent(&h, 1000));
    assert_int_equal(lc_hdr_value_at_percentile(&h, 100), lc_hdr_highest_equivalent(&h, 1000));
    lc_hdr_record_n(&h, INT64_MAX, 5);
    assert_int_equal(h.clamped, 6);
    assert_int_equal(h.total_count, 6);
    lc_hdr_record(&h, 1000); /* at the limit: not clamped */
    assert_int_equal(h.clamped, 6);

    lc_hdr_record(&h, -5);
    lc_hdr_record(&h, INT64_MIN);
    assert_int_equal(h.total_count, 9);
    assert_int_equal(h.min_value, 0);
    assert_int_equal(lc_hdr_min(&h), 0);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 0), 0);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 20), 0);

    lc_hdr_reset(&h);
    assert_int_equal(h.total_count, 0);
    assert_int_equal(h.clamped, 0);
    assert_int_equal(h.min_value, INT64_MAX);
    assert_int_equal(h.max_value, 0);
    for (int32_t i = 0; i < h.counts_len; i++)
        assert_int_equal(h.counts[i], 0);
    lc_hdr_record(&h, 42);
    assert_int_equal(lc_hdr_min(&h), 42);
    assert_int_equal(lc_hdr_max(&h), 42);
    lc_hdr_free(&h);
}

static void test_iteration(void **state)
{
    (void)state;
    struct lc_hdr h;
    init_or_fail(&h, 1, 3600000000000LL, 3);
    lc_hdr_record(&h, 1);
    lc_hdr_record(&h, 1);
    lc_hdr_record(&h, 5);
    lc_hdr_record_n(&h, 1000000, 3);
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, &h);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_from, 1);
    assert_int_equal(it.value_to, 1);
    assert_int_equal(it.count, 2);
    assert_int_equal(it.cumulative, 2);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_from, 5);
    assert_int_equal(it.count, 1);
    assert_int_equal(it.cumulative, 3);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_from, lc_hdr_lowest_equivalent(&h, 1000000));
    assert_int_equal(it.value_to, lc_hdr_highest_equivalent(&h, 1000000));
    assert_int_equal(it.count, 3);
    assert_int_equal(it.cumulative, 6);
    assert_int_equal(lc_hdr_iter_next(&it), 0);
    assert_int_equal(lc_hdr_iter_next(&it), 0);

    /* Over random data the iterator visits every count once, in ascending order. */
    struct lc_rng rng;
    lc_rng_seed(&rng, 11);
    lc_hdr_reset(&h);
    for (int i = 0; i < 5000; i++)
        lc_hdr_record(&h, (int64_t)lc_rng_range(&rng, 0, 1000000000));
    lc_hdr_iter_init(&it, &h);
    int64_t seen = 0, prev_to = -1;
    while (lc_hdr_iter_next(&it)) {
        assert_true(it.value_from > prev_to);
        assert_true(it.count > 0);
        seen += it.count;
        assert_int_equal(seen, it.cumulative);
        prev_to = it.value_to;
    }
    assert_int_equal(seen, h.total_count);
    lc_hdr_free(&h);
}

static void record_naive_corrected(struct lc_hdr *h, int64_t value, int64_t interval)
{
    lc_hdr_record(h, value);
    if (interval <= 0)
        return;
    for (int64_t m = value - interval; m >= interval; m -= interval)
        lc_hdr_record(h, m);
}

static void test_record_corrected(void **state)
{
    (void)state;
    struct lc_hdr h, ref;
    init_or_fail(&h, 1, 100000, 2);
    init_or_fail(&ref, 1, 100000, 2);
    /* HdrHistogram's definition: 1000 at interval 100 adds 1000, 900, ..., 100. */
    lc_hdr_record_corrected(&h, 1000, 100);
    for (int64_t v = 100; v <= 1000; v += 100)
        lc_hdr_record(&ref, v);
    assert_int_equal(h.total_count, 10);
    assert_int_equal(lc_hdr_min(&h), 100);
    assert_int_equal(lc_hdr_max(&h), lc_hdr_highest_equivalent(&h, 1000)); /* 1000..1003 */
    assert_same_histogram(&h, &ref);
    /* Under the interval, or without one: a plain record. */
    lc_hdr_record_corrected(&h, 50, 100);
    lc_hdr_record_corrected(&h, 700, 0);
    lc_hdr_record_corrected(&h, 700, -5);
    assert_int_equal(h.total_count, 13);

    /* The per-bucket shortcut matches one record per missing value, clamping included. */
    struct lc_rng rng;
    lc_rng_seed(&rng, 3);
    for (int i = 0; i < 300; i++) {
        lc_hdr_reset(&h);
        lc_hdr_reset(&ref);
        int64_t value = (int64_t)lc_rng_range(&rng, 0, 250000);
        int64_t interval = (int64_t)lc_rng_range(&rng, 1, i % 2 ? 50 : 5000);
        lc_hdr_record_corrected(&h, value, interval);
        record_naive_corrected(&ref, value, interval);
        assert_same_histogram(&h, &ref);
        assert_int_equal(h.clamped, ref.clamped);
        assert_int_equal(h.min_value, ref.min_value);
    }
    lc_hdr_free(&h);
    lc_hdr_free(&ref);

    /* A huge stall at a tiny interval stays cheap (bounded by the bucket count). */
    assert_int_equal(lc_hdr_init_default(&h), 0);
    lc_hdr_record_corrected(&h, 3600000000000LL, 1000);
    assert_int_equal(h.total_count, 3600000000LL);
    assert_int_equal(lc_hdr_min(&h), lc_hdr_lowest_equivalent(&h, 1000));
    assert_int_equal(h.clamped, 0);
    lc_hdr_free(&h);
}

/* ---- merge ------------------------------------------------------------- */

static void test_merge_same_layout(void **state)
{
    (void)state;
    struct lc_hdr a, b, all;
    assert_int_equal(lc_hdr_init_default(&a), 0);
    assert_int_equal(lc_hdr_init_default(&b), 0);
    assert_int_equal(lc_hdr_init_default(&all), 0);
    struct lc_rng rng;
    lc_rng_seed(&rng, 5);
    for (int i = 0; i < 20000; i++) {
        int64_t v = (int64_t)lc_rng_range(&rng, 0, 5000000000ULL);
        lc_hdr_record(i % 3 ? &a : &b, v);
        lc_hdr_record(&all, v);
    }
    lc_hdr_record(&b, 5000000000000LL); /* clamped in b already */
    lc_hdr_record(&all, 5000000000000LL);
    assert_int_equal(lc_hdr_merge(&a, &b), 0);
    assert_same_histogram(&a, &all);
    assert_int_equal(a.min_value, all.min_value);
    assert_int_equal(a.max_value, all.max_value);
    assert_int_equal(a.clamped, 1);
    /* Merging an empty histogram changes nothing. */
    lc_hdr_reset(&b);
    assert_int_equal(lc_hdr_merge(&a, &b), 0);
    assert_same_histogram(&a, &all);
    lc_hdr_free(&a);
    lc_hdr_free(&b);
    lc_hdr_free(&all);

    /* Same sub-buckets and unit but a smaller range: indices still line up. */
    init_or_fail(&a, 1000, 3600000000000LL, 3);
    init_or_fail(&b, 1000, 60000000000LL, 3);
    init_or_fail(&all, 1000, 3600000000000LL, 3);
    for (int64_t v = 1000; v < 60000000000LL; v = v * 3 + 17) {
        lc_hdr_record(&b, v);
        lc_hdr_record(&all, v);
    }
    assert_int_equal(lc_hdr_merge(&a, &b), 0);
    assert_same_histogram(&a, &all);
    lc_hdr_free(&a);
    lc_hdr_free(&b);
    lc_hdr_free(&all);
}

static void test_merge_different_layout(void **state)
{
    (void)state;
    struct lc_hdr src, dst, direct;
    init_or_fail(&src, 1, 3600000000000LL, 3);
    init_or_fail(&dst, 1000, 100000000000LL, 2);
    init_or_fail(&direct, 1000, 100000000000LL, 2);
    struct lc_rng rng;
    lc_rng_seed(&rng, 9);
    for (int i = 0; i < 50000; i++) {
        int64_t v = (int64_t)exp(log(1e6) + 1.5 * lc_rng_normal(&rng));
        lc_hdr_record(&src, v);
        lc_hdr_record(&direct, v);
    }
    lc_hdr_record_n(&src, 500000000000LL, 4); /* above dst's range */
    lc_hdr_record_n(&direct, 500000000000LL, 4);
    assert_int_equal(lc_hdr_merge(&dst, &src), 4);
    assert_int_equal(dst.clamped, 4);
    assert_int_equal(dst.total_count, direct.total_count);
    /* Re-recorded at a value of the source bucket: within one destination bucket. */
    const double ps[] = {0, 1, 10, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        int64_t got = lc_hdr_value_at_percentile(&dst, ps[i]);
        int64_t want = lc_hdr_value_at_percentile(&direct, ps[i]);
        int64_t tol = want / 100 + 1024;
        if (llabs(got - want) > tol)
            fail_msg("p%g: merged %lld, direct %lld", ps[i], (long long)got, (long long)want);
    }
    assert_true(fabs(lc_hdr_mean(&dst) - lc_hdr_mean(&direct)) <= lc_hdr_mean(&direct) * 0.01);

    /* Coarse into fine: every count lands in the bucket of its source bucket's median. */
    struct lc_hdr fine;
    init_or_fail(&fine, 1, 3600000000000LL, 4);
    assert_int_equal(lc_hdr_merge(&fine, &dst), 0);
    assert_int_equal(fine.total_count, dst.total_count);
    assert_int_equal(fine.clamped, 4);
    /* Both ascend and the map is one-to-one: walk them in step. */
    struct lc_hdr_iter it, fit;
    lc_hdr_iter_init(&it, &dst);
    lc_hdr_iter_init(&fit, &fine);
    while (lc_hdr_iter_next(&it)) {
        int64_t v = lc_hdr_median_equivalent(&dst, it.value_from);
        if (v > dst.highest_trackable)
            v = dst.highest_trackable;
        assert_int_equal(lc_hdr_iter_next(&fit), 1);
        assert_int_equal(fit.value_from, lc_hdr_lowest_equivalent(&fine, v));
        assert_int_equal(fit.count, it.count);
    }
    assert_int_equal(lc_hdr_iter_next(&fit), 0);
    lc_hdr_free(&fine);
    lc_hdr_free(&src);
    lc_hdr_free(&dst);
    lc_hdr_free(&direct);
}

/* ---- accuracy against exact percentiles -------------------------------- */

enum dist { DIST_UNIFORM, DIST_LOGNORMAL, DIST_BIMODAL };

static int64_t draw(struct lc_rng *rng, enum dist d)
{
    double v = 0;
    switch (d) {
    case DIST_UNIFORM:
        return (int64_t)lc_rng_range(rng, 0, 100000000); /* 0 .. 100 ms */
    case DIST_LOGNORMAL:
        v = exp(log(1e6) + 1.2 * lc_rng_normal(rng)); /* median 1 ms, long tail */
        break;
    case DIST_BIMODAL:
        if (lc_rng_uniform(rng) < 0.8)
            v = 2e6 + 2e5 * lc_rng_normal(rng); /* fast path ~2 ms */
        else
            v = 5e7 + 5e6 * lc_rng_normal(rng); /* slow path ~50 ms */
        break;
    }
    return v < 0 ? 0 : (int64_t)v;
}

static void check_accuracy(const int64_t *sorted, size_t n, int64_t lowest, int sigfigs,
                           const char *name)
{
    static const double ps[] = {1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
    struct lc_hdr h;
    init_or_fail(&h, lowest, LC_HDR_DEFAULT_HIGHEST, sigfigs);
    /* Record in a shuffled-enough order: sorted order would hide min/max tracking bugs. */
    for (size_t i = 0; i < n; i++)
        lc_hdr_record(&h, sorted[(i * 7919) % n]);
    assert_int_equal(h.total_count, (int64_t)n);
    double rel = pow(10.0, -sigfigs);
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        int64_t exact = sorted[rank_of(ps[i], (int64_t)n) - 1];
        int64_t got = lc_hdr_value_at_percentile(&h, ps[i]);
        double tol = (double)exact * rel + (double)lowest;
        /* The reported value is the top of the exact value's bucket. */
        if (got < exact || (double)(got - exact) > tol || lc_hdr_lowest_equivalent(&h, got) > exact)
            fail_msg("%s sigfigs %d lowest %lld: p%g = %lld, exact %lld (tolerance %.0f)", name,
                     sigfigs, (long long)lowest, ps[i], (long long)got, (long long)exact, tol);
    }
    int64_t mn = lc_hdr_min(&h), mx = lc_hdr_max(&h);
    assert_true(mn <= sorted[0] && (double)(sorted[0] - mn) <= (double)sorted[0] * rel + lowest);
    assert_true(mx >= sorted[n - 1] &&
                (double)(mx - sorted[n - 1]) <= (double)sorted[n - 1] * rel + lowest);
    double exact_mean = 0;
    for (size_t i = 0; i < n; i++)
        exact_mean += (double)sorted[i];
    exact_mean /= (double)n;
    double mean = lc_hdr_mean(&h);
    if (fabs(mean - exact_mean) > exact_mean * rel + lowest)
        fail_msg("%s sigfigs %d: mean %.1f, exact %.1f", name, sigfigs, mean, exact_mean);
    lc_hdr_free(&h);
}

static void test_accuracy_property(void **state)
{
    (void)state;
    const size_t n = 1000000;
    const char *names[] = {"uniform", "lognormal", "bimodal"};
    int64_t *values = malloc(n * sizeof(int64_t));
    assert_non_null(values);
    for (int d = DIST_UNIFORM; d <= DIST_BIMODAL; d++) {
        struct lc_rng rng;
        lc_rng_seed(&rng, 1000 + (uint64_t)d);
        for (size_t i = 0; i < n; i++)
            values[i] = draw(&rng, (enum dist)d);
        qsort(values, n, sizeof(int64_t), cmp_i64);
        check_accuracy(values, n, 1000, 3, names[d]);
        check_accuracy(values, n, 1000, 2, names[d]);
        check_accuracy(values, n, 1, 3, names[d]);
        check_accuracy(values, n, 1, 2, names[d]);
    }
    free(values);
}

/* ---- V2 encoding ------------------------------------------------------- */

static void round_trip(const struct lc_hdr *h)
{
    char *text = NULL;
    assert_int_equal(lc_hdr_encode_base64(h, &text), 0);
    assert_non_null(text);
    assert_memory_equal(text, "HISTF", 5); /* the compressed V2 cookie 0x1c849314 */
    struct lc_hdr d;
    struct lc_error err = {0};
    int rc = lc_hdr_decode_base64(&d, text, strlen(text), &err);
    if (rc != 0)
        fail_msg("decode of our own encoding failed: %s", err.msg);
    assert_same_histogram(h, &d);
    assert_int_equal(d.unit_magnitude, h->unit_magnitude);
    assert_int_equal(d.sub_bucket_count, h->sub_bucket_count);
    assert_int_equal(d.bucket_count, h->bucket_count);
    /* Encoding is deterministic: the decoded histogram encodes to the same text. */
    char *again = NULL;
    assert_int_equal(lc_hdr_encode_base64(&d, &again), 0);
    assert_string_equal(text, again);
    free(again);
    free(text);
    lc_hdr_free(&d);
}

/* Every count is zero: a reset clears only the span from min to max, which must cover all. */
static void assert_all_zero(const struct lc_hdr *h)
{
    assert_int_equal(h->total_count, 0);
    for (int32_t i = 0; i < h->counts_len; i++)
        if (h->counts[i] != 0)
            fail_msg("count %d is %lld after a reset", i, (long long)h->counts[i]);
}

/* A reset after each way counts are written: corrected records, both merges, a decode. */
static void test_reset_after_every_writer(void **state)
{
    (void)state;
    struct lc_hdr a, b, other;
    assert_int_equal(lc_hdr_init_default(&a), 0);
    assert_int_equal(lc_hdr_init_default(&b), 0);
    init_or_fail(&other, 1, 1000000000000LL, 2);
    lc_hdr_record_corrected(&a, 3000000000LL, 1000); /* spreads over many buckets */
    lc_hdr_record(&a, 1500);
    lc_hdr_reset(&a);
    assert_all_zero(&a);
    lc_hdr_record(&b, 7);         /* below the lowest discernible */
    lc_hdr_record(&b, INT64_MAX); /* clamped at the highest */
    lc_hdr_merge(&a, &b);         /* same layout */
    lc_hdr_reset(&a);
    assert_all_zero(&a);
    lc_hdr_record_n(&other, 999, 4);
    lc_hdr_record_n(&other, 987654321, 2);
    lc_hdr_merge(&a, &other); /* a different layout */
    lc_hdr_reset(&a);
    assert_all_zero(&a);
    lc_hdr_reset(&b); /* and twice in a row */
    lc_hdr_reset(&b);
    assert_all_zero(&b);
    char *text = NULL;
    lc_hdr_record_n(&other, 5, 3);
    assert_int_equal(lc_hdr_encode_base64(&other, &text), 0);
    struct lc_hdr d;
    struct lc_error err = {0};
    assert_int_equal(lc_hdr_decode_base64(&d, text, strlen(text), &err), 0);
    assert_int_equal(d.total_count, 9);
    lc_hdr_reset(&d);
    assert_all_zero(&d);
    free(text);
    lc_hdr_free(&d);
    lc_hdr_free(&a);
    lc_hdr_free(&b);
    lc_hdr_free(&other);
}

static void test_v2_round_trip(void **state)
{
    (void)state;
    struct lc_hdr h;
    /* Empty. */
    assert_int_equal(lc_hdr_init_default(&h), 0);
    round_trip(&h);
    /* Typical latencies. */
    struct lc_rng rng;
    lc_rng_seed(&rng, 21);
    for (int i = 0; i < 100000; i++)
        lc_hdr_record(&h, draw(&rng, DIST_BIMODAL));
    lc_hdr_record(&h, 0);
    round_trip(&h);
    lc_hdr_free(&h);
    /* Sparse over the whole int64 range, with counts needing all 9 LEB128 bytes. */
    init_or_fail(&h, 1, INT64_MAX, 3);
    lc_hdr_record(&h, 1);
    lc_hdr_record_n(&h, 1000000000000000000LL, 3);
    lc_hdr_record_n(&h, INT64_MAX, INT64_MAX / 4);
    lc_hdr_record_n(&h, 12345, (1LL << 56) + 1);
    round_trip(&h);
    lc_hdr_free(&h);
    /* Five digits: a large counts array. */
    init_or_fail(&h, 1, 1000000000000LL, 5);
    for (int i = 0; i < 20000; i++)
        lc_hdr_record(&h, draw(&rng, DIST_LOGNORMAL));
    round_trip(&h);
    lc_hdr_free(&h);
    /* One digit and a lowest that is not a power of two. */
    init_or_fail(&h, 10, 100000000, 1);
    for (int i = 0; i < 1000; i++)
        lc_hdr_record(&h, (int64_t)lc_rng_range(&rng, 0, 200000000));
    assert_true(h.clamped > 0);
    round_trip(&h);
    lc_hdr_free(&h);
}

/*
 * Fixed strings made by hdr-histogram-js 3.0.1 (which writes a normalizing
 * index offset of 1 and the conversion ratio as the integer 1): decodable
 * without node, unlike the full interop test.
 */
static void test_v2_decode_foreign(void **state)
{
    (void)state;
    struct lc_hdr h;
    struct lc_error err = {0};
    /* build({1, 1e6, 2 digits}); recordValueWithCount(7, 2), (1000, 1), (250000, 3). */
    const char *js = "HISTFAAAACp4nJNpmSzMwMDAwcDAwMjAwMDEAAGMYJLfyQHG52V5zM70kZ8NAFA3A+g=";
    assert_int_equal(lc_hdr_decode_base64(&h, js, strlen(js), &err), 0);
    assert_int_equal(h.lowest_discernible, 1);
    assert_int_equal(h.highest_trackable, 1000000);
    assert_int_equal(h.significant_figures, 2);
    assert_int_equal(h.total_count, 6);
    assert_int_equal(lc_hdr_min(&h), 7);
    /* The JS library's own answers for these: */
    assert_int_equal(lc_hdr_value_at_percentile(&h, 50), 1003);
    assert_int_equal(lc_hdr_value_at_percentile(&h, 100), 250879);
    assert_int_equal(lc_hdr_max(&h), 250879);
    struct lc_hdr_iter it;
    lc_hdr_iter_init(&it, &h);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_from, 7);
    assert_int_equal(it.count, 2);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_from, 1000);
    assert_int_equal(it.count, 1);
    assert_int_equal(lc_hdr_iter_next(&it), 1);
    assert_int_equal(it.value_to, 250879);
    assert_int_equal(it.count, 3);
    assert_int_equal(lc_hdr_iter_next(&it), 0);
    lc_hdr_free(&h);
    /* An empty default-range histogram. */
    const char *empty = "HISTFAAAACB4nJNpmSzMwMDACMXMDBDAyMDA7GawYwEDnA8ASQ8DHw==";
    assert_int_equal(lc_hdr_decode_base64(&h, empty, strlen(empty), &err), 0);
    assert_int_equal(h.total_count, 0);
    assert_int_equal(h.highest_trackable, 3600000000000LL);
    assert_int_equal(h.significant_figures, 3);
    lc_hdr_free(&h);
}

/* Build an uncompressed V2 blob (header + payload) for hand-made malformed inputs. */
static size_t v2_blob(uint8_t *buf, uint32_t cookie, uint32_t payload_len, int32_t sigfigs,
                      int64_t lowest, int64_t highest, const uint8_t *payload, size_t n)
{
    uint64_t fields[2] = {(uint64_t)lowest, (uint64_t)highest};
    uint32_t words[4] = {cookie, payload_len, 0, (uint32_t)sigfigs};
    size_t o = 0;
    for (int i = 0; i < 4; i++)
        for (int s = 24; s >= 0; s -= 8)
            buf[o++] = (uint8_t)(words[i] >> s);
    for (int i = 0; i < 2; i++)
        for (int s = 56; s >= 0; s -= 8)
            buf[o++] = (uint8_t)(fields[i] >> s);
    memset(buf + o, 0, 8); /* conversion ratio: ignored by decoders */
    o += 8;
    memcpy(buf + o, payload, n);
    return o + n;
}

/* Wrap bytes in the compressed container: cookie, length, zlib stream. */
static size_t compressed_blob(uint8_t *out, size_t cap, const uint8_t *raw, size_t n)
{
    uLongf zlen = (uLongf)(cap - 8);
    assert_int_equal(compress2(out + 8, &zlen, raw, (uLong)n, 6), Z_OK);
    const uint32_t cookie = 0x1c849314;
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(cookie >> (24 - 8 * i));
        out[4 + i] = (uint8_t)((uint32_t)zlen >> (24 - 8 * i));
    }
    return 8 + zlen;
}

static int decode_bytes(const uint8_t *bin, size_t n, struct lc_hdr *h, struct lc_error *err)
{
    char *text = NULL;
    assert_int_equal(lc_base64_encode(bin, n, &text, NULL), 0);
    int rc = lc_hdr_decode_base64(h, text, strlen(text), err);
    free(text);
    return rc;
}

static void expect_format_error(const uint8_t *bin, size_t n, const char *what)
{
    struct lc_hdr h;
    struct lc_error err = {0};
    int rc = decode_bytes(bin, n, &h, &err);
    if (rc != LC_EFORMAT)
        fail_msg("%s: expected LC_EFORMAT, got %d", what, rc);
    assert_true(err.msg[0] != '\0');
    assert_null(h.counts);
    lc_hdr_free(&h);
}

static void test_v2_decode_handmade(void **state)
{
    (void)state;
    uint8_t raw[512], zipped[1024];
    const uint32_t v2 = 0x1c849313;
    struct lc_hdr h;
    struct lc_error err = {0};

    /* A valid uncompressed blob: counts 0,0,0 (run), then 5 at index 3, 2 at index 4. */
    const uint8_t ok[] = {0x05, 0x0a, 0x04};
    size_t n = v2_blob(raw, v2, sizeof(ok), 3, 1, 1000000, ok, sizeof(ok));
    assert_int_equal(decode_bytes(raw, n, &h, &err), 0);
    assert_int_equal(h.total_count, 7);
    assert_int_equal(h.counts[3], 5);
    assert_int_equal(h.counts[4], 2);
    assert_int_equal(lc_hdr_min(&h), 3);
    assert_int_equal(lc_hdr_max(&h), 4);
    lc_hdr_free(&h);
    /* The same, compressed. */
    size_t zn = compressed_blob(zipped, sizeof(zipped), raw, n);
    assert_int_equal(decode_bytes(zipped, zn, &h, &err), 0);
    assert_int_equal(h.total_count, 7);
    lc_hdr_free(&h);
    /* Other word-size nibbles in the cookies are tolerated, as HdrHistogram does. */
    n = v2_blob(raw, 0x1c849303, sizeof(ok), 3, 1, 1000000, ok, sizeof(ok));
    assert_int_equal(decode_bytes(raw, n, &h, &err), 0);
    lc_hdr_free(&h);

    const uint8_t run_min[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    n = v2_blob(raw, v2, sizeof(run_min), 3, 1, 1000000, run_min, sizeof(run_min));
    expect_format_error(raw, n, "zero run of INT64_MIN");
    const uint8_t big[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                           0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    n = v2_blob(raw, v2, sizeof(big), 3, 1, 1000000, big, sizeof(big));
    expect_format_error(raw, n, "total count overflow");
    const uint8_t past_end[] = {0x83, 0x80, 0x08, 0x02}; /* run of 65538 zeros, then a count */
    n = v2_blob(raw, v2, sizeof(past_end), 1, 1, 1000, past_end, sizeof(past_end));
    expect_format_error(raw, n, "run past the end");
    const uint8_t unterminated[] = {0x02, 0x80};
    n = v2_blob(raw, v2, sizeof(unterminated), 3, 1, 1000000, unterminated, sizeof(unterminated));
    expect_format_error(raw, n, "unterminated LEB128");
    n = v2_blob(raw, v2, 100, 3, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "payload length beyond the data");
    n = v2_blob(raw, v2, 0xffffffff, 3, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "negative payload length");
    n = v2_blob(raw, v2, sizeof(ok), 0, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "0 significant figures");
    n = v2_blob(raw, v2, sizeof(ok), 6, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "6 significant figures");
    n = v2_blob(raw, v2, sizeof(ok), 3, 0, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "lowest 0");
    n = v2_blob(raw, v2, sizeof(ok), 3, -5, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "negative lowest");
    n = v2_blob(raw, v2, sizeof(ok), 3, 1000, 1999, ok, sizeof(ok));
    expect_format_error(raw, n, "highest < 2 * lowest");
    n = v2_blob(raw, v2, sizeof(ok), 3, 1LL << 55, INT64_MAX, ok, sizeof(ok));
    expect_format_error(raw, n, "unit magnitude too large");
    n = v2_blob(raw, 0x1c849301, sizeof(ok), 3, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, n, "V1 cookie");
    n = v2_blob(raw, v2, sizeof(ok), 3, 1, 1000000, ok, sizeof(ok));
    expect_format_error(raw, 20, "truncated header");
    expect_format_error(raw, n - 1, "truncated payload");

    /* Compressed container inconsistencies. */
    n = v2_blob(raw, v2, sizeof(ok) - 1, 3, 1, 1000000, ok, sizeof(ok)); /* extra payload byte */
    zn = compressed_blob(zipped, sizeof(zipped), raw, n);
    expect_format_error(zipped, zn, "more data than the payload length");
    n = v2_blob(raw, v2, sizeof(ok) + 1, 3, 1, 1000000, ok, sizeof(ok));
    zn = compressed_blob(zipped, sizeof(zipped), raw, n);
    expect_format_error(zipped, zn, "less data than the payload length");
    zn = compressed_blob(zipped, sizeof(zipped), raw, 30);
    expect_format_error(zipped, zn, "compressed header truncated");
    zipped[7]++; /* announced length one past the data */
    expect_format_error(zipped, zn, "compressed length past the data");
    n = v2_blob(raw, 0x1c849314, sizeof(ok), 3, 1, 1000000, ok, sizeof(ok));
    zn = compressed_blob(zipped, sizeof(zipped), raw, n);
    expect_format_error(zipped, zn, "nested compressed cookie");
}

static void test_v2_decode_garbage(void **state)
{
    (void)state;
    struct lc_hdr h, src;
    struct lc_error err = {0};
    const char *bad[] = {"",
                         "====",
                         "HISTF",
                         "HISTFAAAACh4nJNpmSzMwMDAwQAB!",
                         "not base64 at all",
                         "AAAAAAAAAAAA",
                         "HISTFAAAAAA=",
                         "HISTFAAAACh4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = lc_hdr_decode_base64(&h, bad[i], strlen(bad[i]), &err);
        if (rc != LC_EFORMAT)
            fail_msg("'%s': expected LC_EFORMAT, got %d", bad[i], rc);
        assert_null(h.counts);
    }
    assert_int_equal(lc_hdr_decode_base64(&h, "AAAA", 4, NULL), LC_EFORMAT); /* err optional */

    assert_int_equal(lc_hdr_init_default(&src), 0);
    struct lc_rng rng;
    lc_rng_seed(&rng, 33);
    for (int i = 0; i < 2000; i++)
        lc_hdr_record(&src, draw(&rng, DIST_LOGNORMAL));
    char *text = NULL;
    assert_int_equal(lc_hdr_encode_base64(&src, &text), 0);
    size_t len = strlen(text);
    /* Every truncation fails, except dropping only '=' padding (unpadded base64 is accepted). */
    for (size_t cut = 0; cut < len; cut++) {
        int only_padding = strspn(text + cut, "=") == len - cut;
        int rc = lc_hdr_decode_base64(&h, text, cut, &err);
        if (only_padding) {
            assert_int_equal(rc, 0);
            lc_hdr_free(&h);
        } else if (rc != LC_EFORMAT) {
            fail_msg("truncated to %zu of %zu chars: got %d", cut, len, rc);
        }
    }
    /* Flipping any byte of the binary never crashes: an error, or a valid histogram. */
    uint8_t *bin = NULL;
    size_t n = 0;
    assert_int_equal(lc_base64_decode(text, len, &bin, &n), 0);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            bin[i] ^= (uint8_t)(1 << bit);
            int rc = decode_bytes(bin, n, &h, &err);
            assert_true(rc == 0 || rc == LC_EFORMAT);
            if (rc == 0)
                lc_hdr_free(&h);
            bin[i] ^= (uint8_t)(1 << bit);
        }
    }
    /* Random bytes behind a valid cookie. */
    for (int i = 0; i < 2000; i++) {
        uint8_t junk[64];
        for (size_t j = 0; j < sizeof(junk); j++)
            junk[j] = (uint8_t)lc_rng_next(&rng);
        memcpy(junk, i % 2 ? "\x1c\x84\x93\x13" : "\x1c\x84\x93\x14", 4);
        size_t jn = 8 + (size_t)(i % 56);
        int rc = decode_bytes(junk, jn, &h, &err);
        assert_true(rc == 0 || rc == LC_EFORMAT);
        if (rc == 0)
            lc_hdr_free(&h);
    }
    free(bin);
    free(text);
    lc_hdr_free(&src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_equivalent_values),
        cmocka_unit_test(test_small_known_data),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_clamp_negative_reset),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_record_corrected),
        cmocka_unit_test(test_merge_same_layout),
        cmocka_unit_test(test_merge_different_layout),
        cmocka_unit_test(test_accuracy_property),
        cmocka_unit_test(test_reset_after_every_writer),
        cmocka_unit_test(test_v2_round_trip),
        cmocka_unit_test(test_v2_decode_foreign),
        cmocka_unit_test(test_v2_decode_handmade),
        cmocka_unit_test(test_v2_decode_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
