/* Unit tests for results/result and results/result_json: model, totals, JSON round trip, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/result.h"
#include "results/result_json.h"

/* ---- Helpers ---------------------------------------------------------------- */

/* A fresh temporary directory (removed by rm_dir). */
static void make_dir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/lc-result-XXXXXX");
    assert_non_null(mkdtemp(buf));
}

/* Remove every file in dir, then dir. */
static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* Number of entries in dir (besides . and ..). */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Doubles equal, or both NaN, or within a relative 1e-12 (JSON keeps 15 digits). */
static void assert_double_close(double a, double b)
{
    if (isnan(a) || isnan(b)) {
        assert_true(isnan(a) && isnan(b));
        return;
    }
    double tol = 1e-12 * fmax(fabs(a), fabs(b));
    if (fabs(a - b) > tol)
        fail_msg("%.17g != %.17g", a, b);
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b) {
        assert_ptr_equal(a, b);
        return;
    }
    assert_string_equal(a, b);
}

/*
 * Fill a stats block with a deterministic workload: `n` requests whose
 * latencies start at base_ns, `errs` of them timeouts and one a reset.
 */
static void fill_stats(struct lc_result_stats *s, uint64_t n, int64_t base_ns, uint64_t errs,
                       bool with_connect)
{
    assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_LATENCY), 0);
    assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_SERVICE), 0);
    assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_TTFB), 0);
    if (with_connect)
        assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_CONNECT), 0);
    for (uint64_t i = 0; i < n; i++) {
        int64_t v = base_ns + (int64_t)(i * i % 9973) * 1000;
        lc_hdr_record(&s->hist[LC_HIST_LATENCY], v + 50000);
        lc_hdr_record(&s->hist[LC_HIST_SERVICE], v);
        lc_hdr_record(&s->hist[LC_HIST_TTFB], v / 2);
        if (with_connect && i % 10 == 0)
            lc_hdr_record(&s->hist[LC_HIST_CONNECT], 120000 + (int64_t)i);
    }
    s->requests += n;
    s->bytes_in += n * 512;
    s->bytes_out += n * 128;
    lc_result_stats_add_status(s, 200, n - errs);
    if (errs > 1) {
        assert_int_equal(lc_result_stats_add_error(s, "timeout", errs - 1), 0);
        assert_int_equal(lc_result_stats_add_error(s, "reset", 1), 0);
    }
    s->connections_requested += 10;
    s->connections_established += 12;
    s->reconnects += 2;
    s->unsent += 3;
    s->in_flight_at_stop += 4;
    s->late_starts += 5;
    s->clamped += 1;
}

/* A result with 3 phases (warmup + 2 recorded), requests, series, resources, thresholds, bench. */
static void build_sample(struct lc_result *r)
{
    lc_result_init(r, LC_RESULT_KIND_RUN);
    assert_int_equal(lc_result_set_str(&r->name, "query-api"), 0);
    assert_int_equal(lc_result_set_str(&r->tool_version, "0.1.0-test"), 0);
    assert_int_equal(lc_result_set_str(&r->tool_commit, "0123456789abcdef"), 0);
    char *argv[] = {"loadcell", "run", "scenario.yaml", "--set", "target=http://127.0.0.1:9"};
    assert_int_equal(lc_result_set_argv(r, 5, argv), 0);
    assert_int_equal(lc_result_set_str(&r->scenario_path, "examples/scenario.yaml"), 0);
    r->start_wall_ns = 1714564800123456789ULL;
    r->end_wall_ns = r->start_wall_ns + 75000000000ULL;
    r->duration_ns = 75000000000ULL;
    r->partial = true;
    assert_int_equal(lc_result_set_str(&r->stop_reason, "interrupted"), 0);
    assert_int_equal(lc_result_add_warning(r, "generator CPU saturated (%d%%)", 97), 0);
    assert_int_equal(lc_result_add_warning(r, "unicode: caf\xc3\xa9 \xe2\x9c\x93"), 0);
    assert_int_equal(lc_host_probe(&r->host, NULL), 0);

    r->has_load = true;
    assert_int_equal(lc_result_set_str(&r->load.target_url, "http://127.0.0.1:9/query"), 0);
    assert_int_equal(lc_result_set_str(&r->load.method, "POST"), 0);
    r->load.model = LC_RESULT_MODEL_OPEN;
    r->load.connections = 64;
    r->load.threads = 4;
    r->load.rate_per_s = 250.5;
    r->load.arrival = LC_RESULT_ARRIVAL_POISSON;
    r->load.duration_ns = 60000000000ULL;
    r->load.request_limit = 100000;
    r->load.timeout_ns = 10000000000ULL;
    r->load.warmup_ns = 5000000000ULL;
    r->load.pipeline_depth = 2;
    r->load.think_min_ns = 1000000;
    r->load.think_max_ns = 5000000;

    struct lc_result_phase *warm, *steady, *peak;
    struct lc_result_stats *q, *h;
    assert_int_equal(lc_result_add_phase(r, "warmup", &warm), 0);
    warm->recorded = false;
    warm->model = LC_RESULT_MODEL_CLOSED;
    warm->duration_ns = 5000000000ULL;
    warm->target_users = 2;
    fill_stats(&warm->stats, 50, 9000000, 0, false);

    assert_int_equal(lc_result_add_phase(r, "steady", &steady), 0);
    steady->model = LC_RESULT_MODEL_OPEN;
    steady->start_offset_ns = 5000000000ULL;
    steady->duration_ns = 40000000000ULL;
    steady->target_rps = 200;
    steady->stats.target_rps = 200;
    fill_stats(&steady->stats, 800, 1000000, 5, true);
    assert_int_equal(lc_result_phase_request(steady, "query", &q), 0);
    assert_int_equal(lc_result_phase_request(steady, "health", &h), 0);
    fill_stats(q, 600, 1000000, 5, false);
    fill_stats(h, 200, 200000, 0, false);
    /* Finding the same name again returns the same stats. */
    struct lc_result_stats *again = NULL;
    assert_int_equal(lc_result_phase_request(steady, "query", &again), 0);
    assert_ptr_equal(again, q);

    assert_int_equal(lc_result_add_phase(r, "peak", &peak), 0);
    peak->model = LC_RESULT_MODEL_OPEN;
    peak->start_offset_ns = 45000000000ULL;
    peak->duration_ns = 30000000000ULL;
    peak->target_rps = 400;
    peak->stats.target_rps = 400;
    fill_stats(&peak->stats, 1200, 3000000, 30, false);
    lc_result_stats_add_status(&peak->stats, 503, 7);
    assert_int_equal(lc_result_phase_request(peak, "query", &q), 0);
    fill_stats(q, 1200, 3000000, 30, false);

    for (int i = 1; i <= 3; i++) {
        struct lc_result_point p = {
            .t_s = 5.0 + i,
            .requests = 200 + (uint64_t)i,
            .errors = (uint64_t)i,
            .bytes_in = 1000 * (uint64_t)i,
            .active = 10 + (uint64_t)i,
            .target_rps = 200,
            .latency_p50_ns = 1000000 + (uint64_t)i,
            .latency_p90_ns = 2000000 + (uint64_t)i,
            .latency_p99_ns = 3000000 + (uint64_t)i,
            .latency_max_ns = 9000000 + (uint64_t)i,
            .schedule_lag_p99_ns = 40000 + (uint64_t)i,
        };
        assert_int_equal(lc_result_phase_add_point(steady, &p), 0);
        p.t_s = 45.25 + i;
        p.target_rps = 400;
        assert_int_equal(lc_result_phase_add_point(peak, &p), 0);
    }

    struct lc_result_resource *cpu, *rss;
    assert_int_equal(lc_result_add_resource(r, "sut.cpu_percent", "%", &cpu), 0);
    assert_int_equal(lc_result_add_resource(r, "sut.rss_bytes", "bytes", &rss), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lc_result_resource_add(cpu, i * 0.5, 12.5 + i), 0);
        assert_int_equal(lc_result_resource_add(rss, i * 0.5, 104857600.0 + 4096.0 * i), 0);
    }

    struct lc_result_threshold t1 = {
        .expr = "steady.query: p(99) < 3s",
        .scope = "steady.query",
        .metric = "p(99)",
        .op = "<",
        .limit = 3000,
        .observed = 12.345,
        .unit = "ms",
        .verdict = LC_RESULT_VERDICT_PASS,
    };
    struct lc_result_threshold t2 = {
        .expr = "error_rate < 1%",
        .metric = "error_rate",
        .op = "<",
        .limit = 1,
        .observed = 1.75,
        .unit = "%",
        .verdict = LC_RESULT_VERDICT_FAIL,
        .abort = true,
    };
    assert_int_equal(lc_result_add_threshold(r, &t1), 0);
    assert_int_equal(lc_result_add_threshold(r, &t2), 0);

    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(r, "pipeline", "./pipeline --items 100", &c), 0);
    assert_int_equal(lc_result_command_set_param(c, "n", "10"), 0);
    assert_int_equal(lc_result_command_set_param(c, "mode", "fast"), 0);
    assert_int_equal(lc_result_command_set_param(c, "n", "100"), 0); /* replaces */
    struct lc_result_metric metrics[] = {{"items_per_s", 1234.5, "/s"}, {"score", 0.25, NULL}};
    struct lc_result_bench_run run = {
        .wall_ns = 1500000000,
        .user_ns = 1200000000,
        .sys_ns = 100000000,
        .max_rss_bytes = 52428800,
        .exit_code = 0,
        .artifact_bytes = 4096,
        .metrics = metrics,
        .n_metrics = 2,
    };
    struct lc_result_bench_run *stored = NULL;
    assert_int_equal(lc_result_command_add_run(c, &run, &stored), 0);
    assert_int_equal(lc_result_run_add_metric(stored, "extra", -3.5, "ms"), 0);
    run.wall_ns = 1600000000;
    run.exit_code = 137;
    run.artifact_bytes = -1;
    run.n_metrics = 0;
    assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    assert_int_equal(lc_result_add_command(r, "noop", "true", &c), 0);

    assert_int_equal(lc_result_compute_totals(r), 0);
}

static void assert_hist_equal(const struct lc_hdr *a, const struct lc_hdr *b)
{
    assert_int_equal(a->total_count, b->total_count);
    assert_int_equal(a->lowest_discernible, b->lowest_discernible);
    assert_int_equal(a->highest_trackable, b->highest_trackable);
    assert_int_equal(a->significant_figures, b->significant_figures);
    assert_int_equal(lc_hdr_min(a), lc_hdr_min(b));
    assert_int_equal(lc_hdr_max(a), lc_hdr_max(b));
    const double pcts[] = {0, 50, 90, 95, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
        assert_int_equal(lc_hdr_value_at_percentile(a, pcts[i]),
                         lc_hdr_value_at_percentile(b, pcts[i]));
    assert_int_equal(a->counts_len, b->counts_len);
    assert_memory_equal(a->counts, b->counts, (size_t)a->counts_len * sizeof(int64_t));
}

static void assert_stats_equal(const struct lc_result_stats *a, const struct lc_result_stats *b)
{
    assert_int_equal(a->requests, b->requests);
    assert_int_equal(a->errors, b->errors);
    assert_int_equal(a->bytes_in, b->bytes_in);
    assert_int_equal(a->bytes_out, b->bytes_out);
    assert_memory_equal(a->status, b->status, sizeof(a->status));
    assert_int_equal(a->n_error_kinds, b->n_error_kinds);
    for (size_t i = 0; i < a->n_error_kinds; i++) {
        assert_string_equal(a->error_kinds[i].kind, b->error_kinds[i].kind);
        assert_int_equal(a->error_kinds[i].count, b->error_kinds[i].count);
    }
    for (int h = 0; h < LC_HIST_COUNT; h++) {
        assert_int_equal(a->has_hist[h], b->has_hist[h]);
        if (a->has_hist[h])
            assert_hist_equal(&a->hist[h], &b->hist[h]);
    }
    assert_int_equal(a->connections_requested, b->connections_requested);
    assert_int_equal(a->connections_established, b->connections_established);
    assert_int_equal(a->reconnects, b->reconnects);
    assert_int_equal(a->unsent, b->unsent);
    assert_int_equal(a->in_flight_at_stop, b->in_flight_at_stop);
    assert_int_equal(a->late_starts, b->late_starts);
    assert_int_equal(a->clamped, b->clamped);
    assert_double_close(a->rps, b->rps);
    assert_double_close(a->target_rps, b->target_rps);
}

static void assert_named_equal(struct lc_result_named_stats *const *a,
                               struct lc_result_named_stats *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a[i]->name, b[i]->name);
        assert_stats_equal(&a[i]->stats, &b[i]->stats);
    }
}

/* Every field of a and b, recursively. */
static void assert_results_equal(const struct lc_result *a, const struct lc_result *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_str_eq_or_null(a->name, b->name);
    assert_str_eq_or_null(a->tool_version, b->tool_version);
    assert_str_eq_or_null(a->tool_commit, b->tool_commit);
    assert_int_equal(a->argc, b->argc);
    for (size_t i = 0; i < a->argc; i++)
        assert_string_equal(a->argv[i], b->argv[i]);
    assert_str_eq_or_null(a->scenario_path, b->scenario_path);
    assert_int_equal(a->start_wall_ns, b->start_wall_ns);
    assert_int_equal(a->end_wall_ns, b->end_wall_ns);
    assert_int_equal(a->duration_ns, b->duration_ns);
    assert_int_equal(a->partial, b->partial);
    assert_str_eq_or_null(a->stop_reason, b->stop_reason);
    assert_int_equal(a->n_warnings, b->n_warnings);
    for (size_t i = 0; i < a->n_warnings; i++)
        assert_string_equal(a->warnings[i], b->warnings[i]);

    assert_str_eq_or_null(a->host.hostname, b->host.hostname);
    assert_str_eq_or_null(a->host.os_name, b->host.os_name);
    assert_str_eq_or_null(a->host.kernel_release, b->host.kernel_release);
    assert_str_eq_or_null(a->host.arch, b->host.arch);
    assert_str_eq_or_null(a->host.cpu_model, b->host.cpu_model);
    assert_int_equal(a->host.logical_cores, b->host.logical_cores);
    assert_int_equal(a->host.mem_total_bytes, b->host.mem_total_bytes);

    assert_int_equal(a->has_load, b->has_load);
    if (a->has_load) {
        const struct lc_result_load *x = &a->load, *y = &b->load;
        assert_str_eq_or_null(x->target_url, y->target_url);
        assert_str_eq_or_null(x->method, y->method);
        assert_int_equal(x->model, y->model);
        assert_int_equal(x->connections, y->connections);
        assert_int_equal(x->threads, y->threads);
        assert_double_close(x->rate_per_s, y->rate_per_s);
        assert_int_equal(x->arrival, y->arrival);
        assert_int_equal(x->duration_ns, y->duration_ns);
        assert_int_equal(x->request_limit, y->request_limit);
        assert_int_equal(x->timeout_ns, y->timeout_ns);
        assert_int_equal(x->warmup_ns, y->warmup_ns);
        assert_int_equal(x->pipeline_depth, y->pipeline_depth);
        assert_int_equal(x->think_min_ns, y->think_min_ns);
        assert_int_equal(x->think_max_ns, y->think_max_ns);
    }

    assert_int_equal(a->n_phases, b->n_phases);
    for (size_t p = 0; p < a->n_phases; p++) {
        const struct lc_result_phase *x = a->phases[p], *y = b->phases[p];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->model, y->model);
        assert_int_equal(x->start_offset_ns, y->start_offset_ns);
        assert_int_equal(x->duration_ns, y->duration_ns);
        assert_int_equal(x->recorded, y->recorded);
        assert_int_equal(x->target_users, y->target_users);
        assert_double_close(x->target_rps, y->target_rps);
        assert_stats_equal(&x->stats, &y->stats);
        assert_int_equal(x->n_requests, y->n_requests);
        assert_named_equal(x->requests, y->requests, x->n_requests);
        assert_int_equal(x->n_series, y->n_series);
        for (size_t i = 0; i < x->n_series; i++) {
            const struct lc_result_point *s = &x->series[i], *t = &y->series[i];
            assert_double_close(s->t_s, t->t_s);
            assert_int_equal(s->requests, t->requests);
            assert_int_equal(s->errors, t->errors);
            assert_int_equal(s->bytes_in, t->bytes_in);
            assert_int_equal(s->active, t->active);
            assert_double_close(s->target_rps, t->target_rps);
            assert_int_equal(s->latency_p50_ns, t->latency_p50_ns);
            assert_int_equal(s->latency_p90_ns, t->latency_p90_ns);
            assert_int_equal(s->latency_p99_ns, t->latency_p99_ns);
            assert_int_equal(s->latency_max_ns, t->latency_max_ns);
            assert_int_equal(s->schedule_lag_p99_ns, t->schedule_lag_p99_ns);
        }
    }

    assert_stats_equal(&a->total, &b->total);
    assert_int_equal(a->n_requests, b->n_requests);
    assert_named_equal(a->requests, b->requests, a->n_requests);

    assert_int_equal(a->n_resources, b->n_resources);
    for (size_t i = 0; i < a->n_resources; i++) {
        const struct lc_result_resource *x = a->resources[i], *y = b->resources[i];
        assert_string_equal(x->name, y->name);
        assert_str_eq_or_null(x->unit, y->unit);
        assert_int_equal(x->n_samples, y->n_samples);
        for (size_t j = 0; j < x->n_samples; j++) {
            assert_double_close(x->samples[j].t_s, y->samples[j].t_s);
            assert_double_close(x->samples[j].value, y->samples[j].value);
        }
    }

    assert_int_equal(a->n_thresholds, b->n_thresholds);
    for (size_t i = 0; i < a->n_thresholds; i++) {
        const struct lc_result_threshold *x = &a->thresholds[i], *y = &b->thresholds[i];
        assert_str_eq_or_null(x->expr, y->expr);
        assert_str_eq_or_null(x->scope, y->scope);
        assert_str_eq_or_null(x->metric, y->metric);
        assert_str_eq_or_null(x->op, y->op);
        assert_double_close(x->limit, y->limit);
        assert_double_close(x->observed, y->observed);
        assert_str_eq_or_null(x->unit, y->unit);
        assert_int_equal(x->verdict, y->verdict);
        assert_int_equal(x->abort, y->abort);
    }

    assert_int_equal(a->n_commands, b->n_commands);
    for (size_t i = 0; i < a->n_commands; i++) {
        const struct lc_result_bench_command *x = a->commands[i], *y = b->commands[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->command, y->command);
        assert_int_equal(x->n_params, y->n_params);
        for (size_t j = 0; j < x->n_params; j++) {
            assert_string_equal(x->params[j].key, y->params[j].key);
            assert_string_equal(x->params[j].value, y->params[j].value);
        }
        assert_int_equal(x->n_runs, y->n_runs);
        for (size_t j = 0; j < x->n_runs; j++) {
            const struct lc_result_bench_run *s = &x->runs[j], *t = &y->runs[j];
            assert_int_equal(s->wall_ns, t->wall_ns);
            assert_int_equal(s->user_ns, t->user_ns);
            assert_int_equal(s->sys_ns, t->sys_ns);
            assert_int_equal(s->max_rss_bytes, t->max_rss_bytes);
            assert_int_equal(s->exit_code, t->exit_code);
            assert_int_equal(s->artifact_bytes, t->artifact_bytes);
            assert_int_equal(s->n_metrics, t->n_metrics);
            for (size_t k = 0; k < s->n_metrics; k++) {
                assert_string_equal(s->metrics[k].name, t->metrics[k].name);
                assert_double_close(s->metrics[k].value, t->metrics[k].value);
                assert_str_eq_or_null(s->metrics[k].unit, t->metrics[k].unit);
            }
        }
    }
}

/* ---- Model ------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    enum lc_result_kind k;
    enum lc_result_hist h;
    assert_string_equal(lc_result_kind_name(LC_RESULT_KIND_MONITOR), "monitor");
    assert_string_equal(lc_result_model_name(LC_RESULT_MODEL_OPEN), "open");
    assert_string_equal(lc_result_arrival_name(LC_RESULT_ARRIVAL_POISSON), "poisson");
    assert_string_equal(lc_result_verdict_name(LC_RESULT_VERDICT_WARN), "warn");
    assert_string_equal(lc_result_hist_name(LC_HIST_SCHEDULE_LAG), "schedule_lag");
    assert_string_equal(lc_result_kind_name((enum lc_result_kind)42), "unknown");
    assert_int_equal(lc_result_kind_parse("bench", &k), 0);
    assert_int_equal(k, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_result_kind_parse("Bench", &k), LC_EINVAL);
    assert_int_equal(lc_result_hist_parse("ttfb", &h), 0);
    assert_int_equal(h, LC_HIST_TTFB);
}

static void test_stats_helpers(void **state)
{
    (void)state;
    struct lc_result_stats s;
    lc_result_stats_init(&s);
    lc_result_stats_add_status(&s, 200, 3);
    lc_result_stats_add_status(&s, 99, 1);
    lc_result_stats_add_status(&s, 600, 1);
    lc_result_stats_add_status(&s, -5, 1);
    assert_int_equal(s.status[200], 3);
    assert_int_equal(s.status[0], 3);
    assert_int_equal(lc_result_stats_add_error(&s, "timeout", 2), 0);
    assert_int_equal(lc_result_stats_add_error(&s, "reset", 1), 0);
    assert_int_equal(lc_result_stats_add_error(&s, "timeout", 3), 0);
    assert_int_equal(lc_result_stats_add_error(&s, "", 3), LC_EINVAL);
    assert_int_equal(s.errors, 6);
    assert_int_equal(s.n_error_kinds, 2);
    assert_int_equal(lc_result_stats_error_count(&s, "timeout"), 5);
    assert_int_equal(lc_result_stats_error_count(&s, "malformed"), 0);
    assert_true(lc_result_stats_error_rate(&s) == 0.0); /* no requests */
    s.requests = 24;
    assert_true(lc_result_stats_error_rate(&s) == 0.25);

    /* The error-kind cap holds, with LC_ELIMIT and nothing counted. */
    char kind[32];
    for (int i = (int)s.n_error_kinds; i < LC_RESULT_MAX_ERROR_KIND; i++) {
        snprintf(kind, sizeof(kind), "kind_%d", i);
        assert_int_equal(lc_result_stats_add_error(&s, kind, 1), 0);
    }
    uint64_t before = s.errors;
    assert_int_equal(lc_result_stats_add_error(&s, "one_too_many", 1), LC_ELIMIT);
    assert_int_equal(s.errors, before);
    assert_int_equal(lc_result_stats_add_error(&s, "timeout", 1), 0); /* existing kinds still add */

    /* Merge: a histogram present only in src appears in dst with src's layout. */
    struct lc_result_stats a, b;
    lc_result_stats_init(&a);
    lc_result_stats_init(&b);
    assert_int_equal(lc_hdr_init(&b.hist[LC_HIST_CONNECT], 100, 1000000000, 2), 0);
    b.has_hist[LC_HIST_CONNECT] = true;
    lc_hdr_record(&b.hist[LC_HIST_CONNECT], 5000);
    lc_hdr_record(&b.hist[LC_HIST_CONNECT], 7000);
    b.requests = 2;
    assert_int_equal(lc_result_stats_add_error(&b, "connect_refused", 1), 0);
    assert_int_equal(lc_result_stats_merge(&a, &b), 0);
    assert_int_equal(lc_result_stats_merge(&a, &b), 0);
    assert_true(a.has_hist[LC_HIST_CONNECT]);
    assert_false(a.has_hist[LC_HIST_LATENCY]);
    assert_int_equal(a.hist[LC_HIST_CONNECT].lowest_discernible, 100);
    assert_int_equal(a.hist[LC_HIST_CONNECT].significant_figures, 2);
    assert_int_equal(a.hist[LC_HIST_CONNECT].total_count, 4);
    assert_int_equal(a.requests, 4);
    assert_int_equal(a.errors, 2);
    assert_int_equal(lc_result_stats_error_count(&a, "connect_refused"), 2);
    /* Enabling an existing histogram keeps its data. */
    assert_int_equal(lc_result_stats_enable_hist(&a, LC_HIST_CONNECT), 0);
    assert_int_equal(a.hist[LC_HIST_CONNECT].total_count, 4);
    lc_result_stats_free(&a);
    lc_result_stats_free(&b);
    lc_result_stats_free(&s);
    assert_int_equal(s.n_error_kinds, 0);
}

static void test_totals(void **state)
{
    (void)state;
    struct lc_result r;
    build_sample(&r);
    const struct lc_result_phase *warm = r.phases[0], *steady = r.phases[1], *peak = r.phases[2];

    /* Warmup is excluded; recorded phases add. */
    assert_int_equal(r.total.requests, 800 + 1200);
    assert_int_equal(r.total.errors, 5 + 30);
    assert_int_equal(r.total.bytes_in, 2000 * 512);
    assert_int_equal(r.total.status[200], 795 + 1170);
    assert_int_equal(r.total.status[503], 7);
    assert_int_equal(lc_result_stats_error_count(&r.total, "timeout"), 4 + 29);
    assert_int_equal(lc_result_stats_error_count(&r.total, "reset"), 2);
    assert_int_equal(r.total.connections_established, 24);
    assert_int_equal(r.total.late_starts, 10);
    assert_int_equal(r.total.hist[LC_HIST_LATENCY].total_count, 2000);
    /* Connect exists in one recorded phase only, and comes through. */
    assert_true(r.total.has_hist[LC_HIST_CONNECT]);
    assert_int_equal(r.total.hist[LC_HIST_CONNECT].total_count,
                     steady->stats.hist[LC_HIST_CONNECT].total_count);
    assert_false(r.total.has_hist[LC_HIST_SCHEDULE_LAG]);

    /* The merged histogram equals one recorded directly with both phases' values. */
    struct lc_hdr direct;
    assert_int_equal(lc_hdr_init_default(&direct), 0);
    lc_hdr_merge(&direct, &steady->stats.hist[LC_HIST_LATENCY]);
    lc_hdr_merge(&direct, &peak->stats.hist[LC_HIST_LATENCY]);
    assert_hist_equal(&direct, &r.total.hist[LC_HIST_LATENCY]);
    assert_true(lc_hdr_value_at_percentile(&r.total.hist[LC_HIST_LATENCY], 99) >
                lc_hdr_value_at_percentile(&steady->stats.hist[LC_HIST_LATENCY], 99));
    lc_hdr_free(&direct);
    /* The warmup's slow values did not leak in: its min is far above the total's min. */
    assert_true(lc_hdr_min(&r.total.hist[LC_HIST_SERVICE]) <
                lc_hdr_min(&warm->stats.hist[LC_HIST_SERVICE]));

    /* Rates: requests over recorded time; target weighted by duration. */
    assert_double_close(r.total.rps, 2000.0 / 70.0);
    assert_double_close(r.total.target_rps, (200.0 * 40 + 400.0 * 30) / 70.0);
    assert_double_close(steady->stats.rps, 800.0 / 40.0);
    assert_double_close(warm->stats.rps, 50.0 / 5.0);

    /* Per request name, in first-seen order. */
    assert_int_equal(r.n_requests, 2);
    assert_string_equal(r.requests[0]->name, "query");
    assert_string_equal(r.requests[1]->name, "health");
    const struct lc_result_stats *q = lc_result_find_request(&r, "query");
    assert_non_null(q);
    assert_int_equal(q->requests, 1800);
    assert_int_equal(q->errors, 35);
    assert_int_equal(q->hist[LC_HIST_SERVICE].total_count, 1800);
    assert_double_close(q->rps, 1800.0 / 70.0);
    assert_int_equal(lc_result_find_request(&r, "health")->requests, 200);
    assert_null(lc_result_find_request(&r, "nope"));
    assert_ptr_equal(lc_result_find_phase(&r, "peak"), peak);
    assert_null(lc_result_find_phase(&r, "nope"));
    assert_non_null(lc_result_phase_find_request(steady, "health"));
    assert_null(lc_result_phase_find_request(peak, "health"));
    assert_non_null(lc_result_find_resource(&r, "sut.rss_bytes"));

    /* Recomputing gives the same (no double counting). */
    assert_int_equal(lc_result_compute_totals(&r), 0);
    assert_int_equal(r.total.requests, 2000);
    assert_int_equal(lc_result_find_request(&r, "query")->requests, 1800);

    /* Params replace by key; the bench run copy is deep. */
    assert_int_equal(r.commands[0]->n_params, 2);
    assert_string_equal(r.commands[0]->params[0].value, "100");
    assert_int_equal(r.commands[0]->runs[0].n_metrics, 3);
    assert_null(r.commands[0]->runs[0].metrics[1].unit);
    lc_result_free(&r);
    lc_result_free(&r); /* freeing twice is harmless */
    lc_result_free(NULL);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/result.json", dir);
    struct lc_result r, back;
    struct lc_error err = {0};
    build_sample(&r);
    assert_int_equal(lc_result_check_writable(path, &err), 0);
    assert_int_equal(count_entries(dir), 0); /* the probe left nothing behind */
    assert_int_equal(lc_result_write_json(&r, path, &err), 0);
    assert_int_equal(count_entries(dir), 1); /* no temporary file left */
    assert_int_equal(lc_result_read_json(path, &back, &err), 0);
    assert_results_equal(&r, &back);

    /* A second write replaces the file; reading it again still matches. */
    r.partial = false;
    assert_int_equal(lc_result_write_json(&r, path, &err), 0);
    lc_result_free(&back);
    assert_int_equal(lc_result_read_json(path, &back, &err), 0);
    assert_false(back.partial);
    assert_results_equal(&r, &back);
    assert_int_equal(count_entries(dir), 1);

    /* The string form is the same document, with the schema first and a final newline. */
    char *text = NULL;
    assert_int_equal(lc_result_to_json_string(&r, &text, &err), 0);
    assert_non_null(strstr(text, "\"schema\": \"loadcell.result/1\""));
    assert_true(strstr(text, "\"schema\"") < strstr(text, "\"kind\""));
    assert_non_null(strstr(text, "\"start_time\": \"2024-05-01T12:00:00.123Z\""));
    assert_non_null(strstr(text, "\"p99_ms\""));
    assert_non_null(strstr(text, "\"p99_9_ns\""));
    assert_non_null(strstr(text, "\"200\": 1965"));
    assert_int_equal(text[strlen(text) - 1], '\n');
    struct lc_result again;
    assert_int_equal(lc_result_from_json_string(text, strlen(text), "<mem>", &again, &err), 0);
    assert_results_equal(&r, &again);
    lc_result_free(&again);

    /* The human-readable summary agrees with the histogram it sits next to. */
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    json_t *lat = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "totals"), "stats"), "latency"),
        "p99_ns");
    assert_int_equal(json_integer_value(lat),
                     lc_hdr_value_at_percentile(&r.total.hist[LC_HIST_LATENCY], 99));
    json_t *count = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "totals"), "stats"), "latency"),
        "count");
    assert_int_equal(json_integer_value(count), 2000);
    json_decref(doc);
    free(text);

    lc_result_free(&r);
    lc_result_free(&back);
    rm_dir(dir);
}

static void test_empty_and_odd_values(void **state)
{
    (void)state;
    struct lc_result r, back;
    struct lc_error err = {0};
    char *text = NULL;

    /* Empty bench result: NULL strings, no load, no phases. */
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_result_to_json_string(&r, &text, &err), 0);
    assert_non_null(strstr(text, "\"load\": null"));
    assert_non_null(strstr(text, "\"bench\": null"));
    assert_int_equal(lc_result_from_json_string(text, strlen(text), NULL, &back, &err), 0);
    assert_results_equal(&r, &back);
    free(text);
    lc_result_free(&back);

    /* Non-finite doubles become null and read back as NaN; invalid UTF-8 becomes '?'. */
    struct lc_result_threshold t = {.limit = INFINITY, .observed = NAN};
    assert_int_equal(lc_result_add_threshold(&r, &t), LC_EINVAL); /* expr is required */
    t.expr = "p(99) < 1s";
    assert_int_equal(lc_result_add_threshold(&r, &t), 0);
    char *argv[] = {"loadcell",
                    "bad\xff\xfe"
                    "byte",
                    "caf\xc3\xa9"};
    assert_int_equal(lc_result_set_argv(&r, 3, argv), 0);
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(&r, "main", &ph), 0);
    assert_int_equal(lc_result_stats_add_error(&ph->stats, "odd\x80kind", 2), 0);
    ph->stats.requests = 2; /* a valid Result: errors <= requests */
    assert_int_equal(lc_result_stats_enable_hist(&ph->stats, LC_HIST_SCHEDULE_LAG), 0);
    assert_int_equal(lc_result_to_json_string(&r, &text, &err), 0);
    assert_int_equal(lc_result_from_json_string(text, strlen(text), NULL, &back, &err), 0);
    assert_true(isnan(back.thresholds[0].limit));
    assert_true(isnan(back.thresholds[0].observed));
    assert_string_equal(back.argv[1], "bad??byte");
    assert_string_equal(back.argv[2], "caf\xc3\xa9");
    assert_int_equal(lc_result_stats_error_count(&back.phases[0]->stats, "odd?kind"), 2);
    /* An empty but present histogram stays present and empty. */
    assert_true(back.phases[0]->stats.has_hist[LC_HIST_SCHEDULE_LAG]);
    assert_int_equal(back.phases[0]->stats.hist[LC_HIST_SCHEDULE_LAG].total_count, 0);
    assert_false(back.phases[0]->stats.has_hist[LC_HIST_LATENCY]);
    free(text);
    lc_result_free(&back);
    lc_result_free(&r);
}

/*
 * Write the sample, apply `edit` to its JSON, save it, read it: expect
 * LC_EFORMAT with `needle` in the message and the file name attached.
 */
static void expect_format_error(const char *dir, void (*edit)(json_t *), const char *needle)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/edited.json", dir);
    struct lc_result r, back;
    struct lc_error err = {0};
    char *text = NULL;
    build_sample(&r);
    assert_int_equal(lc_result_to_json_string(&r, &text, &err), 0);
    lc_result_free(&r);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(doc);
    edit(doc);
    assert_int_equal(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    assert_int_equal(lc_result_read_json(path, &back, &err), LC_EFORMAT);
    assert_int_equal(err.code, LC_EFORMAT);
    if (!strstr(err.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
    assert_string_equal(err.file, path);
    char line[1024];
    lc_error_format(&err, line, sizeof(line));
    assert_non_null(strstr(line, path));
    /* The failed read left nothing to free, and freeing is harmless. */
    assert_int_equal(back.n_phases, 0);
    lc_result_free(&back);
    assert_int_equal(unlink(path), 0);
}

static json_t *phase1_latency(json_t *doc)
{
    json_t *ph = json_array_get(json_object_get(doc, "phases"), 1);
    return json_object_get(json_object_get(ph, "stats"), "latency");
}

static void edit_hdr_type(json_t *doc)
{
    json_object_set_new(phase1_latency(doc), "hdr", json_integer(5));
}

static void edit_hdr_missing(json_t *doc)
{
    json_object_del(phase1_latency(doc), "hdr");
}

static void edit_hdr_garbage(json_t *doc)
{
    json_object_set_new(phase1_latency(doc), "hdr", json_string("not*base64!"));
}

static void edit_schema_v2(json_t *doc)
{
    json_object_set_new(doc, "schema", json_string("loadcell.result/2"));
}

static void edit_schema_other(json_t *doc)
{
    json_object_set_new(doc, "schema", json_string("k6.summary/1"));
}

static void edit_schema_missing(json_t *doc)
{
    json_object_del(doc, "schema");
}

static void edit_requests_string(json_t *doc)
{
    json_t *ph = json_array_get(json_object_get(doc, "phases"), 0);
    json_object_set_new(json_object_get(ph, "stats"), "requests", json_string("12"));
}

static void edit_requests_negative(json_t *doc)
{
    json_object_set_new(json_object_get(json_object_get(doc, "totals"), "stats"), "requests",
                        json_integer(-1));
}

static void edit_kind(json_t *doc)
{
    json_object_set_new(doc, "kind", json_string("soak"));
}

static void edit_phase_missing_duration(json_t *doc)
{
    json_object_del(json_array_get(json_object_get(doc, "phases"), 2), "duration_ns");
}

static void edit_status_key(json_t *doc)
{
    json_t *ph = json_array_get(json_object_get(doc, "phases"), 1);
    json_object_set_new(json_object_get(json_object_get(ph, "stats"), "status_codes"), "abc",
                        json_integer(1));
}

static void edit_sample_value(json_t *doc)
{
    json_t *res = json_array_get(json_object_get(doc, "resources"), 1);
    json_array_set_new(json_object_get(res, "values"), 3, json_string("x"));
}

static void edit_sample_length(json_t *doc)
{
    json_t *res = json_array_get(json_object_get(doc, "resources"), 0);
    json_array_remove(json_object_get(res, "t_s"), 0);
}

static void edit_run_metric(json_t *doc)
{
    json_t *cmds = json_object_get(json_object_get(doc, "bench"), "commands");
    json_t *run = json_array_get(json_object_get(json_array_get(cmds, 0), "runs"), 0);
    json_object_del(json_array_get(json_object_get(run, "metrics"), 1), "value");
}

static void edit_duplicate_request(json_t *doc)
{
    json_t *reqs = json_object_get(json_array_get(json_object_get(doc, "phases"), 1), "requests");
    json_array_append(reqs, json_array_get(reqs, 0));
}

static void edit_top_array(json_t *doc)
{
    json_object_clear(doc);
}

static void test_invalid_files(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_dir(dir, sizeof(dir));
    struct lc_result back;
    struct lc_error err = {0};

    expect_format_error(dir, edit_hdr_type,
                        "phases[1].stats.latency.hdr: expected a string, got an integer");
    expect_format_error(dir, edit_hdr_missing, "phases[1].stats.latency.hdr: missing field");
    expect_format_error(dir, edit_hdr_garbage, "phases[1].stats.latency.hdr: invalid histogram");
    expect_format_error(dir, edit_schema_v2, "schema: version 2 is not supported");
    expect_format_error(dir, edit_schema_other, "not a loadcell result schema");
    expect_format_error(dir, edit_schema_missing, "not a loadcell result file");
    expect_format_error(dir, edit_requests_string,
                        "phases[0].stats.requests: expected an integer, got a string");
    expect_format_error(dir, edit_requests_negative, "totals.stats.requests: -1 is out of range");
    expect_format_error(dir, edit_kind, "kind: unknown value \"soak\"");
    expect_format_error(dir, edit_phase_missing_duration, "phases[2].duration_ns: missing field");
    expect_format_error(dir, edit_status_key,
                        "phases[1].stats.status_codes.abc: not a status code");
    expect_format_error(dir, edit_sample_value,
                        "resources[1].values[3]: expected a number, got a string");
    expect_format_error(dir, edit_sample_length,
                        "resources[0].values: has 5 entries but t_s has 4");
    expect_format_error(dir, edit_run_metric,
                        "bench.commands[0].runs[0].metrics[1].value: missing field");
    expect_format_error(dir, edit_duplicate_request,
                        "phases[1].requests[2].name: duplicate request name \"query\"");
    expect_format_error(dir, edit_top_array, "schema: missing field");

    /* Not JSON at all: the line and column of the problem. */
    snprintf(path, sizeof(path), "%s/broken.json", dir);
    write_text(path, "{\n  \"schema\": \"loadcell.result/1\",\n  oops\n}\n");
    assert_int_equal(lc_result_read_json(path, &back, &err), LC_EFORMAT);
    assert_non_null(strstr(err.msg, "not valid JSON"));
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 3);
    lc_result_free(&back);

    /* JSON, but not an object. */
    write_text(path, "[1, 2]\n");
    assert_int_equal(lc_result_read_json(path, &back, &err), LC_EFORMAT);
    assert_non_null(strstr(err.msg, "top level: expected a JSON object, got an array"));
    lc_result_free(&back);

    /* Empty file. */
    write_text(path, "");
    assert_int_equal(lc_result_read_json(path, &back, &err), LC_EFORMAT);
    lc_result_free(&back);
    assert_int_equal(unlink(path), 0);

    /* A missing file is an I/O error, not a format error. */
    assert_int_equal(lc_result_read_json(path, &back, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "No such file"));
    lc_result_free(&back);
    rm_dir(dir);
}

static void test_unwritable(void **state)
{
    (void)state;
    char dir[64], path[160];
    make_dir(dir, sizeof(dir));
    struct lc_result r, back;
    struct lc_error err = {0};
    lc_result_init(&r, LC_RESULT_KIND_HTTP);

    snprintf(path, sizeof(path), "%s/no/such/dir/result.json", dir);
    assert_int_equal(lc_result_check_writable(path, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_non_null(strstr(err.msg, "/no/such/dir"));
    assert_string_equal(err.file, path);
    lc_error_clear(&err);
    assert_int_equal(lc_result_write_json(&r, path, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_int_equal(err.sys_errno, ENOENT);

    /* A directory is not a file name. */
    assert_int_equal(lc_result_check_writable(dir, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "directory"));
    assert_int_equal(lc_result_write_json(&r, dir, &err), LC_EIO);
    assert_int_equal(lc_result_read_json(dir, &back, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "directory"));
    lc_result_free(&back);
    assert_int_equal(lc_result_check_writable("", &err), LC_EINVAL);
    assert_int_equal(lc_result_write_json(&r, "", &err), LC_EINVAL);

    /* A path through a regular file. */
    snprintf(path, sizeof(path), "%s/plain", dir);
    write_text(path, "x");
    snprintf(path, sizeof(path), "%s/plain/result.json", dir);
    assert_int_equal(lc_result_write_json(&r, path, &err), LC_EIO);
    assert_non_null(strstr(err.msg, "not a directory"));
    snprintf(path, sizeof(path), "%s/plain", dir);
    assert_int_equal(unlink(path), 0);

    /* A read-only directory (root ignores permissions, so only check when they bite). */
    if (geteuid() != 0) {
        assert_int_equal(chmod(dir, 0500), 0);
        snprintf(path, sizeof(path), "%s/result.json", dir);
        assert_int_equal(lc_result_check_writable(path, &err), LC_EIO);
        assert_non_null(strstr(err.msg, "ermission denied"));
        assert_int_equal(chmod(dir, 0700), 0);
    }
    assert_int_equal(count_entries(dir), 0);
    lc_result_free(&r);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_stats_helpers),
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_and_odd_values),
        cmocka_unit_test(test_invalid_files),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
