/* Statistics over samples of doubles; the contract (ownership, edge cases) is in stats.h. */
#include "core/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

/* ---- Helpers ------------------------------------------------------------------------- */

/* 0 when x holds n >= min_n finite values, else LC_EINVAL. */
static int check_sample(const double *x, size_t n, size_t min_n)
{
    if (n < min_n || (n > 0 && !x))
        return LC_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return LC_EINVAL;
    return 0;
}

/* Mean of n >= 1 finite values: a first pass, then the mean residual as a correction. */
static double mean_of(const double *x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double m = sum / (double)n;
    if (!isfinite(m))
        return m;
    double resid = 0.0;
    for (size_t i = 0; i < n; i++)
        resid += x[i] - m;
    return m + resid / (double)n;
}

/* Sample variance (n - 1) about mean m, corrected two-pass; n >= 2. May be +inf. */
static double var_of(const double *x, size_t n, double m)
{
    double ss = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        ss += d * d;
        c += d;
    }
    double v = (ss - c * c / (double)n) / (double)(n - 1);
    return v < 0.0 ? 0.0 : v;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* A private copy of x[0..n); NULL when out of memory. Caller frees. */
static double *copy_of(const double *x, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof(*c));
    if (c && n)
        memcpy(c, x, n * sizeof(*c));
    return c;
}

/* Linear interpolation lo + f (hi - lo), f in [0, 1], exact at both ends (as numpy does). */
static double lerp(double lo, double hi, double f)
{
    double d = hi - lo;
    if (!isfinite(d))
        return (1.0 - f) * lo + f * hi;
    return f < 0.5 ? lo + d * f : hi - d * (1.0 - f);
}

/* Type-7 percentile of sorted[0..n), n >= 1, pct in [0, 100]. */
static double pct_sorted(const double *s, size_t n, double pct)
{
    double h = (double)(n - 1) * (pct / 100.0);
    size_t k = (size_t)floor(h);
    if (k >= n - 1)
        return s[n - 1];
    return lerp(s[k], s[k + 1], h - (double)k);
}

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/*
 * Quickselect: permute a[0..n) so that a[k] is the k-th smallest (0-based),
 * nothing before it larger and nothing after it smaller; returns a[k].
 * Median-of-three pivots, Hoare partition; expected O(n).
 */
static double select_kth(double *a, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (hi > lo) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap_d(&a[mid], &a[lo]);
        if (a[hi] < a[lo])
            swap_d(&a[hi], &a[lo]);
        if (a[hi] < a[mid])
            swap_d(&a[hi], &a[mid]);
        double pivot = a[mid];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                swap_d(&a[i], &a[j]);
                i++;
                j--;
            }
        }
        /* Now a[lo..j] <= pivot, a[i..hi] >= pivot, and anything between equals it. */
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return a[kk];
    }
    return a[kk];
}

/* Type-7 percentile of an unsorted buffer a[0..n), n >= 1, by selection; permutes a. */
static double pct_select(double *a, size_t n, double pct)
{
    double h = (double)(n - 1) * (pct / 100.0);
    size_t k = (size_t)floor(h);
    if (k >= n - 1)
        k = n - 1;
    double v = select_kth(a, n, k);
    double f = h - (double)k;
    if (f <= 0.0 || k + 1 >= n)
        return v;
    /* After selection everything past k is >= a[k]; the next order statistic is their min. */
    double w = a[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (a[i] < w)
            w = a[i];
    return lerp(v, w, f);
}

/* Raw MAD of x[0..n) about med; scratch has room for n values (it is permuted). */
static double mad_about(const double *x, size_t n, double med, double *scratch)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(x[i] - med);
    return pct_select(scratch, n, 50.0);
}

/* ---- Descriptive statistics --------------------------------------------------------- */

int lc_stats_mean(const double *x, size_t n, double *out)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    double m = mean_of(x, n);
    if (!isfinite(m))
        return LC_ERANGE;
    *out = m;
    return 0;
}

int lc_stats_stdev(const double *x, size_t n, double *out)
{
    int rc = check_sample(x, n, 2);
    if (rc)
        return rc;
    double m = mean_of(x, n);
    double v = isfinite(m) ? var_of(x, n, m) : m;
    if (!isfinite(v))
        return LC_ERANGE;
    *out = sqrt(v);
    return 0;
}

void lc_stats_sort(double *x, size_t n)
{
    if (n > 1)
        qsort(x, n, sizeof(*x), cmp_double);
}

int lc_stats_percentile_sorted(const double *sorted, size_t n, double pct, double *out)
{
    if (n < 1 || !sorted || !(pct >= 0.0 && pct <= 100.0))
        return LC_EINVAL;
    double v = pct_sorted(sorted, n, pct);
    if (!isfinite(v))
        return LC_EINVAL;
    *out = v;
    return 0;
}

int lc_stats_percentile(const double *x, size_t n, double pct, double *out)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    if (!(pct >= 0.0 && pct <= 100.0))
        return LC_EINVAL;
    double *s = copy_of(x, n);
    if (!s)
        return LC_ENOMEM;
    lc_stats_sort(s, n);
    *out = pct_sorted(s, n, pct);
    free(s);
    return 0;
}

int lc_stats_median(const double *x, size_t n, double *out)
{
    return lc_stats_percentile(x, n, 50.0, out);
}

int lc_stats_mad(const double *x, size_t n, bool scaled, double *out)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    double *s = copy_of(x, n);
    double *scratch = malloc(n * sizeof(*scratch));
    if (!s || !scratch) {
        rc = LC_ENOMEM;
        goto done;
    }
    double med = pct_select(s, n, 50.0);
    double mad = mad_about(x, n, med, scratch);
    if (!isfinite(mad)) {
        rc = LC_ERANGE;
        goto done;
    }
    *out = scaled ? mad * LC_STATS_MAD_NORMAL : mad;
done:
    free(s);
    free(scratch);
    return rc;
}

int lc_stats_summarize(const double *x, size_t n, struct lc_stats_summary *out)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    double *s = copy_of(x, n);
    double *scratch = malloc(n * sizeof(*scratch));
    if (!s || !scratch) {
        rc = LC_ENOMEM;
        goto done;
    }
    lc_stats_sort(s, n);
    struct lc_stats_summary r = {.n = n};
    r.mean = mean_of(s, n);
    r.stdev = 0.0;
    if (n >= 2 && isfinite(r.mean))
        r.stdev = sqrt(var_of(s, n, r.mean));
    r.sem = r.stdev / sqrt((double)n);
    r.min = s[0];
    r.max = s[n - 1];
    r.p25 = pct_sorted(s, n, 25.0);
    r.median = pct_sorted(s, n, 50.0);
    r.p75 = pct_sorted(s, n, 75.0);
    r.mad = mad_about(s, n, r.median, scratch);
    if (!isfinite(r.mean) || !isfinite(r.stdev) || !isfinite(r.p25) || !isfinite(r.median) ||
        !isfinite(r.p75) || !isfinite(r.mad)) {
        rc = LC_ERANGE;
        goto done;
    }
    *out = r;
done:
    free(s);
    free(scratch);
    return rc;
}

int lc_stats_modified_z(const double *x, size_t n, double *z)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    if (!z)
        return LC_EINVAL;
    double *s = copy_of(x, n);
    double *scratch = malloc(n * sizeof(*scratch));
    if (!s || !scratch) {
        rc = LC_ENOMEM;
        goto done;
    }
    double med = pct_select(s, n, 50.0);
    double mad = mad_about(x, n, med, scratch);
    double scale; /* z = (x - med) / scale; both forms estimate sigma for normal data */
    if (mad > 0.0) {
        scale = mad / 0.6745;
    } else {
        double mean_ad = 0.0;
        for (size_t i = 0; i < n; i++)
            mean_ad += fabs(x[i] - med);
        mean_ad /= (double)n;
        scale = 1.253314 * mean_ad;
    }
    if (!isfinite(scale)) {
        rc = LC_ERANGE;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        z[i] = scale > 0.0 ? (x[i] - med) / scale : 0.0;
done:
    free(s);
    free(scratch);
    return rc;
}

int lc_stats_outliers(const double *x, size_t n, double threshold, bool *is_outlier,
                      size_t *n_outliers)
{
    if (!is_outlier || !isfinite(threshold) || threshold <= 0.0)
        return LC_EINVAL;
    double *z = malloc((n ? n : 1) * sizeof(*z));
    if (!z)
        return LC_ENOMEM;
    int rc = lc_stats_modified_z(x, n, z);
    if (rc == 0) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            is_outlier[i] = fabs(z[i]) > threshold;
            count += is_outlier[i];
        }
        if (n_outliers)
            *n_outliers = count;
    }
    free(z);
    return rc;
}

/* ---- Bootstrap ------------------------------------------------------------------------- */

static int check_boot(const struct lc_stats_boot *opt)
{
    if (!opt || opt->resamples < 2 || !(opt->level > 0.0 && opt->level < 1.0))
        return LC_EINVAL;
    return 0;
}

/* Fill buf[0..m) with m draws, with replacement, from x[0..n). */
static void resample(struct lc_rng *rng, const double *x, size_t n, double *buf, size_t m)
{
    for (size_t i = 0; i < m; i++)
        buf[i] = x[lc_rng_range(rng, 0, n - 1)];
}

/* The statistic of buf[0..n); may permute buf. */
static double boot_stat(double *buf, size_t n, enum lc_stats_boot_stat stat, double pct)
{
    switch (stat) {
    case LC_STATS_BOOT_MEAN:
        return mean_of(buf, n);
    case LC_STATS_BOOT_MEDIAN:
        return pct_select(buf, n, 50.0);
    case LC_STATS_BOOT_PERCENTILE:
        return pct_select(buf, n, pct);
    }
    return NAN; /* unreachable: stat is validated first */
}

/* Sort the B statistics and fill out's interval at opt->level. */
static void boot_interval(double *stats, unsigned b, double level, struct lc_stats_ci *out)
{
    lc_stats_sort(stats, b);
    out->lo = pct_sorted(stats, b, 100.0 * (1.0 - level) / 2.0);
    out->hi = pct_sorted(stats, b, 100.0 * (1.0 + level) / 2.0);
    out->level = level;
}

int lc_stats_bootstrap_ci(const double *x, size_t n, enum lc_stats_boot_stat stat, double pct,
                          const struct lc_stats_boot *opt, struct lc_stats_ci *out)
{
    int rc = check_sample(x, n, 1);
    if (rc)
        return rc;
    rc = check_boot(opt);
    if (rc)
        return rc;
    if (stat != LC_STATS_BOOT_MEAN && stat != LC_STATS_BOOT_MEDIAN &&
        stat != LC_STATS_BOOT_PERCENTILE)
        return LC_EINVAL;
    if (stat == LC_STATS_BOOT_PERCENTILE && !(pct >= 0.0 && pct <= 100.0))
        return LC_EINVAL;
    double *buf = malloc(n * sizeof(*buf));
    double *stats = malloc((size_t)opt->resamples * sizeof(*stats));
    if (!buf || !stats) {
        rc = LC_ENOMEM;
        goto done;
    }
    struct lc_stats_ci r = {0};
    memcpy(buf, x, n * sizeof(*buf));
    r.estimate = boot_stat(buf, n, stat, pct);
    struct lc_rng rng;
    lc_rng_seed(&rng, opt->seed);
    for (unsigned b = 0; b < opt->resamples; b++) {
        resample(&rng, x, n, buf, n);
        stats[b] = boot_stat(buf, n, stat, pct);
    }
    boot_interval(stats, opt->resamples, opt->level, &r);
    if (!isfinite(r.estimate) || !isfinite(r.lo) || !isfinite(r.hi)) {
        rc = LC_ERANGE;
        goto done;
    }
    *out = r;
done:
    free(buf);
    free(stats);
    return rc;
}

int lc_stats_bootstrap_ratio_ci(const double *num, size_t n_num, const double *den, size_t n_den,
                                const struct lc_stats_boot *opt, struct lc_stats_ci *out)
{
    int rc = check_sample(num, n_num, 1);
    if (!rc)
        rc = check_sample(den, n_den, 1);
    if (!rc)
        rc = check_boot(opt);
    if (rc)
        return rc;
    double *buf = malloc((n_num > n_den ? n_num : n_den) * sizeof(*buf));
    double *stats = malloc((size_t)opt->resamples * sizeof(*stats));
    if (!buf || !stats) {
        rc = LC_ENOMEM;
        goto done;
    }
    struct lc_stats_ci r = {0};
    double mden = mean_of(den, n_den);
    if (mden == 0.0) {
        rc = LC_ERANGE;
        goto done;
    }
    r.estimate = mean_of(num, n_num) / mden;
    struct lc_rng rng;
    lc_rng_seed(&rng, opt->seed);
    for (unsigned b = 0; b < opt->resamples; b++) {
        resample(&rng, num, n_num, buf, n_num);
        double mn = mean_of(buf, n_num);
        resample(&rng, den, n_den, buf, n_den);
        double md = mean_of(buf, n_den);
        if (md == 0.0) {
            rc = LC_ERANGE;
            goto done;
        }
        stats[b] = mn / md;
    }
    boot_interval(stats, opt->resamples, opt->level, &r);
    if (!isfinite(r.estimate) || !isfinite(r.lo) || !isfinite(r.hi)) {
        rc = LC_ERANGE;
        goto done;
    }
    *out = r;
done:
    free(buf);
    free(stats);
    return rc;
}

/* ---- Special functions -------------------------------------------------------------- */

static double lgam(double z)
{
    int sign;
    return lgamma_r(z, &sign);
}

/*
 * The tail of Stirling's series for ln Gamma(z): sum over k of
 * B_2k / (2k (2k - 1) z^(2k - 1)), seven terms; truncation error < 1e-16 for z >= 10.
 */
static double stirling_tail(double z)
{
    double r = 1.0 / z, r2 = r * r;
    return r *
           (1.0 / 12.0 +
            r2 * (-1.0 / 360.0 +
                  r2 * (1.0 / 1260.0 +
                        r2 * (-1.0 / 1680.0 + r2 * (1.0 / 1188.0 + r2 * (-691.0 / 360360.0 +
                                                                         r2 * (1.0 / 156.0)))))));
}

/*
 * ln Gamma(z) - ln Gamma(z + s) for z > 0, s >= 0. For large z the two lgamma
 * values are huge and nearly equal, so the difference is taken analytically
 * from Stirling's formula instead:
 *   -(z - 1/2) log1p(s/z) - s ln(z + s) + s + tail(z) - tail(z + s).
 */
static double lgamma_ratio(double z, double s)
{
    if (z < 10.0)
        return lgam(z) - lgam(z + s);
    return -(z - 0.5) * log1p(s / z) - s * log(z + s) + s + stirling_tail(z) - stirling_tail(z + s);
}

/* ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b). */
static double lbeta(double a, double b)
{
    double big = a > b ? a : b, small = a > b ? b : a;
    return lgam(small) + lgamma_ratio(big, small);
}

/*
 * I_x(a, b) by its continued fraction (DLMF 8.17.22), for x < (a + 1) / (a + b + 2):
 *   I = x^a y^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...))),
 *   d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 *   d_2m   = m (b - m) x / ((a + 2m - 1)(a + 2m)).
 * The odd terms approach -x, so 1 + d_2m + d_2m+1 cancels badly when x is
 * near 1 (large a, as in a t CDF with many degrees of freedom). We therefore
 * evaluate the odd contraction 1 / (beta_0 + alpha_1 / (beta_1 + ...)) with
 *   alpha_m = -d_2m-1 d_2m,   beta_m = 1 + d_2m + d_2m+1,
 * and beta_m rewritten (by hand algebra, checked symbolically) in terms of
 * lambda = a - (a + b) x = (a + b) y - b, which stays accurate:
 *   beta_0 = (1 + lambda) / (a + 1),
 *   beta_m = (c_m + lambda p_m) / ((a + b)(A - 1)(A + 1)), A = a + 2m,
 *   c_m = a^2 (2m + 1) + a b (4m + 1) + 2 a m^2 + 4 b m^2 - a - b,
 *   p_m = a (a + b + 2m - 1) + 2 m^2 - b.
 * On this branch lambda > -1, so c_m + lambda p_m has no catastrophic
 * cancellation. The fraction is evaluated forward by the modified Lentz
 * method. y = 1 - x is passed separately so callers can supply it exactly.
 */
static double ibeta_cf(double a, double b, double x, double y)
{
    const double tiny = 1e-300;
    /* One rounding each (fma), so lambda is accurate even when it is small. */
    double lambda = x < 0.5 ? fma(-(a + b), x, a) : fma(a + b, y, -b);
    double lfront;
    if (a >= 10.0 && b >= 10.0) {
        /*
         * Both large: a ln x, b ln y and ln B(a, b) are huge and nearly cancel.
         * With Stirling's formula for the three lgammas they combine into
         *   a log1p(-lambda / a) + b log1p(lambda / b) + ln(ab / (a + b)) / 2
         *   - ln(2 pi) / 2 - tail(a) - tail(b) + tail(a + b),
         * whose terms are of the order of lambda, not of a.
         */
        lfront = a * log1p(-lambda / a) + b * log1p(lambda / b) + 0.5 * log(a * b / (a + b)) -
                 0.5 * log(2.0 * M_PI) - stirling_tail(a) - stirling_tail(b) + stirling_tail(a + b);
    } else {
        double lx = x > 0.5 ? log1p(-y) : log(x);
        double ly = y > 0.5 ? log1p(-x) : log(y);
        lfront = a * lx + b * ly - lbeta(a, b);
    }
    double front = exp(lfront - log(a));
    if (front == 0.0)
        return 0.0;
    double h = (1.0 + lambda) / (a + 1.0);
    if (fabs(h) < tiny)
        h = tiny;
    double c = h, d = 0.0;
    /*
     * Steps needed (measured): tens for a t CDF and away from the mean; at the
     * mean about 5 max(a, b)^(1/3) (500 at 1e6, 50000 at 1e12). Four times that.
     */
    double max_iter = 1000.0 + 20.0 * cbrt(a > b ? a : b);
    for (double m = 1.0; m <= max_iter; m += 1.0) {
        /* a + k is formed as one sum (not (a + 2m) - 2) so that tiny a survives. */
        double a2m = a + 2.0 * m, a2m_1 = a + (2.0 * m - 1.0), a2m_2 = a + (2.0 * m - 2.0);
        /* alpha_m as a product of ratios so that nothing overflows for large a, b. */
        double alpha = ((a + (m - 1.0)) / a2m_2) * ((a + b + (m - 1.0)) / a2m_1) *
                       (m * (b - m) / (a2m_1 * a2m)) * x * x;
        double cm = a * a * (2.0 * m + 1.0) + a * b * (4.0 * m + 1.0) + 2.0 * a * m * m +
                    4.0 * b * m * m - a - b;
        double pm = a * (a + b + 2.0 * m - 1.0) + 2.0 * m * m - b;
        double beta = (cm + lambda * pm) / ((a + b) * a2m_1 * (a + (2.0 * m + 1.0)));
        d = beta + alpha * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = beta + alpha / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double delta = c * d;
        h *= delta;
        if (fabs(delta - 1.0) < 1e-16)
            return front / h;
        if (!isfinite(delta))
            break;
    }
    return NAN; /* did not converge (a or b beyond the documented range) */
}

/* I_x(a, b) with y = 1 - x given accurately; a, b > 0, x, y in [0, 1]. */
static double ibeta_xy(double a, double b, double x, double y)
{
    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    double v = x > (a + 1.0) / (a + b + 2.0) ? 1.0 - ibeta_cf(b, a, y, x) : ibeta_cf(a, b, x, y);
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v; /* rounding can step just outside */
}

double lc_stats_incbeta(double a, double b, double x)
{
    if (!(a > 0.0 && a <= LC_STATS_INCBETA_MAX) || !(b > 0.0 && b <= LC_STATS_INCBETA_MAX) ||
        !(x >= 0.0 && x <= 1.0))
        return NAN;
    return ibeta_xy(a, b, x, 1.0 - x);
}

/*
 * Beyond this many degrees of freedom the t distribution is the normal one to
 * double precision (their CDFs differ by O(1/df)), and df / 2 would leave the
 * incomplete beta's range.
 */
#define T_NORMAL_DF 1e15

/* x = df / (df + t^2) and y = 1 - x = t^2 / (df + t^2), each without cancellation. */
static void t_xy(double t, double df, double *x, double *y)
{
    double t2 = t * t;
    if (t2 > df) {
        double r = df / t2;
        *x = r / (1.0 + r);
        *y = 1.0 / (1.0 + r);
    } else {
        double r = t2 / df;
        *x = 1.0 / (1.0 + r);
        *y = r / (1.0 + r);
    }
}

/* P(T_df <= -|t|), the lower tail, as 0.5 I_{df/(df+t^2)}(df/2, 1/2); df finite > 0. */
static double t_lower_tail(double t, double df)
{
    double x, y;
    t_xy(t, df, &x, &y);
    return 0.5 * ibeta_xy(0.5 * df, 0.5, x, y);
}

double lc_stats_normal_cdf(double x)
{
    return 0.5 * erfc(-x / M_SQRT2);
}

double lc_stats_normal_quantile(double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    double q = p < 0.5 ? p : 1.0 - p; /* exact for p >= 0.5 (Sterbenz) */
    /* Start: Abramowitz and Stegun 26.2.23 (|error| < 4.5e-4), the lower-tail quantile. */
    double t = sqrt(-2.0 * log(q));
    double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                         (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
    /* Halley on Phi(x) - q: with u = f / phi, the step is u / (1 + x u / 2). Cubic convergence. */
    for (int it = 0; it < 8; it++) {
        /* Near the centre Phi(x) - q cancels; 0.5 erf() - (q - 0.5) does not (q - 0.5 is exact). */
        double f = q > 0.25 ? 0.5 * erf(x / M_SQRT2) - (q - 0.5) : 0.5 * erfc(-x / M_SQRT2) - q;
        double dens = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
        if (dens == 0.0)
            break;
        double u = f / dens;
        double dx = u / (1.0 + 0.5 * x * u);
        x -= dx;
        if (fabs(dx) <= 1e-16 * fabs(x))
            break;
    }
    return p < 0.5 ? x : -x;
}

double lc_stats_t_cdf(double t, double df)
{
    if (isnan(t) || isnan(df) || !(df > 0.0))
        return NAN;
    if (df > T_NORMAL_DF)
        return lc_stats_normal_cdf(t);
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    double tail = t_lower_tail(t, df);
    return t < 0 ? tail : 1.0 - tail;
}

/* ln of the Student t density at t = -e^u (so |t| = e^u); df finite > 0. */
static double t_log_pdf_at(double u, double df)
{
    /* ln(1 + t^2 / df) from lr = ln(|t| / sqrt(df)), without squaring a huge |t|. */
    double lr = u - 0.5 * log(df);
    double l1p = lr > 0.0 ? 2.0 * lr + log1p(exp(-2.0 * lr)) : log1p(exp(2.0 * lr));
    return -lgamma_ratio(0.5 * df, 0.5) - 0.5 * log(df * M_PI) - 0.5 * (df + 1.0) * l1p;
}

/* The t < 0 with P(T_df <= t) = q, for q in (0, 0.5) and finite df > 0, by iteration. */
static double t_lower_quantile_newton(double q, double df)
{
    /* Start: Cornish-Fisher expansion around the normal quantile (A&S 26.7.5). */
    double z = lc_stats_normal_quantile(q), z2 = z * z;
    double g1 = (z2 + 1.0) * z / 4.0;
    double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    double t0 = z + (g1 + (g2 + g3 / df) / df) / df;
    if (!(t0 < 0.0) || !isfinite(t0))
        t0 = z;
    /*
     * Newton on g(u) = ln P(T <= t) - ln q in u = ln(-t). Far in the tail
     * P ~ C |t|^-df, so g is nearly linear in u and Newton converges from
     * far away; heavy tails (small df) put the root very far out. g
     * decreases in u; [ulo, uhi] brackets the root, and a step that leaves
     * it (or a NaN) is replaced by bisection or by widening.
     */
    double u = log(-t0), ulo = -INFINITY, uhi = INFINITY;
    for (int it = 0; it < 500; it++) {
        double t = -exp(u), resid;
        if (q > 0.25) {
            /* P(T <= t) = 0.5 - s, s = 0.5 I_y(1/2, df/2) small: no cancellation near q. */
            double x, y;
            t_xy(t, df, &x, &y);
            resid = (0.5 - q) - 0.5 * ibeta_xy(0.5, 0.5 * df, y, x);
        } else {
            resid = t_lower_tail(t, df) - q;
        }
        double g = log1p(resid / q); /* ln(P / q), exact near the root */
        if (g == 0.0)
            return t;
        if (g > 0.0)
            ulo = u;
        else
            uhi = u;
        /* g'(u) = -pdf(t) |t| / P, taken in logs so that nothing under- or overflows. */
        double dg = -exp(t_log_pdf_at(u, df) + u - log(q) - g);
        double un = u - g / dg;
        if (!(un > ulo && un < uhi)) {
            if (isinf(uhi))
                un = u + 1.0 + fabs(u);
            else if (isinf(ulo))
                un = u - 1.0 - fabs(u);
            else
                un = 0.5 * (ulo + uhi);
        }
        if (fabs(un - u) <= 4.0 * DBL_EPSILON * fmax(1.0, fabs(u)))
            return -exp(un);
        u = un;
    }
    return -exp(u);
}

/*
 * The t < 0 with P(T_df <= t) = q, for q in (0, 0.5) and finite df > 0.
 * -INFINITY when |t| > 1e150 (only for df < 2 and tiny q).
 */
static double t_lower_quantile(double q, double df)
{
    if (df == 1.0) /* Cauchy: closed form, written to stay accurate at both ends */
        return q < 0.25 ? -1.0 / tan(M_PI * q) : tan(M_PI * (q - 0.5));
    if (df == 2.0)
        return (2.0 * q - 1.0) / sqrt(2.0 * q * (1.0 - q));
    double t = t_lower_quantile_newton(q, df);
    /* Past ~1e154 t^2 overflows and the CDF reads as 0: such a root is not trustworthy. */
    return t < -1e150 ? -INFINITY : t;
}

double lc_stats_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || !(df > 0.0) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    if (df > T_NORMAL_DF)
        return lc_stats_normal_quantile(p);
    double t = t_lower_quantile(p < 0.5 ? p : 1.0 - p, df);
    return p < 0.5 ? t : -t;
}

/* ---- Welch's t-test ------------------------------------------------------------------- */

static int welch_core(double ma, double va, double na, double mb, double vb, double nb,
                      struct lc_stats_ttest *out)
{
    double qa = va / na, qb = vb / nb, se2 = qa + qb;
    if (!(se2 > 0.0))
        return LC_ERANGE;
    if (!isfinite(se2))
        return LC_ERANGE;
    /* Welch-Satterthwaite, with the shares of se2 formed first so nothing underflows. */
    double ra = qa / se2, rb = qb / se2;
    double df = 1.0 / (ra * ra / (na - 1.0) + rb * rb / (nb - 1.0));
    struct lc_stats_ttest r = {.mean_diff = ma - mb, .se = sqrt(se2), .df = df};
    r.t = r.mean_diff / r.se;
    if (!isfinite(r.t) || !isfinite(r.mean_diff))
        return LC_ERANGE;
    double p = 2.0 * t_lower_tail(r.t, df);
    if (isnan(p))
        return LC_ERANGE;
    r.p_two_sided = p > 1.0 ? 1.0 : p;
    *out = r;
    return 0;
}

int lc_stats_welch(const double *a, size_t n_a, const double *b, size_t n_b,
                   struct lc_stats_ttest *out)
{
    int rc = check_sample(a, n_a, 2);
    if (!rc)
        rc = check_sample(b, n_b, 2);
    if (rc)
        return rc;
    double ma = mean_of(a, n_a), mb = mean_of(b, n_b);
    if (!isfinite(ma) || !isfinite(mb))
        return LC_ERANGE;
    return welch_core(ma, var_of(a, n_a, ma), (double)n_a, mb, var_of(b, n_b, mb), (double)n_b,
                      out);
}

int lc_stats_welch_moments(double mean_a, double sd_a, uint64_t n_a, double mean_b, double sd_b,
                           uint64_t n_b, struct lc_stats_ttest *out)
{
    if (n_a < 2 || n_b < 2 || !isfinite(mean_a) || !isfinite(mean_b) || !isfinite(sd_a) ||
        !isfinite(sd_b) || sd_a < 0.0 || sd_b < 0.0)
        return LC_EINVAL;
    return welch_core(mean_a, sd_a * sd_a, (double)n_a, mean_b, sd_b * sd_b, (double)n_b, out);
}

/* ---- Mann-Whitney U ------------------------------------------------------------------- */

#define MW_MAX_TOTAL (UINT64_C(1) << 62)

static int cmp_wvalue(const void *pa, const void *pb)
{
    double a = ((const struct lc_stats_wvalue *)pa)->value;
    double b = ((const struct lc_stats_wvalue *)pb)->value;
    return (a > b) - (a < b);
}

/*
 * U, tie term and the normal approximation for two weighted samples sorted by
 * value, with total counts ta, tb >= 1. One merge pass over tied groups: each
 * a-value v scores (#b below v) + (#b equal to v) / 2, so 2U is an integer,
 * accumulated exactly in 128 bits.
 */
static void mw_core(const struct lc_stats_wvalue *a, size_t na, const struct lc_stats_wvalue *b,
                    size_t nb, uint64_t ta, uint64_t tb, struct lc_stats_mw *out)
{
    unsigned __int128 twice_u = 0;
    uint64_t b_below = 0;
    double ties = 0.0; /* sum over tied groups of t^3 - t */
    size_t groups = 0, i = 0, j = 0;
    while (i < na || j < nb) {
        double v = (j >= nb || (i < na && a[i].value <= b[j].value)) ? a[i].value : b[j].value;
        uint64_t ca = 0, cb = 0;
        while (i < na && a[i].value == v)
            ca += a[i++].count;
        while (j < nb && b[j].value == v)
            cb += b[j++].count;
        if (ca + cb == 0)
            continue;
        groups++;
        twice_u += (unsigned __int128)ca * (2 * (unsigned __int128)b_below + cb);
        double t = (double)ca + (double)cb;
        ties += (t * t - 1.0) * t;
        b_below += cb;
    }
    __int128 pairs = (__int128)ta * (__int128)tb;
    __int128 twice_d = (__int128)twice_u - pairs; /* 2 (U_a - mu) */
    double dpairs = (double)ta * (double)tb;
    double n = (double)ta + (double)tb;
    struct lc_stats_mw r = {.n_a = ta, .n_b = tb};
    r.u_a = 0.5 * (double)twice_u;
    r.u_b = 0.5 * (double)(2 * pairs - (__int128)twice_u);
    r.rank_biserial = (double)twice_d / dpairs;
    r.cles = r.u_a / dpairs;
    double var = dpairs / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    double diff = 0.5 * (double)twice_d;
    if (groups < 2 || !(var > 0.0)) {
        r.z = 0.0;
        r.p_two_sided = 1.0;
    } else {
        double mag = fabs(diff) - 0.5;
        r.z = (mag > 0.0 ? mag : 0.0) / sqrt(var);
        if (diff < 0.0)
            r.z = -r.z;
        double p = erfc(fabs(r.z) / M_SQRT2); /* 2 Phi(-|z|) */
        r.p_two_sided = p > 1.0 ? 1.0 : p;
    }
    *out = r;
}

/* Validate a weighted side and sum its counts. */
static int check_weighted(const struct lc_stats_wvalue *w, size_t n, uint64_t *total, bool *sorted)
{
    if (n > 0 && !w)
        return LC_EINVAL;
    uint64_t sum = 0;
    *sorted = true;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i].value))
            return LC_EINVAL;
        if (w[i].count > MW_MAX_TOTAL - sum)
            return LC_ERANGE;
        sum += w[i].count;
        if (i > 0 && w[i].value < w[i - 1].value)
            *sorted = false;
    }
    if (sum == 0)
        return LC_EINVAL;
    *total = sum;
    return 0;
}

/* A sorted private copy of w[0..n) when it is not sorted; NULL on ENOMEM. */
static struct lc_stats_wvalue *sorted_copy(const struct lc_stats_wvalue *w, size_t n)
{
    struct lc_stats_wvalue *c = malloc(n * sizeof(*c));
    if (!c)
        return NULL;
    memcpy(c, w, n * sizeof(*c));
    qsort(c, n, sizeof(*c), cmp_wvalue);
    return c;
}

int lc_stats_mann_whitney_weighted(const struct lc_stats_wvalue *a, size_t n_a,
                                   const struct lc_stats_wvalue *b, size_t n_b,
                                   struct lc_stats_mw *out)
{
    uint64_t ta, tb;
    bool sa, sb;
    int rc = check_weighted(a, n_a, &ta, &sa);
    if (!rc)
        rc = check_weighted(b, n_b, &tb, &sb);
    if (rc)
        return rc;
    struct lc_stats_wvalue *ca = NULL, *cb = NULL;
    if (!sa && !(ca = sorted_copy(a, n_a)))
        return LC_ENOMEM;
    if (!sb && !(cb = sorted_copy(b, n_b))) {
        free(ca);
        return LC_ENOMEM;
    }
    mw_core(ca ? ca : a, n_a, cb ? cb : b, n_b, ta, tb, out);
    free(ca);
    free(cb);
    return 0;
}

/* Sorted (value, 1) bins of x[0..n); NULL on ENOMEM. */
static struct lc_stats_wvalue *unit_bins(const double *x, size_t n)
{
    double *s = copy_of(x, n);
    struct lc_stats_wvalue *w = malloc(n * sizeof(*w));
    if (!s || !w) {
        free(s);
        free(w);
        return NULL;
    }
    lc_stats_sort(s, n);
    for (size_t i = 0; i < n; i++)
        w[i] = (struct lc_stats_wvalue){.value = s[i], .count = 1};
    free(s);
    return w;
}

int lc_stats_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                          struct lc_stats_mw *out)
{
    int rc = check_sample(a, n_a, 1);
    if (!rc)
        rc = check_sample(b, n_b, 1);
    if (rc)
        return rc;
    struct lc_stats_wvalue *wa = unit_bins(a, n_a);
    struct lc_stats_wvalue *wb = unit_bins(b, n_b);
    if (!wa || !wb) {
        rc = LC_ENOMEM;
        goto done;
    }
    mw_core(wa, n_a, wb, n_b, (uint64_t)n_a, (uint64_t)n_b, out);
done:
    free(wa);
    free(wb);
    return rc;
}

/* ---- Least squares ------------------------------------------------------------------ */

static int fit_core(const double *x, const double *y, size_t n, struct lc_stats_fit *out)
{
    double xm = mean_of(x, n), ym = mean_of(y, n);
    if (!isfinite(xm) || !isfinite(ym))
        return LC_ERANGE;
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - xm, dy = y[i] - ym;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (!isfinite(sxx) || !isfinite(sxy) || !isfinite(syy))
        return LC_ERANGE;
    if (!(sxx > 0.0))
        return LC_EINVAL; /* every x equal: no slope */
    struct lc_stats_fit r = {.n = n, .x_mean = xm, .sxx = sxx};
    r.slope = sxy / sxx;
    r.intercept = ym - r.slope * xm;
    /* Residuals taken directly, not as syy - slope * sxy, which cancels on good fits. */
    double sse = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - (r.intercept + r.slope * x[i]);
        sse += e * e;
    }
    if (!isfinite(sse) || !isfinite(r.intercept))
        return LC_ERANGE;
    r.r2 = syy > 0.0 ? 1.0 - sse / syy : 1.0;
    if (r.r2 < 0.0)
        r.r2 = 0.0;
    if (r.r2 > 1.0)
        r.r2 = 1.0;
    if (n > 2) {
        r.resid_se = sqrt(sse / (double)(n - 2));
        r.se_slope = r.resid_se / sqrt(sxx);
        r.se_intercept = r.resid_se * sqrt(1.0 / (double)n + xm * xm / sxx);
    } else {
        r.resid_se = r.se_slope = r.se_intercept = INFINITY;
    }
    *out = r;
    return 0;
}

int lc_stats_ols(const double *x, const double *y, size_t n, struct lc_stats_fit *out)
{
    int rc = check_sample(x, n, 2);
    if (!rc)
        rc = check_sample(y, n, 2);
    if (rc)
        return rc;
    return fit_core(x, y, n, out);
}

int lc_stats_loglog_fit(const double *x, const double *y, size_t n, struct lc_stats_fit *out)
{
    int rc = check_sample(x, n, 2);
    if (!rc)
        rc = check_sample(y, n, 2);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0.0) || !(y[i] > 0.0))
            return LC_EINVAL;
    double *lx = malloc(2 * n * sizeof(*lx));
    if (!lx)
        return LC_ENOMEM;
    double *ly = lx + n;
    for (size_t i = 0; i < n; i++) {
        lx[i] = log(x[i]);
        ly[i] = log(y[i]);
    }
    rc = fit_core(lx, ly, n, out);
    free(lx);
    return rc;
}

int lc_stats_ols_predict(const struct lc_stats_fit *fit, double x, double level,
                         struct lc_stats_prediction *out)
{
    if (!fit || !isfinite(x) || !(level > 0.0 && level < 1.0) || !(fit->sxx > 0.0))
        return LC_EINVAL;
    if (fit->n < 3 || !isfinite(fit->resid_se))
        return LC_ERANGE;
    double n = (double)fit->n;
    double tq = lc_stats_t_quantile(0.5 + 0.5 * level, n - 2.0);
    double dx = x - fit->x_mean;
    double se = fit->resid_se * sqrt(1.0 + 1.0 / n + dx * dx / fit->sxx);
    struct lc_stats_prediction r = {.level = level};
    r.value = fit->intercept + fit->slope * x;
    r.lo = r.value - tq * se;
    r.hi = r.value + tq * se;
    if (!isfinite(r.value) || !isfinite(r.lo) || !isfinite(r.hi))
        return LC_ERANGE;
    *out = r;
    return 0;
}

int lc_stats_loglog_predict(const struct lc_stats_fit *fit, double x, double level,
                            struct lc_stats_prediction *out)
{
    if (!(x > 0.0) || !isfinite(x))
        return LC_EINVAL;
    struct lc_stats_prediction r;
    int rc = lc_stats_ols_predict(fit, log(x), level, &r);
    if (rc)
        return rc;
    r.value = exp(r.value);
    r.lo = exp(r.lo);
    r.hi = exp(r.hi);
    if (!isfinite(r.value) || !isfinite(r.hi))
        return LC_ERANGE;
    *out = r;
    return 0;
}
