/* The live snapshot: tables of cumulative counters, and their Prometheus and JSON renderings. */
#include "live/snapshot.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double lc_live_bucket_bounds_s[LC_LIVE_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60,
};

/* Rendered text above this is cut short: a scrape must stay cheap (a few hundred KB at most). */
#define RENDER_MAX_BYTES (16u << 20)

static const char overflow_name[] = "(overflow)";
static const char other_name[] = "(other)";

void lc_live_snapshot_init(struct lc_live_snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->state = LC_LIVE_STARTING;
    s->interval_s = NAN;
    s->achieved_rate = NAN;
    s->target_rate = NAN;
    s->target_users = NAN;
    s->active_users = NAN;
    s->active_connections = NAN;
    s->errors_per_s = NAN;
    s->gen_cpu_ratio = NAN;
    s->gen_cpu_seconds = NAN;
    s->gen_rss_bytes = NAN;
    s->target_cpu_ratio = NAN;
    s->target_rss_bytes = NAN;
    s->target_threads = NAN;
    s->target_fds = NAN;
    s->target_processes = NAN;
    s->host_cpu_ratio = NAN;
    s->host_mem_used_bytes = NAN;
    s->host_mem_available_bytes = NAN;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values above U+10FFFF are invalid. */
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void lc_live_copy_label(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t n = strlen((const char *)p);
    while (n > 0) {
        size_t len = utf8_len(p, n);
        if (len == 0 || (len == 1 && (p[0] < 0x20 || p[0] == 0x7F))) {
            if (o + 1 >= cap)
                break;
            dst[o++] = '?';
            p++;
            n--;
            continue;
        }
        if (o + len >= cap)
            break;
        memcpy(dst + o, p, len);
        o += len;
        p += len;
        n -= len;
    }
    dst[o] = '\0';
}

/* Index of name in a table of n entries (cap slots), appended when new; the last slot when full. */
static uint32_t name_index(char (*table)[LC_LIVE_NAME_LEN], uint32_t *n, uint32_t cap,
                           const char *name)
{
    char label[LC_LIVE_NAME_LEN];
    lc_live_copy_label(label, sizeof(label), name);
    for (uint32_t i = 0; i < *n; i++)
        if (strcmp(table[i], label) == 0)
            return i;
    if (*n < cap - 1) {
        memcpy(table[*n], label, sizeof(label));
        return (*n)++;
    }
    /* Full: everything else shares the last slot. */
    if (*n == cap - 1) {
        memcpy(table[*n], other_name, sizeof(other_name));
        (*n)++;
    }
    return cap - 1;
}

uint32_t lc_live_phase_index(struct lc_live_snapshot *s, const char *name)
{
    return name_index(s->phases, &s->n_phases, LC_LIVE_MAX_PHASES, name);
}

uint32_t lc_live_request_index(struct lc_live_snapshot *s, const char *name)
{
    return name_index(s->requests, &s->n_requests, LC_LIVE_MAX_REQUESTS, name);
}

uint32_t lc_live_kind_index(struct lc_live_snapshot *s, const char *name)
{
    return name_index(s->kinds, &s->n_kinds, LC_LIVE_MAX_KINDS, name);
}

/* Add n to the row keyed (phase, request, label); returns 0, or -1 when the table is full. */
static int count_add(struct lc_live_count *rows, uint32_t *n, uint32_t cap, uint32_t phase,
                     uint32_t request, uint32_t label, uint64_t v)
{
    for (uint32_t i = 0; i < *n; i++) {
        struct lc_live_count *r = &rows[i];
        if (r->phase == phase && r->request == request && r->label == label) {
            r->value += v;
            return 0;
        }
    }
    if (*n == cap)
        return -1;
    rows[*n] = (struct lc_live_count){.phase = (uint16_t)phase,
                                      .request = (uint16_t)request,
                                      .label = (uint16_t)label,
                                      .value = v};
    (*n)++;
    return 0;
}

void lc_live_count_request(struct lc_live_snapshot *s, uint32_t phase, uint32_t request,
                           unsigned status, uint64_t n)
{
    if (n == 0)
        return;
    s->requests_total += n;
    if (count_add(s->counts, &s->n_counts, LC_LIVE_MAX_COUNTS, phase, request,
                  status > 999 ? 999 : status, n) != 0)
        s->overflow_requests += n;
}

void lc_live_count_error(struct lc_live_snapshot *s, uint32_t phase, uint32_t request,
                         uint32_t kind, uint64_t n)
{
    if (n == 0)
        return;
    s->errors_total += n;
    if (count_add(s->errors, &s->n_errors, LC_LIVE_MAX_ERRORS, phase, request, kind, n) != 0)
        s->overflow_errors += n;
}

struct lc_live_cell *lc_live_cell_get(struct lc_live_snapshot *s, uint32_t phase, uint32_t request)
{
    for (uint32_t i = 0; i < s->n_cells; i++)
        if (s->cells[i].phase == phase && s->cells[i].request == request)
            return &s->cells[i];
    if (s->n_cells == LC_LIVE_MAX_CELLS)
        return NULL;
    struct lc_live_cell *c = &s->cells[s->n_cells++];
    memset(c, 0, sizeof(*c));
    c->phase = (uint16_t)phase;
    c->request = (uint16_t)request;
    return c;
}

void lc_live_cell_record_bucket_ns(struct lc_live_cell *c, int64_t lowest_ns, int64_t mid_ns,
                                   uint64_t n)
{
    if (n == 0)
        return;
    double v = lowest_ns > 0 ? (double)lowest_ns / 1e9 : 0;
    for (int i = LC_LIVE_BUCKETS - 1; i >= 0 && v <= lc_live_bucket_bounds_s[i]; i--)
        c->le[i] += n;
    c->count += n;
    c->sum_s += (mid_ns > 0 ? (double)mid_ns / 1e9 : 0) * (double)n;
}

void lc_live_cell_record_ns(struct lc_live_cell *c, int64_t value_ns, uint64_t n)
{
    lc_live_cell_record_bucket_ns(c, value_ns, value_ns, n);
}

void lc_live_history_push(struct lc_live_snapshot *s, const struct lc_live_point *p)
{
    if (s->n_history == LC_LIVE_HISTORY) {
        memmove(&s->history[0], &s->history[1], (LC_LIVE_HISTORY - 1) * sizeof(s->history[0]));
        s->n_history--;
    }
    s->history[s->n_history++] = *p;
}

const char *lc_live_state_name(int state)
{
    switch (state) {
    case LC_LIVE_RUNNING:
        return "running";
    case LC_LIVE_STOPPING:
        return "stopping";
    case LC_LIVE_FINISHED:
        return "finished";
    default:
        return "starting";
    }
}

const char *lc_live_verdict_name(int verdict)
{
    switch (verdict) {
    case LC_LIVE_PASS:
        return "pass";
    case LC_LIVE_WARN:
        return "warn";
    case LC_LIVE_FAIL:
        return "fail";
    default:
        return "pending";
    }
}

/* ---- Prometheus text ----------------------------------------------------- */

/* A growable text buffer; `failed` sticks once an allocation failed or the cap was reached. */
struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->failed || b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = cap <= RENDER_MAX_BYTES ? realloc(b->p, cap) : NULL;
    if (!p) {
        b->failed = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    if (b->failed)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void LC_PRINTF(2, 3) buf_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A label value, escaped per the exposition format: backslash, double quote, newline. */
static void buf_label_value(struct buf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            buf_put(b, "\\\\", 2);
        else if (*p == '"')
            buf_put(b, "\\\"", 2);
        else if (*p == '\n')
            buf_put(b, "\\n", 2);
        else
            buf_put(b, p, 1);
    }
}

/* A sample value: integers exactly, NaN and infinities by their Prometheus names. */
static void buf_double(struct buf *b, double v)
{
    if (isnan(v))
        buf_str(b, "NaN");
    else if (isinf(v))
        buf_str(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        buf_fmt(b, "%.0f", v);
    else
        buf_fmt(b, "%.9g", v);
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_fmt(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",k2="v2",...} from NULL-terminated pairs; no braces when there are none. */
static void sample_start(struct buf *b, const char *name, const char *const *labels)
{
    buf_str(b, name);
    if (!labels || !labels[0])
        return;
    buf_put(b, "{", 1);
    for (size_t i = 0; labels[i]; i += 2) {
        if (i)
            buf_put(b, ",", 1);
        buf_str(b, labels[i]);
        buf_put(b, "=\"", 2);
        buf_label_value(b, labels[i + 1]);
        buf_put(b, "\"", 1);
    }
    buf_put(b, "}", 1);
}

static void sample_u64(struct buf *b, const char *name, const char *const *labels, uint64_t v)
{
    sample_start(b, name, labels);
    buf_fmt(b, " %" PRIu64 "\n", v);
}

static void sample_double(struct buf *b, const char *name, const char *const *labels, double v)
{
    sample_start(b, name, labels);
    buf_put(b, " ", 1);
    buf_double(b, v);
    buf_put(b, "\n", 1);
}

/* One gauge family with a single optional-labelled sample; skipped when v is NaN. */
static void gauge(struct buf *b, const char *name, const char *help, const char *const *labels,
                  double v)
{
    if (isnan(v))
        return;
    family(b, name, "gauge", help);
    sample_double(b, name, labels, v);
}

static const char *phase_name(const struct lc_live_snapshot *s, uint32_t i)
{
    return i < s->n_phases ? s->phases[i] : overflow_name;
}

static const char *request_name(const struct lc_live_snapshot *s, uint32_t i)
{
    return i < s->n_requests ? s->requests[i] : overflow_name;
}

static const char *kind_name(const struct lc_live_snapshot *s, uint32_t i)
{
    return i < s->n_kinds ? s->kinds[i] : overflow_name;
}

static void render_run(struct buf *b, const struct lc_live_snapshot *s)
{
    const char *info[] = {"command", s->command, "target", s->target, NULL};
    family(b, "loadcell_info", "gauge", "Constant 1; its labels describe the run.");
    sample_u64(b, "loadcell_info", info, 1);
    family(b, "loadcell_running", "gauge", "1 while the run goes on, 0 once it has ended.");
    sample_u64(b, "loadcell_running", NULL, s->state == LC_LIVE_FINISHED ? 0 : 1);
    family(b, "loadcell_elapsed_seconds", "gauge", "Time since the run started.");
    sample_double(b, "loadcell_elapsed_seconds", NULL, s->elapsed_s);
    family(b, "loadcell_planned_duration_seconds", "gauge",
           "Planned length of the run; 0 when it is bounded by a request count.");
    sample_double(b, "loadcell_planned_duration_seconds", NULL, s->total_s);
}

static void render_load(struct buf *b, const struct lc_live_snapshot *s)
{
    char idx[16], status[16], le[32];
    const char *cur = phase_name(s, s->phase);
    const char *ph[] = {"phase", cur, NULL};

    if (s->n_phases) {
        family(b, "loadcell_phase", "gauge",
               "Phases of the run in order: 1 for the phase running now, 0 for the others.");
        for (uint32_t i = 0; i < s->n_phases; i++) {
            snprintf(idx, sizeof(idx), "%u", i);
            const char *l[] = {"phase", s->phases[i], "index", idx, NULL};
            sample_u64(b, "loadcell_phase", l, i == s->phase);
        }
        family(b, "loadcell_phase_elapsed_seconds", "gauge", "Time since the phase started.");
        sample_double(b, "loadcell_phase_elapsed_seconds", ph, s->phase_elapsed_s);
        family(b, "loadcell_phase_planned_duration_seconds", "gauge",
               "Planned length of the phase; 0 when unbounded.");
        sample_double(b, "loadcell_phase_planned_duration_seconds", ph, s->phase_total_s);
    }

    family(b, "loadcell_requests_total", "counter",
           "Requests that ended (a response or a failure) by request, status (0: no response) "
           "and phase.");
    for (uint32_t i = 0; i < s->n_counts; i++) {
        const struct lc_live_count *r = &s->counts[i];
        snprintf(status, sizeof(status), "%u", r->label);
        const char *l[] = {"request", request_name(s, r->request), "status", status,
                           "phase",   phase_name(s, r->phase),     NULL};
        sample_u64(b, "loadcell_requests_total", l, r->value);
    }
    if (s->overflow_requests) {
        const char *l[] = {"request", overflow_name, "status", "0", "phase", overflow_name, NULL};
        sample_u64(b, "loadcell_requests_total", l, s->overflow_requests);
    }

    family(b, "loadcell_errors_total", "counter",
           "Requests that failed (transport errors, malformed responses) or were answered with an "
           "error, by kind.");
    for (uint32_t i = 0; i < s->n_errors; i++) {
        const struct lc_live_count *r = &s->errors[i];
        const char *l[] = {"request", request_name(s, r->request), "kind", kind_name(s, r->label),
                           "phase",   phase_name(s, r->phase),     NULL};
        sample_u64(b, "loadcell_errors_total", l, r->value);
    }
    if (s->overflow_errors) {
        const char *l[] = {"request", overflow_name, "kind", overflow_name,
                           "phase",   overflow_name, NULL};
        sample_u64(b, "loadcell_errors_total", l, s->overflow_errors);
    }

    family(b, "loadcell_received_bytes_total", "counter", "Response bytes received.");
    for (uint32_t i = 0; i < s->n_cells; i++) {
        const struct lc_live_cell *c = &s->cells[i];
        const char *l[] = {"request", request_name(s, c->request), "phase", phase_name(s, c->phase),
                           NULL};
        sample_u64(b, "loadcell_received_bytes_total", l, c->bytes_in);
    }
    family(b, "loadcell_sent_bytes_total", "counter", "Request bytes sent.");
    for (uint32_t i = 0; i < s->n_cells; i++) {
        const struct lc_live_cell *c = &s->cells[i];
        const char *l[] = {"request", request_name(s, c->request), "phase", phase_name(s, c->phase),
                           NULL};
        sample_u64(b, "loadcell_sent_bytes_total", l, c->bytes_out);
    }

    family(b, "loadcell_request_duration_seconds", "histogram",
           "Latency of requests answered or timed out: from the intended start in the open "
           "model, from the send in the closed model.");
    for (uint32_t i = 0; i < s->n_cells; i++) {
        const struct lc_live_cell *c = &s->cells[i];
        const char *rq = request_name(s, c->request), *pn = phase_name(s, c->phase);
        for (int k = 0; k <= LC_LIVE_BUCKETS; k++) {
            if (k < LC_LIVE_BUCKETS)
                snprintf(le, sizeof(le), "%g", lc_live_bucket_bounds_s[k]);
            else
                snprintf(le, sizeof(le), "+Inf");
            const char *l[] = {"request", rq, "phase", pn, "le", le, NULL};
            sample_u64(b, "loadcell_request_duration_seconds_bucket", l,
                       k < LC_LIVE_BUCKETS ? c->le[k] : c->count);
        }
        const char *l[] = {"request", rq, "phase", pn, NULL};
        sample_double(b, "loadcell_request_duration_seconds_sum", l, c->sum_s);
        sample_u64(b, "loadcell_request_duration_seconds_count", l, c->count);
    }

    const struct {
        const char *name;
        const struct lc_live_quantiles *q;
    } windows[] = {{"1s", &s->window_1s}, {"phase", &s->window_phase}};
    if (s->window_1s.valid || s->window_phase.valid) {
        /* A summary: quantiles over a window (no _sum and _count: the histogram has them). */
        family(b, "loadcell_request_duration_quantile_seconds", "summary",
               "Latency quantiles of every request over the last interval (window=\"1s\") and "
               "the current phase so far (window=\"phase\").");
        for (size_t w = 0; w < 2; w++) {
            const struct lc_live_quantiles *q = windows[w].q;
            if (!q->valid)
                continue;
            const double v[] = {q->p50_s, q->p90_s, q->p99_s, q->p999_s};
            const char *qn[] = {"0.5", "0.9", "0.99", "0.999"};
            for (size_t k = 0; k < 4; k++) {
                const char *l[] = {"quantile", qn[k], "window", windows[w].name,
                                   "phase",    cur,   NULL};
                sample_double(b, "loadcell_request_duration_quantile_seconds", l, v[k]);
            }
        }
        family(b, "loadcell_request_duration_max_seconds", "gauge",
               "The longest latency over the last interval and the current phase so far.");
        for (size_t w = 0; w < 2; w++) {
            if (!windows[w].q->valid)
                continue;
            const char *l[] = {"window", windows[w].name, "phase", cur, NULL};
            sample_double(b, "loadcell_request_duration_max_seconds", l, windows[w].q->max_s);
        }
    }

    gauge(b, "loadcell_active_connections",
          "Connections open (open model) or users running (closed model) at the last tick.", ph,
          s->active_connections);
    gauge(b, "loadcell_active_users", "Users running (closed model).", ph, s->active_users);
    gauge(b, "loadcell_target_users", "Users asked for (closed model).", ph, s->target_users);
    gauge(b, "loadcell_target_rate", "Arrival rate asked for, requests per second (open model).",
          ph, s->target_rate);
    gauge(b, "loadcell_achieved_rate", "Requests ended per second over the last interval.", ph,
          s->achieved_rate);
    gauge(b, "loadcell_error_rate", "Errors per second over the last interval.", ph,
          s->errors_per_s);
}

/* One GPU gauge family over the GPUs that have a value for it. */
static void gpu_family(struct buf *b, const struct lc_live_snapshot *s, const char *name,
                       const char *help, size_t offset)
{
    int any = 0;
    char idx[16];
    for (uint32_t i = 0; i < s->n_gpus; i++) {
        double v;
        memcpy(&v, (const char *)&s->gpus[i] + offset, sizeof(v));
        if (isnan(v))
            continue;
        if (!any)
            family(b, name, "gauge", help);
        any = 1;
        snprintf(idx, sizeof(idx), "%u", s->gpus[i].index);
        const char *l[] = {"gpu", idx, NULL};
        sample_double(b, name, l, v);
    }
}

static void render_gpus(struct buf *b, const struct lc_live_snapshot *s)
{
    gpu_family(b, s, "loadcell_gpu_utilization_ratio",
               "Share of the last sample period with a kernel running on the GPU (0..1).",
               offsetof(struct lc_live_gpu, util_ratio));
    gpu_family(b, s, "loadcell_gpu_memory_used_bytes", "GPU memory in use.",
               offsetof(struct lc_live_gpu, mem_used_bytes));
    gpu_family(b, s, "loadcell_gpu_power_watts", "GPU power draw.",
               offsetof(struct lc_live_gpu, power_watts));
    gpu_family(b, s, "loadcell_gpu_temperature_celsius", "GPU temperature.",
               offsetof(struct lc_live_gpu, temp_celsius));
}

/* The per-point run counts of a bench, each a metric family labelled by command and params. */
struct bench_count {
    const char *name, *type, *help;
    size_t offset; /* of a uint64_t in struct lc_live_bench_point */
};
static const struct bench_count bench_counts[] = {
    {"loadcell_bench_runs_total", "counter", "Timed runs done.",
     offsetof(struct lc_live_bench_point, runs)},
    {"loadcell_bench_failed_runs_total", "counter",
     "Timed runs that exited non-zero or timed out (kept with --ignore-failure).",
     offsetof(struct lc_live_bench_point, failed)},
    {"loadcell_bench_warmup_runs_total", "counter", "Warm-up (untimed) runs done.",
     offsetof(struct lc_live_bench_point, warmup_runs)},
    {"loadcell_bench_runs_planned", "gauge",
     "Timed runs planned (an estimate while a --min-time budget decides).",
     offsetof(struct lc_live_bench_point, runs_planned)},
};

/* `loadcell bench`: per command and scan point, runs and wall times so far. */
static void render_bench(struct buf *b, const struct lc_live_bench *v)
{
    family(b, "loadcell_bench_points", "gauge",
           "Commands x scan points: planned (state=\"planned\") and measured (state=\"done\").");
    const char *planned[] = {"state", "planned", NULL}, *done[] = {"state", "done", NULL};
    sample_u64(b, "loadcell_bench_points", planned, v->points_total);
    sample_u64(b, "loadcell_bench_points", done, v->points_done);
    if (v->has_current && v->current < v->n_points) {
        const struct lc_live_bench_point *p = &v->points[v->current];
        family(b, "loadcell_bench_current_run_info", "gauge",
               "Constant 1; its labels name the command and scan point being measured now.");
        const char *l[] = {"command", p->command, "params", p->params, NULL};
        sample_u64(b, "loadcell_bench_current_run_info", l, 1);
    }
    for (size_t k = 0; k < sizeof(bench_counts) / sizeof(bench_counts[0]); k++) {
        const struct bench_count *c = &bench_counts[k];
        family(b, c->name, c->type, c->help);
        for (uint32_t i = 0; i < v->n_points; i++) {
            const struct lc_live_bench_point *p = &v->points[i];
            const char *l[] = {"command", p->command, "params", p->params, NULL};
            sample_u64(b, c->name, l, *(const uint64_t *)((const char *)p + c->offset));
        }
    }
    family(b, "loadcell_bench_run_seconds", "summary",
           "Wall time of the timed runs so far (the shell's start-up subtracted): the median "
           "(quantile=\"0.5\"), the sum and the count.");
    for (uint32_t i = 0; i < v->n_points; i++) {
        const struct lc_live_bench_point *p = &v->points[i];
        if (!p->runs)
            continue;
        const char *q[] = {"command", p->command, "params", p->params, "quantile", "0.5", NULL};
        const char *l[] = {"command", p->command, "params", p->params, NULL};
        sample_double(b, "loadcell_bench_run_seconds", q, p->median_s);
        sample_double(b, "loadcell_bench_run_seconds_sum", l, p->sum_s);
        sample_u64(b, "loadcell_bench_run_seconds_count", l, p->runs);
    }
    const struct {
        const char *name, *help;
        size_t offset;
    } g[] = {
        {"loadcell_bench_last_run_seconds", "Wall time of the last timed run.",
         offsetof(struct lc_live_bench_point, last_s)},
        {"loadcell_bench_run_mean_seconds", "Mean wall time of the timed runs so far.",
         offsetof(struct lc_live_bench_point, mean_s)},
        {"loadcell_bench_run_min_seconds", "Shortest wall time so far.",
         offsetof(struct lc_live_bench_point, min_s)},
        {"loadcell_bench_run_max_seconds", "Longest wall time so far.",
         offsetof(struct lc_live_bench_point, max_s)},
    };
    for (size_t k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
        int any = 0;
        for (uint32_t i = 0; i < v->n_points; i++) {
            const struct lc_live_bench_point *p = &v->points[i];
            double x;
            memcpy(&x, (const char *)p + g[k].offset, sizeof(x));
            if (!p->runs || isnan(x))
                continue;
            if (!any)
                family(b, g[k].name, "gauge", g[k].help);
            any = 1;
            const char *l[] = {"command", p->command, "params", p->params, NULL};
            sample_double(b, g[k].name, l, x);
        }
    }
}

static void render_resources(struct buf *b, const struct lc_live_snapshot *s)
{
    gauge(b, "loadcell_generator_cpu_ratio",
          "CPU seconds per second used by loadcell itself over the last interval (1 = one "
          "core).",
          NULL, s->gen_cpu_ratio);
    if (!isnan(s->gen_cpu_seconds)) {
        family(b, "loadcell_generator_cpu_seconds_total", "counter",
               "CPU time used by loadcell since the run started.");
        sample_double(b, "loadcell_generator_cpu_seconds_total", NULL, s->gen_cpu_seconds);
    }
    gauge(b, "loadcell_generator_resident_bytes", "Resident memory of loadcell.", NULL,
          s->gen_rss_bytes);
    if (s->has_target) {
        gauge(b, "loadcell_target_cpu_ratio",
              "CPU seconds per second used by the monitored target (1 = one core).", NULL,
              s->target_cpu_ratio);
        gauge(b, "loadcell_target_resident_bytes", "Resident memory of the monitored target.", NULL,
              s->target_rss_bytes);
        gauge(b, "loadcell_target_threads", "Threads of the monitored target's process tree.", NULL,
              s->target_threads);
        gauge(b, "loadcell_target_open_fds",
              "Open file descriptors of the monitored target's process tree.", NULL, s->target_fds);
        gauge(b, "loadcell_target_processes", "Processes in the monitored target's tree.", NULL,
              s->target_processes);
    }
    if (s->has_host) {
        gauge(b, "loadcell_host_cpu_ratio", "Share of the whole machine's CPU in use (0..1).", NULL,
              s->host_cpu_ratio);
        gauge(b, "loadcell_host_memory_used_bytes", "Host memory in use (MemTotal - MemAvailable).",
              NULL, s->host_mem_used_bytes);
        gauge(b, "loadcell_host_memory_available_bytes", "Host memory available (MemAvailable).",
              NULL, s->host_mem_available_bytes);
    }
    render_gpus(b, s);
    int judged = 0;
    for (uint32_t i = 0; i < s->n_thresholds; i++)
        judged |= s->thresholds[i].verdict != LC_LIVE_PENDING;
    if (judged) {
        family(b, "loadcell_threshold_passing", "gauge",
               "1 when the threshold held at its last evaluation, 0 when it failed.");
        for (uint32_t i = 0; i < s->n_thresholds; i++) {
            const struct lc_live_threshold *t = &s->thresholds[i];
            if (t->verdict == LC_LIVE_PENDING)
                continue;
            const char *l[] = {"threshold", t->text, NULL};
            sample_u64(b, "loadcell_threshold_passing", l, t->verdict != LC_LIVE_FAIL);
        }
    }
}

static void render_serve(struct buf *b, const struct lc_live_serve *v)
{
    char status[16];
    family(b, "loadcell_serve_requests_total", "counter",
           "Requests answered by route (the built-in /health and /stats excluded).");
    for (uint32_t i = 0; i < v->n_routes; i++) {
        const char *l[] = {"route", v->routes[i], NULL};
        sample_u64(b, "loadcell_serve_requests_total", l, v->by_route[i]);
    }
    family(b, "loadcell_serve_responses_total", "counter",
           "Answers sent with a valid status line, by status.");
    for (uint32_t i = 0; i < v->n_statuses; i++) {
        snprintf(status, sizeof(status), "%u", v->status[i]);
        const char *l[] = {"status", status, NULL};
        sample_u64(b, "loadcell_serve_responses_total", l, v->by_status[i]);
    }
    family(b, "loadcell_serve_chaos_total", "counter", "Requests answered with chaos, by kind.");
    for (uint32_t i = 0; i < v->n_chaos; i++) {
        const char *l[] = {"kind", v->chaos[i], NULL};
        sample_u64(b, "loadcell_serve_chaos_total", l, v->by_chaos[i]);
    }
    family(b, "loadcell_serve_injected_errors_total", "counter",
           "Answers with the injected error status.");
    sample_u64(b, "loadcell_serve_injected_errors_total", NULL, v->errors);
    family(b, "loadcell_serve_internal_requests_total", "counter",
           "Requests to the built-in paths.");
    const char *health[] = {"path", "/health", NULL}, *stats[] = {"path", "/stats", NULL};
    sample_u64(b, "loadcell_serve_internal_requests_total", health, v->health_requests);
    sample_u64(b, "loadcell_serve_internal_requests_total", stats, v->stats_requests);
    family(b, "loadcell_serve_bad_requests_total", "counter",
           "Malformed requests answered 400 and closed.");
    sample_u64(b, "loadcell_serve_bad_requests_total", NULL, v->bad_requests);
    family(b, "loadcell_serve_connections_accepted_total", "counter", "Connections accepted.");
    sample_u64(b, "loadcell_serve_connections_accepted_total", NULL, v->connections);
    family(b, "loadcell_serve_received_bytes_total", "counter",
           "Request bytes (head and body) of counted requests.");
    sample_u64(b, "loadcell_serve_received_bytes_total", NULL, v->bytes_in);
    family(b, "loadcell_serve_sent_bytes_total", "counter",
           "Response bytes written for counted requests.");
    sample_u64(b, "loadcell_serve_sent_bytes_total", NULL, v->bytes_out);
    family(b, "loadcell_serve_threads", "gauge", "Server threads.");
    sample_u64(b, "loadcell_serve_threads", NULL, v->threads);
    family(b, "loadcell_serve_uptime_seconds", "gauge", "Time since the server started.");
    sample_double(b, "loadcell_serve_uptime_seconds", NULL, v->uptime_s);
}

char *lc_live_render_prometheus(const struct lc_live_snapshot *s, size_t *len)
{
    struct buf b = {0};
    if (s->has_serve) {
        render_serve(&b, &s->serve);
    } else {
        render_run(&b, s);
        if (s->has_load)
            render_load(&b, s);
        if (s->has_bench)
            render_bench(&b, &s->bench);
    }
    render_resources(&b, s);
    buf_reserve(&b, 0); /* an empty rendering is still a string */
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* ---- JSON ---------------------------------------------------------------- */

/* A number, or null for NaN and infinities (JSON has neither). */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Set key to v (stolen, also on failure); marks *bad when o or v is NULL (out of memory). */
static void put(json_t *o, const char *key, json_t *v, int *bad)
{
    if (!o || !v) {
        json_decref(v);
        *bad = 1;
    } else if (json_object_set_new(o, key, v) != 0) {
        *bad = 1;
    }
}

/* Append v (stolen, also on failure) to the array a. */
static void append(json_t *a, json_t *v, int *bad)
{
    if (!a || !v) {
        json_decref(v);
        *bad = 1;
    } else if (json_array_append_new(a, v) != 0) {
        *bad = 1;
    }
}

static json_t *quantiles_json(const struct lc_live_quantiles *q, int *bad)
{
    if (!q->valid)
        return json_null();
    json_t *o = json_object();
    put(o, "p50", num(q->p50_s), bad);
    put(o, "p90", num(q->p90_s), bad);
    put(o, "p99", num(q->p99_s), bad);
    put(o, "p999", num(q->p999_s), bad);
    put(o, "max", num(q->max_s), bad);
    return o;
}

/* Per request name, summed over phases: requests, errors, statuses, mean latency. */
static json_t *requests_json(const struct lc_live_snapshot *s, int *bad)
{
    json_t *arr = json_array();
    for (uint32_t r = 0; r < s->n_requests; r++) {
        uint64_t n = 0, errs = 0, count = 0;
        double sum = 0;
        json_t *st = json_object();
        for (uint32_t i = 0; i < s->n_counts; i++) {
            const struct lc_live_count *c = &s->counts[i];
            if (c->request != r)
                continue;
            n += c->value;
            char key[16];
            snprintf(key, sizeof(key), "%u", c->label);
            json_t *old = st ? json_object_get(st, key) : NULL;
            uint64_t prev = old ? (uint64_t)json_integer_value(old) : 0;
            put(st, key, json_integer((json_int_t)(prev + c->value)), bad);
        }
        for (uint32_t i = 0; i < s->n_errors; i++)
            if (s->errors[i].request == r)
                errs += s->errors[i].value;
        for (uint32_t i = 0; i < s->n_cells; i++) {
            if (s->cells[i].request == r) {
                count += s->cells[i].count;
                sum += s->cells[i].sum_s;
            }
        }
        json_t *o = json_object();
        put(o, "name", json_string(s->requests[r]), bad);
        put(o, "requests", json_integer((json_int_t)n), bad);
        put(o, "errors", json_integer((json_int_t)errs), bad);
        put(o, "statuses", st, bad);
        put(o, "mean_s", count ? json_real(sum / (double)count) : json_null(), bad);
        append(arr, o, bad);
    }
    return arr;
}

/* Errors by kind, summed over phases and requests. */
static json_t *errors_json(const struct lc_live_snapshot *s, int *bad)
{
    json_t *arr = json_array();
    for (uint32_t k = 0; k < s->n_kinds; k++) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < s->n_errors; i++)
            if (s->errors[i].label == k)
                n += s->errors[i].value;
        json_t *o = json_object();
        put(o, "kind", json_string(s->kinds[k]), bad);
        put(o, "count", json_integer((json_int_t)n), bad);
        append(arr, o, bad);
    }
    return arr;
}

/* The history as columns: {"t": [...], "rps": [...], ...}. */
static json_t *history_json(const struct lc_live_snapshot *s, int *bad)
{
    static const char *const names[] = {"t",       "rps",        "target_rps", "p50",
                                        "p90",     "p99",        "eps",        "active",
                                        "gen_cpu", "target_cpu", "target_rss"};
    enum { NCOLS = sizeof(names) / sizeof(names[0]) };
    json_t *cols[NCOLS];
    json_t *o = json_object();
    for (size_t c = 0; c < NCOLS; c++) {
        cols[c] = json_array();
        put(o, names[c], cols[c], bad);
    }
    for (uint32_t i = 0; i < s->n_history && !*bad; i++) {
        const struct lc_live_point *p = &s->history[i];
        const double v[NCOLS] = {p->t_s,
                                 p->rps,
                                 p->target_rps,
                                 p->p50_s,
                                 p->p90_s,
                                 p->p99_s,
                                 p->errors_per_s,
                                 p->active,
                                 p->gen_cpu_ratio,
                                 p->target_cpu_ratio,
                                 p->target_rss_bytes};
        for (size_t c = 0; c < NCOLS; c++)
            append(cols[c], num(v[c]), bad);
    }
    return o;
}

static json_t *serve_json(const struct lc_live_serve *v, int *bad)
{
    json_t *o = json_object(), *routes = json_object(), *st = json_object(), *chaos = json_object();
    for (uint32_t i = 0; i < v->n_routes; i++)
        put(routes, v->routes[i], json_integer((json_int_t)v->by_route[i]), bad);
    for (uint32_t i = 0; i < v->n_statuses; i++) {
        char key[16];
        snprintf(key, sizeof(key), "%u", v->status[i]);
        put(st, key, json_integer((json_int_t)v->by_status[i]), bad);
    }
    for (uint32_t i = 0; i < v->n_chaos; i++)
        put(chaos, v->chaos[i], json_integer((json_int_t)v->by_chaos[i]), bad);
    put(o, "requests", json_integer((json_int_t)v->requests), bad);
    put(o, "by_route", routes, bad);
    put(o, "by_status", st, bad);
    put(o, "by_chaos", chaos, bad);
    put(o, "connections", json_integer((json_int_t)v->connections), bad);
    put(o, "bytes_in", json_integer((json_int_t)v->bytes_in), bad);
    put(o, "bytes_out", json_integer((json_int_t)v->bytes_out), bad);
    put(o, "uptime_s", num(v->uptime_s), bad);
    return o;
}

static json_t *host_json(const struct lc_live_snapshot *s, int *bad)
{
    json_t *o = json_object(), *gpus = json_array();
    put(o, "cpu_ratio", num(s->host_cpu_ratio), bad);
    put(o, "mem_used_bytes", num(s->host_mem_used_bytes), bad);
    put(o, "mem_available_bytes", num(s->host_mem_available_bytes), bad);
    for (uint32_t i = 0; i < s->n_gpus; i++) {
        const struct lc_live_gpu *g = &s->gpus[i];
        json_t *j = json_object();
        put(j, "index", json_integer(g->index), bad);
        put(j, "util_ratio", num(g->util_ratio), bad);
        put(j, "mem_used_bytes", num(g->mem_used_bytes), bad);
        put(j, "power_watts", num(g->power_watts), bad);
        put(j, "temp_celsius", num(g->temp_celsius), bad);
        append(gpus, j, bad);
    }
    put(o, "gpus", gpus, bad);
    return o;
}

static json_t *bench_json(const struct lc_live_bench *v, int *bad)
{
    json_t *o = json_object(), *pts = json_array();
    put(o, "points_total", json_integer(v->points_total), bad);
    put(o, "points_done", json_integer(v->points_done), bad);
    put(o, "current", v->has_current ? json_integer(v->current) : json_null(), bad);
    put(o, "current_warmup", json_boolean(v->current_warmup), bad);
    for (uint32_t i = 0; i < v->n_points; i++) {
        const struct lc_live_bench_point *p = &v->points[i];
        json_t *j = json_object();
        put(j, "command", json_string(p->command), bad);
        put(j, "params", json_string(p->params), bad);
        put(j, "runs", json_integer((json_int_t)p->runs), bad);
        put(j, "runs_planned", json_integer((json_int_t)p->runs_planned), bad);
        put(j, "failed", json_integer((json_int_t)p->failed), bad);
        put(j, "warmup_runs", json_integer((json_int_t)p->warmup_runs), bad);
        put(j, "last_s", num(p->last_s), bad);
        put(j, "mean_s", num(p->mean_s), bad);
        put(j, "median_s", num(p->median_s), bad);
        put(j, "min_s", num(p->min_s), bad);
        put(j, "max_s", num(p->max_s), bad);
        append(pts, j, bad);
    }
    put(o, "points", pts, bad);
    return o;
}

char *lc_live_render_json(const struct lc_live_snapshot *s, size_t *len)
{
    int bad = 0;
    json_t *o = json_object();
    put(o, "command", json_string(s->command), &bad);
    put(o, "target", json_string(s->target), &bad);
    put(o, "state", json_string(lc_live_state_name(s->state)), &bad);
    put(o, "can_stop", json_boolean(s->can_stop), &bad);
    if (s->control[0]) {
        json_t *c = json_object();
        put(c, "name", json_string(s->control), &bad);
        put(c, "min", num(s->control_min), &bad);
        put(c, "max", num(s->control_max), &bad);
        put(o, "control", c, &bad);
    } else {
        put(o, "control", json_null(), &bad);
    }
    put(o, "seq", json_integer((json_int_t)s->seq), &bad);
    put(o, "elapsed_s", num(s->elapsed_s), &bad);
    put(o, "total_s", num(s->total_s), &bad);
    put(o, "phase_elapsed_s", num(s->phase_elapsed_s), &bad);
    put(o, "phase_total_s", num(s->phase_total_s), &bad);
    json_t *phases = json_array();
    for (uint32_t i = 0; i < s->n_phases; i++)
        append(phases, json_string(s->phases[i]), &bad);
    put(o, "phases", phases, &bad);
    put(o, "phase", s->phase < s->n_phases ? json_string(s->phases[s->phase]) : json_null(), &bad);
    put(o, "phase_index", json_integer((json_int_t)s->phase), &bad);
    put(o, "requests_total", json_integer((json_int_t)s->requests_total), &bad);
    put(o, "errors_total", json_integer((json_int_t)s->errors_total), &bad);
    put(o, "interval_s", num(s->interval_s), &bad);
    put(o, "rps", num(s->achieved_rate), &bad);
    put(o, "target_rate", num(s->target_rate), &bad);
    put(o, "target_users", num(s->target_users), &bad);
    put(o, "active_users", num(s->active_users), &bad);
    put(o, "active_connections", num(s->active_connections), &bad);
    put(o, "errors_per_s", num(s->errors_per_s), &bad);
    json_t *lat = json_object();
    put(lat, "1s", quantiles_json(&s->window_1s, &bad), &bad);
    put(lat, "phase", quantiles_json(&s->window_phase, &bad), &bad);
    put(o, "latency", lat, &bad);
    put(o, "requests", requests_json(s, &bad), &bad);
    put(o, "errors", errors_json(s, &bad), &bad);
    json_t *gen = json_object();
    put(gen, "cpu_ratio", num(s->gen_cpu_ratio), &bad);
    put(gen, "cpu_seconds", num(s->gen_cpu_seconds), &bad);
    put(gen, "rss_bytes", num(s->gen_rss_bytes), &bad);
    put(o, "generator", gen, &bad);
    if (s->has_target) {
        json_t *t = json_object();
        put(t, "cpu_ratio", num(s->target_cpu_ratio), &bad);
        put(t, "rss_bytes", num(s->target_rss_bytes), &bad);
        put(t, "threads", num(s->target_threads), &bad);
        put(t, "fds", num(s->target_fds), &bad);
        put(t, "processes", num(s->target_processes), &bad);
        put(o, "target_resources", t, &bad);
    } else {
        put(o, "target_resources", json_null(), &bad);
    }
    json_t *th = json_array();
    for (uint32_t i = 0; i < s->n_thresholds; i++) {
        json_t *t = json_object();
        put(t, "text", json_string(s->thresholds[i].text), &bad);
        put(t, "verdict", json_string(lc_live_verdict_name(s->thresholds[i].verdict)), &bad);
        put(t, "detail", json_string(s->thresholds[i].detail), &bad);
        append(th, t, &bad);
    }
    put(o, "thresholds", th, &bad);
    put(o, "history", history_json(s, &bad), &bad);
    put(o, "serve", s->has_serve ? serve_json(&s->serve, &bad) : json_null(), &bad);
    put(o, "load", json_boolean(s->has_load), &bad);
    put(o, "host", s->has_host ? host_json(s, &bad) : json_null(), &bad);
    put(o, "bench", s->has_bench ? bench_json(&s->bench, &bad) : json_null(), &bad);
    char *text = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (text)
        *len = strlen(text);
    return text;
}
