/*
 * Unit tests for core/stats. Expected values come from an independent
 * computation: tests/unit/core/stats_reference.py (python3 statistics,
 * fractions and mpmath at 40 digits; it never calls loadcell). Each constant
 * below names the line of that script's output it was copied from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/rng.h"
#include "core/stats.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= rel * |want| (or <= rel when want is 0), printing both on failure. */
#define assert_close(got, want, rel) close_at((got), (want), (rel), #got, __FILE__, __LINE__)

static void close_at(double got, double want, double rel, const char *expr, const char *file,
                     int line)
{
    double tol = want == 0.0 ? rel : rel * fabs(want);
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, want %.17g (relative tolerance %g)\n", expr, got, want, rel);
        _fail(file, line);
    }
}

/* ---- Descriptive ------------------------------------------------------------------------- */

static void test_summary(void **state)
{
    (void)state;
    const double x[] = {9, 4, 5, 2, 4, 7, 4, 5}; /* {2, 4, 4, 4, 5, 5, 7, 9} shuffled */
    struct lc_stats_summary s;
    assert_int_equal(lc_stats_summarize(x, N_OF(x), &s), 0);
    assert_int_equal(s.n, 8);
    assert_close(s.mean, 5.0, 1e-15);
    assert_close(s.stdev, 2.138089935299395, 1e-13); /* SUM_STDEV: statistics.stdev */
    assert_close(s.sem, 0.7559289460184544, 1e-13);  /* SUM_SEM: stdev / sqrt(8) */
    assert_close(s.min, 2.0, 0);
    assert_close(s.max, 9.0, 0);
    /* SUM_P25, SUM_MEDIAN, SUM_P75: statistics.quantiles(n=4, method="inclusive") (type 7) */
    assert_close(s.p25, 4.0, 1e-15);
    assert_close(s.median, 4.5, 1e-15);
    assert_close(s.p75, 5.5, 1e-15);
    assert_close(s.mad, 0.5, 1e-15); /* SUM_MAD: statistics.median(|x - median|) */

    double m = 0, sd = 0;
    assert_int_equal(lc_stats_mean(x, N_OF(x), &m), 0);
    assert_close(m, 5.0, 1e-15);
    assert_int_equal(lc_stats_stdev(x, N_OF(x), &sd), 0);
    assert_close(sd, 2.138089935299395, 1e-13);

    /* One value: no spread, documented as 0; stdev alone refuses it. */
    const double one[] = {3.5};
    assert_int_equal(lc_stats_summarize(one, 1, &s), 0);
    assert_true(s.stdev == 0.0 && s.sem == 0.0 && s.mad == 0.0);
    assert_true(s.min == 3.5 && s.max == 3.5 && s.median == 3.5 && s.p25 == 3.5);
    assert_int_equal(lc_stats_stdev(one, 1, &sd), LC_EINVAL);

    /* Empty, NULL and non-finite input are errors, never NaN results. */
    assert_int_equal(lc_stats_summarize(x, 0, &s), LC_EINVAL);
    assert_int_equal(lc_stats_mean(NULL, 3, &m), LC_EINVAL);
    const double bad[] = {1.0, NAN, 2.0};
    assert_int_equal(lc_stats_summarize(bad, 3, &s), LC_EINVAL);
    const double inf[] = {1.0, INFINITY};
    assert_int_equal(lc_stats_mean(inf, 2, &m), LC_EINVAL);
    /* Finite values whose sum overflows. */
    const double huge[] = {1.5e308, 1.5e308};
    assert_int_equal(lc_stats_mean(huge, 2, &m), LC_ERANGE);
}

static void test_percentiles(void **state)
{
    (void)state;
    const double p[] = {3.7, -1.25, 8.5, 0.0, 12.0, 4.4, 4.4, 7.125, -6.5, 2.0, 9.75};
    /* PCT[...]: statistics.quantiles(method="inclusive"), i.e. Hyndman-Fan type 7. */
    const struct {
        double pct, want;
    } cases[] = {{0, -6.5},       {10, -1.25}, {37.5, 3.2750000000000004}, {50, 4.4}, {90, 9.75},
                 {99.9, 11.9775}, {100, 12.0}};
    double sorted[N_OF(p)];
    memcpy(sorted, p, sizeof(p));
    lc_stats_sort(sorted, N_OF(p));
    for (size_t i = 1; i < N_OF(p); i++)
        assert_true(sorted[i - 1] <= sorted[i]);
    for (size_t i = 0; i < N_OF(cases); i++) {
        double v = 0, w = 0;
        assert_int_equal(lc_stats_percentile(p, N_OF(p), cases[i].pct, &v), 0);
        assert_close(v, cases[i].want, 1e-13);
        assert_int_equal(lc_stats_percentile_sorted(sorted, N_OF(p), cases[i].pct, &w), 0);
        assert_true(v == w);
    }
    double med = 0;
    assert_int_equal(lc_stats_median(p, N_OF(p), &med), 0);
    assert_close(med, 4.4, 1e-15);
    double v;
    assert_int_equal(lc_stats_percentile(p, N_OF(p), -0.1, &v), LC_EINVAL);
    assert_int_equal(lc_stats_percentile(p, N_OF(p), 100.1, &v), LC_EINVAL);
    assert_int_equal(lc_stats_percentile(p, N_OF(p), NAN, &v), LC_EINVAL);
    assert_int_equal(lc_stats_percentile_sorted(sorted, 0, 50, &v), LC_EINVAL);
}

static void test_mad_and_outliers(void **state)
{
    (void)state;
    const double m[] = {10.1, 9.8, 10.0, 10.3, 9.9, 10.2, 10.0, 25.0, 9.7, -3.0};
    double mad = 0;
    assert_int_equal(lc_stats_mad(m, N_OF(m), false, &mad), 0);
    assert_close(mad, 0.1999999999999993, 1e-12); /* M_MAD: statistics.median(|x - med|) */
    assert_int_equal(lc_stats_mad(m, N_OF(m), true, &mad), 0);
    assert_close(mad, 0.29651999999999895, 1e-12); /* M_MAD_SCALED: M_MAD * 1.4826 */

    /* M_Z[i]: 0.6745 * (x - median) / MAD in python. */
    const double want[] = {0.33725,
                           -0.6745,
                           0.0,
                           1.011750000000006,
                           -0.33725,
                           0.6745,
                           0.0,
                           50.587500000000176,
                           -1.011750000000006,
                           -43.84250000000015};
    double z[N_OF(m)];
    assert_int_equal(lc_stats_modified_z(m, N_OF(m), z), 0);
    for (size_t i = 0; i < N_OF(m); i++)
        assert_close(z[i], want[i], 1e-12);

    bool flag[N_OF(m)];
    size_t count = 99;
    assert_int_equal(lc_stats_outliers(m, N_OF(m), LC_STATS_OUTLIER_Z, flag, &count), 0);
    assert_int_equal(count, 2);
    for (size_t i = 0; i < N_OF(m); i++)
        assert_int_equal(flag[i], i == 7 || i == 9);
    /* A lower threshold also flags |z| = 1.01175 (indices 3 and 8). */
    assert_int_equal(lc_stats_outliers(m, N_OF(m), 1.0, flag, &count), 0);
    assert_int_equal(count, 4);
    assert_int_equal(lc_stats_outliers(m, N_OF(m), 0.0, flag, &count), LC_EINVAL);
    assert_int_equal(lc_stats_outliers(m, N_OF(m), NAN, flag, NULL), LC_EINVAL);

    /* MAD 0 (most values equal): the documented mean-absolute-deviation fallback. */
    const double z0[] = {5, 5, 5, 5, 5, 6, 100};
    double zz[N_OF(z0)];
    assert_int_equal(lc_stats_modified_z(z0, N_OF(z0), zz), 0);
    /* Z0_Z[i]: (x - median) / (1.253314 * mean|x - median|) in python. */
    assert_close(zz[0], 0.0, 0);
    assert_close(zz[5], 0.05817908893275481, 1e-13);
    assert_close(zz[6], 5.527013448611707, 1e-13);
    assert_int_equal(lc_stats_outliers(z0, N_OF(z0), 3.5, flag, &count), 0);
    assert_int_equal(count, 1);
    assert_true(flag[6] && !flag[5]);

    /* All equal: every z is 0, nothing is an outlier. */
    const double same[] = {2, 2, 2, 2};
    assert_int_equal(lc_stats_modified_z(same, 4, zz), 0);
    for (size_t i = 0; i < 4; i++)
        assert_true(zz[i] == 0.0);
}

/* ---- Distributions ---------------------------------------------------------------------- */

static void test_incbeta_and_normal(void **state)
{
    (void)state;
    /* IB(...): mpmath.betainc(regularized=True), IB(1000,1000,...) by its 2F1 series. */
    assert_close(lc_stats_incbeta(2, 3, 0.5), 0.6875, 1e-14); /* exactly 11/16 */
    assert_close(lc_stats_incbeta(1.5, 2.5, 0.3), 0.41568785229802535, 1e-13);
    assert_close(lc_stats_incbeta(0.5, 0.5, 0.01), 0.06376856085851985, 1e-13);
    assert_close(lc_stats_incbeta(50, 80, 0.4), 0.6450659221505504, 1e-13);
    assert_close(lc_stats_incbeta(1000, 1000, 0.49), 0.18555265943151145, 1e-12);
    /* I_x(1, 1) = x; I_x(a, 1) = x^a; endpoints. */
    assert_close(lc_stats_incbeta(1, 1, 0.3), 0.3, 1e-15);
    assert_close(lc_stats_incbeta(3.5, 1, 0.7), pow(0.7, 3.5), 1e-14);
    assert_true(lc_stats_incbeta(2, 3, 0.0) == 0.0);
    assert_true(lc_stats_incbeta(2, 3, 1.0) == 1.0);
    /* Outside the domain: documented NaN. */
    assert_true(isnan(lc_stats_incbeta(0, 1, 0.5)));
    assert_true(isnan(lc_stats_incbeta(1, -1, 0.5)));
    assert_true(isnan(lc_stats_incbeta(1, 1, 1.5)));
    assert_true(isnan(lc_stats_incbeta(2e15, 1, 0.5)));

    /* NCDF(...): mpmath.ncdf. */
    assert_close(lc_stats_normal_cdf(1.96), 0.9750021048517795, 1e-15);
    assert_close(lc_stats_normal_cdf(-3.0), 0.0013498980316300946, 1e-14);
    assert_close(lc_stats_normal_cdf(-10.0), 7.619853024160525e-24, 1e-13);
    assert_close(lc_stats_normal_cdf(0.5), 0.6914624612740131, 1e-15);
    /* NQ(...): bisection on mpmath.ncdf to 40 digits. */
    assert_close(lc_stats_normal_quantile(0.975), 1.9599639845400538, 1e-14);
    assert_close(lc_stats_normal_quantile(0.5 + 1e-9), 2.5066282037387115e-09, 1e-9);
    assert_close(lc_stats_normal_quantile(1e-10), -6.361340902404057, 1e-14);
    assert_close(lc_stats_normal_quantile(0.8413447460685429), 1.0, 1e-14);
    assert_close(lc_stats_normal_quantile(1e-300), -37.0470962993612, 1e-14);
    assert_true(lc_stats_normal_quantile(0.5) == 0.0);
    assert_true(lc_stats_normal_quantile(0.0) == -INFINITY);
    assert_true(lc_stats_normal_quantile(1.0) == INFINITY);
    assert_true(isnan(lc_stats_normal_quantile(1.5)));
    assert_true(isnan(lc_stats_normal_quantile(NAN)));
    /* Round trip over the whole range. */
    for (double p = 0.001; p < 1.0; p += 0.001)
        assert_close(lc_stats_normal_cdf(lc_stats_normal_quantile(p)), p, 1e-13);
}

static void test_t_distribution(void **state)
{
    (void)state;
    /* TCDF(t, df): the t CDF via mpmath's incomplete beta at 40 digits. */
    assert_close(lc_stats_t_cdf(2.228138851986274, 10), 0.975, 1e-14);
    assert_close(lc_stats_t_cdf(-1.5, 3), 0.11529193262241152, 1e-13);
    assert_close(lc_stats_t_cdf(0.3, 7.5), 0.6138386707156109, 1e-14);
    assert_close(lc_stats_t_cdf(-20, 100), 4.997133930668478e-37, 1e-12);
    assert_close(lc_stats_t_cdf(1.0, 1e6), 0.841344625083211, 1e-13);
    /* Closed forms, independent of the beta function: df = 1 (Cauchy) and df = 2. */
    const double ts[] = {-1e6, -250.0, -7.0, -1.0, -0.01, 0.0, 0.4, 3.0, 55.0};
    for (size_t i = 0; i < N_OF(ts); i++) {
        double t = ts[i], at = fabs(t), s = sqrt(2.0 + t * t);
        double lower1 = atan2(1.0, at) / M_PI; /* P(T_1 <= -|t|) = atan(1/|t|) / pi */
        double lower2 = 1.0 / (s * (s + at));  /* P(T_2 <= -|t|) = (1 - |t|/s) / 2 */
        assert_close(lc_stats_t_cdf(-at, 1), lower1, 1e-13);
        assert_close(lc_stats_t_cdf(-at, 2), lower2, 1e-13);
        assert_close(lc_stats_t_cdf(at, 1), 1.0 - lower1, 1e-14);
    }
    assert_close(lc_stats_t_cdf(4.0, 1), 0.9220208696226306, 1e-14);  /* TCDF(4.0, 1) */
    assert_close(lc_stats_t_cdf(-2.5, 2), 0.0648058601107554, 1e-13); /* TCDF(-2.5, 2) */
    assert_true(lc_stats_t_cdf(INFINITY, 3) == 1.0 && lc_stats_t_cdf(-INFINITY, 3) == 0.0);
    assert_close(lc_stats_t_cdf(-2.0, INFINITY), lc_stats_normal_cdf(-2.0), 1e-15);
    assert_true(isnan(lc_stats_t_cdf(1.0, 0.0)));
    assert_true(isnan(lc_stats_t_cdf(NAN, 3.0)));

    /* TQ(p, df): bisection on the 40-digit t CDF. Textbook tables: 2.228, 12.706, 2.015, 2.750. */
    assert_close(lc_stats_t_quantile(0.975, 10), 2.2281388519862744, 1e-13);
    assert_close(lc_stats_t_quantile(0.975, 1), 12.706204736174694, 1e-13);
    assert_close(lc_stats_t_quantile(0.95, 5), 2.0150483733330233, 1e-13);
    assert_close(lc_stats_t_quantile(0.995, 30), 2.749995653567225, 1e-13);
    assert_close(lc_stats_t_quantile(0.025, 2.5), -3.574654842003683, 1e-13);
    assert_close(lc_stats_t_quantile(1e-8, 4), -131.59473694062356, 1e-13);
    assert_close(lc_stats_t_quantile(0.975, 1e6), 1.9599663568141066, 1e-13);
    assert_true(lc_stats_t_quantile(0.5, 7) == 0.0);
    assert_true(lc_stats_t_quantile(0.0, 7) == -INFINITY);
    assert_true(lc_stats_t_quantile(1.0, 7) == INFINITY);
    assert_true(isnan(lc_stats_t_quantile(0.5, -1)));
    assert_true(isnan(lc_stats_t_quantile(-0.1, 3)));
    /* Round trip, including non-integer and tiny df and far tails. */
    const double dfs[] = {0.3, 1, 1.7, 2, 3, 6.5, 29, 1000, 1e7};
    const double ps[] = {1e-12, 1e-5, 0.01, 0.2, 0.4999, 0.6, 0.95, 0.999999};
    for (size_t i = 0; i < N_OF(dfs); i++)
        for (size_t j = 0; j < N_OF(ps); j++) {
            double t = lc_stats_t_quantile(ps[j], dfs[i]);
            assert_true(isfinite(t));
            double p = lc_stats_t_cdf(t, dfs[i]);
            double tail = ps[j] < 0.5 ? ps[j] : 1.0 - ps[j];
            /* Measured against the smaller tail; 1e-11 allows for 1 - p rounding at 0.999999. */
            assert_close(fabs(p - ps[j]) / tail, 0.0, 1e-11);
        }
}

/* ---- Welch ------------------------------------------------------------------------------ */

static void test_welch(void **state)
{
    (void)state;
    const double a[] = {20.1, 22.4, 19.8, 25.3, 21.7, 23.9, 20.5, 24.2, 22.0, 21.1};
    const double b[] = {18.2, 19.9, 17.5, 21.0, 18.8, 20.4, 16.9, 19.1, 22.3, 18.0, 17.7, 20.6};
    struct lc_stats_ttest r;
    assert_int_equal(lc_stats_welch(a, N_OF(a), b, N_OF(b), &r), 0);
    /* W_*: Welch's formulas on statistics.mean/variance; W_P from the mpmath t CDF,
     * cross-checked in the script against numerical integration of the t density. */
    assert_close(r.t, 3.8409736738461127, 1e-12);
    assert_close(r.df, 18.246263309382176, 1e-12);
    assert_close(r.se, 0.755016890572989, 1e-12);
    assert_close(r.mean_diff, 2.900000000000002, 1e-12);
    assert_close(r.p_two_sided, 0.0011720777775798706, 1e-10);

    /* Swapping the samples flips t and keeps p. */
    struct lc_stats_ttest s;
    assert_int_equal(lc_stats_welch(b, N_OF(b), a, N_OF(a), &s), 0);
    assert_close(s.t, -r.t, 1e-14);
    assert_close(s.p_two_sided, r.p_two_sided, 1e-14);

    /* From moments (as read back from result files): same answer. */
    double ma, mb, sa, sb;
    assert_int_equal(lc_stats_mean(a, N_OF(a), &ma), 0);
    assert_int_equal(lc_stats_mean(b, N_OF(b), &mb), 0);
    assert_int_equal(lc_stats_stdev(a, N_OF(a), &sa), 0);
    assert_int_equal(lc_stats_stdev(b, N_OF(b), &sb), 0);
    assert_int_equal(lc_stats_welch_moments(ma, sa, N_OF(a), mb, sb, N_OF(b), &s), 0);
    assert_close(s.t, r.t, 1e-13);
    assert_close(s.df, r.df, 1e-13);
    assert_close(s.p_two_sided, r.p_two_sided, 1e-12);

    /* Edge cases. */
    const double c1[] = {5, 5, 5}, c2[] = {5, 5, 5, 5};
    assert_int_equal(lc_stats_welch(c1, 3, c2, 4, &r), LC_ERANGE); /* no variance at all */
    assert_int_equal(lc_stats_welch(a, 1, b, N_OF(b), &r), LC_EINVAL);
    assert_int_equal(lc_stats_welch_moments(1, -1, 5, 1, 1, 5, &r), LC_EINVAL);
    assert_int_equal(lc_stats_welch_moments(1, 1, 1, 1, 1, 5, &r), LC_EINVAL);
    /* One constant sample is fine: df reduces to n_other - 1. */
    assert_int_equal(lc_stats_welch(c1, 3, a, N_OF(a), &r), 0);
    assert_close(r.df, (double)(N_OF(a) - 1), 1e-12);
    /* Equal means: t = 0, p = 1. */
    const double e1[] = {1, 2, 3}, e2[] = {0, 2, 4};
    assert_int_equal(lc_stats_welch(e1, 3, e2, 3, &r), 0);
    assert_true(r.t == 0.0);
    assert_close(r.p_two_sided, 1.0, 1e-15);
}

/*
 * Under the null (two samples from one distribution) p < 0.05 should happen
 * in 5% of trials; with 1000 seeded trials the count lies in [20, 80] (a
 * binomial(1000, 0.05) is outside it with probability ~1e-7).
 */
static void test_welch_coverage(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 20240611);
    double a[8], b[12];
    int rejected = 0;
    for (int trial = 0; trial < 1000; trial++) {
        for (size_t i = 0; i < N_OF(a); i++)
            a[i] = 50.0 + 3.0 * lc_rng_normal(&rng);
        for (size_t i = 0; i < N_OF(b); i++)
            b[i] = 50.0 + 3.0 * lc_rng_normal(&rng);
        struct lc_stats_ttest r;
        assert_int_equal(lc_stats_welch(a, N_OF(a), b, N_OF(b), &r), 0);
        assert_true(r.p_two_sided >= 0.0 && r.p_two_sided <= 1.0);
        rejected += r.p_two_sided < 0.05;
    }
    print_message("welch: %d of 1000 null trials below 0.05\n", rejected);
    assert_in_range(rejected, 20, 80);
}

/* ---- Mann-Whitney ---------------------------------------------------------------------- */

static void test_mann_whitney(void **state)
{
    (void)state;
    const double a[] = {1.1, 2.2, 2.2, 3.5, 4.0, 4.0, 5.1, 6.0, 7.3, 8.8, 2.2};
    const double b[] = {0.5, 1.1, 2.2, 3.0, 3.0, 4.0, 4.5, 5.0, 5.0, 6.1};
    struct lc_stats_mw r;
    assert_int_equal(lc_stats_mann_whitney(a, N_OF(a), b, N_OF(b), &r), 0);
    /* MW_*: U by brute-force pair counting (checked against average-rank sums),
     * tie-corrected sigma, continuity-corrected z, p = erfc(|z| / sqrt 2), in python. */
    assert_int_equal(r.n_a, 11);
    assert_int_equal(r.n_b, 10);
    assert_true(r.u_a == 63.0);
    assert_true(r.u_b == 47.0);
    assert_close(r.z, 0.5310734768224427, 1e-13);
    assert_close(r.p_two_sided, 0.5953678630908116, 1e-13);
    assert_close(r.rank_biserial, 0.14545454545454545, 1e-14);
    assert_close(r.cles, 0.5727272727272728, 1e-14);

    /* Swapped: U's swap, z and effect flip, p stays. */
    struct lc_stats_mw s;
    assert_int_equal(lc_stats_mann_whitney(b, N_OF(b), a, N_OF(a), &s), 0);
    assert_true(s.u_a == 47.0 && s.u_b == 63.0);
    assert_close(s.z, -r.z, 1e-14);
    assert_close(s.p_two_sided, r.p_two_sided, 1e-14);
    assert_close(s.rank_biserial, -r.rank_biserial, 1e-14);

    /* Everything tied: sigma is 0, documented z = 0 and p = 1. */
    const double t1[] = {3, 3, 3}, t2[] = {3, 3};
    assert_int_equal(lc_stats_mann_whitney(t1, 3, t2, 2, &r), 0);
    assert_true(r.z == 0.0 && r.p_two_sided == 1.0 && r.u_a == 3.0 && r.rank_biserial == 0.0);
    /* Complete separation: U = n_a n_b, rank-biserial 1. */
    const double lo[] = {1, 2, 3, 4, 5, 6, 7, 8}, hi[] = {11, 12, 13, 14, 15, 16, 17};
    assert_int_equal(lc_stats_mann_whitney(hi, 7, lo, 8, &r), 0);
    assert_true(r.u_a == 56.0 && r.u_b == 0.0 && r.rank_biserial == 1.0 && r.cles == 1.0);
    /* No ties: z = (56 - 28 - 0.5) / sqrt(7 * 8 * 16 / 12), p = erfc(z / sqrt 2) (python math). */
    assert_close(r.z, 3.1825065929681453, 1e-14);
    assert_close(r.p_two_sided, 0.0014600619162422473, 1e-13);

    assert_int_equal(lc_stats_mann_whitney(a, 0, b, N_OF(b), &r), LC_EINVAL);
    const double nan1[] = {1, NAN};
    assert_int_equal(lc_stats_mann_whitney(nan1, 2, b, N_OF(b), &r), LC_EINVAL);
}

/* Expand weighted bins to a plain sample; caller frees. */
static double *expand(const struct lc_stats_wvalue *w, size_t n, size_t *out_n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i].count;
    double *x = malloc((total ? total : 1) * sizeof(*x));
    assert_non_null(x);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (uint64_t c = 0; c < w[i].count; c++)
            x[k++] = w[i].value;
    *out_n = total;
    return x;
}

static void test_mann_whitney_weighted_equals_expanded(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 7);
    for (int trial = 0; trial < 200; trial++) {
        /* Few distinct values (many ties), counts 0..6, bins in random order, repeats allowed. */
        struct lc_stats_wvalue wa[12], wb[9];
        size_t na = 1 + lc_rng_range(&rng, 0, N_OF(wa) - 1);
        size_t nb = 1 + lc_rng_range(&rng, 0, N_OF(wb) - 1);
        double shift = (double)lc_rng_range(&rng, 0, 2) * 0.5;
        for (size_t i = 0; i < na; i++)
            wa[i] = (struct lc_stats_wvalue){(double)lc_rng_range(&rng, 0, 9) * 0.5 + shift,
                                             lc_rng_range(&rng, 0, 6)};
        for (size_t i = 0; i < nb; i++)
            wb[i] = (struct lc_stats_wvalue){(double)lc_rng_range(&rng, 0, 9) * 0.5,
                                             lc_rng_range(&rng, 0, 6)};
        wa[0].count += 1; /* each side non-empty */
        wb[nb - 1].count += 1;
        size_t ea_n, eb_n;
        double *ea = expand(wa, na, &ea_n), *eb = expand(wb, nb, &eb_n);
        struct lc_stats_mw w, e;
        assert_int_equal(lc_stats_mann_whitney_weighted(wa, na, wb, nb, &w), 0);
        assert_int_equal(lc_stats_mann_whitney(ea, ea_n, eb, eb_n, &e), 0);
        assert_int_equal(w.n_a, e.n_a);
        assert_int_equal(w.n_b, e.n_b);
        assert_true(w.u_a == e.u_a);
        assert_true(w.u_b == e.u_b);
        assert_close(w.z, e.z, 1e-12);
        assert_close(w.p_two_sided, e.p_two_sided, 1e-12);
        assert_close(w.rank_biserial, e.rank_biserial, 1e-14);
        assert_close(w.cles, e.cles, 1e-14);
        free(ea);
        free(eb);
    }

    /* Millions of counts, never expanded. MWW_*: pair counting over bins and the exact
     * tie term in python fractions; z and p from mpmath. */
    const struct lc_stats_wvalue big_a[] = {{1.0, 1000000}, {2.0, 3000000}, {5.0, 250000}};
    const struct lc_stats_wvalue big_b[] = {
        {5.0, 251000}, {0.5, 10}, {1.0, 1004000}, {2.0, 2990000}, {3.0, 1000}}; /* unsorted */
    struct lc_stats_mw r;
    assert_int_equal(lc_stats_mann_whitney_weighted(big_a, 3, big_b, 5, &r), 0);
    assert_true(r.u_a == 9029167500000.0);
    assert_close(r.u_a + r.u_b, 4250000.0 * 4246010.0, 1e-15);
    assert_close(r.z, 2.243478736166867, 1e-10);
    assert_close(r.p_two_sided, 0.02486595956324074, 1e-9);

    /* Errors: empty side, non-finite value, total overflow. */
    const struct lc_stats_wvalue zero[] = {{1.0, 0}};
    assert_int_equal(lc_stats_mann_whitney_weighted(zero, 1, big_b, 5, &r), LC_EINVAL);
    const struct lc_stats_wvalue nanv[] = {{NAN, 3}};
    assert_int_equal(lc_stats_mann_whitney_weighted(nanv, 1, big_b, 5, &r), LC_EINVAL);
    const struct lc_stats_wvalue over[] = {{1.0, UINT64_MAX / 2}, {2.0, UINT64_MAX / 2}};
    assert_int_equal(lc_stats_mann_whitney_weighted(over, 2, big_b, 5, &r), LC_ERANGE);
}

/* ---- Bootstrap ------------------------------------------------------------------------- */

static void test_bootstrap_deterministic(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 99);
    double x[301];
    for (size_t i = 0; i < N_OF(x); i++)
        x[i] = lc_rng_exponential(&rng, 5.0);
    struct lc_stats_boot opt = {.resamples = 500, .level = 0.9, .seed = 42};
    struct lc_stats_ci c1, c2, c3;
    const enum lc_stats_boot_stat stats[] = {LC_STATS_BOOT_MEAN, LC_STATS_BOOT_MEDIAN,
                                             LC_STATS_BOOT_PERCENTILE};
    for (size_t k = 0; k < N_OF(stats); k++) {
        assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), stats[k], 90.0, &opt, &c1), 0);
        assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), stats[k], 90.0, &opt, &c2), 0);
        assert_true(c1.lo == c2.lo && c1.hi == c2.hi && c1.estimate == c2.estimate);
        assert_true(c1.lo <= c1.estimate && c1.estimate <= c1.hi);
        assert_true(c1.level == 0.9);
        opt.seed = 43;
        assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), stats[k], 90.0, &opt, &c3), 0);
        assert_true(c3.lo != c1.lo || c3.hi != c1.hi);
        opt.seed = 42;
    }

    /*
     * The median and percentile paths use selection, not sorting; they must give
     * exactly what the plain definition gives: draw n indices with
     * lc_rng_range(0, n - 1) per resample, sort, take the type-7 percentile.
     */
    const double pcts[] = {50.0, 90.0, 3.3};
    for (size_t k = 0; k < N_OF(pcts); k++) {
        double *stat = malloc(opt.resamples * sizeof(*stat));
        double *buf = malloc(N_OF(x) * sizeof(*buf));
        assert_non_null(stat);
        assert_non_null(buf);
        lc_rng_seed(&rng, opt.seed);
        for (unsigned b = 0; b < opt.resamples; b++) {
            for (size_t i = 0; i < N_OF(x); i++)
                buf[i] = x[lc_rng_range(&rng, 0, N_OF(x) - 1)];
            lc_stats_sort(buf, N_OF(x));
            assert_int_equal(lc_stats_percentile_sorted(buf, N_OF(x), pcts[k], &stat[b]), 0);
        }
        lc_stats_sort(stat, opt.resamples);
        double lo, hi, est;
        assert_int_equal(lc_stats_percentile_sorted(stat, opt.resamples, 5.0, &lo), 0);
        assert_int_equal(lc_stats_percentile_sorted(stat, opt.resamples, 95.0, &hi), 0);
        assert_int_equal(lc_stats_percentile(x, N_OF(x), pcts[k], &est), 0);
        enum lc_stats_boot_stat st =
            pcts[k] == 50.0 ? LC_STATS_BOOT_MEDIAN : LC_STATS_BOOT_PERCENTILE;
        assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), st, pcts[k], &opt, &c1), 0);
        assert_true(c1.lo == lo);
        assert_true(c1.hi == hi);
        assert_true(c1.estimate == est);
        free(stat);
        free(buf);
    }

    /* Argument errors. */
    opt.level = 1.0;
    assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), LC_STATS_BOOT_MEAN, 0, &opt, &c1),
                     LC_EINVAL);
    opt.level = 0.95;
    opt.resamples = 1;
    assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), LC_STATS_BOOT_MEAN, 0, &opt, &c1),
                     LC_EINVAL);
    opt.resamples = 100;
    assert_int_equal(lc_stats_bootstrap_ci(x, N_OF(x), LC_STATS_BOOT_PERCENTILE, 101, &opt, &c1),
                     LC_EINVAL);
    assert_int_equal(lc_stats_bootstrap_ci(x, 0, LC_STATS_BOOT_MEAN, 0, &opt, &c1), LC_EINVAL);
    /* n == 1: a degenerate interval at the value. */
    assert_int_equal(lc_stats_bootstrap_ci(x, 1, LC_STATS_BOOT_MEDIAN, 0, &opt, &c1), 0);
    assert_true(c1.lo == x[0] && c1.hi == x[0]);
}

static void test_bootstrap_normal_mean(void **state)
{
    (void)state;
    /* 2000 draws of N(10, 2^2): the 95% interval should cover 10 and be about
     * BOOT_WIDTH = 2 * 1.959964 * 2 / sqrt(2000) = 0.1753045 wide. */
    enum { N = 2000 };
    double *x = malloc(N * sizeof(*x));
    assert_non_null(x);
    struct lc_rng rng;
    lc_rng_seed(&rng, 1234);
    for (int i = 0; i < N; i++)
        x[i] = 10.0 + 2.0 * lc_rng_normal(&rng);
    struct lc_stats_boot opt = {.resamples = 2000, .level = 0.95, .seed = 5};
    struct lc_stats_ci ci;
    assert_int_equal(lc_stats_bootstrap_ci(x, N, LC_STATS_BOOT_MEAN, 0, &opt, &ci), 0);
    print_message("bootstrap mean: %.5f [%.5f, %.5f]\n", ci.estimate, ci.lo, ci.hi);
    assert_true(ci.lo < 10.0 && 10.0 < ci.hi);
    /* Width within 10%: the sample sd and B = 2000 resamples each move it by a few %. */
    assert_close(ci.hi - ci.lo, 0.1753045081153163, 0.10);
    free(x);
}

static void test_bootstrap_ratio(void **state)
{
    (void)state;
    enum { NN = 500, ND = 400 };
    double num[NN], den[ND];
    struct lc_rng rng;
    lc_rng_seed(&rng, 77);
    for (int i = 0; i < NN; i++)
        num[i] = 20.0 + 2.0 * lc_rng_normal(&rng);
    for (int i = 0; i < ND; i++)
        den[i] = 10.0 + 1.0 * lc_rng_normal(&rng);
    struct lc_stats_boot opt = {.resamples = 1000, .level = 0.95, .seed = 3};
    struct lc_stats_ci ci, again;
    assert_int_equal(lc_stats_bootstrap_ratio_ci(num, NN, den, ND, &opt, &ci), 0);
    assert_int_equal(lc_stats_bootstrap_ratio_ci(num, NN, den, ND, &opt, &again), 0);
    assert_true(ci.lo == again.lo && ci.hi == again.hi);
    double mn, md;
    assert_int_equal(lc_stats_mean(num, NN, &mn), 0);
    assert_int_equal(lc_stats_mean(den, ND, &md), 0);
    assert_close(ci.estimate, mn / md, 1e-15);
    assert_true(ci.lo < 2.0 && 2.0 < ci.hi);
    /* Delta method: sd(ratio) ~ 2 * sqrt((2/20)^2 / 500 + (1/10)^2 / 400) = 0.013416, so the
     * 95% width is ~ 2 * 1.96 * 0.013416; 15% slack for sampling and B = 1000. */
    assert_close(ci.hi - ci.lo, 2 * 1.96 * 0.013416, 0.15);

    const double zero_mean[] = {-1.0, 1.0};
    assert_int_equal(lc_stats_bootstrap_ratio_ci(num, NN, zero_mean, 2, &opt, &ci), LC_ERANGE);
    assert_int_equal(lc_stats_bootstrap_ratio_ci(num, NN, den, 0, &opt, &ci), LC_EINVAL);
}

/* ---- Fits ------------------------------------------------------------------------------ */

static void test_ols(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const double y[] = {2.9, 5.1, 7.2, 8.8, 11.3, 12.9, 15.2, 16.8, 19.1, 21.2};
    struct lc_stats_fit f;
    assert_int_equal(lc_stats_ols(x, y, N_OF(x), &f), 0);
    assert_int_equal(f.n, 10);
    /* OLS_SLOPE, OLS_INTERCEPT: statistics.linear_regression; OLS_R2: statistics.correlation^2;
     * standard errors: textbook formulas in exact fractions. */
    assert_close(f.slope, 2.0090909090909093, 1e-13);
    assert_close(f.intercept, 1.0, 1e-13);
    assert_close(f.r2, 0.9991053785026272, 1e-13);
    assert_close(f.se_slope, 0.0212553671718184, 1e-12);
    assert_close(f.se_intercept, 0.131886084913987, 1e-12);
    assert_close(f.resid_se, 0.19306145983268455, 1e-12);
    /* OLS_PRED*: 90% prediction interval at x = 15 with the 40-digit t quantile. */
    struct lc_stats_prediction p;
    assert_int_equal(lc_stats_ols_predict(&f, 15.0, 0.90, &p), 0);
    assert_close(p.value, 31.136363636363637, 1e-13);
    assert_close(p.lo, 30.60460408315157, 1e-12);
    assert_close(p.hi, 31.6681231895757, 1e-12);

    /* Two points: an exact line, standard errors documented as +INFINITY, no interval. */
    assert_int_equal(lc_stats_ols(x, y, 2, &f), 0);
    assert_close(f.slope, 2.2, 1e-14);
    assert_true(isinf(f.se_slope) && isinf(f.se_intercept) && isinf(f.resid_se));
    assert_int_equal(lc_stats_ols_predict(&f, 3.0, 0.9, &p), LC_ERANGE);
    /* Constant y: slope 0, R^2 documented as 1. */
    const double cy[] = {4, 4, 4, 4};
    assert_int_equal(lc_stats_ols(x, cy, 4, &f), 0);
    assert_true(f.slope == 0.0 && f.r2 == 1.0 && f.se_slope == 0.0);
    /* Errors. */
    const double cx[] = {3, 3, 3};
    assert_int_equal(lc_stats_ols(cx, y, 3, &f), LC_EINVAL);
    assert_int_equal(lc_stats_ols(x, y, 1, &f), LC_EINVAL);
    assert_int_equal(lc_stats_ols(x, y, N_OF(x), &f), 0);
    assert_int_equal(lc_stats_ols_predict(&f, 1.0, 1.5, &p), LC_EINVAL);
}

static void test_loglog(void **state)
{
    (void)state;
    /* y = 3 x^1.5 exactly: exponent 1.5, coefficient 3, R^2 1, zero standard error. */
    double x[8], y[8];
    for (int i = 0; i < 8; i++) {
        x[i] = 100.0 * pow(2.0, i);
        y[i] = 3.0 * pow(x[i], 1.5);
    }
    struct lc_stats_fit f;
    assert_int_equal(lc_stats_loglog_fit(x, y, 8, &f), 0);
    assert_close(f.slope, 1.5, 1e-13);
    assert_close(exp(f.intercept), 3.0, 1e-12);
    assert_close(f.r2, 1.0, 1e-15);
    assert_close(f.se_slope, 0.0, 1e-13); /* rounding of the logs only */
    struct lc_stats_prediction p;
    assert_int_equal(lc_stats_loglog_predict(&f, 1e5, 0.95, &p), 0);
    assert_close(p.value, 3.0 * pow(1e5, 1.5), 1e-11);
    assert_close(p.lo, p.value, 1e-10);
    assert_close(p.hi, p.value, 1e-10);

    /* Noisy timings. LL_*: least squares on mpmath logs; LL_SLOPE also equals
     * statistics.linear_regression on the logs; LL_PRED*: 95% at n = 100000. */
    const double lx[] = {1000, 2000, 4000, 8000, 16000, 32000};
    const double ly[] = {0.012, 0.026, 0.049, 0.105, 0.198, 0.43};
    assert_int_equal(lc_stats_loglog_fit(lx, ly, 6, &f), 0);
    assert_close(f.slope, 1.0200696606773711, 1e-12);
    assert_close(f.intercept, -11.448320206395618, 1e-12);
    assert_close(f.se_slope, 0.014019498117077858, 1e-11);
    assert_close(f.r2, 0.9992450168584, 1e-12);
    assert_int_equal(lc_stats_loglog_predict(&f, 100000, 0.95, &p), 0);
    assert_close(p.value, 1.3440208643634755, 1e-11);
    assert_close(p.lo, 1.139114885282846, 1e-11);
    assert_close(p.hi, 1.5857856895582665, 1e-11);
    assert_true(p.lo < p.value && p.value < p.hi);

    /* Non-positive values are rejected. */
    const double bad_x[] = {1, 0, 3}, good[] = {1, 2, 3}, bad_y[] = {1, -2, 3};
    assert_int_equal(lc_stats_loglog_fit(bad_x, good, 3, &f), LC_EINVAL);
    assert_int_equal(lc_stats_loglog_fit(good, bad_y, 3, &f), LC_EINVAL);
    assert_int_equal(lc_stats_loglog_fit(lx, ly, 6, &f), 0);
    assert_int_equal(lc_stats_loglog_predict(&f, 0.0, 0.95, &p), LC_EINVAL);
    assert_int_equal(lc_stats_loglog_predict(&f, -5.0, 0.95, &p), LC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_mad_and_outliers),
        cmocka_unit_test(test_incbeta_and_normal),
        cmocka_unit_test(test_t_distribution),
        cmocka_unit_test(test_welch),
        cmocka_unit_test(test_welch_coverage),
        cmocka_unit_test(test_mann_whitney),
        cmocka_unit_test(test_mann_whitney_weighted_equals_expanded),
        cmocka_unit_test(test_bootstrap_deterministic),
        cmocka_unit_test(test_bootstrap_normal_mean),
        cmocka_unit_test(test_bootstrap_ratio),
        cmocka_unit_test(test_ols),
        cmocka_unit_test(test_loglog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
