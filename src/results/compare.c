/* Compare two Results: per-metric figures, tests, bootstrap intervals, Holm, verdicts, claims. */
#include "results/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hdr.h"
#include "core/rng.h"

/* The default bootstrap seed: a fixed one, so the same two files always give the same report. */
#define DEFAULT_SEED      0x6c63636f6d70ULL
#define DEFAULT_RESAMPLES 2000u
/* Samples a side needs before a test is worth running. */
#define MIN_TEST_N 2
/* The shortest series interval counted as one rate sample of the rps test, in s. */
#define MIN_RATE_INTERVAL_S 0.5

struct ctx {
    const struct lc_result *base;
    const struct lc_result *cur;
    struct lc_compare *c;
    struct lc_rng rng;
    unsigned resamples;
    double level;
    uint64_t seed;
    int next_test;
    struct lc_error *err;
};

const char *lc_compare_verdict_name(enum lc_cmp_verdict v)
{
    switch (v) {
    case LC_CMP_UNCHANGED:
        return "unchanged";
    case LC_CMP_IMPROVED:
        return "improved";
    case LC_CMP_REGRESSED:
        return "regressed";
    case LC_CMP_NOT_JUDGED:
        return "not judged";
    }
    return "?";
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Append a metric row (scope copied); *out points to it until the next add. */
static int add_metric(struct ctx *x, const char *scope, const char *name, enum lc_cmp_unit unit,
                      bool higher_is_better, double base, double cur, struct lc_cmp_metric **out)
{
    struct lc_compare *c = x->c;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct lc_cmp_metric *m = realloc(c->m, cap * sizeof(*m));
        if (!m)
            return LC_ENOMEM;
        c->m = m;
        c->cap = cap;
    }
    struct lc_cmp_metric *m = &c->m[c->n];
    memset(m, 0, sizeof(*m));
    m->scope = dup_str(scope);
    if (!m->scope)
        return LC_ENOMEM;
    c->n++;
    m->name = name;
    m->unit = unit;
    m->higher_is_better = higher_is_better;
    m->base = base;
    m->cur = cur;
    m->has_ratio = base != 0 && isfinite(cur / base);
    m->ratio = m->has_ratio ? cur / base : 0;
    m->test_id = -1;
    m->p = 1;
    m->p_adj = 1;
    m->verdict = LC_CMP_NOT_JUDGED;
    *out = m;
    return 0;
}

static void set_test(struct lc_cmp_metric *m, const char *test, int id, double p)
{
    m->has_test = true;
    m->test = test;
    m->test_id = id;
    m->p = p < 0 ? 0 : (p > 1 ? 1 : p);
    m->p_adj = m->p;
}

static int add_name(char ***list, size_t *n, const char *name)
{
    char **l = realloc(*list, (*n + 1) * sizeof(*l));
    if (!l)
        return LC_ENOMEM;
    *list = l;
    l[*n] = dup_str(name);
    if (!l[*n])
        return LC_ENOMEM;
    (*n)++;
    return 0;
}

/* ---- Bootstrap helpers ------------------------------------------------------------------- */

/* A Gamma(a, 1) deviate for a >= 1 (Marsaglia and Tsang, 2000). */
static double rng_gamma(struct lc_rng *r, double a)
{
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double z = lc_rng_normal(r), v = 1.0 + c * z;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = lc_rng_uniform(r);
        if (u <= 0)
            continue;
        if (log(u) < 0.5 * z * z + d - d * v + d * log(v))
            return d * v;
    }
}

/* A Beta(a, b) deviate for a, b >= 1. */
static double rng_beta(struct lc_rng *r, double a, double b)
{
    double x = rng_gamma(r, a), y = rng_gamma(r, b);
    return x / (x + y);
}

/* The interval [(1-level)/2, (1+level)/2] of B draws (sorted in place). */
static int interval_of(double *draws, size_t b, double level, double estimate,
                       struct lc_stats_ci *out)
{
    lc_stats_sort(draws, b);
    double lo, hi;
    int rc = lc_stats_percentile_sorted(draws, b, 100.0 * (1.0 - level) / 2.0, &lo);
    if (rc == 0)
        rc = lc_stats_percentile_sorted(draws, b, 100.0 * (1.0 + level) / 2.0, &hi);
    if (rc)
        return rc;
    out->estimate = estimate;
    out->lo = lo;
    out->hi = hi;
    out->level = level;
    return 0;
}

/* A histogram as bins for quantile draws: each bin's reported value and cumulative count. */
struct hbins {
    double *value; /* the bucket's highest equivalent value (what percentiles report) */
    double *cum;   /* counts up to and including the bin */
    int64_t *count;
    size_t n;
    double total;
};

static void hbins_free(struct hbins *b)
{
    free(b->value);
    free(b->cum);
    free(b->count);
    memset(b, 0, sizeof(*b));
}

static int hbins_make(const struct lc_hdr *h, struct hbins *b)
{
    memset(b, 0, sizeof(*b));
    struct lc_hdr_iter it;
    size_t n = 0;
    lc_hdr_iter_init(&it, h);
    while (lc_hdr_iter_next(&it))
        n++;
    if (n == 0)
        return LC_EINVAL;
    b->value = malloc(n * sizeof(*b->value));
    b->cum = malloc(n * sizeof(*b->cum));
    b->count = malloc(n * sizeof(*b->count));
    if (!b->value || !b->cum || !b->count) {
        hbins_free(b);
        return LC_ENOMEM;
    }
    lc_hdr_iter_init(&it, h);
    double cum = 0;
    while (lc_hdr_iter_next(&it) && b->n < n) {
        cum += (double)it.count;
        b->value[b->n] = (double)it.value_to;
        b->count[b->n] = it.count;
        b->cum[b->n] = cum;
        b->n++;
    }
    b->total = cum;
    return 0;
}

/* The empirical quantile at u in (0, 1): the smallest bin whose cumulative share reaches u. */
static double hbins_quantile(const struct hbins *b, double u)
{
    double target = u * b->total;
    size_t lo = 0, hi = b->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->cum[mid] >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return b->value[lo];
}

/*
 * One bootstrap draw of the percentile pct of a resample of the histogram:
 * the k-th smallest of n draws from the empirical distribution is F^-1(U_(k))
 * with U_(k) ~ Beta(k, n - k + 1), so a draw costs O(log bins), not O(n).
 */
static double hbins_draw_percentile(const struct hbins *b, double pct, struct lc_rng *r)
{
    double n = b->total;
    double k = ceil(pct / 100.0 * n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return hbins_quantile(b, rng_beta(r, k, n - k + 1));
}

/* Bootstrap intervals of the ratio and the difference of percentile pct (cur vs base). */
static int hist_percentile_ci(struct ctx *x, const struct hbins *base, const struct hbins *cur,
                              double pct, struct lc_cmp_metric *m)
{
    size_t b = x->resamples;
    double *ratio = malloc(b * sizeof(*ratio));
    double *diff = malloc(b * sizeof(*diff));
    int rc = LC_ENOMEM;
    if (!ratio || !diff)
        goto fail;
    size_t nr = 0;
    for (size_t i = 0; i < b; i++) {
        double vb = hbins_draw_percentile(base, pct, &x->rng);
        double vc = hbins_draw_percentile(cur, pct, &x->rng);
        diff[i] = vc - vb;
        if (vb > 0)
            ratio[nr++] = vc / vb;
    }
    rc = interval_of(diff, b, x->level, m->cur - m->base, &m->diff_ci);
    if (rc)
        goto fail;
    m->has_diff_ci = true;
    if (m->has_ratio && nr == b) {
        rc = interval_of(ratio, nr, x->level, m->ratio, &m->ratio_ci);
        if (rc)
            goto fail;
        m->has_ratio_ci = true;
    }
    rc = 0;
fail:
    free(ratio);
    free(diff);
    return rc;
}

/* Bootstrap interval of median(cur) / median(base) of two plain samples (independent). */
static int median_ratio_ci(struct ctx *x, const double *base, size_t nb, const double *cur,
                           size_t nc, double estimate, struct lc_stats_ci *out)
{
    size_t b = x->resamples;
    double *draws = malloc(b * sizeof(*draws));
    double *scratch = malloc((nb > nc ? nb : nc) * sizeof(*scratch));
    int rc = LC_ENOMEM;
    if (!draws || !scratch)
        goto fail;
    size_t nd = 0;
    for (size_t i = 0; i < b; i++) {
        double med[2];
        const double *src[2] = {base, cur};
        size_t len[2] = {nb, nc};
        for (int s = 0; s < 2; s++) {
            for (size_t j = 0; j < len[s]; j++)
                scratch[j] = src[s][lc_rng_range(&x->rng, 0, len[s] - 1)];
            lc_stats_sort(scratch, len[s]);
            rc = lc_stats_percentile_sorted(scratch, len[s], 50.0, &med[s]);
            if (rc)
                goto fail;
        }
        if (med[0] > 0)
            draws[nd++] = med[1] / med[0];
    }
    rc = LC_ERANGE;
    if (nd != b)
        goto fail;
    rc = interval_of(draws, nd, x->level, estimate, out);
fail:
    free(draws);
    free(scratch);
    return rc;
}

/* ---- Load results -------------------------------------------------------------------------- */

static const struct lc_hdr *latency_hist(const struct lc_result_stats *s)
{
    if (s->has_hist[LC_HIST_LATENCY] && s->hist[LC_HIST_LATENCY].total_count > 0)
        return &s->hist[LC_HIST_LATENCY];
    if (s->has_hist[LC_HIST_SERVICE] && s->hist[LC_HIST_SERVICE].total_count > 0)
        return &s->hist[LC_HIST_SERVICE];
    return NULL;
}

/* Histogram bins as weighted values for Mann-Whitney. *out is malloc'd (caller frees). */
static int hbins_weighted(const struct hbins *b, struct lc_stats_wvalue **out)
{
    struct lc_stats_wvalue *w = malloc(b->n * sizeof(*w));
    if (!w)
        return LC_ENOMEM;
    for (size_t i = 0; i < b->n; i++) {
        w[i].value = b->value[i];
        w[i].count = (uint64_t)b->count[i];
    }
    *out = w;
    return 0;
}

/* Latency rows of one scope: p50, p95, p99 (bootstrap intervals, one shared MW test), max. */
static int compare_latency(struct ctx *x, const char *scope, const struct lc_result_stats *sb,
                           const struct lc_result_stats *sc)
{
    const struct lc_hdr *hb = latency_hist(sb), *hc = latency_hist(sc);
    if (!hb || !hc)
        return 0;
    struct hbins bb, bc;
    struct lc_stats_wvalue *wb = NULL, *wc = NULL;
    int rc = hbins_make(hb, &bb);
    if (rc)
        return rc == LC_EINVAL ? 0 : rc;
    rc = hbins_make(hc, &bc);
    if (rc) {
        hbins_free(&bb);
        return rc == LC_EINVAL ? 0 : rc;
    }
    struct lc_stats_mw mw;
    bool has_mw = false;
    rc = hbins_weighted(&bb, &wb);
    if (rc == 0)
        rc = hbins_weighted(&bc, &wc);
    if (rc)
        goto fail;
    /* a = current, b = baseline: z > 0 when the new run is slower. */
    rc = lc_stats_mann_whitney_weighted(wc, bc.n, wb, bb.n, &mw);
    if (rc == LC_ENOMEM)
        goto fail;
    has_mw = rc == 0;
    int id = has_mw ? x->next_test++ : -1;
    static const double pcts[] = {50, 95, 99};
    static const char *const names[] = {"p50", "p95", "p99"};
    for (size_t i = 0; i < 3; i++) {
        struct lc_cmp_metric *m;
        rc = add_metric(x, scope, names[i], LC_CMP_UNIT_NS, false,
                        (double)lc_hdr_value_at_percentile(hb, pcts[i]),
                        (double)lc_hdr_value_at_percentile(hc, pcts[i]), &m);
        if (rc)
            goto fail;
        m->n_base = (uint64_t)bb.total;
        m->n_cur = (uint64_t)bc.total;
        if (has_mw)
            set_test(m, "mann-whitney (histograms)", id, mw.p_two_sided);
        else
            m->note = "no test: every value ties";
        rc = hist_percentile_ci(x, &bb, &bc, pcts[i], m);
        if (rc)
            goto fail;
    }
    struct lc_cmp_metric *m;
    rc = add_metric(x, scope, "max", LC_CMP_UNIT_NS, false, (double)lc_hdr_max(hb),
                    (double)lc_hdr_max(hc), &m);
    if (rc)
        goto fail;
    m->n_base = (uint64_t)bb.total;
    m->n_cur = (uint64_t)bc.total;
    m->note = "one observation per run: shown, not tested";
    rc = 0;
fail:
    free(wb);
    free(wc);
    hbins_free(&bb);
    hbins_free(&bc);
    return rc;
}

/* Per-interval request rates of the recorded phases (intervals >= 0.5 s). *out malloc'd. */
static int series_rates(const struct lc_result *r, double **out, size_t *n_out)
{
    size_t cap = 0;
    for (size_t i = 0; i < r->n_phases; i++)
        if (r->phases[i]->recorded)
            cap += r->phases[i]->n_series;
    *out = NULL;
    *n_out = 0;
    if (cap == 0)
        return 0;
    double *v = malloc(cap * sizeof(*v));
    if (!v)
        return LC_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        if (!ph->recorded)
            continue;
        double prev = (double)ph->start_offset_ns / 1e9;
        for (size_t j = 0; j < ph->n_series; j++) {
            const struct lc_result_point *pt = &ph->series[j];
            double dt = pt->t_s - prev;
            if (isfinite(dt) && dt >= MIN_RATE_INTERVAL_S)
                v[n++] = (double)pt->requests / dt;
            prev = pt->t_s;
        }
    }
    *out = v;
    *n_out = n;
    return 0;
}

/* The throughput row of a scope; tested (per-second rates) only for the run total. */
static int compare_rps(struct ctx *x, const char *scope, const struct lc_result_stats *sb,
                       const struct lc_result_stats *sc, bool total)
{
    struct lc_cmp_metric *m;
    int rc = add_metric(x, scope, "rps", LC_CMP_UNIT_PER_S, true, sb->rps, sc->rps, &m);
    if (rc)
        return rc;
    m->n_base = sb->requests;
    m->n_cur = sc->requests;
    if (!total) {
        m->note = "no per-second series per request name: shown, not tested";
        return 0;
    }
    double *rb = NULL, *rcur = NULL;
    size_t nb = 0, nc = 0;
    rc = series_rates(x->base, &rb, &nb);
    if (rc == 0)
        rc = series_rates(x->cur, &rcur, &nc);
    if (rc)
        goto fail;
    if (nb < MIN_TEST_N || nc < MIN_TEST_N) {
        m->note = "too few per-second samples to test";
        goto fail;
    }
    struct lc_stats_mw mw;
    rc = lc_stats_mann_whitney(rcur, nc, rb, nb, &mw);
    if (rc)
        goto fail;
    /* add_metric may have moved the rows: m is still the last one. */
    m = &x->c->m[x->c->n - 1];
    set_test(m, "mann-whitney (per-second rates)", x->next_test++, mw.p_two_sided);
    struct lc_stats_boot opt = {x->resamples, x->level, x->seed};
    struct lc_stats_ci ci;
    int brc = lc_stats_bootstrap_ratio_ci(rcur, nc, rb, nb, &opt, &ci);
    if (brc == LC_ENOMEM) {
        rc = brc;
        goto fail;
    }
    if (brc == 0 && m->has_ratio) {
        ci.estimate = m->ratio;
        m->ratio_ci = ci;
        m->has_ratio_ci = true;
    }
fail:
    free(rb);
    free(rcur);
    return rc;
}

/* The error-rate row, tested with a two-proportion z-test (pooled). */
static int compare_errors(struct ctx *x, const char *scope, const struct lc_result_stats *sb,
                          const struct lc_result_stats *sc)
{
    struct lc_cmp_metric *m;
    int rc = add_metric(x, scope, "error_rate", LC_CMP_UNIT_FRAC, false,
                        lc_result_stats_error_rate(sb), lc_result_stats_error_rate(sc), &m);
    if (rc)
        return rc;
    m->n_base = sb->requests;
    m->n_cur = sc->requests;
    if (sb->requests == 0 || sc->requests == 0) {
        m->note = "no requests on one side";
        return 0;
    }
    double n1 = (double)sb->requests, n2 = (double)sc->requests;
    double pool = ((double)sb->errors + (double)sc->errors) / (n1 + n2);
    double se = sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2));
    double p = 1;
    if (se > 0) {
        double z = (m->cur - m->base) / se;
        p = 2 * lc_stats_normal_cdf(-fabs(z));
    }
    set_test(m, "two-proportion z", x->next_test++, p);
    return 0;
}

/* Samples of resource `name` in r's recorded phases (all samples without phases). */
static int resource_samples(const struct lc_result *r, const char *name, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const struct lc_result_resource *res = lc_result_find_resource(r, name);
    if (!res || res->n_samples == 0)
        return 0;
    double *v = malloc(res->n_samples * sizeof(*v));
    if (!v)
        return LC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < res->n_samples; i++) {
        const struct lc_result_sample *s = &res->samples[i];
        if (!isfinite(s->value) || !isfinite(s->t_s))
            continue;
        bool in = r->n_phases == 0;
        for (size_t j = 0; j < r->n_phases && !in; j++) {
            const struct lc_result_phase *ph = r->phases[j];
            double lo = (double)ph->start_offset_ns / 1e9, hi = lo + (double)ph->duration_ns / 1e9;
            in = ph->recorded && s->t_s >= lo && s->t_s <= hi;
        }
        if (in)
            v[k++] = s->value;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The peak of one resource series on both sides, tested by Mann-Whitney on the samples. */
static int compare_resource(struct ctx *x, const char *series, const char *name,
                            enum lc_cmp_unit unit)
{
    double *vb = NULL, *vc = NULL;
    size_t nb = 0, nc = 0;
    int rc = resource_samples(x->base, series, &vb, &nb);
    if (rc == 0)
        rc = resource_samples(x->cur, series, &vc, &nc);
    if (rc || nb == 0 || nc == 0)
        goto fail;
    double pb = vb[0], pc = vc[0];
    for (size_t i = 1; i < nb; i++)
        pb = vb[i] > pb ? vb[i] : pb;
    for (size_t i = 1; i < nc; i++)
        pc = vc[i] > pc ? vc[i] : pc;
    struct lc_cmp_metric *m;
    rc = add_metric(x, "", name, unit, false, pb, pc, &m);
    if (rc)
        goto fail;
    m->n_base = nb;
    m->n_cur = nc;
    if (nb < MIN_TEST_N || nc < MIN_TEST_N) {
        m->note = "too few monitor samples to test";
        goto fail;
    }
    struct lc_stats_mw mw;
    rc = lc_stats_mann_whitney(vc, nc, vb, nb, &mw);
    if (rc)
        goto fail;
    set_test(m, "mann-whitney (samples)", x->next_test++, mw.p_two_sided);
fail:
    free(vb);
    free(vc);
    return rc;
}

static int compare_load_scope(struct ctx *x, const char *scope, const struct lc_result_stats *sb,
                              const struct lc_result_stats *sc, bool total)
{
    int rc = compare_rps(x, scope, sb, sc, total);
    if (rc == 0)
        rc = compare_errors(x, scope, sb, sc);
    if (rc == 0)
        rc = compare_latency(x, scope, sb, sc);
    return rc;
}

static int names_list(const struct lc_result *r, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n_requests && at < size; i++) {
        int w = snprintf(buf + at, size - at, "%s'%s'", i ? ", " : "", r->requests[i]->name);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return 0;
}

static int compare_load(struct ctx *x)
{
    const struct lc_result *b = x->base, *c = x->cur;
    size_t common = 0;
    for (size_t i = 0; i < b->n_requests; i++)
        if (lc_result_find_request(c, b->requests[i]->name))
            common++;
    if (b->n_requests > 0 && c->n_requests > 0 && common == 0) {
        char lb[256], lcur[256];
        names_list(b, lb, sizeof(lb));
        names_list(c, lcur, sizeof(lcur));
        return lc_error_set(x->err, LC_EINVAL,
                            "the two results have no request names in common (baseline: %s; "
                            "new: %s): compare runs of the same requests",
                            lb, lcur);
    }
    if (b->total.requests == 0 || c->total.requests == 0)
        return lc_error_set(x->err, LC_EINVAL, "the %s result has no requests to compare",
                            b->total.requests == 0 ? "baseline" : "new");
    int rc = compare_load_scope(x, "", &b->total, &c->total, true);
    if (rc == 0)
        rc = compare_resource(x, "sut.cpu_percent", "cpu_peak", LC_CMP_UNIT_PERCENT);
    if (rc == 0)
        rc = compare_resource(x, "sut.rss_bytes", "mem_peak", LC_CMP_UNIT_BYTES);
    for (size_t i = 0; rc == 0 && i < b->n_requests; i++) {
        const struct lc_result_named_stats *nb = b->requests[i];
        const struct lc_result_stats *sc = lc_result_find_request(c, nb->name);
        if (sc)
            rc = compare_load_scope(x, nb->name, &nb->stats, sc, false);
        else
            rc = add_name(&x->c->only_base, &x->c->n_only_base, nb->name);
    }
    for (size_t i = 0; rc == 0 && i < c->n_requests; i++)
        if (!lc_result_find_request(b, c->requests[i]->name))
            rc = add_name(&x->c->only_cur, &x->c->n_only_cur, c->requests[i]->name);
    return rc;
}

/* ---- Bench results ------------------------------------------------------------------------ */

/* Whether two commands are the same: equal names and equal parameter sets. */
static bool same_command(const struct lc_result_bench_command *a,
                         const struct lc_result_bench_command *b)
{
    if (strcmp(a->name, b->name) != 0 || a->n_params != b->n_params)
        return false;
    for (size_t i = 0; i < a->n_params; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n_params && !found; j++)
            found = strcmp(a->params[i].key, b->params[j].key) == 0 &&
                    strcmp(a->params[i].value, b->params[j].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* "name" or "name k=v k2=v2" into buf. */
static void command_label(const struct lc_result_bench_command *c, char *buf, size_t size)
{
    size_t at = 0;
    int w = snprintf(buf, size, "%s", c->name);
    at = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < c->n_params && at < size; i++) {
        w = snprintf(buf + at, size - at, " %s=%s", c->params[i].key, c->params[i].value);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

enum bench_qty { Q_WALL, Q_RSS, Q_ARTIFACT };

/* The values of one quantity over a command's runs; *out malloc'd (NULL when n is 0). */
static int bench_values(const struct lc_result_bench_command *c, enum bench_qty q, double **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
    if (c->n_runs == 0)
        return 0;
    double *v = malloc(c->n_runs * sizeof(*v));
    if (!v)
        return LC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < c->n_runs; i++) {
        const struct lc_result_bench_run *r = &c->runs[i];
        if (q == Q_WALL)
            v[k++] = (double)r->wall_ns;
        else if (q == Q_RSS && r->max_rss_bytes > 0)
            v[k++] = (double)r->max_rss_bytes;
        else if (q == Q_ARTIFACT && r->artifact_bytes >= 0)
            v[k++] = (double)r->artifact_bytes;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The mean row of a quantity (ratio interval of the means) and its test; *id_out the test id. */
static int bench_mean_row(struct ctx *x, const char *scope, const char *name, enum lc_cmp_unit unit,
                          const double *vb, size_t nb, const double *vc, size_t nc, int *id_out)
{
    double mb, mc;
    int rc = lc_stats_mean(vb, nb, &mb);
    if (rc == 0)
        rc = lc_stats_mean(vc, nc, &mc);
    if (rc)
        return rc;
    struct lc_cmp_metric *m;
    rc = add_metric(x, scope, name, unit, false, mb, mc, &m);
    if (rc)
        return rc;
    m->n_base = nb;
    m->n_cur = nc;
    *id_out = -1;
    if (nb < MIN_TEST_N || nc < MIN_TEST_N) {
        m->note = "too few runs to test (2 or more on each side)";
        return 0;
    }
    struct lc_stats_mw mw;
    rc = lc_stats_mann_whitney(vc, nc, vb, nb, &mw);
    if (rc)
        return rc;
    *id_out = x->next_test++;
    set_test(m, "mann-whitney", *id_out, mw.p_two_sided);
    struct lc_stats_boot opt = {x->resamples, x->level, x->seed};
    struct lc_stats_ci ci;
    rc = lc_stats_bootstrap_ratio_ci(vc, nc, vb, nb, &opt, &ci);
    if (rc == LC_ENOMEM)
        return rc;
    if (rc == 0 && m->has_ratio) {
        m->ratio_ci = ci;
        m->has_ratio_ci = true;
    }
    return 0;
}

static int compare_bench_command(struct ctx *x, const struct lc_result_bench_command *cb,
                                 const struct lc_result_bench_command *cc)
{
    char scope[512];
    command_label(cb, scope, sizeof(scope));
    double *vb = NULL, *vc = NULL;
    size_t nb, nc;
    int rc = 0;
    static const enum bench_qty qs[] = {Q_WALL, Q_RSS, Q_ARTIFACT};
    static const char *const names[] = {"mean", "mem_peak", "artifact"};
    static const enum lc_cmp_unit units[] = {LC_CMP_UNIT_NS, LC_CMP_UNIT_BYTES, LC_CMP_UNIT_BYTES};
    for (size_t q = 0; q < 3 && rc == 0; q++) {
        rc = bench_values(cb, qs[q], &vb, &nb);
        if (rc == 0)
            rc = bench_values(cc, qs[q], &vc, &nc);
        if (rc == 0 && nb > 0 && nc > 0) {
            int id;
            rc = bench_mean_row(x, scope, names[q], units[q], vb, nb, vc, nc, &id);
            if (rc == 0 && qs[q] == Q_WALL) {
                double medb, medc;
                rc = lc_stats_median(vb, nb, &medb);
                if (rc == 0)
                    rc = lc_stats_median(vc, nc, &medc);
                struct lc_cmp_metric *m;
                if (rc == 0)
                    rc = add_metric(x, scope, "median", LC_CMP_UNIT_NS, false, medb, medc, &m);
                if (rc == 0) {
                    m->n_base = nb;
                    m->n_cur = nc;
                    const struct lc_cmp_metric *mean = &x->c->m[x->c->n - 2];
                    if (mean->has_test)
                        set_test(m, mean->test, id, mean->p);
                    else
                        m->note = mean->note;
                    if (m->has_test && m->has_ratio) {
                        struct lc_stats_ci ci;
                        int brc = median_ratio_ci(x, vb, nb, vc, nc, m->ratio, &ci);
                        if (brc == LC_ENOMEM)
                            rc = brc;
                        else if (brc == 0) {
                            m->ratio_ci = ci;
                            m->has_ratio_ci = true;
                        }
                    }
                }
            }
        }
        free(vb);
        free(vc);
        vb = vc = NULL;
    }
    return rc;
}

static int compare_bench(struct ctx *x)
{
    const struct lc_result *b = x->base, *c = x->cur;
    size_t common = 0;
    int rc = 0;
    char label[512];
    for (size_t i = 0; rc == 0 && i < b->n_commands; i++) {
        const struct lc_result_bench_command *cb = b->commands[i], *cc = NULL;
        for (size_t j = 0; j < c->n_commands && !cc; j++)
            if (same_command(cb, c->commands[j]))
                cc = c->commands[j];
        if (cc) {
            common++;
            rc = compare_bench_command(x, cb, cc);
        } else {
            command_label(cb, label, sizeof(label));
            rc = add_name(&x->c->only_base, &x->c->n_only_base, label);
        }
    }
    for (size_t j = 0; rc == 0 && j < c->n_commands; j++) {
        bool found = false;
        for (size_t i = 0; i < b->n_commands && !found; i++)
            found = same_command(b->commands[i], c->commands[j]);
        if (!found) {
            command_label(c->commands[j], label, sizeof(label));
            rc = add_name(&x->c->only_cur, &x->c->n_only_cur, label);
        }
    }
    if (rc == 0 && common == 0) {
        char lb[256] = "", lcur[256] = "";
        if (b->n_commands)
            command_label(b->commands[0], lb, sizeof(lb));
        if (c->n_commands)
            command_label(c->commands[0], lcur, sizeof(lcur));
        return lc_error_set(x->err, LC_EINVAL,
                            "the two bench results have no command in common (baseline: '%s'%s; "
                            "new: '%s'%s): commands must have the same name and parameters (give "
                            "both the same name with loadcell bench -n NAME)",
                            lb, b->n_commands > 1 ? ", ..." : "", lcur,
                            c->n_commands > 1 ? ", ..." : "");
    }
    return rc;
}

/* ---- Verdicts ---------------------------------------------------------------------------------
 */

struct test_p {
    int id;
    double p;
    double adj;
};

static int cmp_test_p(const void *a, const void *b)
{
    const struct test_p *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->id - y->id;
}

/* Holm's step-down adjustment over the distinct tests. */
static int holm(struct lc_compare *c, int n_tests)
{
    c->n_tests = (size_t)n_tests;
    if (n_tests == 0)
        return 0;
    struct test_p *t = calloc((size_t)n_tests, sizeof(*t));
    if (!t)
        return LC_ENOMEM;
    for (int i = 0; i < n_tests; i++)
        t[i].id = i;
    for (size_t i = 0; i < c->n; i++)
        if (c->m[i].has_test)
            t[c->m[i].test_id].p = c->m[i].p;
    qsort(t, (size_t)n_tests, sizeof(*t), cmp_test_p);
    double run = 0;
    for (int i = 0; i < n_tests; i++) {
        double a = (double)(n_tests - i) * t[i].p;
        a = a > 1 ? 1 : a;
        run = a > run ? a : run;
        t[i].adj = run;
    }
    /* Back in id order, so each row finds its test in O(1). */
    double *adj = malloc((size_t)n_tests * sizeof(*adj));
    if (!adj) {
        free(t);
        return LC_ENOMEM;
    }
    for (int i = 0; i < n_tests; i++)
        adj[t[i].id] = t[i].adj;
    for (size_t i = 0; i < c->n; i++)
        if (c->m[i].has_test)
            c->m[i].p_adj = adj[c->m[i].test_id];
    free(adj);
    free(t);
    return 0;
}

static void judge(struct lc_compare *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct lc_cmp_metric *m = &c->m[i];
        if (!m->has_test) {
            m->verdict = LC_CMP_NOT_JUDGED;
            c->n_not_judged++;
            continue;
        }
        bool significant = m->p_adj < c->alpha;
        if (m->has_ratio_ci)
            significant = significant && (m->ratio_ci.lo > 1 || m->ratio_ci.hi < 1);
        bool beyond = m->has_ratio ? fabs(m->ratio - 1) > c->tolerance : m->cur != m->base;
        bool worse = m->higher_is_better ? m->cur < m->base : m->cur > m->base;
        if (significant && beyond && m->cur != m->base) {
            m->verdict = worse ? LC_CMP_REGRESSED : LC_CMP_IMPROVED;
            if (worse)
                c->n_regressed++;
            else
                c->n_improved++;
        } else {
            m->verdict = LC_CMP_UNCHANGED;
            c->n_unchanged++;
        }
    }
}

/* ---- Claims ---------------------------------------------------------------------------------- */

/* Whether row scope `s` is within claim scope `want` (exact, or a bench command's name). */
static bool scope_matches(const struct lc_compare *c, const char *s, const char *want)
{
    if (strcmp(s, want) == 0)
        return true;
    size_t n = strlen(want);
    return c->bench && n > 0 && strncmp(s, want, n) == 0 && s[n] == ' ';
}

static int claim_set_str(char **dst, const char *s)
{
    *dst = dup_str(s);
    return *dst ? 0 : LC_ENOMEM;
}

static int eval_claim(struct lc_compare *c, const struct lc_cmp_claim *cl,
                      struct lc_cmp_claim_outcome *o)
{
    o->text = dup_str(cl->text);
    if (!o->text)
        return LC_ENOMEM;
    const char *metric = cl->speedup ? (c->bench ? "mean" : "p50") : cl->metric;
    size_t rows = 0;
    bool all_held = true, first = true;
    for (size_t i = 0; i < c->n; i++) {
        const struct lc_cmp_metric *m = &c->m[i];
        if (strcmp(m->name, metric) != 0)
            continue;
        if (cl->scope[0] ? !scope_matches(c, m->scope, cl->scope) : (!c->bench && m->scope[0]))
            continue;
        rows++;
        if (!m->has_ratio || (cl->speedup && m->ratio <= 0)) {
            o->decided = false;
            o->held = false;
            free(o->subject);
            if (claim_set_str(&o->subject, m->scope))
                return LC_ENOMEM;
            char why[256];
            snprintf(why, sizeof(why), "the baseline's %s%s%s is 0: no ratio", m->name,
                     m->scope[0] ? " of " : "", m->scope);
            return claim_set_str(&o->why, why);
        }
        double v = cl->speedup ? 1 / m->ratio : m->ratio;
        bool has_ci = m->has_ratio_ci && m->ratio_ci.lo > 0;
        double lo = 0, hi = 0;
        if (has_ci) {
            lo = cl->speedup ? 1 / m->ratio_ci.hi : m->ratio_ci.lo;
            hi = cl->speedup ? 1 / m->ratio_ci.lo : m->ratio_ci.hi;
        }
        bool held = has_ci ? lc_cmp_claim_holds(cl->op, lo, cl->limit) &&
                                 lc_cmp_claim_holds(cl->op, hi, cl->limit)
                           : lc_cmp_claim_holds(cl->op, v, cl->limit);
        /* Report the first row that fails, else the first row. */
        if (first || (all_held && !held)) {
            free(o->subject);
            if (claim_set_str(&o->subject, m->scope))
                return LC_ENOMEM;
            o->value = v;
            o->has_interval = has_ci;
            o->lo = lo;
            o->hi = hi;
        }
        first = false;
        all_held = all_held && held;
    }
    if (rows == 0) {
        char why[LC_CMP_CLAIM_MAX_LEN + 160];
        if (cl->scope[0])
            snprintf(why, sizeof(why), "no '%s' compared for '%s' (check the scope: a %s)", metric,
                     cl->scope, c->bench ? "command both results have" : "request name both have");
        else
            snprintf(why, sizeof(why), "no '%s' in this comparison (%s)", metric,
                     c->bench ? "bench results have mean, median, mem_peak, artifact"
                              : "load results have rps, error_rate, p50, p95, p99, max, and "
                                "cpu_peak, mem_peak when monitored");
        return claim_set_str(&o->why, why);
    }
    o->decided = true;
    o->held = all_held;
    return 0;
}

/* ---- Entry points ---------------------------------------------------------------------------- */

static bool is_load(enum lc_result_kind k)
{
    return k == LC_RESULT_KIND_HTTP || k == LC_RESULT_KIND_RUN;
}

int lc_compare_run(const struct lc_result *base, const struct lc_result *cur,
                   const struct lc_compare_opts *opts, struct lc_compare *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    struct lc_compare_opts def = {0};
    if (!opts)
        opts = &def;
    out->alpha = opts->alpha == 0 ? 0.05 : opts->alpha;
    out->tolerance = opts->tolerance < 0 ? 0.05 : opts->tolerance;
    out->resamples = opts->resamples == 0 ? DEFAULT_RESAMPLES : opts->resamples;
    out->base_kind = base->kind;
    out->cur_kind = cur->kind;
    if (!(out->alpha > 0 && out->alpha <= 0.5))
        return lc_error_set(err, LC_EINVAL, "alpha must be in (0, 0.5], not %g", out->alpha);
    if (!isfinite(out->tolerance))
        return lc_error_set(err, LC_EINVAL, "the tolerance must be a finite number");
    if (out->resamples < 100)
        return lc_error_set(err, LC_EINVAL, "bootstrap resamples must be >= 100");
    if (base->kind == LC_RESULT_KIND_MONITOR || cur->kind == LC_RESULT_KIND_MONITOR)
        return lc_error_set(err, LC_EINVAL,
                            "the %s file is a monitor result: compare takes load results (http, "
                            "run) or bench results",
                            base->kind == LC_RESULT_KIND_MONITOR ? "baseline" : "new");
    bool bench = base->kind == LC_RESULT_KIND_BENCH;
    if (bench != (cur->kind == LC_RESULT_KIND_BENCH) || (!bench && !is_load(cur->kind)))
        return lc_error_set(err, LC_EINVAL,
                            "cannot compare results of different kinds (baseline: %s, new: %s): "
                            "both must come from bench, or both from http/run",
                            lc_result_kind_name(base->kind), lc_result_kind_name(cur->kind));
    out->bench = bench;

    struct ctx x = {.base = base,
                    .cur = cur,
                    .c = out,
                    .resamples = out->resamples,
                    .level = 1 - out->alpha,
                    .seed = opts->seed ? opts->seed : DEFAULT_SEED,
                    .err = err};
    lc_rng_seed(&x.rng, x.seed);
    int rc = bench ? compare_bench(&x) : compare_load(&x);
    if (rc == LC_ENOMEM)
        return lc_error_set(err, rc, "out of memory comparing the results");
    if (rc)
        return rc;
    rc = holm(out, x.next_test);
    if (rc)
        return lc_error_set(err, rc, "out of memory comparing the results");
    judge(out);
    if (opts->n_claims) {
        out->claims = calloc(opts->n_claims, sizeof(*out->claims));
        if (!out->claims)
            return lc_error_set(err, LC_ENOMEM, "out of memory comparing the results");
        for (size_t i = 0; i < opts->n_claims; i++) {
            out->n_claims++;
            rc = eval_claim(out, &opts->claims[i], &out->claims[i]);
            if (rc)
                return lc_error_set(err, rc, "out of memory comparing the results");
            if (!out->claims[i].held)
                out->n_claims_not_held++;
        }
    }
    return 0;
}

void lc_compare_free(struct lc_compare *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->m[i].scope);
    free(c->m);
    for (size_t i = 0; i < c->n_only_base; i++)
        free(c->only_base[i]);
    free(c->only_base);
    for (size_t i = 0; i < c->n_only_cur; i++)
        free(c->only_cur[i]);
    free(c->only_cur);
    for (size_t i = 0; i < c->n_claims; i++) {
        free(c->claims[i].text);
        free(c->claims[i].subject);
        free(c->claims[i].why);
    }
    free(c->claims);
    memset(c, 0, sizeof(*c));
}

bool lc_compare_failed(const struct lc_compare *c)
{
    return c->n_regressed > 0 || c->n_claims_not_held > 0;
}
