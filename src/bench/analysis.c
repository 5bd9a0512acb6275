/* Bench Result analysis: per-command summaries, comparisons at equal parameters, log-log scaling
 * fits. */
#include "bench/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/scan.h"

#define DEFAULT_RESAMPLES 10000
#define DEFAULT_LEVEL     0.95
#define DEFAULT_SEED      0x6c6f6164636c6cULL /* "loadcll": fixed, so a file gives fixed figures */

static const char *const qty_names[] = {"time", "user", "sys", "max_rss", "artifact"};
static const char *const qty_units[] = {"s", "s", "s", "bytes", "bytes"};

const char *lc_bench_scaling_verdict(double b)
{
    if (b < -0.15)
        return "decreasing";
    if (b < 0.15)
        return "constant";
    if (fabs(b - 1) <= 0.1)
        return "linear";
    if (b < 1)
        return "sub-linear";
    if (fabs(b - 2) <= 0.15)
        return "quadratic";
    if (b < 2)
        return "super-linear";
    return "super-quadratic";
}

static struct lc_stats_boot boot_opts(const struct lc_bench_analysis_opts *o)
{
    struct lc_stats_boot b = {
        .resamples = o && o->resamples ? o->resamples : DEFAULT_RESAMPLES,
        .level = o && o->level > 0 && o->level < 1 ? o->level : DEFAULT_LEVEL,
        .seed = o && o->seed ? o->seed : DEFAULT_SEED,
    };
    return b;
}

static bool is_builtin_metric(const char *name)
{
    return strcmp(name, LC_BENCH_METRIC_VCSW) == 0 || strcmp(name, LC_BENCH_METRIC_IVCSW) == 0;
}

/*
 * The values of one quantity over c's runs into buf (room for c->n_runs);
 * *n gets how many runs have one. *unit (may be NULL) gets the metric's unit.
 */
static void values_of(const struct lc_result_bench_command *c, enum lc_bench_qty kind,
                      const char *metric, double *buf, size_t *n, const char **unit)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_runs; i++) {
        const struct lc_result_bench_run *r = &c->runs[i];
        switch (kind) {
        case LC_BENCH_QTY_WALL:
            buf[k++] = (double)r->wall_ns / 1e9;
            break;
        case LC_BENCH_QTY_USER:
            buf[k++] = (double)r->user_ns / 1e9;
            break;
        case LC_BENCH_QTY_SYS:
            buf[k++] = (double)r->sys_ns / 1e9;
            break;
        case LC_BENCH_QTY_MAX_RSS:
            buf[k++] = (double)r->max_rss_bytes;
            break;
        case LC_BENCH_QTY_ARTIFACT:
            if (r->artifact_bytes >= 0)
                buf[k++] = (double)r->artifact_bytes;
            break;
        case LC_BENCH_QTY_METRIC:
            for (size_t j = 0; j < r->n_metrics; j++) {
                if (strcmp(r->metrics[j].name, metric) == 0) {
                    buf[k++] = r->metrics[j].value;
                    if (unit && !*unit && r->metrics[j].unit)
                        *unit = r->metrics[j].unit;
                    break;
                }
            }
            break;
        }
    }
    *n = k;
}

void lc_bench_cmd_stats_free(struct lc_bench_cmd_stats *s)
{
    if (!s)
        return;
    free(s->q);
    free(s->outlier);
    memset(s, 0, sizeof(*s));
}

const struct lc_bench_qty_summary *lc_bench_cmd_stats_find(const struct lc_bench_cmd_stats *s,
                                                           const char *name)
{
    for (size_t i = 0; i < s->n_q; i++)
        if (strcmp(s->q[i].name, name) == 0)
            return &s->q[i];
    return NULL;
}

/* Summarise the values of one quantity into q (q->n == 0 when there are none). */
static int summarize(const double *v, size_t n, const struct lc_stats_boot *b,
                     struct lc_bench_qty_summary *q, struct lc_error *err)
{
    q->n = n;
    if (n == 0)
        return 0;
    int rc = lc_stats_summarize(v, n, &q->s);
    if (rc == 0 && n >= 2) {
        rc = lc_stats_bootstrap_ci(v, n, LC_STATS_BOOT_MEAN, 0, b, &q->mean_ci);
        q->has_ci = rc == 0;
    }
    if (rc != 0)
        return lc_error_set(err, rc, "cannot summarise '%s': %s", q->name, lc_strerror(rc));
    return 0;
}

int lc_bench_analyze_command(const struct lc_result_bench_command *c,
                             const struct lc_bench_analysis_opts *o, struct lc_bench_cmd_stats *out,
                             struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    out->cmd = c;
    out->n_runs = c->n_runs;
    if (c->n_runs == 0)
        return 0;
    struct lc_stats_boot b = boot_opts(o);
    /* Metric names in first-seen order (pointers into the Result). */
    size_t cap = 8, n_names = 0;
    const char **names = malloc(cap * sizeof(*names));
    double *v = malloc(c->n_runs * sizeof(*v));
    int rc = 0;
    if (!names || !v)
        goto nomem;
    for (size_t i = 0; i < c->n_runs; i++) {
        if (c->runs[i].exit_code != 0)
            out->n_failed++;
        for (size_t j = 0; j < c->runs[i].n_metrics; j++) {
            const char *nm = c->runs[i].metrics[j].name;
            size_t k = 0;
            while (k < n_names && strcmp(names[k], nm) != 0)
                k++;
            if (k < n_names)
                continue;
            if (n_names == cap) {
                const char **p = realloc(names, 2 * cap * sizeof(*p));
                if (!p)
                    goto nomem;
                names = p;
                cap *= 2;
            }
            names[n_names++] = nm;
        }
    }
    out->q = calloc(5 + n_names, sizeof(*out->q));
    out->outlier = calloc(c->n_runs, sizeof(*out->outlier));
    if (!out->q || !out->outlier)
        goto nomem;
    for (int kind = LC_BENCH_QTY_WALL; kind <= LC_BENCH_QTY_ARTIFACT && rc == 0; kind++) {
        size_t n;
        values_of(c, (enum lc_bench_qty)kind, NULL, v, &n, NULL);
        if (n == 0)
            continue; /* no artifact */
        struct lc_bench_qty_summary *q = &out->q[out->n_q++];
        q->kind = (enum lc_bench_qty)kind;
        q->name = qty_names[kind];
        q->unit = qty_units[kind];
        rc = summarize(v, n, &b, q, err);
    }
    for (size_t k = 0; k < n_names && rc == 0; k++) {
        size_t n;
        const char *unit = NULL;
        values_of(c, LC_BENCH_QTY_METRIC, names[k], v, &n, &unit);
        struct lc_bench_qty_summary *q = &out->q[out->n_q++];
        q->kind = LC_BENCH_QTY_METRIC;
        q->name = names[k];
        q->unit = unit;
        q->builtin = is_builtin_metric(names[k]);
        rc = summarize(v, n, &b, q, err);
    }
    if (rc == 0) {
        values_of(c, LC_BENCH_QTY_WALL, NULL, v, &(size_t){0}, NULL);
        rc = lc_stats_outliers(v, c->n_runs, LC_STATS_OUTLIER_Z, out->outlier, &out->n_outliers);
        if (rc != 0)
            lc_error_set(err, rc, "cannot find outliers: %s", lc_strerror(rc));
    }
    free(names);
    free(v);
    if (rc != 0)
        lc_bench_cmd_stats_free(out);
    return rc;
nomem:
    free(names);
    free(v);
    lc_bench_cmd_stats_free(out);
    return lc_error_set(err, LC_ENOMEM, "out of memory");
}

void lc_bench_analysis_free(struct lc_bench_analysis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_cmds; i++)
        lc_bench_cmd_stats_free(&a->cmds[i]);
    free(a->cmds);
    free(a->cmp);
    for (size_t i = 0; i < a->n_fits; i++) {
        struct lc_bench_fit *f = &a->fits[i];
        free(f->fixed);
        free(f->x);
        free(f->y);
        free(f->cmd);
        free(f->efficiency);
    }
    free(a->fits);
    memset(a, 0, sizeof(*a));
}

static const char *param_value(const struct lc_result_bench_command *c, const char *key)
{
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, key) == 0)
            return c->params[i].value;
    return NULL;
}

static bool same_params(const struct lc_result_bench_command *a,
                        const struct lc_result_bench_command *b)
{
    if (a->n_params != b->n_params)
        return false;
    for (size_t i = 0; i < a->n_params; i++) {
        const char *v = param_value(b, a->params[i].key);
        if (!v || strcmp(v, a->params[i].value) != 0)
            return false;
    }
    return true;
}

/* Grow an array of `size`-byte elements to hold one more; 0 or LC_ENOMEM. */
static int grow(void **arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return LC_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* Compare cmds[other] with cmds[base] on the quantity q of base (when other has it too). */
static int compare_one(const struct lc_result *r, struct lc_bench_analysis *a, size_t base,
                       size_t other, const struct lc_bench_qty_summary *qb,
                       const struct lc_stats_boot *b, size_t *cap, double *vb, double *vo)
{
    const struct lc_bench_qty_summary *qo = lc_bench_cmd_stats_find(&a->cmds[other], qb->name);
    if (!qo || qo->n == 0 || qb->n == 0)
        return 0;
    size_t nb, no;
    values_of(r->commands[base], qb->kind, qb->name, vb, &nb, NULL);
    values_of(r->commands[other], qo->kind, qo->name, vo, &no, NULL);
    struct lc_bench_comparison cmp = {
        .base = base,
        .other = other,
        .kind = qb->kind,
        .name = qb->name,
        .unit = qb->unit,
    };
    int rc = lc_stats_bootstrap_ratio_ci(vo, no, vb, nb, b, &cmp.ratio);
    if (rc == LC_ERANGE || rc == LC_EINVAL)
        return 0; /* a zero mean: no ratio to give */
    if (rc != 0)
        return rc;
    cmp.has_mw = lc_stats_mann_whitney(vo, no, vb, nb, &cmp.mw) == 0;
    if (grow((void **)&a->cmp, a->n_cmp, cap, sizeof(*a->cmp)) != 0)
        return LC_ENOMEM;
    a->cmp[a->n_cmp++] = cmp;
    return 0;
}

/* Is the mean max RSS of cmds[i] or cmds[j] at the harness floor (an upper bound only)? */
static bool at_floor(const struct lc_bench_analysis *a, const struct lc_bench_analysis_opts *o,
                     size_t i, size_t j)
{
    if (!o || !o->rss_floor_bytes)
        return false;
    double lim = (double)o->rss_floor_bytes * 1.05;
    const struct lc_bench_qty_summary *qi = lc_bench_cmd_stats_find(&a->cmds[i], "max_rss");
    const struct lc_bench_qty_summary *qj = lc_bench_cmd_stats_find(&a->cmds[j], "max_rss");
    return (qi && qi->s.mean <= lim) || (qj && qj->s.mean <= lim);
}

static int comparisons(const struct lc_result *r, const struct lc_bench_analysis_opts *o,
                       struct lc_bench_analysis *a)
{
    struct lc_stats_boot b = boot_opts(o);
    size_t n = a->n_cmds, cap = 0, max_runs = 1;
    for (size_t i = 0; i < n; i++)
        if (r->commands[i]->n_runs > max_runs)
            max_runs = r->commands[i]->n_runs;
    bool *done = calloc(n ? n : 1, sizeof(*done));
    size_t *group = calloc(n ? n : 1, sizeof(*group));
    double *vb = malloc(max_runs * sizeof(*vb)), *vo = malloc(max_runs * sizeof(*vo));
    int rc = 0;
    if (!done || !group || !vb || !vo)
        rc = LC_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (done[i])
            continue;
        size_t g = 0;
        for (size_t j = i; j < n; j++) {
            if (!done[j] && same_params(r->commands[i], r->commands[j])) {
                done[j] = true;
                group[g++] = j;
            }
        }
        if (g < 2)
            continue;
        /* The reference: the named one, else the fastest by mean time. */
        size_t base = SIZE_MAX;
        for (size_t k = 0; k < g && o && o->reference; k++)
            if (strcmp(r->commands[group[k]]->name, o->reference) == 0)
                base = group[k];
        if (base == SIZE_MAX) {
            double best = INFINITY;
            for (size_t k = 0; k < g; k++) {
                const struct lc_bench_qty_summary *q =
                    lc_bench_cmd_stats_find(&a->cmds[group[k]], "time");
                if (q && q->n && q->s.mean < best) {
                    best = q->s.mean;
                    base = group[k];
                }
            }
        }
        if (base == SIZE_MAX)
            continue; /* no runs anywhere */
        for (size_t k = 0; k < g && rc == 0; k++) {
            size_t other = group[k];
            if (other == base)
                continue;
            const struct lc_bench_cmd_stats *sb = &a->cmds[base];
            for (size_t qi = 0; qi < sb->n_q && rc == 0; qi++) {
                const struct lc_bench_qty_summary *q = &sb->q[qi];
                if (q->kind == LC_BENCH_QTY_USER || q->kind == LC_BENCH_QTY_SYS || q->builtin)
                    continue;
                if (q->kind == LC_BENCH_QTY_MAX_RSS && at_floor(a, o, base, other))
                    continue; /* upper bounds only: no ratio to give */
                rc = compare_one(r, a, base, other, q, &b, &cap, vb, vo);
            }
        }
    }
    free(done);
    free(group);
    free(vb);
    free(vo);
    return rc;
}

/*
 * The points of the slice pts[0..n_pts) (xs: their parameter values) that quantity q
 * can be fitted over, into sel / sx: every point must have q with every value > 0;
 * for max RSS, points whose mean is at the harness floor are left out (their value
 * is only an upper bound). Returns how many were kept (0: no fit for q).
 */
static size_t fit_points(const struct lc_bench_analysis *a, const struct lc_bench_analysis_opts *o,
                         const size_t *pts, const double *xs, size_t n_pts,
                         const struct lc_bench_qty_summary *q, size_t *sel, double *sx)
{
    if (q->kind == LC_BENCH_QTY_USER || q->kind == LC_BENCH_QTY_SYS || q->builtin)
        return 0;
    double floor_bytes = o && q->kind == LC_BENCH_QTY_MAX_RSS ? (double)o->rss_floor_bytes : 0;
    size_t k = 0;
    for (size_t i = 0; i < n_pts; i++) {
        const struct lc_bench_qty_summary *p = lc_bench_cmd_stats_find(&a->cmds[pts[i]], q->name);
        if (!p || p->n == 0 || !(p->s.min > 0))
            return 0;
        if (floor_bytes > 0 && p->s.mean <= floor_bytes * 1.05)
            continue;
        sel[k] = pts[i];
        sx[k++] = xs[i];
    }
    return k >= 2 ? k : 0;
}

/* Fit quantity q over the points pts (sorted by x) of one slice; append to a->fits. */
static int fit_quantity(const struct lc_result *r, const struct lc_bench_analysis_opts *o,
                        struct lc_bench_analysis *a, size_t *cap, const char *param,
                        const char *fixed, const size_t *pts, const double *xs, size_t n_pts,
                        const struct lc_bench_qty_summary *q, double *bx, double *by, double *tmp)
{
    size_t n_obs = 0;
    for (size_t i = 0; i < n_pts; i++) {
        size_t n;
        values_of(r->commands[pts[i]], q->kind, q->name, tmp, &n, NULL);
        for (size_t k = 0; k < n; k++) {
            bx[n_obs] = xs[i];
            by[n_obs++] = tmp[k];
        }
    }
    struct lc_bench_fit f = {
        .group = r->commands[pts[0]]->name,
        .param = param,
        .kind = q->kind,
        .name = q->name,
        .unit = q->unit,
        .n_points = n_pts,
        .n_obs = n_obs,
    };
    if (lc_stats_loglog_fit(bx, by, n_obs, &f.fit) != 0)
        return 0; /* degenerate data: nothing to say */
    f.x = malloc(n_pts * sizeof(*f.x));
    f.y = malloc(n_pts * sizeof(*f.y));
    f.cmd = malloc(n_pts * sizeof(*f.cmd));
    f.efficiency = malloc(n_pts * sizeof(*f.efficiency));
    f.fixed = fixed && fixed[0] ? strdup(fixed) : NULL;
    if (!f.x || !f.y || !f.cmd || !f.efficiency || (fixed && fixed[0] && !f.fixed))
        goto nomem;
    for (size_t i = 0; i < n_pts; i++) {
        f.x[i] = xs[i];
        f.y[i] = lc_bench_cmd_stats_find(&a->cmds[pts[i]], q->name)->s.mean;
        f.cmd[i] = pts[i];
    }
    for (size_t i = 0; i + 1 < n_pts; i++)
        f.efficiency[i] = (f.x[i + 1] / f.x[i]) / (f.y[i + 1] / f.y[i]);
    double level = a->level;
    for (size_t k = 0; o && k < o->n_projects; k++) {
        if (strcmp(o->projects[k].param, param) != 0)
            continue;
        if (lc_stats_loglog_predict(&f.fit, o->projects[k].value, level, &f.projection) == 0) {
            f.has_projection = true;
            f.project_x = o->projects[k].value;
        }
    }
    if (grow((void **)&a->fits, a->n_fits, cap, sizeof(*a->fits)) != 0)
        goto nomem;
    a->fits[a->n_fits++] = f;
    return 0;
nomem:
    free(f.x);
    free(f.y);
    free(f.cmd);
    free(f.efficiency);
    free(f.fixed);
    return LC_ENOMEM;
}

/* The other parameters of c than `param`, as "k=v, k2=v2", into buf. */
static void fixed_label(const struct lc_result_bench_command *c, const char *param, char *buf,
                        size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n_params && at < size; i++) {
        if (strcmp(c->params[i].key, param) == 0)
            continue;
        int w = snprintf(buf + at, size - at, "%s%s=%s", at ? ", " : "", c->params[i].key,
                         c->params[i].value);
        at += w > 0 ? (size_t)w : 0;
    }
}

static int fits(const struct lc_result *r, const struct lc_bench_analysis_opts *o,
                struct lc_bench_analysis *a)
{
    size_t n = a->n_cmds, cap = 0, total_runs = 0;
    for (size_t i = 0; i < n; i++)
        total_runs += r->commands[i]->n_runs;
    size_t *pts = malloc((n ? n : 1) * sizeof(*pts)), *sel = malloc((n ? n : 1) * sizeof(*sel));
    double *xs = malloc((n ? n : 1) * sizeof(*xs)), *sx = malloc((n ? n : 1) * sizeof(*sx));
    double *bx = malloc((total_runs ? total_runs : 1) * sizeof(*bx));
    double *by = malloc((total_runs ? total_runs : 1) * sizeof(*by));
    double *tmp = malloc((total_runs ? total_runs : 1) * sizeof(*tmp));
    int rc = 0;
    if (!pts || !sel || !xs || !sx || !bx || !by || !tmp)
        rc = LC_ENOMEM;
    /* For each command i that has a parameter, and each of its parameters. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct lc_result_bench_command *ci = r->commands[i];
        for (size_t pi = 0; pi < ci->n_params && rc == 0; pi++) {
            const char *param = ci->params[pi].key;
            char fixed_i[512];
            fixed_label(ci, param, fixed_i, sizeof(fixed_i));
            /* Skip a slice already fitted: an earlier command of it would have started it. */
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++) {
                char fj[512];
                if (strcmp(r->commands[j]->name, ci->name) != 0 ||
                    !param_value(r->commands[j], param))
                    continue;
                fixed_label(r->commands[j], param, fj, sizeof(fj));
                seen = strcmp(fj, fixed_i) == 0;
            }
            if (seen)
                continue;
            /* Collect the slice: same name, same other parameters, numeric value of param. */
            size_t n_pts = 0;
            bool ok = true;
            for (size_t j = i; j < n && ok; j++) {
                const struct lc_result_bench_command *cj = r->commands[j];
                const char *val = param_value(cj, param);
                char fj[512];
                if (strcmp(cj->name, ci->name) != 0 || !val || cj->n_params != ci->n_params)
                    continue;
                fixed_label(cj, param, fj, sizeof(fj));
                if (strcmp(fj, fixed_i) != 0)
                    continue;
                double x;
                if (lc_bench_parse_number(val, &x) != 0 || !(x > 0) || cj->n_runs == 0) {
                    ok = false;
                    break;
                }
                /* Insertion sort by x; equal x values make the slice unusable. */
                size_t at = n_pts;
                while (at > 0 && xs[at - 1] > x) {
                    xs[at] = xs[at - 1];
                    pts[at] = pts[at - 1];
                    at--;
                }
                if (at > 0 && xs[at - 1] == x)
                    ok = false;
                xs[at] = x;
                pts[at] = j;
                n_pts++;
            }
            if (!ok || n_pts < 2)
                continue;
            const struct lc_bench_cmd_stats *first = &a->cmds[pts[0]];
            for (size_t qi = 0; qi < first->n_q && rc == 0; qi++) {
                const struct lc_bench_qty_summary *q = &first->q[qi];
                size_t kept = fit_points(a, o, pts, xs, n_pts, q, sel, sx);
                if (kept)
                    rc = fit_quantity(r, o, a, &cap, param, fixed_i, sel, sx, kept, q, bx, by, tmp);
            }
        }
    }
    free(pts);
    free(sel);
    free(xs);
    free(sx);
    free(bx);
    free(by);
    free(tmp);
    return rc;
}

int lc_bench_analyze(const struct lc_result *r, const struct lc_bench_analysis_opts *o,
                     struct lc_bench_analysis *out, struct lc_error *err)
{
    memset(out, 0, sizeof(*out));
    struct lc_stats_boot b = boot_opts(o);
    out->level = b.level;
    if (r->kind != LC_RESULT_KIND_BENCH)
        return lc_error_set(err, LC_EINVAL, "not a bench result (kind %s)",
                            lc_result_kind_name(r->kind));
    if (r->n_commands == 0)
        return 0;
    out->cmds = calloc(r->n_commands, sizeof(*out->cmds));
    if (!out->cmds)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_commands; i++) {
        int rc = lc_bench_analyze_command(r->commands[i], o, &out->cmds[i], err);
        out->n_cmds = i + 1;
        if (rc != 0)
            return rc;
    }
    int rc = comparisons(r, o, out);
    if (rc == 0)
        rc = fits(r, o, out);
    if (rc != 0)
        return lc_error_set(err, rc, "cannot analyse the runs: %s", lc_strerror(rc));
    return 0;
}
