/* Statistics on samples of doubles: summaries, outliers, bootstrap, tests, distributions, fits. */
#ifndef LC_CORE_STATS_H
#define LC_CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Contract shared by every function below.
 * - Ownership: input arrays are only read, never modified or kept; outputs go
 *   to caller-owned structs or arrays. Scratch memory a function needs is
 *   allocated and freed inside the call (LC_ENOMEM when that fails).
 * - Inputs: every sample value must be finite; a NaN or an infinity in the
 *   input gives LC_EINVAL. A NULL array is allowed only where its length is 0.
 * - Outputs: written only when the function returns 0, and then never NaN.
 *   Where a value cannot be measured (a spread from one value, a standard
 *   error from two points) the field's comment says what it holds instead.
 * - Thread safety: no global state; all functions are reentrant (lgamma_r).
 * - The distribution functions (lc_stats_*_cdf, *_quantile, incbeta) return a
 *   double like libm does, and return NaN only for arguments outside their
 *   documented domain (or NaN arguments).
 */

/* Scale that makes the MAD a consistent estimator of a normal's sigma (1/Phi^-1(3/4)). */
#define LC_STATS_MAD_NORMAL 1.4826

/* The outlier threshold Iglewicz and Hoaglin recommend for |modified z|. */
#define LC_STATS_OUTLIER_Z 3.5

/* ---- Descriptive statistics ------------------------------------------------- */

/* Arithmetic mean of x[0..n) (two-pass, compensated). n >= 1, else LC_EINVAL. */
int lc_stats_mean(const double *x, size_t n, double *out) LC_WARN_UNUSED;

/*
 * Sample standard deviation (denominator n - 1) of x[0..n). n >= 2, else
 * LC_EINVAL (one value has no measurable spread). LC_ERANGE on overflow.
 */
int lc_stats_stdev(const double *x, size_t n, double *out) LC_WARN_UNUSED;

/* Sort x[0..n) ascending in place. Values must not be NaN. */
void lc_stats_sort(double *x, size_t n);

/*
 * Percentile pct (0..100) of an ascending sorted array, by linear
 * interpolation between closest ranks: h = (n - 1) * pct / 100, the result is
 * sorted[floor(h)] + (h - floor(h)) * (sorted[floor(h) + 1] - sorted[floor(h)]).
 * This is Hyndman and Fan's type 7, numpy's default and R's default. n >= 1
 * and pct in [0, 100], else LC_EINVAL. The sort order is not checked.
 */
int lc_stats_percentile_sorted(const double *sorted, size_t n, double pct,
                               double *out) LC_WARN_UNUSED;

/* Percentile pct (type 7, as above) of an unsorted sample; sorts a private copy. */
int lc_stats_percentile(const double *x, size_t n, double pct, double *out) LC_WARN_UNUSED;

/* Median (the type-7 50th percentile: the mean of the middle two when n is even). n >= 1. */
int lc_stats_median(const double *x, size_t n, double *out) LC_WARN_UNUSED;

/*
 * Median absolute deviation: median(|x_i - median(x)|). With scaled true it
 * is multiplied by LC_STATS_MAD_NORMAL so that it estimates sigma for normal
 * data. n >= 1 (one value: 0).
 */
int lc_stats_mad(const double *x, size_t n, bool scaled, double *out) LC_WARN_UNUSED;

/* A summary of one sample; percentiles are type 7 (see lc_stats_percentile_sorted). */
struct lc_stats_summary {
    size_t n;      /* >= 1 */
    double mean;   /* arithmetic mean */
    double stdev;  /* sample standard deviation (n - 1); 0 when n == 1 (not measurable) */
    double sem;    /* standard error of the mean, stdev / sqrt(n); 0 when n == 1 */
    double min;    /* smallest value */
    double p25;    /* first quartile */
    double median; /* 50th percentile */
    double p75;    /* third quartile */
    double max;    /* largest value */
    double mad;    /* raw median absolute deviation (unscaled) */
};

/*
 * Summarise x[0..n). n >= 1, else LC_EINVAL; LC_ENOMEM; LC_ERANGE when the
 * mean or spread overflows a double. O(n log n) (sorts a private copy).
 */
int lc_stats_summarize(const double *x, size_t n, struct lc_stats_summary *out) LC_WARN_UNUSED;

/*
 * Modified z-scores (Iglewicz and Hoaglin): z[i] = 0.6745 * (x[i] - median) / MAD,
 * written to the caller's array z[0..n). When the MAD is 0 (more than half
 * the values are equal) the scale falls back to the mean absolute deviation
 * from the median: z[i] = (x[i] - median) / (1.253314 * meanAD), which also
 * estimates sigma for normal data; when that is 0 too (all values equal)
 * every z[i] is 0. n >= 1.
 */
int lc_stats_modified_z(const double *x, size_t n, double *z) LC_WARN_UNUSED;

/*
 * Flag outliers: is_outlier[i] = |modified z of x[i]| > threshold (use
 * LC_STATS_OUTLIER_Z, 3.5, unless there is a reason not to). is_outlier is a
 * caller array of n entries; n_outliers (may be NULL) receives how many were
 * flagged. threshold must be finite and > 0. n >= 1.
 */
int lc_stats_outliers(const double *x, size_t n, double threshold, bool *is_outlier,
                      size_t *n_outliers) LC_WARN_UNUSED;

/* ---- Bootstrap confidence intervals -------------------------------------------- */

/* The statistic a bootstrap interval is for. */
enum lc_stats_boot_stat {
    LC_STATS_BOOT_MEAN,
    LC_STATS_BOOT_MEDIAN,
    LC_STATS_BOOT_PERCENTILE /* the type-7 percentile given by pct */
};

/* Bootstrap settings; equal settings and data give equal intervals. */
struct lc_stats_boot {
    unsigned resamples; /* B >= 2; 1000 for a rough interval, 10000 for a reported one */
    double level;       /* confidence level in (0, 1), e.g. 0.95 */
    uint64_t seed;      /* seeds core/rng (xoshiro256**) */
};

/* A confidence interval around a point estimate. lo <= hi. */
struct lc_stats_ci {
    double estimate; /* the statistic of the original sample(s) */
    double lo;
    double hi;
    double level; /* as requested */
};

/*
 * Percentile-method bootstrap interval: draw B resamples of size n with
 * replacement, compute the statistic of each, and report the (1 - level) / 2
 * and (1 + level) / 2 type-7 percentiles of those B values. pct (0..100) is
 * used only for LC_STATS_BOOT_PERCENTILE. n >= 1 (n == 1 gives lo == hi ==
 * x[0]). Errors: LC_EINVAL (bad arguments), LC_ENOMEM. Cost: O(B * n) time
 * (selection, not sorting, for median and percentiles), O(B + n) memory.
 */
int lc_stats_bootstrap_ci(const double *x, size_t n, enum lc_stats_boot_stat stat, double pct,
                          const struct lc_stats_boot *opt, struct lc_stats_ci *out) LC_WARN_UNUSED;

/*
 * Percentile-method bootstrap interval for mean(num) / mean(den) of two
 * independent samples (e.g. current / baseline): each resample draws n_num
 * values from num and n_den values from den independently. LC_ERANGE when
 * mean(den) or the mean of any den resample is 0 (the ratio is undefined;
 * use positive data such as durations). n_num, n_den >= 1.
 */
int lc_stats_bootstrap_ratio_ci(const double *num, size_t n_num, const double *den, size_t n_den,
                                const struct lc_stats_boot *opt,
                                struct lc_stats_ci *out) LC_WARN_UNUSED;

/* ---- Hypothesis tests -------------------------------------------------------------- */

/* Welch's unequal-variance t-test of mean(a) == mean(b). */
struct lc_stats_ttest {
    double mean_diff;   /* mean(a) - mean(b) */
    double se;          /* sqrt(var_a / n_a + var_b / n_b) > 0 */
    double t;           /* mean_diff / se */
    double df;          /* Welch-Satterthwaite degrees of freedom (not an integer) */
    double p_two_sided; /* P(|T_df| >= |t|), in [0, 1] */
};

/*
 * Welch's t-test on two samples. n_a, n_b >= 2, else LC_EINVAL. LC_ERANGE
 * when both samples have zero variance (the test is undefined: no noise).
 */
int lc_stats_welch(const double *a, size_t n_a, const double *b, size_t n_b,
                   struct lc_stats_ttest *out) LC_WARN_UNUSED;

/*
 * Welch's t-test from summary moments (e.g. read back from result files):
 * means, sample standard deviations (n - 1) and sizes. Same rules as above.
 */
int lc_stats_welch_moments(double mean_a, double sd_a, uint64_t n_a, double mean_b, double sd_b,
                           uint64_t n_b, struct lc_stats_ttest *out) LC_WARN_UNUSED;

/*
 * Mann-Whitney U test (Wilcoxon rank-sum) of "a and b come from the same
 * distribution", two-sided, by the normal approximation with
 *   mu = n_a n_b / 2,
 *   sigma^2 = n_a n_b / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))),
 * where N = n_a + n_b and t runs over the sizes of tied groups (tie
 * correction), and a continuity correction of 0.5:
 *   z = sign(U_a - mu) * max(|U_a - mu| - 0.5, 0) / sigma,  p = 2 Phi(-|z|).
 * This matches scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True).
 * The approximation is fine for n_a, n_b >= ~10; smaller samples want an exact test.
 */
struct lc_stats_mw {
    uint64_t n_a, n_b;
    double u_a;           /* #pairs (a_i, b_j) with a_i > b_j, plus half the tied pairs */
    double u_b;           /* the same with a and b swapped; u_a + u_b = n_a * n_b */
    double z;             /* continuity-corrected, > 0 when a tends to be larger; 0 when all tie */
    double p_two_sided;   /* in [0, 1]; 1 when every value is tied (sigma == 0) */
    double rank_biserial; /* (u_a - u_b) / (n_a n_b) in [-1, 1]: P(a > b) - P(a < b) */
    double cles;          /* common-language effect size u_a / (n_a n_b): P(a > b) + P(a = b) / 2 */
};

/* Mann-Whitney on two plain samples. n_a, n_b >= 1. O((n_a + n_b) log) time and memory. */
int lc_stats_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                          struct lc_stats_mw *out) LC_WARN_UNUSED;

/* One bin of a weighted sample: `count` occurrences of `value`. */
struct lc_stats_wvalue {
    double value;   /* finite */
    uint64_t count; /* 0 allowed (the bin is ignored) */
};

/*
 * Mann-Whitney on two weighted samples (e.g. latency histograms as
 * (value, count) bins), without expanding them: gives the same U, z, p and
 * effect sizes as lc_stats_mann_whitney on the expanded samples. Bins may
 * repeat a value; if they are not in ascending value order a sorted private
 * copy is made. Each side needs a total count >= 1; LC_ERANGE when the total
 * count overflows 2^63. U is accumulated in exact integer arithmetic.
 */
int lc_stats_mann_whitney_weighted(const struct lc_stats_wvalue *a, size_t n_a,
                                   const struct lc_stats_wvalue *b, size_t n_b,
                                   struct lc_stats_mw *out) LC_WARN_UNUSED;

/* ---- Distributions ------------------------------------------------------------------ */

/* Standard normal CDF Phi(x), via erfc (accurate relative to tiny tails). NaN -> NaN. */
double lc_stats_normal_cdf(double x);

/*
 * Inverse standard normal CDF. p in [0, 1]: 0 -> -INFINITY, 1 -> +INFINITY;
 * outside or NaN -> NaN. Relative error ~1e-15 (a rational start refined by
 * Halley steps on erfc).
 */
double lc_stats_normal_quantile(double p);

/* The largest a or b lc_stats_incbeta accepts. */
#define LC_STATS_INCBETA_MAX 1e15

/*
 * Regularized incomplete beta function I_x(a, b): a continued fraction
 * (DLMF 8.17.22, odd contraction) by Lentz's method, log-gamma from libm
 * (lgamma_r). a and b in (0, LC_STATS_INCBETA_MAX], x in [0, 1]; otherwise
 * NaN (also NaN if the fraction failed to converge, which a sweep of a, b
 * over [1e-300, 1e15] never produced). Against 40-digit references the
 * relative error stayed below 2e-13 for a, b in [0.1, 1e6], and is ~1e-13
 * even for results near 1e-250.
 */
double lc_stats_incbeta(double a, double b, double x);

/*
 * Student t CDF P(T_df <= t). df > 0 (need not be an integer; above 1e15,
 * +INFINITY included, the normal CDF); t may be +-INFINITY. df <= 0 or a NaN
 * argument -> NaN. Relative error of the smaller tail ~1e-13 (tests: < 5e-14
 * for df in [0.3, 1e6], tails down to 1e-113).
 */
double lc_stats_t_cdf(double t, double df);

/*
 * Student t quantile: the t with P(T_df <= t) = p. p in [0, 1] (0 -> -INFINITY,
 * 1 -> +INFINITY, 0.5 -> 0), df > 0; otherwise NaN. E.g.
 * lc_stats_t_quantile(0.975, 10) = 2.228... for a 95% two-sided interval.
 * Closed forms for df = 1 and 2, else a safeguarded Newton iteration on the
 * CDF (relative error ~1e-14). A quantile beyond 1e150 in size is returned
 * as +-INFINITY (t^2 overflows there); the tail falls like |t|^-df, so this
 * needs df < ~2 and an extreme p, e.g. df = 0.5 and p < 1e-75.
 */
double lc_stats_t_quantile(double p, double df);

/* ---- Least-squares fits ------------------------------------------------------------- */

/*
 * Ordinary least squares y = intercept + slope * x. For a log-log fit, x and
 * y are the natural logs: slope is the exponent and exp(intercept) the
 * coefficient of y = c * x^slope.
 */
struct lc_stats_fit {
    size_t n; /* points, >= 2 */
    double intercept;
    double slope;
    double se_intercept; /* standard error; +INFINITY when n == 2 (no residual df) */
    double se_slope;     /* standard error; +INFINITY when n == 2 */
    double r2;           /* coefficient of determination in [0, 1]; 1 when all y are equal */
    double resid_se;     /* sqrt(SSE / (n - 2)); +INFINITY when n == 2 */
    double x_mean;       /* mean of the fitted x (of log x for log-log), for predictions */
    double sxx;          /* sum of (x - x_mean)^2 over the fitted x, > 0 */
};

/*
 * Fit y = a + b x by least squares. n >= 2 and at least two distinct x,
 * else LC_EINVAL; LC_ERANGE when sums overflow.
 */
int lc_stats_ols(const double *x, const double *y, size_t n,
                 struct lc_stats_fit *out) LC_WARN_UNUSED;

/*
 * Fit log y = a + b log x (natural logs), i.e. y = e^a x^b: a power law such
 * as run time against input size. Every x and y must be > 0, else LC_EINVAL.
 * Otherwise as lc_stats_ols.
 */
int lc_stats_loglog_fit(const double *x, const double *y, size_t n,
                        struct lc_stats_fit *out) LC_WARN_UNUSED;

/* A predicted value with a prediction interval for one new observation. */
struct lc_stats_prediction {
    double value; /* the fitted line at x (for log-log: e^(a + b log x), the median) */
    double lo;
    double hi;
    double level; /* as requested */
};

/*
 * Prediction at a new x from an OLS fit, with the t-based prediction interval
 * for a new observation: value +- t_{(1+level)/2, n-2} * resid_se *
 * sqrt(1 + 1/n + (x - x_mean)^2 / sxx). level in (0, 1). LC_ERANGE when
 * fit->n < 3 (no residual degrees of freedom).
 */
int lc_stats_ols_predict(const struct lc_stats_fit *fit, double x, double level,
                         struct lc_stats_prediction *out) LC_WARN_UNUSED;

/*
 * Prediction at a new x > 0 from a log-log fit (e.g. "--project n=100000"):
 * the interval is computed on the log scale as in lc_stats_ols_predict and
 * exponentiated, so it is asymmetric around value. LC_EINVAL when x <= 0,
 * LC_ERANGE when fit->n < 3 or the result overflows a double.
 */
int lc_stats_loglog_predict(const struct lc_stats_fit *fit, double x, double level,
                            struct lc_stats_prediction *out) LC_WARN_UNUSED;

#endif
