/* The Result as JSON: build with jansson, write atomically, read back with JSON-path errors. */
#include "results/result_json.h"

#include "results/report_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hdr.h"

/* 15 significant digits: decimal inputs print as written ("12.345", not "12.345000000000001"). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* Result files larger than this are refused on read (a sanity bound, not a design limit). */
#define MAX_FILE_BYTES (1024LL * 1024 * 1024)

/* ==== Writing ================================================================== */

/* Writer state: any failed allocation sets `failed`, checked once at the end. */
struct wr {
    int failed;
    int code; /* the first error code (LC_ENOMEM unless a histogram encode said otherwise) */
};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the byte at s starts none. */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* A malloc'd copy of s with every byte outside a valid UTF-8 sequence replaced by '?'. */
static char *utf8_sanitize(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq_len((const unsigned char *)s + i);
        if (n == 0) {
            out[i++] = '?';
            continue;
        }
        memcpy(out + i, s + i, n);
        i += n;
    }
    out[len] = '\0';
    return out;
}

/* A JSON string of s (NULL -> null); invalid UTF-8 is sanitised rather than refused. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char *clean = utf8_sanitize(s);
    if (!clean)
        return NULL;
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *ju64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *ji64(int64_t v)
{
    return json_integer((json_int_t)v);
}

/* A JSON number of v; NaN and infinities (which JSON cannot hold) become null. */
static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* obj[key] = val (stolen); a NULL val or failure marks the writer failed. */
static void put(struct wr *w, json_t *obj, const char *key, json_t *val)
{
    if (!val || !obj) {
        json_decref(val);
        w->failed = 1;
        return;
    }
    /* jansson drops its reference on failure; keep one of ours for the retry. */
    json_incref(val);
    if (json_object_set_new(obj, key, val) == 0) {
        json_decref(val);
        return;
    }
    /* The key itself may be invalid UTF-8 (an error kind, a parameter name). */
    char *clean = utf8_sanitize(key);
    if (!clean || json_object_set_new(obj, clean, val) != 0)
        w->failed = 1;
    else
        val = NULL;
    json_decref(val);
    free(clean);
}

/* arr += val (stolen). */
static void push(struct wr *w, json_t *arr, json_t *val)
{
    if (!arr) {
        json_decref(val);
        w->failed = 1;
        return;
    }
    if (!val || json_array_append_new(arr, val) != 0)
        w->failed = 1;
}

/* ns to ms rounded to the microsecond, for the human-readable summaries. */
static double ns_to_ms(double ns)
{
    return round(ns / 1e3) / 1e3;
}

static const struct {
    const char *name; /* key stem: "p50" -> "p50_ms", "p50_ns" */
    double pct;       /* < 0: a special value (see hist_json) */
} summary_keys[] = {
    {"min", -1}, {"mean", -2}, {"stdev", -3},   {"p50", 50}, {"p90", 90},
    {"p95", 95}, {"p99", 99},  {"p99_9", 99.9}, {"max", -4},
};

/* The value of summary entry i of h, in ns. */
static double summary_value(const struct lc_hdr *h, size_t i)
{
    if (h->total_count == 0)
        return 0.0;
    double pct = summary_keys[i].pct;
    if (pct == -1)
        return (double)lc_hdr_min(h);
    if (pct == -2)
        return lc_hdr_mean(h);
    if (pct == -3)
        return lc_hdr_stdev(h);
    if (pct == -4)
        return (double)lc_hdr_max(h);
    return (double)lc_hdr_value_at_percentile(h, pct);
}

/* {"count", <summaries in ms>, <summaries in ns>, "hdr"}. */
static json_t *hist_json(struct wr *w, const struct lc_hdr *h)
{
    json_t *o = json_object();
    char key[32];
    put(w, o, "count", ji64(h->total_count));
    for (size_t i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++) {
        snprintf(key, sizeof(key), "%s_ms", summary_keys[i].name);
        put(w, o, key, jreal(ns_to_ms(summary_value(h, i))));
    }
    for (size_t i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++) {
        snprintf(key, sizeof(key), "%s_ns", summary_keys[i].name);
        put(w, o, key, ji64(llround(summary_value(h, i))));
    }
    char *text = NULL;
    int rc = lc_hdr_encode_base64(h, &text);
    if (rc) {
        w->failed = 1;
        if (!w->code)
            w->code = rc;
    } else {
        put(w, o, "hdr", json_string(text));
        free(text);
    }
    return o;
}

static json_t *stats_json(struct wr *w, const struct lc_result_stats *s)
{
    json_t *o = json_object();
    put(w, o, "requests", ju64(s->requests));
    put(w, o, "errors", ju64(s->errors));
    put(w, o, "error_rate", jreal(lc_result_stats_error_rate(s)));
    put(w, o, "bytes_in", ju64(s->bytes_in));
    put(w, o, "bytes_out", ju64(s->bytes_out));
    put(w, o, "rps", jreal(s->rps));
    put(w, o, "target_rps", jreal(s->target_rps));
    json_t *codes = json_object();
    for (int i = 0; i < LC_RESULT_STATUS_MAX; i++) {
        if (!s->status[i])
            continue;
        char key[16];
        snprintf(key, sizeof(key), "%d", i);
        put(w, codes, key, ju64(s->status[i]));
    }
    put(w, o, "status_codes", codes);
    json_t *kinds = json_object();
    for (size_t i = 0; i < s->n_error_kinds; i++)
        put(w, kinds, s->error_kinds[i].kind, ju64(s->error_kinds[i].count));
    put(w, o, "error_kinds", kinds);
    put(w, o, "connections_requested", ju64(s->connections_requested));
    put(w, o, "connections_established", ju64(s->connections_established));
    put(w, o, "reconnects", ju64(s->reconnects));
    put(w, o, "unsent_requests", ju64(s->unsent));
    put(w, o, "in_flight_at_stop", ju64(s->in_flight_at_stop));
    put(w, o, "late_starts", ju64(s->late_starts));
    put(w, o, "clamped_values", ju64(s->clamped));
    put(w, o, "tls_handshakes_full", ju64(s->tls_handshakes_full));
    put(w, o, "tls_handshakes_resumed", ju64(s->tls_handshakes_resumed));
    for (int h = 0; h < LC_HIST_COUNT; h++)
        put(w, o, lc_result_hist_name((enum lc_result_hist)h),
            s->has_hist[h] ? hist_json(w, &s->hist[h]) : json_null());
    return o;
}

/* [{"name", "stats"}...] */
static json_t *named_json(struct wr *w, struct lc_result_named_stats *const *list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        put(w, o, "name", jstr(list[i]->name));
        put(w, o, "stats", stats_json(w, &list[i]->stats));
        push(w, a, o);
    }
    return a;
}

static json_t *point_json(struct wr *w, const struct lc_result_point *p)
{
    json_t *o = json_object();
    put(w, o, "t_s", jreal(p->t_s));
    put(w, o, "requests", ju64(p->requests));
    put(w, o, "errors", ju64(p->errors));
    put(w, o, "bytes_in", ju64(p->bytes_in));
    put(w, o, "active", ju64(p->active));
    put(w, o, "target_rps", jreal(p->target_rps));
    put(w, o, "latency_p50_ns", ju64(p->latency_p50_ns));
    put(w, o, "latency_p90_ns", ju64(p->latency_p90_ns));
    put(w, o, "latency_p99_ns", ju64(p->latency_p99_ns));
    put(w, o, "latency_max_ns", ju64(p->latency_max_ns));
    put(w, o, "schedule_lag_p99_ns", ju64(p->schedule_lag_p99_ns));
    return o;
}

static json_t *phase_json(struct wr *w, const struct lc_result_phase *ph)
{
    json_t *o = json_object();
    put(w, o, "name", jstr(ph->name));
    put(w, o, "model", jstr(lc_result_model_name(ph->model)));
    put(w, o, "recorded", json_boolean(ph->recorded));
    put(w, o, "start_offset_ns", ju64(ph->start_offset_ns));
    put(w, o, "duration_ns", ju64(ph->duration_ns));
    put(w, o, "target_users", ju64(ph->target_users));
    put(w, o, "target_rps", jreal(ph->target_rps));
    if (ph->breakpoint) {
        json_t *bp = json_object();
        put(w, bp, "held_rps", jreal(ph->breakpoint_held_rps));
        put(w, bp, "failed_rps", jreal(ph->breakpoint_failed_rps));
        put(w, o, "breakpoint", bp);
    }
    put(w, o, "stats", stats_json(w, &ph->stats));
    put(w, o, "requests", named_json(w, ph->requests, ph->n_requests));
    json_t *series = json_array();
    for (size_t i = 0; i < ph->n_series; i++)
        push(w, series, point_json(w, &ph->series[i]));
    put(w, o, "series", series);
    return o;
}

static json_t *host_json(struct wr *w, const struct lc_host *h)
{
    json_t *o = json_object();
    put(w, o, "hostname", jstr(h->hostname));
    put(w, o, "os", jstr(h->os_name));
    put(w, o, "kernel_release", jstr(h->kernel_release));
    put(w, o, "arch", jstr(h->arch));
    put(w, o, "cpu_model", jstr(h->cpu_model));
    put(w, o, "logical_cores", ju64(h->logical_cores));
    put(w, o, "mem_total_bytes", ju64(h->mem_total_bytes));
    return o;
}

static json_t *load_json(struct wr *w, const struct lc_result_load *l)
{
    json_t *o = json_object();
    put(w, o, "target_url", jstr(l->target_url));
    put(w, o, "method", jstr(l->method));
    put(w, o, "model", jstr(lc_result_model_name(l->model)));
    put(w, o, "connections", ju64(l->connections));
    put(w, o, "threads", ju64(l->threads));
    put(w, o, "rate_per_s", jreal(l->rate_per_s));
    put(w, o, "arrival", jstr(lc_result_arrival_name(l->arrival)));
    put(w, o, "duration_ns", ju64(l->duration_ns));
    put(w, o, "request_limit", ju64(l->request_limit));
    put(w, o, "timeout_ns", ju64(l->timeout_ns));
    put(w, o, "warmup_ns", ju64(l->warmup_ns));
    put(w, o, "pipeline_depth", ju64(l->pipeline_depth));
    put(w, o, "think_min_ns", ju64(l->think_min_ns));
    put(w, o, "think_max_ns", ju64(l->think_max_ns));
    put(w, o, "tls_min_version", jstr(l->tls_min_version));
    put(w, o, "tls_verify", json_boolean(l->tls_verify));
    put(w, o, "tls_verify_error", jstr(l->tls_verify_error));
    return o;
}

static json_t *resource_json(struct wr *w, const struct lc_result_resource *res)
{
    json_t *o = json_object();
    put(w, o, "name", jstr(res->name));
    put(w, o, "unit", jstr(res->unit));
    json_t *ts = json_array();
    json_t *values = json_array();
    for (size_t i = 0; i < res->n_samples; i++) {
        push(w, ts, jreal(res->samples[i].t_s));
        push(w, values, jreal(res->samples[i].value));
    }
    put(w, o, "t_s", ts);
    put(w, o, "values", values);
    return o;
}

static json_t *threshold_json(struct wr *w, const struct lc_result_threshold *t)
{
    json_t *o = json_object();
    put(w, o, "expr", jstr(t->expr));
    put(w, o, "scope", jstr(t->scope));
    put(w, o, "metric", jstr(t->metric));
    put(w, o, "op", jstr(t->op));
    put(w, o, "limit", jreal(t->limit));
    put(w, o, "observed", jreal(t->observed));
    put(w, o, "unit", jstr(t->unit));
    put(w, o, "verdict", jstr(lc_result_verdict_name(t->verdict)));
    put(w, o, "abort", json_boolean(t->abort));
    return o;
}

static json_t *run_json(struct wr *w, const struct lc_result_bench_run *run)
{
    json_t *o = json_object();
    put(w, o, "wall_ns", ju64(run->wall_ns));
    put(w, o, "user_ns", ju64(run->user_ns));
    put(w, o, "sys_ns", ju64(run->sys_ns));
    put(w, o, "max_rss_bytes", ju64(run->max_rss_bytes));
    put(w, o, "exit_code", ji64(run->exit_code));
    put(w, o, "artifact_bytes", ji64(run->artifact_bytes));
    json_t *metrics = json_array();
    for (size_t i = 0; i < run->n_metrics; i++) {
        json_t *m = json_object();
        put(w, m, "name", jstr(run->metrics[i].name));
        put(w, m, "value", jreal(run->metrics[i].value));
        put(w, m, "unit", jstr(run->metrics[i].unit));
        push(w, metrics, m);
    }
    put(w, o, "metrics", metrics);
    return o;
}

static json_t *command_json(struct wr *w, const struct lc_result_bench_command *c)
{
    json_t *o = json_object();
    put(w, o, "name", jstr(c->name));
    put(w, o, "command", jstr(c->command));
    json_t *params = json_object();
    for (size_t i = 0; i < c->n_params; i++)
        put(w, params, c->params[i].key, jstr(c->params[i].value));
    put(w, o, "params", params);
    json_t *runs = json_array();
    for (size_t i = 0; i < c->n_runs; i++)
        push(w, runs, run_json(w, &c->runs[i]));
    put(w, o, "runs", runs);
    return o;
}

/* ISO-8601 UTC with milliseconds: "2024-05-01T12:00:00.123Z". */
static json_t *iso_time(uint64_t ns)
{
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&secs, &tm))
        return json_null();
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%03uZ", (unsigned)(ns % 1000000000u / 1000000u));
    return json_string(buf);
}

/* The whole document; NULL (with w->failed) on failure. */
static json_t *result_json(struct wr *w, const struct lc_result *r)
{
    json_t *o = json_object();
    put(w, o, "schema", json_string(LC_RESULT_SCHEMA));
    put(w, o, "kind", jstr(lc_result_kind_name(r->kind)));
    put(w, o, "name", jstr(r->name));
    json_t *tool = json_object();
    put(w, tool, "name", json_string("loadcell"));
    put(w, tool, "version", jstr(r->tool_version));
    put(w, tool, "commit", jstr(r->tool_commit));
    put(w, o, "tool", tool);
    json_t *argv = json_array();
    for (size_t i = 0; i < r->argc; i++)
        push(w, argv, jstr(r->argv[i]));
    put(w, o, "command_line", argv);
    put(w, o, "scenario_path", jstr(r->scenario_path));
    put(w, o, "start_time", iso_time(r->start_wall_ns));
    put(w, o, "start_time_ns", ju64(r->start_wall_ns));
    put(w, o, "end_time", iso_time(r->end_wall_ns));
    put(w, o, "end_time_ns", ju64(r->end_wall_ns));
    put(w, o, "duration_ns", ju64(r->duration_ns));
    put(w, o, "duration_s", jreal((double)r->duration_ns / 1e9));
    put(w, o, "partial", json_boolean(r->partial));
    put(w, o, "stop_reason", jstr(r->stop_reason));
    json_t *warnings = json_array();
    for (size_t i = 0; i < r->n_warnings; i++)
        push(w, warnings, jstr(r->warnings[i]));
    put(w, o, "warnings", warnings);
    put(w, o, "host", host_json(w, &r->host));
    json_t *gen = json_object();
    put(w, gen, "cpu_user_s", jreal(r->gen_cpu_user_s));
    put(w, gen, "cpu_sys_s", jreal(r->gen_cpu_sys_s));
    put(w, o, "generator", gen);
    put(w, o, "load", r->has_load ? load_json(w, &r->load) : json_null());
    json_t *phases = json_array();
    for (size_t i = 0; i < r->n_phases; i++)
        push(w, phases, phase_json(w, r->phases[i]));
    put(w, o, "phases", phases);
    json_t *totals = json_object();
    put(w, totals, "stats", stats_json(w, &r->total));
    put(w, totals, "requests", named_json(w, r->requests, r->n_requests));
    put(w, o, "totals", totals);
    json_t *resources = json_array();
    for (size_t i = 0; i < r->n_resources; i++)
        push(w, resources, resource_json(w, r->resources[i]));
    put(w, o, "resources", resources);
    json_t *thresholds = json_array();
    for (size_t i = 0; i < r->n_thresholds; i++)
        push(w, thresholds, threshold_json(w, &r->thresholds[i]));
    put(w, o, "thresholds", thresholds);
    if (r->n_commands) {
        json_t *bench = json_object();
        json_t *commands = json_array();
        for (size_t i = 0; i < r->n_commands; i++)
            push(w, commands, command_json(w, r->commands[i]));
        put(w, bench, "commands", commands);
        put(w, o, "bench", bench);
    } else {
        put(w, o, "bench", json_null());
    }
    if (w->failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int lc_result_to_json_string(const struct lc_result *r, char **out, struct lc_error *err)
{
    struct wr w = {0};
    json_t *doc = result_json(&w, r);
    if (!doc) {
        int code = w.code ? w.code : LC_ENOMEM;
        return lc_error_set(err, code, "cannot serialise the result: %s", lc_strerror(code));
    }
    char *text = json_dumps(doc, JSON_FLAGS);
    json_decref(doc);
    if (!text)
        return lc_error_set(err, LC_ENOMEM, "cannot serialise the result: out of memory");
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return lc_error_set(err, LC_ENOMEM, "cannot serialise the result: out of memory");
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    *out = withnl;
    return 0;
}

/* ---- Files --------------------------------------------------------------------- */

int lc_result_check_writable(const char *path, struct lc_error *err)
{
    return lc_report_check_writable(path, "the result", err);
}

int lc_result_write_json(const struct lc_result *r, const char *path, struct lc_error *err)
{
    char *text = NULL;
    int rc = lc_result_to_json_string(r, &text, err);
    if (rc == 0)
        rc = lc_report_write_file(path, text, strlen(text), "the result", err);
    free(text);
    return rc;
}

/* ==== Reading ==================================================================== */

/* Reader state: the error sink, the file name, and the JSON path of the current value. */
struct rd {
    struct lc_error *err;
    const char *file;
    char path[384];
    size_t len;
};

/* Append ".key" (or "key" at the top) to the path; returns the mark to pop back to. */
static size_t enter_key(struct rd *rd, const char *key)
{
    size_t mark = rd->len;
    int n =
        snprintf(rd->path + rd->len, sizeof(rd->path) - rd->len, "%s%s", rd->len ? "." : "", key);
    if (n > 0)
        rd->len +=
            (size_t)n < sizeof(rd->path) - rd->len ? (size_t)n : sizeof(rd->path) - rd->len - 1;
    return mark;
}

/* Append "[i]" to the path; returns the mark to pop back to. */
static size_t enter_index(struct rd *rd, size_t i)
{
    size_t mark = rd->len;
    int n = snprintf(rd->path + rd->len, sizeof(rd->path) - rd->len, "[%zu]", i);
    if (n > 0)
        rd->len +=
            (size_t)n < sizeof(rd->path) - rd->len ? (size_t)n : sizeof(rd->path) - rd->len - 1;
    return mark;
}

static void leave(struct rd *rd, size_t mark)
{
    rd->len = mark;
    rd->path[mark] = '\0';
}

/* LC_EFORMAT "<path>[.key]: <message>" with err->file set. */
static int rd_fail(struct rd *rd, const char *key, const char *fmt, ...) LC_PRINTF(3, 4);
static int rd_fail(struct rd *rd, const char *key, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    size_t mark = key ? enter_key(rd, key) : rd->len;
    lc_error_set(rd->err, LC_EFORMAT, "%s: %s", rd->len ? rd->path : "top level", what);
    leave(rd, mark);
    lc_error_at(rd->err, rd->file, 0, 0);
    return LC_EFORMAT;
}

static int rd_nomem(struct rd *rd)
{
    lc_error_set(rd->err, LC_ENOMEM, "out of memory while reading the result");
    lc_error_at(rd->err, rd->file, 0, 0);
    return LC_ENOMEM;
}

/* Map a model add-function failure to a reader error at the current path. */
static int rd_add_failed(struct rd *rd, int rc)
{
    if (rc == LC_ENOMEM)
        return rd_nomem(rd);
    if (rc == LC_ELIMIT)
        return rd_fail(rd, NULL, "too many entries (over loadcell's cap)");
    return rd_fail(rd, NULL, "invalid entry");
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* obj[key], or NULL; when required and absent, fails ("missing field"). */
static json_t *rd_get(struct rd *rd, json_t *obj, const char *key, int *rc)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        *rc = rd_fail(rd, key, "missing field");
    return v;
}

/* An integer in [lo, hi]. */
static int rd_int_range(struct rd *rd, json_t *obj, const char *key, int64_t lo, int64_t hi,
                        int64_t *out)
{
    int rc = 0;
    json_t *v = rd_get(rd, obj, key, &rc);
    if (!v)
        return rc;
    if (!json_is_integer(v))
        return rd_fail(rd, key, "expected an integer, got %s", type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return rd_fail(rd, key, "%lld is out of range (%" PRId64 "..%" PRId64 ")", (long long)x, lo,
                       hi);
    *out = (int64_t)x;
    return 0;
}

static int rd_u64(struct rd *rd, json_t *obj, const char *key, uint64_t *out)
{
    int64_t x = 0;
    int rc = rd_int_range(rd, obj, key, 0, INT64_MAX, &x);
    if (!rc)
        *out = (uint64_t)x;
    return rc;
}

static int rd_u32(struct rd *rd, json_t *obj, const char *key, uint32_t *out)
{
    int64_t x = 0;
    int rc = rd_int_range(rd, obj, key, 0, UINT32_MAX, &x);
    if (!rc)
        *out = (uint32_t)x;
    return rc;
}

/* A number (integer or real); null reads as NaN (the writer's form of a non-finite value). */
static int rd_double(struct rd *rd, json_t *obj, const char *key, double *out)
{
    int rc = 0;
    json_t *v = rd_get(rd, obj, key, &rc);
    if (!v)
        return rc;
    if (json_is_null(v)) {
        *out = NAN;
        return 0;
    }
    if (!json_is_number(v))
        return rd_fail(rd, key, "expected a number, got %s", type_name(v));
    *out = json_number_value(v);
    return 0;
}

static int rd_bool(struct rd *rd, json_t *obj, const char *key, bool *out)
{
    int rc = 0;
    json_t *v = rd_get(rd, obj, key, &rc);
    if (!v)
        return rc;
    if (!json_is_boolean(v))
        return rd_fail(rd, key, "expected true or false, got %s", type_name(v));
    *out = json_is_true(v);
    return 0;
}

/*
 * A string into *out (malloc'd, replacing what was there). nullable: null or
 * absent gives NULL; otherwise both are errors.
 */
static int rd_str(struct rd *rd, json_t *obj, const char *key, bool nullable, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (nullable && (!v || json_is_null(v))) {
        free(*out);
        *out = NULL;
        return 0;
    }
    if (!v)
        return rd_fail(rd, key, "missing field");
    if (!json_is_string(v))
        return rd_fail(rd, key, "expected a string, got %s", type_name(v));
    if (lc_result_set_str(out, json_string_value(v)))
        return rd_nomem(rd);
    return 0;
}

/* A string naming one of an enum's values (parse returns 0 when it is one). */
static int rd_enum(struct rd *rd, json_t *obj, const char *key, const char *choices,
                   int (*parse)(const char *, int *), int *out)
{
    int rc = 0;
    json_t *v = rd_get(rd, obj, key, &rc);
    if (!v)
        return rc;
    if (!json_is_string(v))
        return rd_fail(rd, key, "expected a string, got %s", type_name(v));
    if (parse(json_string_value(v), out))
        return rd_fail(rd, key, "unknown value \"%s\" (expected %s)", json_string_value(v),
                       choices);
    return 0;
}

/* Adapters from the typed parsers to rd_enum's int form. */
static int parse_kind(const char *s, int *out)
{
    enum lc_result_kind k;
    if (lc_result_kind_parse(s, &k))
        return LC_EINVAL;
    *out = (int)k;
    return 0;
}

static int parse_model(const char *s, int *out)
{
    enum lc_result_model m;
    if (lc_result_model_parse(s, &m))
        return LC_EINVAL;
    *out = (int)m;
    return 0;
}

static int parse_arrival(const char *s, int *out)
{
    enum lc_result_arrival a;
    if (lc_result_arrival_parse(s, &a))
        return LC_EINVAL;
    *out = (int)a;
    return 0;
}

static int parse_verdict(const char *s, int *out)
{
    enum lc_result_verdict v;
    if (lc_result_verdict_parse(s, &v))
        return LC_EINVAL;
    *out = (int)v;
    return 0;
}

/* obj[key] as an object (nullable: null/absent gives NULL with rc 0). */
static json_t *rd_object(struct rd *rd, json_t *obj, const char *key, bool nullable, int *rc)
{
    json_t *v = json_object_get(obj, key);
    *rc = 0;
    if (nullable && (!v || json_is_null(v)))
        return NULL;
    if (!v) {
        *rc = rd_fail(rd, key, "missing field");
        return NULL;
    }
    if (!json_is_object(v)) {
        *rc = rd_fail(rd, key, "expected an object, got %s", type_name(v));
        return NULL;
    }
    return v;
}

/* obj[key] as an array (required). */
static json_t *rd_array(struct rd *rd, json_t *obj, const char *key, int *rc)
{
    json_t *v = json_object_get(obj, key);
    *rc = 0;
    if (!v) {
        *rc = rd_fail(rd, key, "missing field");
        return NULL;
    }
    if (!json_is_array(v)) {
        *rc = rd_fail(rd, key, "expected an array, got %s", type_name(v));
        return NULL;
    }
    return v;
}

/* arr[i] as an object, failing at "<path>[i]" otherwise. */
static json_t *rd_element_object(struct rd *rd, json_t *arr, size_t i, int *rc)
{
    json_t *v = json_array_get(arr, i);
    *rc = 0;
    if (!json_is_object(v)) {
        size_t mark = enter_index(rd, i);
        *rc = rd_fail(rd, NULL, "expected an object, got %s", type_name(v));
        leave(rd, mark);
        return NULL;
    }
    return v;
}

/* A histogram from its "hdr" string (summaries are ignored). */
static int rd_hist(struct rd *rd, json_t *obj, enum lc_result_hist which, struct lc_result_stats *s)
{
    const char *key = lc_result_hist_name(which);
    int rc = 0;
    json_t *h = rd_object(rd, obj, key, true, &rc);
    if (!h)
        return rc;
    size_t mark = enter_key(rd, key);
    json_t *v = json_object_get(h, "hdr");
    if (!v)
        rc = rd_fail(rd, "hdr", "missing field");
    else if (!json_is_string(v))
        rc = rd_fail(rd, "hdr", "expected a string, got %s", type_name(v));
    if (!rc) {
        struct lc_error sub = {0};
        struct lc_hdr decoded;
        memset(&decoded, 0, sizeof(decoded));
        int drc = lc_hdr_decode_base64(&decoded, json_string_value(v), json_string_length(v), &sub);
        if (drc == LC_ENOMEM)
            rc = rd_nomem(rd);
        else if (drc)
            rc = rd_fail(rd, "hdr", "invalid histogram: %s",
                         sub.msg[0] ? sub.msg : lc_strerror(drc));
        else {
            s->hist[which] = decoded;
            s->has_hist[which] = true;
        }
    }
    leave(rd, mark);
    return rc;
}

/* Parse a status-code key: a decimal integer 0..599. */
static int status_index(const char *key)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(key, &end, 10);
    if (errno || end == key || *end || v < 0 || v >= LC_RESULT_STATUS_MAX)
        return -1;
    return (int)v;
}

static int rd_stats(struct rd *rd, json_t *o, struct lc_result_stats *s)
{
    int rc = 0;
    json_t *v;
    const char *k;
    if ((rc = rd_u64(rd, o, "requests", &s->requests)) ||
        (rc = rd_u64(rd, o, "bytes_in", &s->bytes_in)) ||
        (rc = rd_u64(rd, o, "bytes_out", &s->bytes_out)) ||
        (rc = rd_double(rd, o, "rps", &s->rps)) ||
        (rc = rd_double(rd, o, "target_rps", &s->target_rps)))
        return rc;
    json_t *codes = rd_object(rd, o, "status_codes", false, &rc);
    if (!codes)
        return rc;
    size_t mark = enter_key(rd, "status_codes");
    json_object_foreach(codes, k, v)
    {
        int idx = status_index(k);
        if (idx < 0) {
            rc = rd_fail(rd, k, "not a status code (expected 0..599)");
            break;
        }
        if ((rc = rd_u64(rd, codes, k, &s->status[idx])))
            break;
    }
    leave(rd, mark);
    if (rc)
        return rc;
    json_t *kinds = rd_object(rd, o, "error_kinds", false, &rc);
    if (!kinds)
        return rc;
    mark = enter_key(rd, "error_kinds");
    json_object_foreach(kinds, k, v)
    {
        uint64_t n = 0;
        if ((rc = rd_u64(rd, kinds, k, &n)))
            break;
        int arc = lc_result_stats_add_error(s, k, n);
        if (arc) {
            rc = rd_add_failed(rd, arc);
            break;
        }
    }
    leave(rd, mark);
    if (rc)
        return rc;
    /* After error_kinds: add_error counted into `errors`; the file's total wins. */
    if ((rc = rd_u64(rd, o, "errors", &s->errors)) ||
        (rc = rd_u64(rd, o, "connections_requested", &s->connections_requested)) ||
        (rc = rd_u64(rd, o, "connections_established", &s->connections_established)) ||
        (rc = rd_u64(rd, o, "reconnects", &s->reconnects)) ||
        (rc = rd_u64(rd, o, "unsent_requests", &s->unsent)) ||
        (rc = rd_u64(rd, o, "in_flight_at_stop", &s->in_flight_at_stop)) ||
        (rc = rd_u64(rd, o, "late_starts", &s->late_starts)) ||
        (rc = rd_u64(rd, o, "clamped_values", &s->clamped)))
        return rc;
    /* Added with https support: absent from older files. */
    if ((json_object_get(o, "tls_handshakes_full") &&
         (rc = rd_u64(rd, o, "tls_handshakes_full", &s->tls_handshakes_full))) ||
        (json_object_get(o, "tls_handshakes_resumed") &&
         (rc = rd_u64(rd, o, "tls_handshakes_resumed", &s->tls_handshakes_resumed))))
        return rc;
    if (s->errors > s->requests)
        return rd_fail(rd, "errors", "%llu errors exceed the %llu requests (errors <= requests)",
                       (unsigned long long)s->errors, (unsigned long long)s->requests);
    for (int h = 0; h < LC_HIST_COUNT; h++)
        if ((rc = rd_hist(rd, o, (enum lc_result_hist)h, s)))
            return rc;
    return 0;
}

/* obj.stats into s. */
static int rd_stats_at(struct rd *rd, json_t *obj, struct lc_result_stats *s)
{
    int rc = 0;
    json_t *so = rd_object(rd, obj, "stats", false, &rc);
    if (!so)
        return rc;
    size_t mark = enter_key(rd, "stats");
    rc = rd_stats(rd, so, s);
    leave(rd, mark);
    return rc;
}

/* A [{"name", "stats"}] array at obj[key], each entry added through get(). */
static int rd_named(struct rd *rd, json_t *obj, const char *key, void *owner,
                    int (*get)(void *, const char *, struct lc_result_stats **),
                    struct lc_result_stats *(*find)(const void *, const char *))
{
    int rc = 0;
    json_t *arr = rd_array(rd, obj, key, &rc);
    if (!arr)
        return rc;
    size_t mark = enter_key(rd, key);
    for (size_t i = 0; i < json_array_size(arr) && !rc; i++) {
        json_t *e = rd_element_object(rd, arr, i, &rc);
        if (!e)
            break;
        size_t m2 = enter_index(rd, i);
        char *name = NULL;
        rc = rd_str(rd, e, "name", false, &name);
        if (!rc && find(owner, name))
            rc = rd_fail(rd, "name", "duplicate request name \"%s\"", name);
        struct lc_result_stats *s = NULL;
        if (!rc) {
            int arc = get(owner, name, &s);
            if (arc)
                rc = rd_add_failed(rd, arc);
        }
        free(name);
        if (!rc)
            rc = rd_stats_at(rd, e, s);
        leave(rd, m2);
    }
    leave(rd, mark);
    return rc;
}

static int phase_get(void *owner, const char *name, struct lc_result_stats **out)
{
    return lc_result_phase_request(owner, name, out);
}

static struct lc_result_stats *phase_find(const void *owner, const char *name)
{
    return lc_result_phase_find_request(owner, name);
}

static int totals_get(void *owner, const char *name, struct lc_result_stats **out)
{
    return lc_result_request(owner, name, out);
}

static struct lc_result_stats *totals_find(const void *owner, const char *name)
{
    return lc_result_find_request(owner, name);
}

static int rd_point(struct rd *rd, json_t *o, struct lc_result_point *p)
{
    int rc;
    if ((rc = rd_double(rd, o, "t_s", &p->t_s)) || (rc = rd_u64(rd, o, "requests", &p->requests)) ||
        (rc = rd_u64(rd, o, "errors", &p->errors)) ||
        (rc = rd_u64(rd, o, "bytes_in", &p->bytes_in)) ||
        (rc = rd_u64(rd, o, "active", &p->active)) ||
        (rc = rd_double(rd, o, "target_rps", &p->target_rps)) ||
        (rc = rd_u64(rd, o, "latency_p50_ns", &p->latency_p50_ns)) ||
        (rc = rd_u64(rd, o, "latency_p90_ns", &p->latency_p90_ns)) ||
        (rc = rd_u64(rd, o, "latency_p99_ns", &p->latency_p99_ns)) ||
        (rc = rd_u64(rd, o, "latency_max_ns", &p->latency_max_ns)) ||
        (rc = rd_u64(rd, o, "schedule_lag_p99_ns", &p->schedule_lag_p99_ns)))
        return rc;
    return 0;
}

static int rd_phase(struct rd *rd, json_t *o, struct lc_result *r)
{
    char *name = NULL;
    int rc = rd_str(rd, o, "name", false, &name);
    if (rc)
        return rc;
    struct lc_result_phase *ph = NULL;
    int arc = lc_result_add_phase(r, name, &ph);
    free(name);
    if (arc)
        return rd_add_failed(rd, arc);
    int model = 0;
    if ((rc = rd_enum(rd, o, "model", "\"closed\" or \"open\"", parse_model, &model)))
        return rc;
    ph->model = (enum lc_result_model)model;
    if ((rc = rd_bool(rd, o, "recorded", &ph->recorded)) ||
        (rc = rd_u64(rd, o, "start_offset_ns", &ph->start_offset_ns)) ||
        (rc = rd_u64(rd, o, "duration_ns", &ph->duration_ns)) ||
        (rc = rd_u32(rd, o, "target_users", &ph->target_users)) ||
        (rc = rd_double(rd, o, "target_rps", &ph->target_rps)) ||
        (rc = rd_stats_at(rd, o, &ph->stats)) ||
        (rc = rd_named(rd, o, "requests", ph, phase_get, phase_find)))
        return rc;
    json_t *bp = rd_object(rd, o, "breakpoint", true, &rc);
    if (rc)
        return rc;
    if (bp) {
        size_t bm = enter_key(rd, "breakpoint");
        ph->breakpoint = true;
        if ((rc = rd_double(rd, bp, "held_rps", &ph->breakpoint_held_rps)) == 0)
            rc = rd_double(rd, bp, "failed_rps", &ph->breakpoint_failed_rps);
        leave(rd, bm);
        if (rc)
            return rc;
    }
    json_t *series = rd_array(rd, o, "series", &rc);
    if (!series)
        return rc;
    size_t mark = enter_key(rd, "series");
    for (size_t i = 0; i < json_array_size(series) && !rc; i++) {
        json_t *e = rd_element_object(rd, series, i, &rc);
        if (!e)
            break;
        size_t m2 = enter_index(rd, i);
        struct lc_result_point p = {0};
        rc = rd_point(rd, e, &p);
        if (!rc) {
            arc = lc_result_phase_add_point(ph, &p);
            if (arc)
                rc = rd_add_failed(rd, arc);
        }
        leave(rd, m2);
    }
    leave(rd, mark);
    return rc;
}

static int rd_host(struct rd *rd, json_t *o, struct lc_host *h)
{
    int rc;
    if ((rc = rd_str(rd, o, "hostname", true, &h->hostname)) ||
        (rc = rd_str(rd, o, "os", true, &h->os_name)) ||
        (rc = rd_str(rd, o, "kernel_release", true, &h->kernel_release)) ||
        (rc = rd_str(rd, o, "arch", true, &h->arch)) ||
        (rc = rd_str(rd, o, "cpu_model", true, &h->cpu_model)) ||
        (rc = rd_u32(rd, o, "logical_cores", &h->logical_cores)) ||
        (rc = rd_u64(rd, o, "mem_total_bytes", &h->mem_total_bytes)))
        return rc;
    return 0;
}

static int rd_load(struct rd *rd, json_t *o, struct lc_result_load *l)
{
    int rc, model = 0, arrival = 0;
    if ((rc = rd_str(rd, o, "target_url", true, &l->target_url)) ||
        (rc = rd_str(rd, o, "method", true, &l->method)) ||
        (rc = rd_enum(rd, o, "model", "\"closed\" or \"open\"", parse_model, &model)) ||
        (rc = rd_u32(rd, o, "connections", &l->connections)) ||
        (rc = rd_u32(rd, o, "threads", &l->threads)) ||
        (rc = rd_double(rd, o, "rate_per_s", &l->rate_per_s)) ||
        (rc = rd_enum(rd, o, "arrival", "\"uniform\" or \"poisson\"", parse_arrival, &arrival)) ||
        (rc = rd_u64(rd, o, "duration_ns", &l->duration_ns)) ||
        (rc = rd_u64(rd, o, "request_limit", &l->request_limit)) ||
        (rc = rd_u64(rd, o, "timeout_ns", &l->timeout_ns)) ||
        (rc = rd_u64(rd, o, "warmup_ns", &l->warmup_ns)) ||
        (rc = rd_u32(rd, o, "pipeline_depth", &l->pipeline_depth)) ||
        (rc = rd_u64(rd, o, "think_min_ns", &l->think_min_ns)) ||
        (rc = rd_u64(rd, o, "think_max_ns", &l->think_max_ns)) ||
        (rc = rd_str(rd, o, "tls_min_version", true, &l->tls_min_version)) ||
        (json_object_get(o, "tls_verify") && (rc = rd_bool(rd, o, "tls_verify", &l->tls_verify))) ||
        (rc = rd_str(rd, o, "tls_verify_error", true, &l->tls_verify_error)))
        return rc;
    l->model = (enum lc_result_model)model;
    l->arrival = (enum lc_result_arrival)arrival;
    return 0;
}

static int rd_resource(struct rd *rd, json_t *o, struct lc_result *r)
{
    char *name = NULL, *unit = NULL;
    int rc = rd_str(rd, o, "name", false, &name);
    if (!rc)
        rc = rd_str(rd, o, "unit", true, &unit);
    struct lc_result_resource *res = NULL;
    if (!rc) {
        int arc = lc_result_add_resource(r, name, unit, &res);
        if (arc)
            rc = rd_add_failed(rd, arc);
    }
    free(name);
    free(unit);
    if (rc)
        return rc;
    json_t *ts = rd_array(rd, o, "t_s", &rc);
    if (!ts)
        return rc;
    json_t *values = rd_array(rd, o, "values", &rc);
    if (!values)
        return rc;
    if (json_array_size(ts) != json_array_size(values))
        return rd_fail(rd, "values", "has %zu entries but t_s has %zu", json_array_size(values),
                       json_array_size(ts));
    for (size_t i = 0; i < json_array_size(ts) && !rc; i++) {
        json_t *t = json_array_get(ts, i);
        json_t *v = json_array_get(values, i);
        json_t *bad = !(json_is_number(t) || json_is_null(t)) ? t : v;
        if (!(json_is_number(t) || json_is_null(t)) || !(json_is_number(v) || json_is_null(v))) {
            size_t mark = enter_key(rd, bad == t ? "t_s" : "values");
            size_t m2 = enter_index(rd, i);
            rc = rd_fail(rd, NULL, "expected a number, got %s", type_name(bad));
            leave(rd, m2);
            leave(rd, mark);
            break;
        }
        double tv = json_is_null(t) ? NAN : json_number_value(t);
        double vv = json_is_null(v) ? NAN : json_number_value(v);
        int arc = lc_result_resource_add(res, tv, vv);
        if (arc)
            rc = rd_add_failed(rd, arc);
    }
    return rc;
}

static int rd_threshold(struct rd *rd, json_t *o, struct lc_result *r)
{
    struct lc_result_threshold t = {0};
    int verdict = 0;
    int rc;
    if (!(rc = rd_str(rd, o, "expr", false, &t.expr)) &&
        !(rc = rd_str(rd, o, "scope", true, &t.scope)) &&
        !(rc = rd_str(rd, o, "metric", true, &t.metric)) &&
        !(rc = rd_str(rd, o, "op", true, &t.op)) && !(rc = rd_double(rd, o, "limit", &t.limit)) &&
        !(rc = rd_double(rd, o, "observed", &t.observed)) &&
        !(rc = rd_str(rd, o, "unit", true, &t.unit)) &&
        !(rc = rd_enum(rd, o, "verdict", "\"pass\", \"warn\" or \"fail\"", parse_verdict,
                       &verdict)) &&
        !(rc = rd_bool(rd, o, "abort", &t.abort))) {
        t.verdict = (enum lc_result_verdict)verdict;
        int arc = lc_result_add_threshold(r, &t);
        if (arc)
            rc = rd_add_failed(rd, arc);
    }
    free(t.expr);
    free(t.scope);
    free(t.metric);
    free(t.op);
    free(t.unit);
    return rc;
}

static int rd_run(struct rd *rd, json_t *o, struct lc_result_bench_command *c)
{
    struct lc_result_bench_run run = {0};
    int64_t exit_code = 0;
    int rc;
    if ((rc = rd_u64(rd, o, "wall_ns", &run.wall_ns)) ||
        (rc = rd_u64(rd, o, "user_ns", &run.user_ns)) ||
        (rc = rd_u64(rd, o, "sys_ns", &run.sys_ns)) ||
        (rc = rd_u64(rd, o, "max_rss_bytes", &run.max_rss_bytes)) ||
        (rc = rd_int_range(rd, o, "exit_code", INT32_MIN, INT32_MAX, &exit_code)) ||
        (rc = rd_int_range(rd, o, "artifact_bytes", -1, INT64_MAX, &run.artifact_bytes)))
        return rc;
    run.exit_code = (int)exit_code;
    struct lc_result_bench_run *stored = NULL;
    int arc = lc_result_command_add_run(c, &run, &stored);
    if (arc)
        return rd_add_failed(rd, arc);
    json_t *metrics = rd_array(rd, o, "metrics", &rc);
    if (!metrics)
        return rc;
    size_t mark = enter_key(rd, "metrics");
    for (size_t i = 0; i < json_array_size(metrics) && !rc; i++) {
        json_t *e = rd_element_object(rd, metrics, i, &rc);
        if (!e)
            break;
        size_t m2 = enter_index(rd, i);
        char *name = NULL, *unit = NULL;
        double value = 0;
        if (!(rc = rd_str(rd, e, "name", false, &name)) &&
            !(rc = rd_double(rd, e, "value", &value)) &&
            !(rc = rd_str(rd, e, "unit", true, &unit))) {
            arc = lc_result_run_add_metric(stored, name, value, unit);
            if (arc)
                rc = rd_add_failed(rd, arc);
        }
        free(name);
        free(unit);
        leave(rd, m2);
    }
    leave(rd, mark);
    return rc;
}

static int rd_command(struct rd *rd, json_t *o, struct lc_result *r)
{
    char *name = NULL, *command = NULL;
    struct lc_result_bench_command *c = NULL;
    int rc = rd_str(rd, o, "name", false, &name);
    if (!rc)
        rc = rd_str(rd, o, "command", false, &command);
    if (!rc) {
        int arc = lc_result_add_command(r, name, command, &c);
        if (arc)
            rc = rd_add_failed(rd, arc);
    }
    free(name);
    free(command);
    if (rc)
        return rc;
    json_t *params = rd_object(rd, o, "params", false, &rc);
    if (!params)
        return rc;
    size_t mark = enter_key(rd, "params");
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v)
    {
        if (!json_is_string(v)) {
            rc = rd_fail(rd, k, "expected a string, got %s", type_name(v));
            break;
        }
        int arc = lc_result_command_set_param(c, k, json_string_value(v));
        if (arc) {
            rc = rd_add_failed(rd, arc);
            break;
        }
    }
    leave(rd, mark);
    if (rc)
        return rc;
    json_t *runs = rd_array(rd, o, "runs", &rc);
    if (!runs)
        return rc;
    mark = enter_key(rd, "runs");
    for (size_t i = 0; i < json_array_size(runs) && !rc; i++) {
        json_t *e = rd_element_object(rd, runs, i, &rc);
        if (!e)
            break;
        size_t m2 = enter_index(rd, i);
        rc = rd_run(rd, e, c);
        leave(rd, m2);
    }
    leave(rd, mark);
    return rc;
}

/* Calls each(rd, element, r) for every object of the array obj[key]. */
static int rd_each(struct rd *rd, json_t *obj, const char *key, struct lc_result *r,
                   int (*each)(struct rd *, json_t *, struct lc_result *))
{
    int rc = 0;
    json_t *arr = rd_array(rd, obj, key, &rc);
    if (!arr)
        return rc;
    size_t mark = enter_key(rd, key);
    for (size_t i = 0; i < json_array_size(arr) && !rc; i++) {
        json_t *e = rd_element_object(rd, arr, i, &rc);
        if (!e)
            break;
        size_t m2 = enter_index(rd, i);
        rc = each(rd, e, r);
        leave(rd, m2);
    }
    leave(rd, mark);
    return rc;
}

/* Accept "loadcell.result/<major>[.<minor>]" with major == LC_RESULT_SCHEMA_MAJOR. */
static int rd_schema(struct rd *rd, json_t *doc)
{
    static const char prefix[] = "loadcell.result/";
    json_t *v = json_object_get(doc, "schema");
    if (!v)
        return rd_fail(rd, "schema", "missing field: this is not a loadcell result file");
    if (!json_is_string(v))
        return rd_fail(rd, "schema", "expected a string, got %s", type_name(v));
    const char *s = json_string_value(v);
    if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
        return rd_fail(rd, "schema", "\"%s\" is not a loadcell result schema (expected \"%s\")", s,
                       LC_RESULT_SCHEMA);
    const char *num = s + sizeof(prefix) - 1;
    char *end = NULL;
    errno = 0;
    long major = strtol(num, &end, 10);
    if (errno || end == num || (*end && *end != '.') || major < 0)
        return rd_fail(rd, "schema", "\"%s\" has no valid version number", s);
    if (major != LC_RESULT_SCHEMA_MAJOR)
        return rd_fail(rd, "schema",
                       "version %ld is not supported: this loadcell reads \"%s\" (was the file "
                       "written by a %s loadcell?)",
                       major, LC_RESULT_SCHEMA,
                       major > LC_RESULT_SCHEMA_MAJOR ? "newer" : "different");
    return 0;
}

static int rd_document(struct rd *rd, json_t *doc, struct lc_result *r)
{
    int rc, kind = 0;
    if (!json_is_object(doc))
        return rd_fail(rd, NULL, "expected a JSON object, got %s", type_name(doc));
    if ((rc = rd_schema(rd, doc)))
        return rc;
    if ((rc = rd_enum(rd, doc, "kind", "\"http\", \"run\", \"bench\" or \"monitor\"", parse_kind,
                      &kind)))
        return rc;
    r->kind = (enum lc_result_kind)kind;
    if ((rc = rd_str(rd, doc, "name", true, &r->name)))
        return rc;
    json_t *tool = rd_object(rd, doc, "tool", false, &rc);
    if (!tool)
        return rc;
    size_t mark = enter_key(rd, "tool");
    if (!(rc = rd_str(rd, tool, "version", true, &r->tool_version)))
        rc = rd_str(rd, tool, "commit", true, &r->tool_commit);
    leave(rd, mark);
    if (rc)
        return rc;

    json_t *argv = rd_array(rd, doc, "command_line", &rc);
    if (!argv)
        return rc;
    size_t argc = json_array_size(argv);
    if (argc > LC_RESULT_MAX_ARGS)
        return rd_fail(rd, "command_line", "too many arguments");
    char **args = calloc(argc + 1, sizeof(*args));
    if (!args)
        return rd_nomem(rd);
    for (size_t i = 0; i < argc; i++) {
        json_t *a = json_array_get(argv, i);
        if (!json_is_string(a)) {
            mark = enter_key(rd, "command_line");
            size_t m2 = enter_index(rd, i);
            rc = rd_fail(rd, NULL, "expected a string, got %s", type_name(a));
            leave(rd, m2);
            leave(rd, mark);
            break;
        }
        args[i] = (char *)json_string_value(a); /* borrowed; set_argv copies */
    }
    if (!rc) {
        int arc = lc_result_set_argv(r, (int)argc, args);
        if (arc)
            rc = rd_add_failed(rd, arc);
    }
    free(args);
    if (rc)
        return rc;

    if ((rc = rd_str(rd, doc, "scenario_path", true, &r->scenario_path)) ||
        (rc = rd_u64(rd, doc, "start_time_ns", &r->start_wall_ns)) ||
        (rc = rd_u64(rd, doc, "end_time_ns", &r->end_wall_ns)) ||
        (rc = rd_u64(rd, doc, "duration_ns", &r->duration_ns)) ||
        (rc = rd_bool(rd, doc, "partial", &r->partial)) ||
        (rc = rd_str(rd, doc, "stop_reason", true, &r->stop_reason)))
        return rc;

    json_t *warnings = rd_array(rd, doc, "warnings", &rc);
    if (!warnings)
        return rc;
    for (size_t i = 0; i < json_array_size(warnings); i++) {
        json_t *wv = json_array_get(warnings, i);
        if (!json_is_string(wv)) {
            mark = enter_key(rd, "warnings");
            size_t m2 = enter_index(rd, i);
            rc = rd_fail(rd, NULL, "expected a string, got %s", type_name(wv));
            leave(rd, m2);
            leave(rd, mark);
            return rc;
        }
        int arc = lc_result_add_warning(r, "%s", json_string_value(wv));
        if (arc)
            return rd_add_failed(rd, arc);
    }

    json_t *host = rd_object(rd, doc, "host", false, &rc);
    if (!host)
        return rc;
    mark = enter_key(rd, "host");
    rc = rd_host(rd, host, &r->host);
    leave(rd, mark);
    if (rc)
        return rc;

    json_t *gen = rd_object(rd, doc, "generator", true, &rc);
    if (rc)
        return rc;
    if (gen) {
        mark = enter_key(rd, "generator");
        if ((rc = rd_double(rd, gen, "cpu_user_s", &r->gen_cpu_user_s)) == 0)
            rc = rd_double(rd, gen, "cpu_sys_s", &r->gen_cpu_sys_s);
        leave(rd, mark);
        if (rc)
            return rc;
    }

    json_t *load = rd_object(rd, doc, "load", true, &rc);
    if (rc)
        return rc;
    if (load) {
        r->has_load = true;
        mark = enter_key(rd, "load");
        rc = rd_load(rd, load, &r->load);
        leave(rd, mark);
        if (rc)
            return rc;
    }

    if ((rc = rd_each(rd, doc, "phases", r, rd_phase)))
        return rc;

    json_t *totals = rd_object(rd, doc, "totals", false, &rc);
    if (!totals)
        return rc;
    mark = enter_key(rd, "totals");
    if (!(rc = rd_stats_at(rd, totals, &r->total)))
        rc = rd_named(rd, totals, "requests", r, totals_get, totals_find);
    leave(rd, mark);
    if (rc)
        return rc;

    if ((rc = rd_each(rd, doc, "resources", r, rd_resource)) ||
        (rc = rd_each(rd, doc, "thresholds", r, rd_threshold)))
        return rc;

    json_t *bench = rd_object(rd, doc, "bench", true, &rc);
    if (rc)
        return rc;
    if (bench) {
        mark = enter_key(rd, "bench");
        rc = rd_each(rd, bench, "commands", r, rd_command);
        leave(rd, mark);
    }
    return rc;
}

int lc_result_from_json_string(const char *text, size_t len, const char *name,
                               struct lc_result *out, struct lc_error *err)
{
    lc_result_init(out, LC_RESULT_KIND_HTTP);
    struct rd rd = {.err = err, .file = name ? name : ""};
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        lc_error_set(err, LC_EFORMAT, "not valid JSON: %s", jerr.text);
        lc_error_at(err, rd.file, jerr.line > 0 ? (unsigned)jerr.line : 0,
                    jerr.line > 0 && jerr.column > 0 ? (unsigned)jerr.column : 0);
        return LC_EFORMAT;
    }
    int rc = rd_document(&rd, doc, out);
    json_decref(doc);
    if (rc)
        lc_result_free(out);
    return rc;
}

int lc_result_read_json(const char *path, struct lc_result *out, struct lc_error *err)
{
    lc_result_init(out, LC_RESULT_KIND_HTTP);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        lc_error_set(err, LC_EIO, "cannot open the result file: %s", strerror(e));
        if (err)
            err->sys_errno = e;
        lc_error_at(err, path, 0, 0);
        return LC_EIO;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = "cannot stat the result file";
    else if (S_ISDIR(st.st_mode))
        why = "this is a directory, not a result file";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_size > MAX_FILE_BYTES)
        why = "the file is larger than 1 GiB; is it really a loadcell result?";
    if (why) {
        close(fd);
        lc_error_set(err, LC_EIO, "%s", why);
        lc_error_at(err, path, 0, 0);
        return LC_EIO;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        lc_error_set(err, LC_ENOMEM, "out of memory reading the result file");
        lc_error_at(err, path, 0, 0);
        return LC_ENOMEM;
    }
    size_t used = 0;
    int e = 0;
    while (used < size) {
        ssize_t n = read(fd, buf + used, size - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = errno;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    if (e) {
        free(buf);
        lc_error_set(err, LC_EIO, "cannot read the result file: %s", strerror(e));
        if (err)
            err->sys_errno = e;
        lc_error_at(err, path, 0, 0);
        return LC_EIO;
    }
    buf[used] = '\0';
    int rc = lc_result_from_json_string(buf, used, path, out, err);
    free(buf);
    return rc;
}
