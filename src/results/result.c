/* The Result model: construction, growth under caps, stats merge, totals, free. */
#include "results/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Enum names ------------------------------------------------------------ */

static const char *const kind_names[] = {"http", "run", "bench", "monitor"};
static const char *const model_names[] = {"closed", "open"};
static const char *const arrival_names[] = {"uniform", "poisson"};
static const char *const verdict_names[] = {"pass", "warn", "fail"};
static const char *const hist_names[LC_HIST_COUNT] = {"latency", "service",      "ttfb",
                                                      "connect", "schedule_lag", "tls_handshake"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* names[i] for a valid i, else "unknown". */
static const char *name_of(const char *const *names, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? names[i] : "unknown";
}

/* The index of s in names[0..n), or -1. */
static int index_of(const char *const *names, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *lc_result_kind_name(enum lc_result_kind k)
{
    return name_of(kind_names, COUNT_OF(kind_names), (int)k);
}

const char *lc_result_model_name(enum lc_result_model m)
{
    return name_of(model_names, COUNT_OF(model_names), (int)m);
}

const char *lc_result_arrival_name(enum lc_result_arrival a)
{
    return name_of(arrival_names, COUNT_OF(arrival_names), (int)a);
}

const char *lc_result_verdict_name(enum lc_result_verdict v)
{
    return name_of(verdict_names, COUNT_OF(verdict_names), (int)v);
}

const char *lc_result_hist_name(enum lc_result_hist h)
{
    return name_of(hist_names, COUNT_OF(hist_names), (int)h);
}

int lc_result_kind_parse(const char *s, enum lc_result_kind *out)
{
    int i = index_of(kind_names, COUNT_OF(kind_names), s);
    if (i < 0)
        return LC_EINVAL;
    *out = (enum lc_result_kind)i;
    return 0;
}

int lc_result_model_parse(const char *s, enum lc_result_model *out)
{
    int i = index_of(model_names, COUNT_OF(model_names), s);
    if (i < 0)
        return LC_EINVAL;
    *out = (enum lc_result_model)i;
    return 0;
}

int lc_result_arrival_parse(const char *s, enum lc_result_arrival *out)
{
    int i = index_of(arrival_names, COUNT_OF(arrival_names), s);
    if (i < 0)
        return LC_EINVAL;
    *out = (enum lc_result_arrival)i;
    return 0;
}

int lc_result_verdict_parse(const char *s, enum lc_result_verdict *out)
{
    int i = index_of(verdict_names, COUNT_OF(verdict_names), s);
    if (i < 0)
        return LC_EINVAL;
    *out = (enum lc_result_verdict)i;
    return 0;
}

int lc_result_hist_parse(const char *s, enum lc_result_hist *out)
{
    int i = index_of(hist_names, COUNT_OF(hist_names), s);
    if (i < 0)
        return LC_EINVAL;
    *out = (enum lc_result_hist)i;
    return 0;
}

/* ---- Growth ---------------------------------------------------------------- */

/*
 * Make room for one more element in *arr (n used, *cap allocated, elements of
 * `size` bytes), doubling up to `max`. New memory is zeroed. Returns 0,
 * LC_ELIMIT when n == max, or LC_ENOMEM (then *arr is unchanged).
 */
static int grow(void **arr, size_t *cap, size_t n, size_t size, size_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return LC_ELIMIT;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap > max)
        ncap = max;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return LC_ENOMEM;
    memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
    *arr = p;
    *cap = ncap;
    return 0;
}

#define GROW(arr, cap, n, max) grow((void **)&(arr), &(cap), (n), sizeof(*(arr)), (max))

/* strdup that maps NULL to NULL; sets *fail on ENOMEM. */
static char *dup_or_null(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

int lc_result_set_str(char **dst, const char *src)
{
    char *copy = NULL;
    if (src) {
        copy = strdup(src);
        if (!copy)
            return LC_ENOMEM;
    }
    free(*dst);
    *dst = copy;
    return 0;
}

/* ---- Stats ------------------------------------------------------------------ */

void lc_result_stats_init(struct lc_result_stats *s)
{
    memset(s, 0, sizeof(*s));
}

void lc_result_stats_free(struct lc_result_stats *s)
{
    for (size_t i = 0; i < s->n_error_kinds; i++)
        free(s->error_kinds[i].kind);
    free(s->error_kinds);
    for (int h = 0; h < LC_HIST_COUNT; h++)
        if (s->has_hist[h])
            lc_hdr_free(&s->hist[h]);
    memset(s, 0, sizeof(*s));
}

int lc_result_stats_enable_hist(struct lc_result_stats *s, enum lc_result_hist which)
{
    if ((int)which < 0 || which >= LC_HIST_COUNT)
        return LC_EINVAL;
    if (s->has_hist[which])
        return 0;
    int rc = lc_hdr_init_default(&s->hist[which]);
    if (rc)
        return rc;
    s->has_hist[which] = true;
    return 0;
}

void lc_result_stats_add_status(struct lc_result_stats *s, int code, uint64_t n)
{
    if (code < 100 || code >= LC_RESULT_STATUS_MAX)
        code = 0;
    s->status[code] += n;
}

/* Add n to error kind `kind` only (not to s->errors), creating it on first use. */
static int add_error_kind(struct lc_result_stats *s, const char *kind, uint64_t n)
{
    for (size_t i = 0; i < s->n_error_kinds; i++) {
        if (strcmp(s->error_kinds[i].kind, kind) == 0) {
            s->error_kinds[i].count += n;
            return 0;
        }
    }
    int rc = GROW(s->error_kinds, s->error_kinds_cap, s->n_error_kinds, LC_RESULT_MAX_ERROR_KIND);
    if (rc)
        return rc;
    char *copy = strdup(kind);
    if (!copy)
        return LC_ENOMEM;
    s->error_kinds[s->n_error_kinds].kind = copy;
    s->error_kinds[s->n_error_kinds].count = n;
    s->n_error_kinds++;
    return 0;
}

int lc_result_stats_add_error(struct lc_result_stats *s, const char *kind, uint64_t n)
{
    if (!kind || !*kind)
        return LC_EINVAL;
    int rc = add_error_kind(s, kind, n);
    if (rc)
        return rc;
    s->errors += n;
    return 0;
}

uint64_t lc_result_stats_error_count(const struct lc_result_stats *s, const char *kind)
{
    for (size_t i = 0; i < s->n_error_kinds; i++)
        if (strcmp(s->error_kinds[i].kind, kind) == 0)
            return s->error_kinds[i].count;
    return 0;
}

double lc_result_stats_error_rate(const struct lc_result_stats *s)
{
    return s->requests ? (double)s->errors / (double)s->requests : 0.0;
}

int lc_result_stats_merge(struct lc_result_stats *dst, const struct lc_result_stats *src)
{
    dst->requests += src->requests;
    dst->errors += src->errors;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    for (int i = 0; i < LC_RESULT_STATUS_MAX; i++)
        dst->status[i] += src->status[i];
    dst->connections_requested += src->connections_requested;
    dst->connections_established += src->connections_established;
    dst->reconnects += src->reconnects;
    dst->unsent += src->unsent;
    dst->in_flight_at_stop += src->in_flight_at_stop;
    dst->late_starts += src->late_starts;
    dst->clamped += src->clamped;
    dst->tls_handshakes_full += src->tls_handshakes_full;
    dst->tls_handshakes_resumed += src->tls_handshakes_resumed;
    for (int h = 0; h < LC_HIST_COUNT; h++) {
        if (!src->has_hist[h])
            continue;
        if (!dst->has_hist[h]) {
            const struct lc_hdr *sh = &src->hist[h];
            int rc = lc_hdr_init(&dst->hist[h], sh->lowest_discernible, sh->highest_trackable,
                                 sh->significant_figures);
            if (rc)
                return rc;
            dst->has_hist[h] = true;
        }
        int64_t clamped = lc_hdr_merge(&dst->hist[h], &src->hist[h]);
        if (clamped > 0)
            dst->clamped += (uint64_t)clamped;
    }
    for (size_t i = 0; i < src->n_error_kinds; i++) {
        int rc = add_error_kind(dst, src->error_kinds[i].kind, src->error_kinds[i].count);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Named stats ---------------------------------------------------------- */

static void named_free(struct lc_result_named_stats *ns)
{
    if (!ns)
        return;
    free(ns->name);
    lc_result_stats_free(&ns->stats);
    free(ns);
}

/* Find `name` in list[0..n); NULL when absent. */
static struct lc_result_named_stats *named_find(struct lc_result_named_stats *const *list, size_t n,
                                                const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

/* The named stats `name` of *list, appended (empty) when absent. */
static int named_get(struct lc_result_named_stats ***list, size_t *n, size_t *cap, const char *name,
                     struct lc_result_stats **out)
{
    if (!name)
        return LC_EINVAL;
    struct lc_result_named_stats *ns = named_find(*list, *n, name);
    if (!ns) {
        int rc = grow((void **)list, cap, *n, sizeof(**list), LC_RESULT_MAX_NAMES);
        if (rc)
            return rc;
        ns = calloc(1, sizeof(*ns));
        if (!ns)
            return LC_ENOMEM;
        ns->name = strdup(name);
        if (!ns->name) {
            free(ns);
            return LC_ENOMEM;
        }
        (*list)[(*n)++] = ns;
    }
    *out = &ns->stats;
    return 0;
}

/* ---- Phases ------------------------------------------------------------------ */

static void phase_free(struct lc_result_phase *ph)
{
    if (!ph)
        return;
    free(ph->name);
    lc_result_stats_free(&ph->stats);
    for (size_t i = 0; i < ph->n_requests; i++)
        named_free(ph->requests[i]);
    free(ph->requests);
    free(ph->series);
    free(ph);
}

int lc_result_add_phase(struct lc_result *r, const char *name, struct lc_result_phase **out)
{
    if (!name)
        return LC_EINVAL;
    int rc = GROW(r->phases, r->phases_cap, r->n_phases, LC_RESULT_MAX_PHASES);
    if (rc)
        return rc;
    struct lc_result_phase *ph = calloc(1, sizeof(*ph));
    if (!ph)
        return LC_ENOMEM;
    ph->name = strdup(name);
    if (!ph->name) {
        free(ph);
        return LC_ENOMEM;
    }
    ph->recorded = true;
    ph->model = LC_RESULT_MODEL_CLOSED;
    r->phases[r->n_phases++] = ph;
    *out = ph;
    return 0;
}

int lc_result_phase_request(struct lc_result_phase *ph, const char *name,
                            struct lc_result_stats **out)
{
    return named_get(&ph->requests, &ph->n_requests, &ph->requests_cap, name, out);
}

int lc_result_phase_add_point(struct lc_result_phase *ph, const struct lc_result_point *p)
{
    int rc = GROW(ph->series, ph->series_cap, ph->n_series, LC_RESULT_MAX_POINTS);
    if (rc)
        return rc;
    ph->series[ph->n_series++] = *p;
    return 0;
}

struct lc_result_phase *lc_result_find_phase(const struct lc_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_phases; i++)
        if (strcmp(r->phases[i]->name, name) == 0)
            return r->phases[i];
    return NULL;
}

struct lc_result_stats *lc_result_phase_find_request(const struct lc_result_phase *ph,
                                                     const char *name)
{
    struct lc_result_named_stats *ns = named_find(ph->requests, ph->n_requests, name);
    return ns ? &ns->stats : NULL;
}

int lc_result_request(struct lc_result *r, const char *name, struct lc_result_stats **out)
{
    return named_get(&r->requests, &r->n_requests, &r->requests_cap, name, out);
}

struct lc_result_stats *lc_result_find_request(const struct lc_result *r, const char *name)
{
    struct lc_result_named_stats *ns = named_find(r->requests, r->n_requests, name);
    return ns ? &ns->stats : NULL;
}

/* requests per second over duration_ns; 0 for an empty span. */
static double rate_of(uint64_t requests, uint64_t duration_ns)
{
    return duration_ns ? (double)requests * 1e9 / (double)duration_ns : 0.0;
}

static void free_totals(struct lc_result *r)
{
    lc_result_stats_free(&r->total);
    for (size_t i = 0; i < r->n_requests; i++)
        named_free(r->requests[i]);
    free(r->requests);
    r->requests = NULL;
    r->n_requests = 0;
    r->requests_cap = 0;
}

int lc_result_compute_totals(struct lc_result *r)
{
    free_totals(r);
    uint64_t recorded_ns = 0;
    double weighted_target = 0.0;
    bool all_open = true;
    bool any_recorded = false;
    for (size_t p = 0; p < r->n_phases; p++) {
        struct lc_result_phase *ph = r->phases[p];
        ph->stats.rps = rate_of(ph->stats.requests, ph->duration_ns);
        for (size_t i = 0; i < ph->n_requests; i++)
            ph->requests[i]->stats.rps = rate_of(ph->requests[i]->stats.requests, ph->duration_ns);
        if (!ph->recorded)
            continue;
        any_recorded = true;
        recorded_ns += ph->duration_ns;
        if (ph->stats.target_rps > 0.0)
            weighted_target += ph->stats.target_rps * (double)ph->duration_ns;
        else
            all_open = false;
        int rc = lc_result_stats_merge(&r->total, &ph->stats);
        if (rc)
            return rc;
        for (size_t i = 0; i < ph->n_requests; i++) {
            struct lc_result_stats *dst = NULL;
            rc = named_get(&r->requests, &r->n_requests, &r->requests_cap, ph->requests[i]->name,
                           &dst);
            if (rc)
                return rc;
            rc = lc_result_stats_merge(dst, &ph->requests[i]->stats);
            if (rc)
                return rc;
        }
    }
    r->total.rps = rate_of(r->total.requests, recorded_ns);
    r->total.target_rps =
        any_recorded && all_open && recorded_ns ? weighted_target / (double)recorded_ns : 0.0;
    for (size_t i = 0; i < r->n_requests; i++)
        r->requests[i]->stats.rps = rate_of(r->requests[i]->stats.requests, recorded_ns);
    return 0;
}

/* ---- Resources ------------------------------------------------------------- */

static void resource_free(struct lc_result_resource *res)
{
    if (!res)
        return;
    free(res->name);
    free(res->unit);
    free(res->samples);
    free(res);
}

int lc_result_add_resource(struct lc_result *r, const char *name, const char *unit,
                           struct lc_result_resource **out)
{
    if (!name)
        return LC_EINVAL;
    int rc = GROW(r->resources, r->resources_cap, r->n_resources, LC_RESULT_MAX_RESOURCES);
    if (rc)
        return rc;
    struct lc_result_resource *res = calloc(1, sizeof(*res));
    if (!res)
        return LC_ENOMEM;
    int fail = 0;
    res->name = dup_or_null(name, &fail);
    res->unit = dup_or_null(unit, &fail);
    if (fail) {
        resource_free(res);
        return LC_ENOMEM;
    }
    r->resources[r->n_resources++] = res;
    *out = res;
    return 0;
}

int lc_result_resource_add(struct lc_result_resource *res, double t_s, double value)
{
    int rc = GROW(res->samples, res->samples_cap, res->n_samples, LC_RESULT_MAX_POINTS);
    if (rc)
        return rc;
    res->samples[res->n_samples].t_s = t_s;
    res->samples[res->n_samples].value = value;
    res->n_samples++;
    return 0;
}

struct lc_result_resource *lc_result_find_resource(const struct lc_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_resources; i++)
        if (strcmp(r->resources[i]->name, name) == 0)
            return r->resources[i];
    return NULL;
}

/* ---- Thresholds ------------------------------------------------------------- */

static void threshold_free(struct lc_result_threshold *t)
{
    free(t->expr);
    free(t->scope);
    free(t->metric);
    free(t->op);
    free(t->unit);
}

int lc_result_add_threshold(struct lc_result *r, const struct lc_result_threshold *t)
{
    if (!t->expr)
        return LC_EINVAL;
    int rc = GROW(r->thresholds, r->thresholds_cap, r->n_thresholds, LC_RESULT_MAX_THRESHOLDS);
    if (rc)
        return rc;
    struct lc_result_threshold copy = *t;
    int fail = 0;
    copy.expr = dup_or_null(t->expr, &fail);
    copy.scope = dup_or_null(t->scope, &fail);
    copy.metric = dup_or_null(t->metric, &fail);
    copy.op = dup_or_null(t->op, &fail);
    copy.unit = dup_or_null(t->unit, &fail);
    if (fail) {
        threshold_free(&copy);
        return LC_ENOMEM;
    }
    r->thresholds[r->n_thresholds++] = copy;
    return 0;
}

/* ---- Bench ------------------------------------------------------------------- */

static void run_free(struct lc_result_bench_run *run)
{
    for (size_t i = 0; i < run->n_metrics; i++) {
        free(run->metrics[i].name);
        free(run->metrics[i].unit);
    }
    free(run->metrics);
}

static void command_free(struct lc_result_bench_command *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->command);
    for (size_t i = 0; i < c->n_params; i++) {
        free(c->params[i].key);
        free(c->params[i].value);
    }
    free(c->params);
    for (size_t i = 0; i < c->n_runs; i++)
        run_free(&c->runs[i]);
    free(c->runs);
    free(c);
}

int lc_result_add_command(struct lc_result *r, const char *name, const char *command,
                          struct lc_result_bench_command **out)
{
    if (!name || !command)
        return LC_EINVAL;
    int rc = GROW(r->commands, r->commands_cap, r->n_commands, LC_RESULT_MAX_COMMANDS);
    if (rc)
        return rc;
    struct lc_result_bench_command *c = calloc(1, sizeof(*c));
    if (!c)
        return LC_ENOMEM;
    int fail = 0;
    c->name = dup_or_null(name, &fail);
    c->command = dup_or_null(command, &fail);
    if (fail) {
        command_free(c);
        return LC_ENOMEM;
    }
    r->commands[r->n_commands++] = c;
    *out = c;
    return 0;
}

int lc_result_command_set_param(struct lc_result_bench_command *c, const char *key,
                                const char *value)
{
    if (!key || !value)
        return LC_EINVAL;
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, key) == 0)
            return lc_result_set_str(&c->params[i].value, value);
    int rc = GROW(c->params, c->params_cap, c->n_params, LC_RESULT_MAX_PARAMS);
    if (rc)
        return rc;
    char *k = strdup(key);
    char *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return LC_ENOMEM;
    }
    c->params[c->n_params].key = k;
    c->params[c->n_params].value = v;
    c->n_params++;
    return 0;
}

int lc_result_run_add_metric(struct lc_result_bench_run *run, const char *name, double value,
                             const char *unit)
{
    if (!name)
        return LC_EINVAL;
    int rc = GROW(run->metrics, run->metrics_cap, run->n_metrics, LC_RESULT_MAX_METRICS);
    if (rc)
        return rc;
    int fail = 0;
    char *n = dup_or_null(name, &fail);
    char *u = dup_or_null(unit, &fail);
    if (fail) {
        free(n);
        free(u);
        return LC_ENOMEM;
    }
    run->metrics[run->n_metrics].name = n;
    run->metrics[run->n_metrics].value = value;
    run->metrics[run->n_metrics].unit = u;
    run->n_metrics++;
    return 0;
}

int lc_result_command_add_run(struct lc_result_bench_command *c,
                              const struct lc_result_bench_run *run,
                              struct lc_result_bench_run **out)
{
    int rc = GROW(c->runs, c->runs_cap, c->n_runs, LC_RESULT_MAX_RUNS);
    if (rc)
        return rc;
    struct lc_result_bench_run copy = *run;
    copy.metrics = NULL;
    copy.n_metrics = 0;
    copy.metrics_cap = 0;
    for (size_t i = 0; i < run->n_metrics; i++) {
        rc = lc_result_run_add_metric(&copy, run->metrics[i].name, run->metrics[i].value,
                                      run->metrics[i].unit);
        if (rc) {
            run_free(&copy);
            return rc;
        }
    }
    c->runs[c->n_runs] = copy;
    if (out)
        *out = &c->runs[c->n_runs];
    c->n_runs++;
    return 0;
}

/* ---- The Result ------------------------------------------------------------ */

void lc_result_init(struct lc_result *r, enum lc_result_kind kind)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
}

static void free_argv(struct lc_result *r)
{
    for (size_t i = 0; i < r->argc; i++)
        free(r->argv[i]);
    free(r->argv);
    r->argv = NULL;
    r->argc = 0;
}

int lc_result_set_argv(struct lc_result *r, int argc, char *const *argv)
{
    if (argc < 0 || (argc > 0 && !argv))
        return LC_EINVAL;
    if ((size_t)argc > LC_RESULT_MAX_ARGS)
        return LC_ELIMIT;
    char **copy = calloc((size_t)argc + 1, sizeof(*copy));
    if (!copy)
        return LC_ENOMEM;
    for (int i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i] ? argv[i] : "");
        if (!copy[i]) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return LC_ENOMEM;
        }
    }
    free_argv(r);
    r->argv = copy;
    r->argc = (size_t)argc;
    return 0;
}

int lc_result_add_warning(struct lc_result *r, const char *fmt, ...)
{
    int rc = GROW(r->warnings, r->warnings_cap, r->n_warnings, LC_RESULT_MAX_WARNINGS);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LC_ENOMEM;
    r->warnings[r->n_warnings++] = text;
    return 0;
}

void lc_result_free(struct lc_result *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->tool_version);
    free(r->tool_commit);
    free_argv(r);
    free(r->scenario_path);
    free(r->stop_reason);
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    lc_host_free(&r->host);
    free(r->load.target_url);
    free(r->load.method);
    free(r->load.tls_min_version);
    free(r->load.tls_verify_error);
    for (size_t i = 0; i < r->n_phases; i++)
        phase_free(r->phases[i]);
    free(r->phases);
    free_totals(r);
    for (size_t i = 0; i < r->n_resources; i++)
        resource_free(r->resources[i]);
    free(r->resources);
    for (size_t i = 0; i < r->n_thresholds; i++)
        threshold_free(&r->thresholds[i]);
    free(r->thresholds);
    for (size_t i = 0; i < r->n_commands; i++)
        command_free(r->commands[i]);
    free(r->commands);
    memset(r, 0, sizeof(*r));
}
