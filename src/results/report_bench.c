/* Bench results for reports: per-command summaries and parameter scans with log-log fits. */
#include "results/report_bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lc_report_cmd_stats(const struct lc_result_bench_command *c, struct lc_report_cmd_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->mean_ns = out->stdev_ns = out->median_ns = out->min_ns = out->max_ns = NAN;
    out->user_mean_ns = out->sys_mean_ns = out->rss_max_bytes = NAN;
    out->runs = c->n_runs;
    if (c->n_runs == 0)
        return 0;
    double *w = malloc(c->n_runs * sizeof(*w));
    if (!w)
        return LC_ENOMEM;
    double user = 0, sys = 0, rss = 0;
    for (size_t i = 0; i < c->n_runs; i++) {
        const struct lc_result_bench_run *run = &c->runs[i];
        w[i] = (double)run->wall_ns;
        user += (double)run->user_ns;
        sys += (double)run->sys_ns;
        rss = fmax(rss, (double)run->max_rss_bytes);
        out->failed += run->exit_code != 0;
    }
    struct lc_stats_summary s;
    int rc = lc_stats_summarize(w, c->n_runs, &s);
    free(w);
    if (rc == LC_ENOMEM)
        return rc;
    if (rc == 0) {
        out->mean_ns = s.mean;
        out->stdev_ns = s.stdev;
        out->median_ns = s.median;
        out->min_ns = s.min;
        out->max_ns = s.max;
    }
    out->user_mean_ns = user / (double)c->n_runs;
    out->sys_mean_ns = sys / (double)c->n_runs;
    out->rss_max_bytes = rss;
    return 0;
}

char *lc_report_cmd_label(const struct lc_result_bench_command *c, char *buf, size_t size)
{
    size_t len = 0;
    int w = snprintf(buf, size, "%s", c->name ? c->name : "");
    if (w < 0 || (size_t)w >= size)
        return buf;
    len = (size_t)w;
    for (size_t i = 0; i < c->n_params; i++) {
        w = snprintf(buf + len, size - len, "%s%s=%s%s", i ? ", " : " (", c->params[i].key,
                     c->params[i].value, i + 1 == c->n_params ? ")" : "");
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
    return buf;
}

/* The value of parameter key of c as a number > 0; NaN when absent or not numeric. */
static double param_num(const struct lc_result_bench_command *c, const char *key)
{
    for (size_t i = 0; i < c->n_params; i++) {
        if (strcmp(c->params[i].key, key) != 0)
            continue;
        const char *s = c->params[i].value;
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end != '\0' || !isfinite(v) || v <= 0)
            return NAN;
        return v;
    }
    return NAN;
}

/* The other parameters of c (all but key) as "k=v, k=v" into a malloc'd string; NULL: no memory. */
static char *others_of(const struct lc_result_bench_command *c, const char *key)
{
    size_t len = 1;
    for (size_t i = 0; i < c->n_params; i++)
        len += strlen(c->params[i].key) + strlen(c->params[i].value) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = 0; i < c->n_params; i++) {
        if (strcmp(c->params[i].key, key) == 0)
            continue;
        int w = snprintf(s + o, len - o, "%s%s=%s", o ? ", " : "", c->params[i].key,
                         c->params[i].value);
        if (w > 0)
            o += (size_t)w;
    }
    return s;
}

void lc_report_scans_free(struct lc_report_scan *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        free(s[i].others);
        free(s[i].cmd);
        free(s[i].x);
        free(s[i].y_ns);
    }
    free(s);
}

/* Append a scan (taking ownership of its arrays) to *arr; LC_ENOMEM frees nothing of sc. */
static int push(struct lc_report_scan **arr, size_t *n, size_t *cap,
                const struct lc_report_scan *sc)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        struct lc_report_scan *p = realloc(*arr, c * sizeof(*p));
        if (!p)
            return LC_ENOMEM;
        *arr = p;
        *cap = c;
    }
    (*arr)[(*n)++] = *sc;
    return 0;
}

/* Sort the points of sc by x (insertion sort: scans are short). */
static void sort_points(struct lc_report_scan *sc)
{
    for (size_t i = 1; i < sc->n; i++) {
        double x = sc->x[i], y = sc->y_ns[i];
        size_t c = sc->cmd[i], j = i;
        while (j > 0 && sc->x[j - 1] > x) {
            sc->x[j] = sc->x[j - 1];
            sc->y_ns[j] = sc->y_ns[j - 1];
            sc->cmd[j] = sc->cmd[j - 1];
            j--;
        }
        sc->x[j] = x;
        sc->y_ns[j] = y;
        sc->cmd[j] = c;
    }
}

/* The scans of the commands named like r->commands[first] (indices idx[0..m)) along key. */
static int scans_of_name(const struct lc_result *r, const size_t *idx, size_t m, const char *key,
                         struct lc_report_scan **arr, size_t *n, size_t *cap)
{
    bool *done = calloc(m, sizeof(*done));
    if (!done)
        return LC_ENOMEM;
    int rc = 0;
    for (size_t a = 0; a < m && !rc; a++) {
        if (done[a])
            continue;
        struct lc_report_scan sc = {0};
        sc.name = r->commands[idx[a]]->name;
        sc.param = key;
        sc.others = others_of(r->commands[idx[a]], key);
        sc.cmd = calloc(m, sizeof(*sc.cmd));
        sc.x = calloc(m, sizeof(*sc.x));
        sc.y_ns = calloc(m, sizeof(*sc.y_ns));
        if (!sc.others || !sc.cmd || !sc.x || !sc.y_ns) {
            rc = LC_ENOMEM;
            free(sc.others);
            free(sc.cmd);
            free(sc.x);
            free(sc.y_ns);
            break;
        }
        for (size_t b = a; b < m && !rc; b++) {
            if (done[b])
                continue;
            char *o = others_of(r->commands[idx[b]], key);
            if (!o) {
                rc = LC_ENOMEM;
                break;
            }
            bool same = strcmp(o, sc.others) == 0;
            free(o);
            if (!same)
                continue;
            done[b] = true;
            struct lc_report_cmd_stats st;
            rc = lc_report_cmd_stats(r->commands[idx[b]], &st);
            if (rc || !(st.median_ns > 0))
                continue;
            sc.cmd[sc.n] = idx[b];
            sc.x[sc.n] = param_num(r->commands[idx[b]], key);
            sc.y_ns[sc.n] = st.median_ns;
            sc.n++;
        }
        size_t distinct = 0;
        sort_points(&sc);
        for (size_t i = 0; i < sc.n; i++)
            distinct += i == 0 || sc.x[i] != sc.x[i - 1];
        if (!rc && distinct >= 2) {
            sc.fitted = lc_stats_loglog_fit(sc.x, sc.y_ns, sc.n, &sc.fit) == 0;
            rc = push(arr, n, cap, &sc);
            if (!rc)
                continue;
        }
        free(sc.others);
        free(sc.cmd);
        free(sc.x);
        free(sc.y_ns);
    }
    free(done);
    return rc;
}

int lc_report_scans(const struct lc_result *r, struct lc_report_scan **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    size_t nc = r->n_commands, n = 0, cap = 0;
    if (nc < 2)
        return 0;
    struct lc_report_scan *arr = NULL;
    size_t *idx = malloc(nc * sizeof(*idx));
    bool *seen = calloc(nc, sizeof(*seen));
    int rc = idx && seen ? 0 : LC_ENOMEM;
    for (size_t i = 0; i < nc && !rc; i++) {
        if (seen[i])
            continue;
        size_t m = 0;
        for (size_t j = i; j < nc; j++)
            if (!seen[j] && strcmp(r->commands[j]->name, r->commands[i]->name) == 0) {
                seen[j] = true;
                idx[m++] = j;
            }
        if (m < 2)
            continue;
        /* The numeric key (present in all) with the most distinct values is the scanned one. */
        const struct lc_result_bench_command *c0 = r->commands[idx[0]];
        const char *best = NULL;
        size_t best_distinct = 1;
        for (size_t k = 0; k < c0->n_params; k++) {
            const char *key = c0->params[k].key;
            size_t distinct = 0;
            bool numeric = true;
            for (size_t a = 0; a < m && numeric; a++) {
                double v = param_num(r->commands[idx[a]], key);
                if (!isfinite(v)) {
                    numeric = false;
                    break;
                }
                bool dup = false;
                for (size_t b = 0; b < a && !dup; b++)
                    dup = param_num(r->commands[idx[b]], key) == v;
                distinct += !dup;
            }
            if (numeric && distinct > best_distinct) {
                best = key;
                best_distinct = distinct;
            }
        }
        if (best)
            rc = scans_of_name(r, idx, m, best, &arr, &n, &cap);
    }
    free(idx);
    free(seen);
    if (rc) {
        lc_report_scans_free(arr, n);
        return rc;
    }
    *out = arr;
    *nout = n;
    return 0;
}
