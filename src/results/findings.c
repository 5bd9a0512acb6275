/* Findings: what a Result's data shows (saturation, error bursts, long tails, leaks...), with
 * evidence. */
#include "results/findings.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/stats.h"
#include "results/report_fmt.h"

/* Rule constants (findings.h and docs/reports.md describe them). */
#define SAT_LEVEL_GROWTH   1.10 /* the load grew by at least 10% ... */
#define SAT_RPS_GROWTH     1.05 /* ... throughput by less than 5% ... */
#define SAT_P99_GROWTH     1.50 /* ... and p99 by more than 50% */
#define SAT_MIN_REQUESTS   50   /* a phase needs this many requests to be compared */
#define SAT_MIN_POINTS     12   /* series points needed for the windowed comparison */
#define SAT_WINDOWS        8
#define TARGET_MIN_SHARE   0.90 /* an open phase must achieve 90% of its target rate */
#define TARGET_MIN_SECONDS 5.0
#define BURST_RATIO        3.0 /* a burst second's error rate is >= 3x the run's ... */
#define BURST_MIN_ERRORS   5   /* ... with at least 5 errors ... */
#define BURST_MIN_Z        4.0 /* ... and 4 standard deviations above the run's rate */
#define SPIKE_RATIO        5.0 /* a spike second's p99 is >= 5x the typical one ... */
#define SPIKE_MIN_NS       1e6 /* ... and at least 1 ms above it */
#define SPIKE_MIN_REQUESTS 10
#define SPIKE_MIN_POINTS   10
#define SPIKE_DIP          0.8 /* throughput below 80% of the typical is a dip */
#define TAIL_RATIO         10.0
#define TAIL_MIN_REQUESTS  100
#define MEM_MIN_SAMPLES    10
#define MEM_MIN_R2         0.80
#define MEM_MIN_GROWTH     0.10 /* of the first value */
#define MEM_MIN_BYTES      1e6
#define GEN_BUSY_SHARE     0.90 /* of the usable cores */
#define GEN_MIN_SAMPLES    0.25 /* share of samples that must be that busy */
#define WARMUP_RATIO       2.0
#define WARMUP_MIN_POINTS  10

/* One series point flattened across phases, with the rates already divided out. */
struct tpoint {
    double t_s;   /* interval end */
    double dt_s;  /* interval length */
    double level; /* users or connections (closed), target rate (open) */
    uint64_t requests;
    uint64_t errors;
    double p50_ns, p90_ns, p99_ns, max_ns;
    size_t phase;
    bool recorded;
};

/* The analysis context: the Result, its flattened series, and the output. */
struct ctx {
    const struct lc_result *r;
    struct tpoint *pts; /* every point of every phase, in run order */
    size_t n;
    struct lc_findings *out;
    int rc;
};

const char *lc_finding_kind_id(enum lc_finding_kind k)
{
    switch (k) {
    case LC_FINDING_SATURATION:
        return "saturation";
    case LC_FINDING_TARGET_MISSED:
        return "target_missed";
    case LC_FINDING_ERROR_BURST:
        return "error_burst";
    case LC_FINDING_LATENCY_SPIKE:
        return "latency_spike";
    case LC_FINDING_LONG_TAIL:
        return "long_tail";
    case LC_FINDING_MEMORY_GROWTH:
        return "memory_growth";
    case LC_FINDING_GENERATOR_SATURATED:
        return "generator_saturated";
    case LC_FINDING_WARMUP:
        return "warmup";
    case LC_FINDING_THRESHOLD_CAUSE:
        return "threshold_cause";
    case LC_FINDING_KIND_COUNT:
        break;
    }
    return "unknown";
}

const char *lc_finding_severity_name(enum lc_finding_severity s)
{
    switch (s) {
    case LC_FINDING_INFO:
        return "info";
    case LC_FINDING_WARNING:
        return "warning";
    case LC_FINDING_CRITICAL:
        return "critical";
    }
    return "info";
}

void lc_findings_free(struct lc_findings *f)
{
    if (!f)
        return;
    free(f->items);
    memset(f, 0, sizeof(*f));
}

/* Append a finding with printf-formatted text; sets c->rc on failure. */
static void add(struct ctx *c, enum lc_finding_kind kind, enum lc_finding_severity sev,
                double t_from_s, double t_to_s, const char *fmt, ...) LC_PRINTF(6, 7);

static void add(struct ctx *c, enum lc_finding_kind kind, enum lc_finding_severity sev,
                double t_from_s, double t_to_s, const char *fmt, ...)
{
    struct lc_findings *f = c->out;
    if (c->rc)
        return;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct lc_finding *p = realloc(f->items, cap * sizeof(*p));
        if (!p) {
            c->rc = LC_ENOMEM;
            return;
        }
        f->items = p;
        f->cap = cap;
    }
    struct lc_finding *x = &f->items[f->n++];
    memset(x, 0, sizeof(*x));
    x->kind = kind;
    x->severity = sev;
    x->t_from_s = t_from_s;
    x->t_to_s = t_to_s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->text, sizeof(x->text), fmt, ap);
    va_end(ap);
}

/* ---- Small helpers ------------------------------------------------------------ */

/* The latency histogram of s when it holds values, else NULL. */
static const struct lc_hdr *latency_of(const struct lc_result_stats *s)
{
    if (!s || !s->has_hist[LC_HIST_LATENCY] || s->hist[LC_HIST_LATENCY].total_count <= 0)
        return NULL;
    return &s->hist[LC_HIST_LATENCY];
}

/* Percentile p of s's latency in ns; NaN when there is none. */
static double pct_ns(const struct lc_result_stats *s, double p)
{
    const struct lc_hdr *h = latency_of(s);
    return h ? (double)lc_hdr_value_at_percentile(h, p) : NAN;
}

/* Median of x[0..n) (sorts x); NaN when n is 0. */
static double median_inplace(double *x, size_t n)
{
    double m;
    if (n == 0 || lc_stats_median(x, n, &m) != 0)
        return NAN;
    return m;
}

/* Seconds as "12 s" or "1m 05s" for a point in time. */
static char *at(char *buf, size_t size, double t_s)
{
    if (t_s < 59.5)
        snprintf(buf, size, "%.0f s", t_s);
    else
        lc_report_fmt_secs(buf, size, t_s);
    return buf;
}

/* Whether phase i of r is an open-model phase with a rate asked for. */
static bool phase_open(const struct lc_result_phase *ph)
{
    return ph->model == LC_RESULT_MODEL_OPEN;
}

/* The unit word of a load level: "users", "connections" or "/s". */
static const char *level_unit(const struct lc_result *r, bool open)
{
    if (open)
        return "/s";
    return r->kind == LC_RESULT_KIND_HTTP || r->kind == LC_RESULT_KIND_RUN ? " users" : "";
}

/* Format a load level: "50 users" or "300/s". */
static char *fmt_level(char *buf, size_t size, const struct lc_result *r, bool open, double v)
{
    if (open)
        return lc_report_fmt_rate(buf, size, v);
    snprintf(buf, size, "%.0f%s", v, level_unit(r, false));
    return buf;
}

/* ---- The flattened series ------------------------------------------------------ */

static int flatten(struct ctx *c)
{
    const struct lc_result *r = c->r;
    size_t total = 0;
    for (size_t i = 0; i < r->n_phases; i++)
        total += r->phases[i]->n_series;
    if (total == 0)
        return 0;
    c->pts = calloc(total, sizeof(*c->pts));
    if (!c->pts)
        return LC_ENOMEM;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        double prev = (double)ph->start_offset_ns / 1e9;
        for (size_t j = 0; j < ph->n_series; j++) {
            const struct lc_result_point *p = &ph->series[j];
            struct tpoint *t = &c->pts[c->n++];
            double dt = p->t_s - prev;
            /* A first interval that is cut short or a gap gives an odd length; 1 s is the norm. */
            if (!(dt > 0.05) || dt > 60)
                dt = 1.0;
            prev = p->t_s;
            t->t_s = p->t_s;
            t->dt_s = dt;
            t->level = phase_open(ph) && p->target_rps > 0 ? p->target_rps : (double)p->active;
            t->requests = p->requests;
            t->errors = p->errors;
            t->p50_ns = (double)p->latency_p50_ns;
            t->p90_ns = (double)p->latency_p90_ns;
            t->p99_ns = (double)p->latency_p99_ns;
            t->max_ns = (double)p->latency_max_ns;
            t->phase = i;
            t->recorded = ph->recorded;
        }
    }
    return 0;
}

/* ---- saturation ----------------------------------------------------------------- */

/* The load level of a phase: mean active users / target rate over its series, else its peak. */
static double phase_level(const struct ctx *c, size_t phase)
{
    const struct lc_result_phase *ph = c->r->phases[phase];
    if (phase_open(ph) && ph->stats.target_rps > 0)
        return ph->stats.target_rps;
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->pts[i].phase == phase) {
            sum += c->pts[i].level;
            n++;
        }
    if (n > 0 && sum > 0)
        return sum / (double)n;
    return phase_open(ph) ? ph->target_rps : (double)ph->target_users;
}

/* Between recorded phases of one model; true when a finding was added. */
static bool saturation_phases(struct ctx *c)
{
    const struct lc_result *r = c->r;
    long prev = -1;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct lc_result_phase *b = r->phases[i];
        if (!b->recorded || b->stats.requests < SAT_MIN_REQUESTS || !latency_of(&b->stats))
            continue;
        if (prev >= 0) {
            const struct lc_result_phase *a = r->phases[prev];
            double la = phase_level(c, (size_t)prev), lb = phase_level(c, i);
            double ra = a->stats.rps, rb = b->stats.rps;
            double pa = pct_ns(&a->stats, 99), pb = pct_ns(&b->stats, 99);
            if (a->model == b->model && la > 0 && lb >= SAT_LEVEL_GROWTH * la && ra > 0 &&
                rb < SAT_RPS_GROWTH * ra && pa > 0 && pb > SAT_P99_GROWTH * pa) {
                char l1[32], l2[32], r1[32], r2[32], q1[32], q2[32];
                bool open = phase_open(a);
                add(c, LC_FINDING_SATURATION, LC_FINDING_WARNING, (double)a->start_offset_ns / 1e9,
                    (double)(b->start_offset_ns + b->duration_ns) / 1e9,
                    "Saturation at about %s: from phase '%s' to '%s' the load rose %+.0f%% "
                    "(%s to %s) but throughput changed only %+.1f%% (%s to %s) while p99 "
                    "rose %.1f\xc3\x97 (%s to %s).",
                    fmt_level(l1, sizeof(l1), r, open, la), a->name, b->name, 100 * (lb / la - 1),
                    l1, fmt_level(l2, sizeof(l2), r, open, lb), 100 * (rb / ra - 1),
                    lc_report_fmt_rate(r1, sizeof(r1), ra), lc_report_fmt_rate(r2, sizeof(r2), rb),
                    pb / pa, lc_report_fmt_ns(q1, sizeof(q1), pa),
                    lc_report_fmt_ns(q2, sizeof(q2), pb));
                return true;
            }
        }
        prev = (long)i;
    }
    return false;
}

/* A window of recorded series points. */
struct window {
    double t0, t1;
    double level; /* mean */
    double rps;   /* requests / seconds */
    double p99;   /* median of the points' p99 */
};

/* Within the recorded series, in SAT_WINDOWS windows of equal size. */
static void saturation_series(struct ctx *c)
{
    const struct lc_result *r = c->r;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->pts[i].recorded;
    if (n < SAT_MIN_POINTS)
        return;
    struct tpoint *rec = calloc(n, sizeof(*rec));
    double *tmp = calloc(n, sizeof(*tmp));
    if (!rec || !tmp) {
        free(rec);
        free(tmp);
        c->rc = LC_ENOMEM;
        return;
    }
    size_t k = 0;
    double lmin = INFINITY, lmax = 0;
    bool open_model = false;
    for (size_t i = 0; i < c->n; i++)
        if (c->pts[i].recorded) {
            rec[k++] = c->pts[i];
            lmin = fmin(lmin, c->pts[i].level);
            lmax = fmax(lmax, c->pts[i].level);
            open_model = open_model || phase_open(r->phases[c->pts[i].phase]);
        }
    struct window w[SAT_WINDOWS];
    size_t nw = n / 3 < SAT_WINDOWS ? n / 3 : SAT_WINDOWS;
    if (lmin <= 0 || lmax < SAT_LEVEL_GROWTH * lmin || nw < 2)
        goto done;
    for (size_t i = 0; i < nw; i++) {
        size_t from = i * n / nw, to = (i + 1) * n / nw;
        double lsum = 0, secs = 0, req = 0;
        size_t m = 0;
        for (size_t j = from; j < to; j++) {
            lsum += rec[j].level;
            secs += rec[j].dt_s;
            req += (double)rec[j].requests;
            if (rec[j].requests > 0)
                tmp[m++] = rec[j].p99_ns;
        }
        w[i].t0 = rec[from].t_s - rec[from].dt_s;
        w[i].t1 = rec[to - 1].t_s;
        w[i].level = lsum / (double)(to - from);
        w[i].rps = secs > 0 ? req / secs : 0;
        w[i].p99 = median_inplace(tmp, m);
    }
    for (size_t j = 1; j < nw; j++) {
        long best = -1;
        for (size_t i = 0; i < j; i++) {
            if (!(w[i].level > 0 && w[j].level >= SAT_LEVEL_GROWTH * w[i].level && w[i].rps > 0 &&
                  w[j].rps < SAT_RPS_GROWTH * w[i].rps && w[i].p99 > 0 &&
                  w[j].p99 > SAT_P99_GROWTH * w[i].p99))
                continue;
            if (best < 0 || w[i].rps > w[best].rps)
                best = (long)i;
        }
        if (best < 0)
            continue;
        const struct window *a = &w[best], *b = &w[j];
        char l1[32], l2[32], r1[32], r2[32], q1[32], q2[32], t1[32], t2[32], t3[32], t4[32];
        add(c, LC_FINDING_SATURATION, LC_FINDING_WARNING, a->t0, b->t1,
            "Saturation at about %s: between %s\xe2\x80\x93%s and %s\xe2\x80\x93%s the load rose "
            "%+.0f%% (%s to %s) but throughput changed only %+.1f%% (%s to %s) while p99 rose "
            "%.1f\xc3\x97 (%s to %s).",
            fmt_level(l1, sizeof(l1), r, open_model, a->level), at(t1, sizeof(t1), a->t0),
            at(t2, sizeof(t2), a->t1), at(t3, sizeof(t3), b->t0), at(t4, sizeof(t4), b->t1),
            100 * (b->level / a->level - 1), l1, fmt_level(l2, sizeof(l2), r, open_model, b->level),
            100 * (b->rps / a->rps - 1), lc_report_fmt_rate(r1, sizeof(r1), a->rps),
            lc_report_fmt_rate(r2, sizeof(r2), b->rps), b->p99 / a->p99,
            lc_report_fmt_ns(q1, sizeof(q1), a->p99), lc_report_fmt_ns(q2, sizeof(q2), b->p99));
        break;
    }
done:
    free(rec);
    free(tmp);
}

/* ---- target_missed --------------------------------------------------------------- */

static void target_missed(struct ctx *c)
{
    const struct lc_result *r = c->r;
    size_t found = 0;
    for (size_t i = 0; i < r->n_phases && found < LC_FINDINGS_MAX_PER_KIND; i++) {
        const struct lc_result_phase *ph = r->phases[i];
        const struct lc_result_stats *s = &ph->stats;
        double secs = (double)ph->duration_ns / 1e9;
        if (!ph->recorded || !phase_open(ph) || s->target_rps <= 0 || secs < TARGET_MIN_SECONDS)
            continue;
        if (s->rps >= TARGET_MIN_SHARE * s->target_rps)
            continue;
        char a[32], b[32], u[32], l[32];
        char who[300];
        if (r->n_phases == 1 || (r->n_phases == 2 && !r->phases[0]->recorded))
            snprintf(who, sizeof(who), "The run");
        else
            snprintf(who, sizeof(who), "Phase '%s'", ph->name);
        add(c, LC_FINDING_TARGET_MISSED, LC_FINDING_WARNING, (double)ph->start_offset_ns / 1e9,
            (double)(ph->start_offset_ns + ph->duration_ns) / 1e9,
            "%s asked for %s but completed %s (%.0f%%): the target could not keep up; %s "
            "requests were never sent and %s started late.",
            who, lc_report_fmt_rate(a, sizeof(a), s->target_rps),
            lc_report_fmt_rate(b, sizeof(b), s->rps), 100 * s->rps / s->target_rps,
            lc_report_fmt_count(u, sizeof(u), s->unsent),
            lc_report_fmt_count(l, sizeof(l), s->late_starts));
        found++;
    }
}

/* ---- error_burst ------------------------------------------------------------------- */

/* "status_503 1,200, timeout 150" : the top kinds of s into buf. */
static void top_kinds(const struct lc_result_stats *s, char *buf, size_t size)
{
    buf[0] = '\0';
    bool used[LC_RESULT_MAX_ERROR_KIND] = {false};
    size_t len = 0;
    for (int k = 0; k < 3; k++) {
        long best = -1;
        for (size_t i = 0; i < s->n_error_kinds && i < LC_RESULT_MAX_ERROR_KIND; i++)
            if (!used[i] && s->error_kinds[i].count > 0 &&
                (best < 0 || s->error_kinds[i].count > s->error_kinds[best].count))
                best = (long)i;
        if (best < 0)
            break;
        used[best] = true;
        char cnt[32];
        int w = snprintf(buf + len, size - len, "%s%s %s", k ? ", " : "", s->error_kinds[best].kind,
                         lc_report_fmt_count(cnt, sizeof(cnt), s->error_kinds[best].count));
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
}

/* A burst: points [from, to] of c->pts. */
struct burst {
    size_t from, to;
    uint64_t requests, errors;
};

static int burst_cmp(const void *a, const void *b)
{
    const struct burst *x = a, *y = b;
    if (x->errors != y->errors)
        return x->errors < y->errors ? 1 : -1;
    return x->from < y->from ? -1 : x->from > y->from;
}

static void error_bursts(struct ctx *c)
{
    double req = 0, err = 0;
    for (size_t i = 0; i < c->n; i++) {
        req += (double)c->pts[i].requests;
        err += (double)c->pts[i].errors;
    }
    if (req <= 0 || err <= 0 || err >= req)
        return;
    double rate = err / req;
    struct burst *b = calloc(c->n, sizeof(*b));
    if (!b) {
        c->rc = LC_ENOMEM;
        return;
    }
    size_t nb = 0;
    bool in_burst = false;
    for (size_t i = 0; i < c->n; i++) {
        const struct tpoint *p = &c->pts[i];
        double n = (double)p->requests, e = (double)p->errors;
        bool hot = false;
        if (p->errors >= BURST_MIN_ERRORS && n > 0) {
            double z = (e - rate * n) / sqrt(n * rate * (1 - rate));
            hot = e / n >= BURST_RATIO * rate && z >= BURST_MIN_Z;
        }
        if (hot && in_burst && b[nb - 1].to + 1 == i) {
            b[nb - 1].to = i;
            b[nb - 1].requests += p->requests;
            b[nb - 1].errors += p->errors;
        } else if (hot) {
            b[nb++] = (struct burst){i, i, p->requests, p->errors};
        }
        in_burst = hot;
    }
    qsort(b, nb, sizeof(*b), burst_cmp);
    for (size_t i = 0; i < nb && i < LC_FINDINGS_MAX_PER_KIND; i++) {
        const struct tpoint *p0 = &c->pts[b[i].from], *p1 = &c->pts[b[i].to];
        double t0 = p0->t_s - p0->dt_s, t1 = p1->t_s;
        const struct lc_result_phase *ph = c->r->phases[p0->phase];
        char kinds[300], e[32], n[32], f1[32], f2[32], a[32], z[32];
        top_kinds(&ph->stats, kinds, sizeof(kinds));
        double br = (double)b[i].errors / (double)b[i].requests;
        char where[400];
        if (kinds[0])
            snprintf(where, sizeof(where), "; errors of phase '%s' by kind: %s", ph->name, kinds);
        else
            where[0] = '\0';
        add(c, LC_FINDING_ERROR_BURST, br >= 0.5 ? LC_FINDING_CRITICAL : LC_FINDING_WARNING, t0, t1,
            "Error burst from %s to %s: %s of %s requests failed (%s, %.0f\xc3\x97 the run's "
            "%s)%s.",
            at(a, sizeof(a), t0), at(z, sizeof(z), t1),
            lc_report_fmt_count(e, sizeof(e), b[i].errors),
            lc_report_fmt_count(n, sizeof(n), b[i].requests),
            lc_report_fmt_frac(f1, sizeof(f1), br), br / rate,
            lc_report_fmt_frac(f2, sizeof(f2), rate), where);
    }
    free(b);
}

/* ---- latency_spike -------------------------------------------------------------- */

static int spike_cmp(const void *a, const void *b)
{
    const struct burst *x = a, *y = b; /* errors holds the peak p99 in ns here */
    if (x->errors != y->errors)
        return x->errors < y->errors ? 1 : -1;
    return x->from < y->from ? -1 : x->from > y->from;
}

static void latency_spikes(struct ctx *c)
{
    double *p99 = calloc(c->n ? c->n : 1, sizeof(*p99));
    double *rps = calloc(c->n ? c->n : 1, sizeof(*rps));
    struct burst *b = calloc(c->n ? c->n : 1, sizeof(*b));
    if (!p99 || !rps || !b) {
        c->rc = LC_ENOMEM;
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->pts[i].recorded && c->pts[i].requests >= SPIKE_MIN_REQUESTS)
            p99[m++] = c->pts[i].p99_ns;
    if (m < SPIKE_MIN_POINTS)
        goto done;
    double typ = median_inplace(p99, m);
    if (!(typ > 0))
        goto done;
    size_t nb = 0;
    bool in_spike = false;
    for (size_t i = 0; i < c->n; i++) {
        const struct tpoint *p = &c->pts[i];
        bool hot = p->recorded && p->requests >= SPIKE_MIN_REQUESTS &&
                   p->p99_ns >= SPIKE_RATIO * typ && p->p99_ns - typ >= SPIKE_MIN_NS;
        if (hot && in_spike && b[nb - 1].to + 1 == i) {
            b[nb - 1].to = i;
            b[nb - 1].errors = (uint64_t)fmax((double)b[nb - 1].errors, p->p99_ns);
        } else if (hot) {
            b[nb++] = (struct burst){i, i, 0, (uint64_t)p->p99_ns};
        }
        in_spike = hot;
    }
    /*
     * A spike is transient: one of the next 3 recorded seconds is back below
     * twice the typical p99 (the seconds right after a stall still drain its
     * queue). Latency that climbs and stays up is saturation, not a spike.
     */
    size_t kept = 0;
    for (size_t k = 0; k < nb; k++) {
        bool back = false;
        for (size_t j = b[k].to + 1, seen = 0; j < c->n && seen < 3 && !back; j++) {
            if (!c->pts[j].recorded || c->pts[j].requests < SPIKE_MIN_REQUESTS)
                continue;
            seen++;
            back = c->pts[j].p99_ns < 2 * typ;
        }
        if (back)
            b[kept++] = b[k];
    }
    nb = kept;
    qsort(b, nb, sizeof(*b), spike_cmp);
    for (size_t k = 0; k < nb && k < LC_FINDINGS_MAX_PER_KIND; k++) {
        const struct tpoint *p0 = &c->pts[b[k].from], *p1 = &c->pts[b[k].to];
        double t0 = p0->t_s - p0->dt_s, t1 = p1->t_s, peak = (double)b[k].errors, mx = 0;
        double lowest = INFINITY;
        for (size_t i = b[k].from; i <= b[k].to; i++) {
            mx = fmax(mx, c->pts[i].max_ns);
            lowest = fmin(lowest, (double)c->pts[i].requests / c->pts[i].dt_s);
        }
        /* The typical throughput around the spike: up to 5 recorded seconds on each side. */
        size_t nr = 0;
        for (size_t i = b[k].from, seen = 0; i-- > 0 && seen < 5;)
            if (c->pts[i].recorded) {
                rps[nr++] = (double)c->pts[i].requests / c->pts[i].dt_s;
                seen++;
            }
        for (size_t i = b[k].to + 1, seen = 0; i < c->n && seen < 5; i++)
            if (c->pts[i].recorded) {
                rps[nr++] = (double)c->pts[i].requests / c->pts[i].dt_s;
                seen++;
            }
        double typ_rps = median_inplace(rps, nr);
        /* Throughput that dips in the same seconds says the target stalled, not one slow call. */
        char dip[200] = "", a[32], z[32], q[32], ty[32], x[32], r1[32], r2[32];
        if (nr > 0 && typ_rps > 0 && lowest < SPIKE_DIP * typ_rps)
            snprintf(dip, sizeof(dip), "; throughput fell to %s (typically %s): the target stalled",
                     lc_report_fmt_rate(r1, sizeof(r1), lowest),
                     lc_report_fmt_rate(r2, sizeof(r2), typ_rps));
        add(c, LC_FINDING_LATENCY_SPIKE, LC_FINDING_WARNING, t0, t1,
            "Latency spike from %s to %s: the per-second p99 reached %s, %.0f\xc3\x97 the run's "
            "typical %s (max %s)%s.",
            at(a, sizeof(a), t0), at(z, sizeof(z), t1), lc_report_fmt_ns(q, sizeof(q), peak),
            peak / typ, lc_report_fmt_ns(ty, sizeof(ty), typ), lc_report_fmt_ns(x, sizeof(x), mx),
            dip);
    }
done:
    free(p99);
    free(rps);
    free(b);
}

/* ---- long_tail -------------------------------------------------------------------- */

static void long_tail(struct ctx *c)
{
    const struct lc_result *r = c->r;
    const struct lc_hdr *h = latency_of(&r->total);
    double tot = NAN;
    if (h && h->total_count >= TAIL_MIN_REQUESTS) {
        double p50 = pct_ns(&r->total, 50), p99 = pct_ns(&r->total, 99);
        if (p50 > 0)
            tot = p99 / p50;
    }
    /* The request name with the largest ratio, when there are several names. */
    long worst = -1;
    double wratio = 0;
    for (size_t i = 0; r->n_requests > 1 && i < r->n_requests; i++) {
        const struct lc_result_stats *s = &r->requests[i]->stats;
        const struct lc_hdr *hn = latency_of(s);
        if (!hn || hn->total_count < TAIL_MIN_REQUESTS)
            continue;
        double p50 = pct_ns(s, 50), p99 = pct_ns(s, 99);
        if (p50 > 0 && p99 / p50 > wratio) {
            wratio = p99 / p50;
            worst = (long)i;
        }
    }
    char a[32], b[32], d[32], m[32];
    if (tot > TAIL_RATIO) {
        char extra[400] = "";
        if (worst >= 0 && wratio > TAIL_RATIO)
            snprintf(extra, sizeof(extra), "; worst for '%s' (p99 %.0f\xc3\x97 its median)",
                     r->requests[worst]->name, wratio);
        add(c, LC_FINDING_LONG_TAIL, LC_FINDING_WARNING, NAN, NAN,
            "Long tail: p99 (%s) is %.0f\xc3\x97 the median (%s); p99.9 %s, max %s: about 1 "
            "request in 100 waits far longer than is typical%s.",
            lc_report_fmt_ns(a, sizeof(a), pct_ns(&r->total, 99)), tot,
            lc_report_fmt_ns(b, sizeof(b), pct_ns(&r->total, 50)),
            lc_report_fmt_ns(d, sizeof(d), pct_ns(&r->total, 99.9)),
            lc_report_fmt_ns(m, sizeof(m), (double)lc_hdr_max(h)), extra);
    } else if (worst >= 0 && wratio > TAIL_RATIO) {
        const struct lc_result_stats *s = &r->requests[worst]->stats;
        add(c, LC_FINDING_LONG_TAIL, LC_FINDING_WARNING, NAN, NAN,
            "Long tail in '%s': p99 (%s) is %.0f\xc3\x97 its median (%s); max %s.",
            r->requests[worst]->name, lc_report_fmt_ns(a, sizeof(a), pct_ns(s, 99)), wratio,
            lc_report_fmt_ns(b, sizeof(b), pct_ns(s, 50)),
            lc_report_fmt_ns(m, sizeof(m), (double)lc_hdr_max(&s->hist[LC_HIST_LATENCY])));
    }
}

/* ---- memory_growth ------------------------------------------------------------------ */

/* Whether a resource series is a memory footprint whose growth means something. */
static bool is_memory(const struct lc_result_resource *res)
{
    const char *n = res->name;
    size_t len = strlen(n);
    if (len >= 9 && strcmp(n + len - 9, "rss_bytes") == 0)
        return true;
    if (strstr(n, "heap"))
        return true;
    return strncmp(n, "gpu", 3) == 0 && strstr(n, "mem") != NULL;
}

static void memory_growth(struct ctx *c)
{
    const struct lc_result *r = c->r;
    size_t found = 0;
    for (size_t i = 0; i < r->n_resources && found < LC_FINDINGS_MAX_PER_KIND; i++) {
        const struct lc_result_resource *res = r->resources[i];
        size_t n = res->n_samples;
        if (!is_memory(res) || n < MEM_MIN_SAMPLES)
            continue;
        double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
        if (!x || !y) {
            free(x);
            free(y);
            c->rc = LC_ENOMEM;
            return;
        }
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            if (isfinite(res->samples[j].t_s) && isfinite(res->samples[j].value)) {
                x[m] = res->samples[j].t_s;
                y[m] = res->samples[j].value;
                m++;
            }
        struct lc_stats_fit fit;
        bool ok = m >= MEM_MIN_SAMPLES && lc_stats_ols(x, y, m, &fit) == 0;
        if (ok) {
            double span = x[m - 1] - x[0];
            double first = fit.intercept + fit.slope * x[0];
            double growth = fit.slope * span;
            double base = fmax(first, y[0]);
            if (fit.slope > 0 && fit.r2 >= MEM_MIN_R2 && growth >= MEM_MIN_BYTES && base > 0 &&
                growth >= MEM_MIN_GROWTH * base) {
                char g[32], d[32], h[32];
                add(c, LC_FINDING_MEMORY_GROWTH, LC_FINDING_WARNING, x[0], x[m - 1],
                    "%s grew steadily by %s over %s (%+.0f%%, %s/h, R\xc2\xb2 %.2f): a possible "
                    "leak or an unbounded cache.",
                    res->name, lc_report_fmt_bytes(g, sizeof(g), growth),
                    lc_report_fmt_secs(d, sizeof(d), span), 100 * growth / base,
                    lc_report_fmt_bytes(h, sizeof(h), fit.slope * 3600), fit.r2);
                found++;
            }
        }
        free(x);
        free(y);
    }
}

/* ---- generator_saturated ------------------------------------------------------------- */

static void generator(struct ctx *c)
{
    const struct lc_result *r = c->r;
    for (size_t i = 0; i < r->n_warnings; i++) {
        const char *w = r->warnings[i];
        if (strcasestr(w, "generator") && (strcasestr(w, "saturat") || strcasestr(w, "cpu"))) {
            add(c, LC_FINDING_GENERATOR_SATURATED, LC_FINDING_CRITICAL, NAN, NAN,
                "The load generator itself was a bottleneck (\"%s\"): latency and throughput "
                "may describe loadcell rather than the target; use more threads or machines.",
                w);
            return;
        }
    }
    const struct lc_result_resource *g = lc_result_find_resource(r, "gen.cpu_percent");
    double cores = r->host.logical_cores;
    if (r->has_load && r->load.threads > 0 && (cores <= 0 || r->load.threads < cores))
        cores = r->load.threads;
    if (!g || g->n_samples < 3 || cores <= 0)
        return;
    size_t busy = 0, n = 0;
    double peak = 0, sum = 0;
    for (size_t i = 0; i < g->n_samples; i++) {
        double v = g->samples[i].value;
        if (!isfinite(v))
            continue;
        n++;
        sum += v;
        peak = fmax(peak, v);
        busy += v >= GEN_BUSY_SHARE * 100 * cores;
    }
    if (n >= 3 && (double)busy >= GEN_MIN_SAMPLES * (double)n)
        add(c, LC_FINDING_GENERATOR_SATURATED, LC_FINDING_CRITICAL, NAN, NAN,
            "The load generator was CPU-bound: gen.cpu_percent was at or above %.0f%% of its %.0f "
            "usable cores in %zu of %zu samples (mean %.0f%%, peak %.0f%%); the figures may "
            "describe loadcell rather than the target.",
            100 * GEN_BUSY_SHARE, cores, busy, n, sum / (double)n, peak);
}

/* ---- warmup ---------------------------------------------------------------------------- */

static void warmup(struct ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->pts[i].recorded && c->pts[i].requests > 0;
    if (n < WARMUP_MIN_POINTS)
        return;
    double *v = calloc(n, sizeof(*v));
    double *tmp = calloc(n, sizeof(*tmp));
    double *t = calloc(n, sizeof(*t));
    if (!v || !tmp || !t) {
        c->rc = LC_ENOMEM;
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->pts[i].recorded && c->pts[i].requests > 0) {
            t[k] = c->pts[i].t_s - c->pts[i].dt_s;
            v[k++] = c->pts[i].p50_ns;
        }
    static const size_t firsts[] = {5, 3, 2, 1};
    for (size_t f = 0; f < sizeof(firsts) / sizeof(firsts[0]); f++) {
        size_t m = firsts[f];
        if (m > n / 4)
            continue;
        memcpy(tmp, v + m, (n - m) * sizeof(*v));
        double rest = median_inplace(tmp, n - m);
        memcpy(tmp, v, m * sizeof(*v));
        double head = median_inplace(tmp, m);
        /* The stretch ends with a slow second, so that it names no more seconds than were slow. */
        if (rest > 0 && head >= WARMUP_RATIO * rest && v[m - 1] >= WARMUP_RATIO * rest) {
            char a[32], b[32], s[32];
            double secs = t[m] - t[0];
            add(c, LC_FINDING_WARMUP, LC_FINDING_INFO, t[0], t[m],
                "Warm-up effect: the first %s of the measurement were slower (median p50 %s "
                "against %s afterwards, %.1f\xc3\x97); a warm-up (--warmup, or a warm-up phase) "
                "keeps start-up costs out of the figures.",
                lc_report_fmt_secs(s, sizeof(s), secs), lc_report_fmt_ns(a, sizeof(a), head),
                lc_report_fmt_ns(b, sizeof(b), rest), head / rest);
            break;
        }
    }
done:
    free(v);
    free(tmp);
    free(t);
}

/* ---- threshold_cause --------------------------------------------------------------------- */

/* What a threshold's metric measures, for finding its cause. */
enum mclass { M_OTHER, M_LATENCY, M_ERRORS, M_RPS };

/* Classify a metric; *pct receives the latency percentile it reads (50 for med, 100 for max). */
static enum mclass classify(const char *metric, double *pct)
{
    *pct = 99;
    if (!metric)
        return M_OTHER;
    const char *p = metric;
    if (strncmp(p, "ttfb_", 5) == 0)
        return M_OTHER; /* ttfb has no per-second series; name and phase still help below */
    if (strncmp(p, "p(", 2) == 0) {
        char *end;
        double v = strtod(p + 2, &end);
        if (end != p + 2 && v >= 0 && v <= 100) {
            *pct = v;
            return M_LATENCY;
        }
        return M_OTHER;
    }
    if (strcmp(p, "med") == 0 || strcmp(p, "median") == 0) {
        *pct = 50;
        return M_LATENCY;
    }
    if (strcmp(p, "max") == 0) {
        *pct = 100;
        return M_LATENCY;
    }
    if (strcmp(p, "avg") == 0 || strcmp(p, "min") == 0) {
        *pct = strcmp(p, "avg") == 0 ? -1 : 0;
        return M_LATENCY;
    }
    if (strcmp(p, "error_rate") == 0 || strcmp(p, "errors") == 0)
        return M_ERRORS;
    if (strcmp(p, "rps") == 0)
        return M_RPS;
    return M_OTHER;
}

/* A latency figure of s for percentile pct (-1: the mean); NaN when none. */
static double lat_fig(const struct lc_result_stats *s, double pct)
{
    const struct lc_hdr *h = latency_of(s);
    if (!h)
        return NAN;
    if (pct < 0)
        return lc_hdr_mean(h);
    if (pct >= 100)
        return (double)lc_hdr_max(h);
    return (double)lc_hdr_value_at_percentile(h, pct);
}

/* A per-second figure of a point matching percentile pct; NaN when the series has none. */
static double point_fig(const struct tpoint *p, double pct)
{
    if (pct >= 100)
        return p->max_ns;
    if (pct >= 99)
        return p->p99_ns;
    if (pct >= 90)
        return p->p90_ns;
    if (pct >= 50)
        return p->p50_ns;
    return NAN;
}

/* A limit in unit converted to ns; NaN for units that are not durations. */
static double unit_to_ns(double v, const char *unit)
{
    if (!unit)
        return NAN;
    if (strcmp(unit, "ns") == 0)
        return v;
    if (strcmp(unit, "us") == 0 || strcmp(unit, "\xc2\xb5s") == 0)
        return v * 1e3;
    if (strcmp(unit, "ms") == 0)
        return v * 1e6;
    if (strcmp(unit, "s") == 0)
        return v * 1e9;
    if (strcmp(unit, "m") == 0)
        return v * 60e9;
    return NAN;
}

/* The scope of a threshold resolved into a phase and / or a request name. */
struct scope {
    const struct lc_result_phase *phase; /* NULL: every recorded phase */
    const char *request;                 /* NULL: every request name */
    const struct lc_result_stats *stats; /* the stats the threshold judged */
};

static void resolve_scope(const struct lc_result *r, const char *scope, struct scope *out)
{
    memset(out, 0, sizeof(*out));
    out->stats = &r->total;
    if (!scope || !*scope)
        return;
    const struct lc_result_phase *ph = lc_result_find_phase(r, scope);
    if (ph) {
        out->phase = ph;
        out->stats = &ph->stats;
        return;
    }
    const struct lc_result_stats *s = lc_result_find_request(r, scope);
    if (s) {
        out->request = scope;
        out->stats = s;
        return;
    }
    const char *dot = strchr(scope, '.');
    while (dot) {
        char name[256];
        size_t len = (size_t)(dot - scope);
        if (len < sizeof(name)) {
            memcpy(name, scope, len);
            name[len] = '\0';
            ph = lc_result_find_phase(r, name);
            if (ph && lc_result_phase_find_request(ph, dot + 1)) {
                out->phase = ph;
                out->request = dot + 1;
                out->stats = lc_result_phase_find_request(ph, dot + 1);
                return;
            }
        }
        dot = strchr(dot + 1, '.');
    }
    out->stats = NULL; /* unknown scope: nothing to explain */
}

/* Append "; " and printf text to buf (of size) at *len. */
static void part(char *buf, size_t size, size_t *len, const char *fmt, ...) LC_PRINTF(4, 5);

static void part(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    if (*len > 0) {
        int w = snprintf(buf + *len, size - *len, "; ");
        if (w < 0 || (size_t)w >= size - *len)
            return;
        *len += (size_t)w;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len = (size_t)w >= size - *len ? size - 1 : *len + (size_t)w;
}

/* Per-request-name stats in the threshold's scope (a phase's, or the run's). */
static void names_in(const struct lc_result *r, const struct scope *sc,
                     struct lc_result_named_stats *const **names, size_t *n)
{
    if (sc->phase) {
        *names = sc->phase->requests;
        *n = sc->phase->n_requests;
    } else {
        *names = r->requests;
        *n = r->n_requests;
    }
}

/* Evidence for a failed latency threshold. */
static void cause_latency(const struct ctx *c, const struct lc_result_threshold *t,
                          const struct scope *sc, double pct, char *buf, size_t size, size_t *len,
                          double *t0, double *t1)
{
    const struct lc_result *r = c->r;
    char v[32], w[32];
    const char *fig = pct < 0 ? "mean" : pct >= 100 ? "max" : t->metric;
    struct lc_result_named_stats *const *names;
    size_t nn;
    names_in(r, sc, &names, &nn);
    double limit_ns = unit_to_ns(t->limit, t->unit);
    if (!sc->request && nn > 1) {
        long worst = -1;
        double wv = 0;
        size_t above = 0;
        for (size_t i = 0; i < nn; i++) {
            double x = lat_fig(&names[i]->stats, pct);
            if (!isfinite(x))
                continue;
            above += isfinite(limit_ns) && x > limit_ns;
            if (worst < 0 || x > wv) {
                wv = x;
                worst = (long)i;
            }
        }
        if (worst >= 0) {
            const struct lc_result_stats *s = &names[worst]->stats;
            char share[32];
            double fr = sc->stats->requests ? (double)s->requests / (double)sc->stats->requests : 0;
            part(buf, size, len, "'%s' has the worst %s, %s (%s of the requests)%s",
                 names[worst]->name, fig, lc_report_fmt_ns(v, sizeof(v), wv),
                 lc_report_fmt_frac(share, sizeof(share), fr),
                 above == 1 && isfinite(limit_ns) ? ", the only request name above the limit" : "");
        }
    }
    if (!sc->phase) {
        long worst = -1;
        double wv = 0;
        size_t rec = 0;
        for (size_t i = 0; i < r->n_phases; i++) {
            const struct lc_result_phase *ph = r->phases[i];
            if (!ph->recorded)
                continue;
            rec++;
            const struct lc_result_stats *s =
                sc->request ? lc_result_phase_find_request(ph, sc->request) : &ph->stats;
            double x = s ? lat_fig(s, pct) : NAN;
            if (isfinite(x) && (worst < 0 || x > wv)) {
                wv = x;
                worst = (long)i;
            }
        }
        if (rec > 1 && worst >= 0)
            part(buf, size, len, "phase '%s' has the worst %s, %s", r->phases[worst]->name, fig,
                 lc_report_fmt_ns(v, sizeof(v), wv));
    }
    /* Seconds above the limit (the series is per phase, not per request name). */
    if (sc->request || !isfinite(limit_ns))
        return;
    size_t secs = 0, above = 0;
    double wt = NAN, wv = 0, first = NAN, last = NAN;
    for (size_t i = 0; i < c->n; i++) {
        const struct tpoint *p = &c->pts[i];
        if (!p->recorded || p->requests == 0 || (sc->phase && r->phases[p->phase] != sc->phase))
            continue;
        double x = point_fig(p, pct);
        if (!isfinite(x))
            return;
        secs++;
        if (x > limit_ns) {
            above++;
            if (!isfinite(first))
                first = p->t_s - p->dt_s;
            last = p->t_s;
        }
        if (x > wv) {
            wv = x;
            wt = p->t_s;
        }
    }
    if (secs == 0)
        return;
    const char *pname = pct >= 100 ? "max" : pct >= 99 ? "p99" : pct >= 90 ? "p90" : "p50";
    char lim[64], tt[32];
    lc_report_fmt_value(lim, sizeof(lim), t->limit, t->unit);
    part(buf, size, len,
         "the per-second %s was above %s in %zu of %zu seconds (%s), worst %s at %s", pname, lim,
         above, secs,
         above * 4 >= secs * 3 ? "a steady excess"
         : above * 4 <= secs   ? "brief spikes"
                               : "often",
         lc_report_fmt_ns(w, sizeof(w), wv), at(tt, sizeof(tt), wt));
    if (above > 0 && above * 4 <= secs) {
        *t0 = first;
        *t1 = last;
    }
}

/* Evidence for a failed error threshold. */
static void cause_errors(const struct ctx *c, const struct scope *sc, char *buf, size_t size,
                         size_t *len)
{
    const struct lc_result *r = c->r;
    const struct lc_result_stats *st = sc->stats;
    struct lc_result_named_stats *const *names;
    size_t nn;
    names_in(r, sc, &names, &nn);
    char a[32], b[32], f[32], f2[32];
    if (!sc->request && nn > 1 && st->errors > 0) {
        long worst = -1;
        for (size_t i = 0; i < nn; i++)
            if (worst < 0 || names[i]->stats.errors > names[worst]->stats.errors)
                worst = (long)i;
        const struct lc_result_stats *s = &names[worst]->stats;
        if (s->errors > 0)
            part(buf, size, len, "'%s' had %s of the errors (%s of %s; its error rate %s)",
                 names[worst]->name,
                 lc_report_fmt_frac(f, sizeof(f), (double)s->errors / (double)st->errors),
                 lc_report_fmt_count(a, sizeof(a), s->errors),
                 lc_report_fmt_count(b, sizeof(b), st->errors),
                 lc_report_fmt_frac(f2, sizeof(f2), lc_result_stats_error_rate(s)));
    }
    if (!sc->phase && !sc->request) {
        long worst = -1;
        size_t rec = 0;
        for (size_t i = 0; i < r->n_phases; i++) {
            const struct lc_result_phase *ph = r->phases[i];
            if (!ph->recorded)
                continue;
            rec++;
            if (worst < 0 || lc_result_stats_error_rate(&ph->stats) >
                                 lc_result_stats_error_rate(&r->phases[worst]->stats))
                worst = (long)i;
        }
        if (rec > 1 && worst >= 0 && r->phases[worst]->stats.errors > 0)
            part(buf, size, len, "phase '%s' has the highest error rate, %s",
                 r->phases[worst]->name,
                 lc_report_fmt_frac(f, sizeof(f),
                                    lc_result_stats_error_rate(&r->phases[worst]->stats)));
    }
    char kinds[300];
    top_kinds(st, kinds, sizeof(kinds));
    if (kinds[0])
        part(buf, size, len, "errors by kind: %s", kinds);
    if (sc->request)
        return;
    size_t secs = 0, with = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct tpoint *p = &c->pts[i];
        if (!p->recorded || p->requests == 0 || (sc->phase && r->phases[p->phase] != sc->phase))
            continue;
        secs++;
        with += p->errors > 0;
    }
    if (secs > 0 && st->errors > 0)
        part(buf, size, len, "errors occurred in %zu of %zu seconds (%s)", with, secs,
             with * 4 >= secs * 3 ? "throughout the run" : "concentrated in a few seconds");
}

/* Evidence for a failed throughput threshold. */
static void cause_rps(const struct ctx *c, const struct lc_result_threshold *t,
                      const struct scope *sc, char *buf, size_t size, size_t *len)
{
    const struct lc_result *r = c->r;
    char v[32];
    if (sc->request)
        return;
    size_t secs = 0, below = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct tpoint *p = &c->pts[i];
        if (!p->recorded || (sc->phase && r->phases[p->phase] != sc->phase))
            continue;
        secs++;
        below += (double)p->requests / p->dt_s < t->limit;
    }
    if (secs > 0)
        part(buf, size, len, "throughput was below %s in %zu of %zu seconds",
             lc_report_fmt_rate(v, sizeof(v), t->limit), below, secs);
    const struct lc_result_stats *s = sc->stats;
    if (s->target_rps > 0 && s->target_rps < t->limit)
        part(buf, size, len, "the rate asked for (%s) is itself below the limit",
             lc_report_fmt_rate(v, sizeof(v), s->target_rps));
}

static void threshold_causes(struct ctx *c)
{
    const struct lc_result *r = c->r;
    size_t found = 0;
    for (size_t i = 0; i < r->n_thresholds && found < LC_FINDINGS_MAX_PER_KIND; i++) {
        const struct lc_result_threshold *t = &r->thresholds[i];
        if (t->verdict != LC_RESULT_VERDICT_FAIL || r->kind == LC_RESULT_KIND_BENCH)
            continue;
        struct scope sc;
        resolve_scope(r, t->scope, &sc);
        if (!sc.stats)
            continue;
        double pct;
        enum mclass mc = classify(t->metric, &pct);
        char ev[520];
        size_t len = 0;
        ev[0] = '\0';
        double t0 = NAN, t1 = NAN;
        if (mc == M_LATENCY)
            cause_latency(c, t, &sc, pct, ev, sizeof(ev), &len, &t0, &t1);
        else if (mc == M_ERRORS)
            cause_errors(c, &sc, ev, sizeof(ev), &len);
        else if (mc == M_RPS)
            cause_rps(c, t, &sc, ev, sizeof(ev), &len);
        if (len == 0)
            continue;
        char obs[64];
        add(c, LC_FINDING_THRESHOLD_CAUSE, LC_FINDING_CRITICAL, t0, t1,
            "Threshold '%s' failed (observed %s): %s.", t->expr,
            lc_report_fmt_value(obs, sizeof(obs), t->observed, t->unit), ev);
        found++;
    }
}

/* ---- Entry ---------------------------------------------------------------------------- */

static int sev_cmp(const void *a, const void *b)
{
    const struct lc_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    return 0;
}

int lc_findings_analyze(const struct lc_result *r, struct lc_findings *out)
{
    memset(out, 0, sizeof(*out));
    struct ctx c = {.r = r, .out = out};
    c.rc = flatten(&c);
    if (!c.rc) {
        generator(&c);
        threshold_causes(&c);
        if (!saturation_phases(&c))
            saturation_series(&c);
        target_missed(&c);
        error_bursts(&c);
        latency_spikes(&c);
        long_tail(&c);
        memory_growth(&c);
        warmup(&c);
    }
    free(c.pts);
    if (c.rc) {
        lc_findings_free(out);
        return c.rc;
    }
    /* Most severe first; insertion sort keeps the rule order within a severity. */
    for (size_t i = 1; i < out->n; i++) {
        struct lc_finding x = out->items[i];
        size_t j = i;
        while (j > 0 && sev_cmp(&out->items[j - 1], &x) > 0) {
            out->items[j] = out->items[j - 1];
            j--;
        }
        out->items[j] = x;
    }
    return 0;
}
