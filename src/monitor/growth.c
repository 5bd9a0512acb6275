/* Leak verdicts from least-squares fits and thirds, window figures, generator saturation. */
#include "monitor/growth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stats.h"

#define MIB 1048576.0

const char *lc_growth_verdict_name(enum lc_growth_verdict v)
{
    switch (v) {
    case LC_GROWTH_INSUFFICIENT:
        return "insufficient data";
    case LC_GROWTH_FLAT:
        return "flat";
    case LC_GROWTH_SHRINKING:
        return "shrinking";
    case LC_GROWTH_IRREGULAR:
        return "irregular";
    case LC_GROWTH_SETTLED:
        return "settled";
    case LC_GROWTH_SMALL:
        return "small";
    case LC_GROWTH_LEAK:
        return "leak";
    }
    return "?";
}

double lc_growth_mb_per_h(double bytes_per_s)
{
    return bytes_per_s * 3600.0 / MIB;
}

static void rule_defaults(const struct lc_growth_rule *in, struct lc_growth_rule *r)
{
    memset(r, 0, sizeof(*r));
    if (in)
        *r = *in;
    if (r->min_samples < 6)
        r->min_samples = 6; /* thirds of at least two samples each */
    if (!(r->level > 0 && r->level < 1))
        r->level = 0.95;
    if (!(r->min_r2 > 0))
        r->min_r2 = 0.8;
    if (!(r->min_persist > 0))
        r->min_persist = 0.5;
    if (!(r->min_bytes > 0))
        r->min_bytes = MIB;
    if (!(r->min_fraction > 0))
        r->min_fraction = 0.02;
}

/* Median of x[lo..hi) (hi - lo >= 1). 0 or LC_ENOMEM. */
static int median_of(const double *x, size_t lo, size_t hi, double *out)
{
    int rc = lc_stats_median(x + lo, hi - lo, out);
    return rc == LC_ENOMEM ? LC_ENOMEM : (rc == 0 ? 0 : LC_EINVAL);
}

int lc_growth_analyze(const double *t_s, const double *v, size_t n,
                      const struct lc_growth_rule *rule, struct lc_growth *out)
{
    struct lc_growth_rule r;
    rule_defaults(rule, &r);
    struct lc_growth g;
    memset(&g, 0, sizeof(g));
    g.n = n;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(t_s[i]) || !isfinite(v[i]))
            return LC_EINVAL;
    if (n == 0) {
        g.verdict = LC_GROWTH_INSUFFICIENT;
        snprintf(g.reason, sizeof(g.reason), "no samples");
        *out = g;
        return 0;
    }
    g.first = v[0];
    g.last = v[n - 1];
    g.min = g.max = v[0];
    for (size_t i = 1; i < n; i++) {
        if (v[i] < g.min)
            g.min = v[i];
        if (v[i] > g.max)
            g.max = v[i];
    }
    g.span_s = t_s[n - 1] - t_s[0];
    if (n < 3 || !(g.span_s > 0)) {
        g.verdict = LC_GROWTH_INSUFFICIENT;
        snprintf(g.reason, sizeof(g.reason), "too few samples (%zu; at least %zu are needed)", n,
                 r.min_samples);
        *out = g;
        return 0;
    }

    struct lc_stats_fit fit;
    int rc = lc_stats_ols(t_s, v, n, &fit);
    if (rc == LC_ENOMEM)
        return LC_ENOMEM;
    if (rc != 0)
        return LC_EINVAL;
    double tq = lc_stats_t_quantile((1 + r.level) / 2, (double)(n - 2));
    double half = isfinite(fit.se_slope) && isfinite(tq) ? tq * fit.se_slope : INFINITY;
    g.slope = fit.slope;
    g.slope_lo = fit.slope - half;
    g.slope_hi = fit.slope + half;
    g.r2 = fit.r2;
    g.growth = fit.slope * g.span_s;

    if (n < r.min_samples) {
        g.verdict = LC_GROWTH_INSUFFICIENT;
        snprintf(g.reason, sizeof(g.reason), "too few samples (%zu; at least %zu are needed)", n,
                 r.min_samples);
        *out = g;
        return 0;
    }

    /* Thirds by index: [0, a), [a, b), [b, n). */
    size_t a = n / 3, b = 2 * n / 3;
    double mid_v, last_v, mid_t, last_t;
    if ((rc = median_of(v, a, b, &mid_v)) != 0 || (rc = median_of(v, b, n, &last_v)) != 0 ||
        (rc = median_of(t_s, a, b, &mid_t)) != 0 || (rc = median_of(t_s, b, n, &last_t)) != 0)
        return rc;
    g.late_rise = last_v - mid_v;
    g.late_expected = fit.slope * (last_t - mid_t);
    struct lc_stats_fit late;
    rc = lc_stats_ols(t_s + b, v + b, n - b, &late);
    if (rc == LC_ENOMEM)
        return LC_ENOMEM;
    g.late_slope = rc == 0 ? late.slope : 0; /* equal times in the last third: no slope */

    double mbh = lc_growth_mb_per_h(g.slope), lo = lc_growth_mb_per_h(g.slope_lo),
           hi = lc_growth_mb_per_h(g.slope_hi);
    double floor_bytes = fmax(r.min_bytes, r.min_fraction * fabs(g.first));
    int pct = (int)lround(r.level * 100);
    if (g.slope_lo > 0) {
        if (g.r2 < r.min_r2) {
            g.verdict = LC_GROWTH_IRREGULAR;
            snprintf(g.reason, sizeof(g.reason),
                     "it rose (%+.2f MB/h), but not steadily (R² %.2f < %.2f): a one-time step "
                     "or noise",
                     mbh, g.r2, r.min_r2);
        } else if (g.late_rise < r.min_persist * g.late_expected) {
            g.verdict = LC_GROWTH_SETTLED;
            snprintf(g.reason, sizeof(g.reason),
                     "it grew, then levelled off: the last third is %+.2f MB above the middle "
                     "third, where steady growth would give %+.2f MB",
                     g.late_rise / MIB, g.late_expected / MIB);
        } else if (g.late_slope < r.min_persist * g.slope) {
            g.verdict = LC_GROWTH_SETTLED;
            snprintf(g.reason, sizeof(g.reason),
                     "it grew, then slowed down: %+.2f MB/h in the last third against %+.2f MB/h "
                     "over the window",
                     lc_growth_mb_per_h(g.late_slope), mbh);
        } else if (g.growth < floor_bytes) {
            g.verdict = LC_GROWTH_SMALL;
            snprintf(g.reason, sizeof(g.reason),
                     "steady but small: %+.2f MB over %.0fs (%+.2f MB/h), below the floor of "
                     "%.2f MB (%.2f MB, and %.0f%% of the %.1f MB baseline)",
                     g.growth / MIB, g.span_s, mbh, floor_bytes / MIB, r.min_bytes / MIB,
                     r.min_fraction * 100, g.first / MIB);
        } else {
            g.verdict = LC_GROWTH_LEAK;
            snprintf(g.reason, sizeof(g.reason),
                     "steady growth of %+.2f MB/h (%d%% CI %+.2f to %+.2f, R² %.2f), %+.1f MB "
                     "over %.0fs and still rising in the last third",
                     mbh, pct, lo, hi, g.r2, g.growth / MIB, g.span_s);
        }
    } else if (g.slope_hi < 0) {
        g.verdict = LC_GROWTH_SHRINKING;
        snprintf(g.reason, sizeof(g.reason), "it went down: %+.2f MB/h (%d%% CI %+.2f to %+.2f)",
                 mbh, pct, lo, hi);
    } else {
        g.verdict = LC_GROWTH_FLAT;
        snprintf(g.reason, sizeof(g.reason),
                 "no trend: %+.2f MB/h, and its %d%% interval (%+.2f to %+.2f) includes 0", mbh,
                 pct, lo, hi);
    }
    *out = g;
    return 0;
}

/* ---- Windows of a Result ----------------------------------------------------------------- */

/* A rate's sample covers the interval before it; a level's is a point in time. */
static bool is_rate_unit(const char *unit)
{
    if (!unit)
        return false;
    size_t len = strlen(unit);
    return strcmp(unit, "%") == 0 || (len >= 2 && strcmp(unit + len - 2, "/s") == 0);
}

static bool in_window(const struct lc_result_resource *res, double t, double from, double to)
{
    if (!isfinite(t) || t > to)
        return false;
    return is_rate_unit(res->unit) ? t > from : t >= from;
}

/* Mean and max of a series' finite samples in the window; *n 0 when none. */
static void window_mean_max(const struct lc_result *r, const char *name, double from, double to,
                            size_t *n, double *mean, double *max)
{
    *n = 0;
    *mean = *max = 0;
    const struct lc_result_resource *res = lc_result_find_resource(r, name);
    if (!res)
        return;
    double sum = 0, mx = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < res->n_samples; i++) {
        const struct lc_result_sample *s = &res->samples[i];
        if (!in_window(res, s->t_s, from, to) || !isfinite(s->value))
            continue;
        sum += s->value;
        if (s->value > mx)
            mx = s->value;
        k++;
    }
    if (k) {
        *n = k;
        *mean = sum / (double)k;
        *max = mx;
    }
}

int lc_monitor_window_stats(const struct lc_result *r, double t_from_s, double t_to_s,
                            struct lc_monitor_window *out)
{
    if (!(t_from_s <= t_to_s))
        return LC_EINVAL;
    memset(out, 0, sizeof(*out));
    out->t_from_s = t_from_s;
    out->t_to_s = t_to_s;
    window_mean_max(r, "sut.cpu_percent", t_from_s, t_to_s, &out->cpu_n, &out->cpu_mean_percent,
                    &out->cpu_max_percent);
    window_mean_max(r, "gen.cpu_percent", t_from_s, t_to_s, &out->gen_n, &out->gen_cpu_mean_percent,
                    &out->gen_cpu_max_percent);
    window_mean_max(r, "host.cpu_percent", t_from_s, t_to_s, &out->host_n,
                    &out->host_cpu_mean_percent, &out->host_cpu_max_percent);
    out->growth.verdict = LC_GROWTH_INSUFFICIENT;
    snprintf(out->growth.reason, sizeof(out->growth.reason), "no memory samples");
    const struct lc_result_resource *rss = lc_result_find_resource(r, "sut.rss_bytes");
    if (!rss || rss->n_samples == 0)
        return 0;
    double *t = malloc(rss->n_samples * sizeof(*t));
    double *v = malloc(rss->n_samples * sizeof(*v));
    if (!t || !v) {
        free(t);
        free(v);
        return LC_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < rss->n_samples; i++) {
        const struct lc_result_sample *s = &rss->samples[i];
        if (!in_window(rss, s->t_s, t_from_s, t_to_s) || !isfinite(s->value))
            continue;
        t[k] = s->t_s;
        v[k] = s->value;
        k++;
    }
    int rc = 0;
    if (k) {
        out->rss_n = k;
        out->rss_baseline_bytes = v[0];
        out->rss_final_bytes = v[k - 1];
        out->rss_peak_bytes = v[0];
        for (size_t i = 1; i < k; i++)
            if (v[i] > out->rss_peak_bytes)
                out->rss_peak_bytes = v[i];
        rc = lc_growth_analyze(t, v, k, NULL, &out->growth);
    }
    free(t);
    free(v);
    return rc;
}

int lc_monitor_phase_stats(const struct lc_result *r, const struct lc_result_phase *ph,
                           struct lc_monitor_window *out)
{
    double from = (double)ph->start_offset_ns / 1e9;
    return lc_monitor_window_stats(r, from, from + (double)ph->duration_ns / 1e9, out);
}

int lc_monitor_gen_saturation(const struct lc_result_resource *gen_cpu, unsigned threads,
                              unsigned cores, double t_from_s, double t_to_s,
                              struct lc_gen_saturation *out)
{
    if (threads == 0 || !(t_from_s <= t_to_s))
        return LC_EINVAL;
    memset(out, 0, sizeof(*out));
    if (cores == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        cores = c > 0 ? (unsigned)c : 1;
    }
    out->capacity_percent = 100.0 * (threads < cores ? threads : cores);
    if (!gen_cpu)
        return 0;
    double limit = 0.9 * out->capacity_percent, sum = 0, mx = 0;
    for (size_t i = 0; i < gen_cpu->n_samples; i++) {
        const struct lc_result_sample *s = &gen_cpu->samples[i];
        /* gen.cpu_percent is a rate: its sample covers the interval before it. */
        if (!isfinite(s->t_s) || !isfinite(s->value) || s->t_s <= t_from_s || s->t_s > t_to_s)
            continue;
        out->n++;
        sum += s->value;
        if (s->value > mx)
            mx = s->value;
        if (s->value >= limit)
            out->n_above++;
    }
    if (out->n == 0)
        return 0;
    out->mean_percent = sum / (double)out->n;
    out->max_percent = mx;
    out->fraction_above = (double)out->n_above / (double)out->n;
    size_t need = out->n < 2 ? out->n : 2;
    out->saturated = out->fraction_above >= 0.25 && out->n_above >= need;
    return 0;
}

int lc_monitor_gen_saturation_warn(struct lc_result *r, unsigned cores, size_t *n_warned)
{
    size_t warned = 0;
    int rc = 0;
    unsigned threads = r->load.threads;
    if (cores == 0)
        cores = r->host.logical_cores;
    if (cores == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        cores = c > 0 ? (unsigned)c : 1;
    }
    const struct lc_result_resource *gen = lc_result_find_resource(r, "gen.cpu_percent");
    size_t n_recorded = 0;
    const struct lc_result_phase *only = NULL;
    for (size_t i = 0; threads > 0 && i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        if (!ph->recorded)
            continue;
        n_recorded++;
        only = ph;
        if (!gen || gen->n_samples == 0)
            continue;
        struct lc_gen_saturation s;
        double from = (double)ph->start_offset_ns / 1e9;
        rc = lc_monitor_gen_saturation(gen, threads, cores, from,
                                       from + (double)ph->duration_ns / 1e9, &s);
        if (rc != 0)
            goto out;
        if (!s.saturated)
            continue;
        rc = lc_result_add_warning(
            r,
            "the generator was CPU-saturated in phase '%s': mean %.0f%% of one core (max "
            "%.0f%%), %zu of %zu samples at or above 90%% of its %.0f%% capacity (%u "
            "thread%s): that phase's figures may describe loadcell, not the target",
            ph->name ? ph->name : "?", s.mean_percent, s.max_percent, s.n_above, s.n,
            s.capacity_percent, threads, threads == 1 ? "" : "s");
        if (rc != 0)
            goto out;
        warned++;
    }
    if (threads == 0 || (gen && gen->n_samples > 0))
        goto out;
    /* No series: the whole run's CPU time, which cannot tell the phases apart. */
    double secs = (double)r->duration_ns / 1e9;
    double usable = threads < cores ? threads : cores;
    double busy = secs > 0 ? (r->gen_cpu_user_s + r->gen_cpu_sys_s) / secs : 0;
    if (!(isfinite(busy) && busy > 0.9 * usable))
        goto out;
    if (n_recorded == 1)
        rc = lc_result_add_warning(r,
                                   "the generator was CPU-saturated in phase '%s' (%.0f%% of %.0f "
                                   "usable cores over the run): figures may describe loadcell, "
                                   "not the target",
                                   only->name ? only->name : "?", 100 * busy / usable, usable);
    else
        rc = lc_result_add_warning(r,
                                   "the generator was CPU-saturated (%.0f%% of %.0f usable cores "
                                   "over the run; monitor the target to see which phase): "
                                   "figures may describe loadcell, not the target",
                                   100 * busy / usable, usable);
    if (rc == 0)
        warned++;
out:
    if (n_warned)
        *n_warned = warned;
    return rc;
}
