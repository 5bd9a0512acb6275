/* Unit tests for results/threshold: parsing, every metric, scopes, units, verdicts, && and ||. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/threshold.h"

#define MS 1000000LL
#define S  1000000000LL
#define MB 1048576.0

/* ---- Helpers ------------------------------------------------------------------------ */

static void assert_close(double got, double want, double rel)
{
    double tol = rel * fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= tol))
        fail_msg("%.17g is not within %g of %.17g", got, rel, want);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* Parse text in mode; the test fails on a parse error. Caller frees. */
static struct lc_threshold *compile(const char *text, enum lc_threshold_mode mode)
{
    struct lc_threshold *t = NULL;
    struct lc_error err;
    int rc = lc_threshold_parse(text, mode, &t, &err);
    if (rc != 0)
        fail_msg("parse '%s': %s", text, err.msg);
    assert_non_null(t);
    return t;
}

/* Parse must fail with LC_EINVAL and a message containing `want`; returns the column. */
static unsigned parse_fails(const char *text, enum lc_threshold_mode mode, const char *want)
{
    struct lc_threshold *t = (struct lc_threshold *)1;
    struct lc_error err;
    lc_error_clear(&err);
    int rc = lc_threshold_parse(text, mode, &t, &err);
    if (rc != LC_EINVAL)
        fail_msg("parse '%s' gave %d, expected LC_EINVAL", text, rc);
    assert_null(t);
    assert_contains(err.msg, want);
    return err.col;
}

/* Evaluate text (phase filter optional); must decide. Returns the outcome's first term. */
static struct lc_threshold_outcome eval_ok(const struct lc_result *r, const char *text,
                                           enum lc_threshold_mode mode, const char *phase)
{
    struct lc_threshold *t = compile(text, mode);
    struct lc_threshold_outcome o;
    struct lc_error err;
    int rc = lc_threshold_eval_phase(t, r, phase, &o, &err);
    if (rc != 0)
        fail_msg("eval '%s': %s", text, err.msg);
    assert_true(o.ok);
    assert_string_equal(o.error, "");
    /* Pointers of terms point into t: copy what the tests read before freeing. */
    for (size_t i = 0; i < o.n_terms; i++) {
        o.terms[i].scope = NULL;
        o.terms[i].metric = NULL;
        o.terms[i].op = NULL;
        o.terms[i].limit_text = NULL;
    }
    lc_threshold_free(t);
    return o;
}

static double observed(const struct lc_result *r, const char *text)
{
    struct lc_threshold_outcome o = eval_ok(r, text, LC_THRESHOLD_ANY, NULL);
    assert_true(o.terms[0].measured);
    return o.terms[0].observed;
}

static enum lc_result_verdict verdict_of(const struct lc_result *r, const char *text)
{
    return eval_ok(r, text, LC_THRESHOLD_ANY, NULL).verdict;
}

/* Evaluation must fail with LC_EINVAL and an error containing want; returns no_data. */
static bool eval_fails(const struct lc_result *r, const char *text, enum lc_threshold_mode mode,
                       const char *phase, const char *want)
{
    struct lc_threshold *t = compile(text, mode);
    struct lc_threshold_outcome o;
    struct lc_error err;
    int rc = lc_threshold_eval_phase(t, r, phase, &o, &err);
    if (rc != LC_EINVAL)
        fail_msg("eval '%s' gave %d (holds %d), expected LC_EINVAL", text, rc, o.holds);
    assert_false(o.ok);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_FAIL);
    assert_contains(o.error, want);
    assert_contains(err.msg, want);
    assert_contains(err.msg, text);
    lc_threshold_free(t);
    return o.no_data;
}

/* ---- The synthetic load result -------------------------------------------------------------- */

static void record_n(struct lc_result_stats *s, enum lc_result_hist h, int64_t v, int n)
{
    assert_int_equal(lc_result_stats_enable_hist(s, h), 0);
    for (int i = 0; i < n; i++)
        lc_hdr_record(&s->hist[h], v);
}

static struct lc_result_phase *phase(struct lc_result *r, const char *name, double start_s,
                                     double dur_s, bool recorded)
{
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(r, name, &ph), 0);
    ph->start_offset_ns = (uint64_t)(start_s * 1e9);
    ph->duration_ns = (uint64_t)(dur_s * 1e9);
    ph->recorded = recorded;
    return ph;
}

static struct lc_result_stats *request(struct lc_result_phase *ph, const char *name,
                                       uint64_t requests, uint64_t errors)
{
    struct lc_result_stats *s;
    assert_int_equal(lc_result_phase_request(ph, name, &s), 0);
    s->requests = requests;
    if (errors)
        assert_int_equal(lc_result_stats_add_error(s, "status_500", errors), 0);
    return s;
}

/*
 * warmup 0..10 s (not recorded): 50 requests of 10 s.
 * steady 10..70 s: 1000 requests, 5 errors, latencies 1..100 ms; query 800 (5 errors) at
 *   200 ms, health 200 at 5 ms; ttfb 10 ms.
 * peak 70..100 s: 600 requests, 60 errors, latency 2.3 s; query 500 (60 errors), health 100.
 * sut.cpu_percent at t = 0.5, 1.5, ...: 20 in warmup, 40 in steady, 80 in peak.
 * sut.rss_bytes = 100 MB + 10 MB/h * t. Generator: 50 s CPU over 100 s.
 */
static int setup_load(void **state)
{
    struct lc_result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    lc_result_init(r, LC_RESULT_KIND_RUN);
    r->duration_ns = 100 * S;
    r->gen_cpu_user_s = 30;
    r->gen_cpu_sys_s = 20;

    struct lc_result_phase *warm = phase(r, "warmup", 0, 10, false);
    warm->stats.requests = 50;
    record_n(&warm->stats, LC_HIST_LATENCY, 10 * S, 50);
    request(warm, "query", 50, 0);

    struct lc_result_phase *steady = phase(r, "steady", 10, 60, true);
    steady->stats.requests = 1000;
    assert_int_equal(lc_result_stats_add_error(&steady->stats, "status_500", 5), 0);
    assert_int_equal(lc_result_stats_enable_hist(&steady->stats, LC_HIST_LATENCY), 0);
    for (int i = 1; i <= 100; i++)
        lc_hdr_record(&steady->stats.hist[LC_HIST_LATENCY], i * MS);
    record_n(&steady->stats, LC_HIST_TTFB, 10 * MS, 100);
    struct lc_result_stats *q = request(steady, "query", 800, 5);
    record_n(q, LC_HIST_LATENCY, 200 * MS, 80);
    struct lc_result_stats *hs = request(steady, "health", 200, 0);
    record_n(hs, LC_HIST_LATENCY, 5 * MS, 20);

    struct lc_result_phase *peak = phase(r, "peak", 70, 30, true);
    peak->stats.requests = 600;
    assert_int_equal(lc_result_stats_add_error(&peak->stats, "timeout", 60), 0);
    record_n(&peak->stats, LC_HIST_LATENCY, 2300 * MS, 100);
    q = request(peak, "query", 500, 60);
    record_n(q, LC_HIST_LATENCY, 2300 * MS, 50);
    request(peak, "health", 100, 0);

    assert_int_equal(lc_result_compute_totals(r), 0);

    struct lc_result_resource *cpu, *rss;
    assert_int_equal(lc_result_add_resource(r, "sut.cpu_percent", "%", &cpu), 0);
    assert_int_equal(lc_result_add_resource(r, "sut.rss_bytes", "bytes", &rss), 0);
    for (int i = 0; i < 100; i++) {
        double t = i + 0.5;
        double c = t < 10 ? 20 : t < 70 ? 40 : 80;
        assert_int_equal(lc_result_resource_add(cpu, t, c), 0);
        assert_int_equal(lc_result_resource_add(rss, t, 100 * MB + 10 * MB * t / 3600.0), 0);
    }
    *state = r;
    return 0;
}

static int teardown_result(void **state)
{
    struct lc_result *r = *state;
    lc_result_free(r);
    free(r);
    return 0;
}

/* ---- Load metrics -------------------------------------------------------------------------- */

static void test_latency_metrics(void **state)
{
    const struct lc_result *r = *state;
    const struct lc_hdr *tot = &r->total.hist[LC_HIST_LATENCY];
    const struct lc_hdr *st = &lc_result_find_phase(r, "steady")->stats.hist[LC_HIST_LATENCY];
    /* Totals merge steady and peak only (warmup's 10 s would otherwise be the max). */
    assert_close(observed(r, "p(99) < 5s"), (double)lc_hdr_value_at_percentile(tot, 99) / 1e9,
                 1e-12);
    assert_close(observed(r, "max < 5s"), 2.3, 0.002);
    assert_close(observed(r, "min < 5s"), 0.001, 0.002);
    assert_close(observed(r, "steady: p(99) < 1s"), 0.099, 0.002);
    assert_close(observed(r, "steady: p(99.9) < 1s"),
                 (double)lc_hdr_value_at_percentile(st, 99.9) / 1e9, 1e-12);
    assert_close(observed(r, "steady: p(50) < 1s"), 0.050, 0.002);
    assert_close(observed(r, "steady: med < 1s"), observed(r, "steady: p(50) < 1s"), 1e-12);
    assert_close(observed(r, "steady: median < 1s"), observed(r, "steady: p(50) < 1s"), 1e-12);
    assert_close(observed(r, "steady: avg < 1s"), 0.0505, 0.002);
    assert_close(observed(r, "steady: mean < 1s"), lc_hdr_mean(st) / 1e9, 1e-12);
    assert_close(observed(r, "steady: stdev < 1s"), lc_hdr_stdev(st) / 1e9, 1e-12);
    assert_close(observed(r, "steady: min < 1s"), 0.001, 0.002);
    assert_close(observed(r, "steady: max < 1s"), 0.100, 0.002);
    assert_close(observed(r, "steady: ttfb_p(90) < 1s"), 0.010, 0.002);
    assert_close(observed(r, "ttfb_p(90) < 1s"), 0.010, 0.002);
    assert_close(observed(r, "peak: p(0) < 5s"), 2.3, 0.002);
}

static void test_units_convert(void **state)
{
    const struct lc_result *r = *state;
    double s = observed(r, "steady: max < 1s");
    assert_close(observed(r, "steady: max < 1000ms"), s * 1e3, 1e-12);
    assert_close(observed(r, "steady: max < 1000000us"), s * 1e6, 1e-12);
    assert_close(observed(r, "steady: max < 1 m"), s / 60, 1e-12);
    assert_close(observed(r, "steady: max < 1h"), s / 3600, 1e-12);
    assert_close(observed(r, "steady: max < 1ns"), s * 1e9, 1e-12);
    double rps = 1600.0 / 90.0;
    assert_close(observed(r, "rps > 1"), rps, 1e-12);
    assert_close(observed(r, "rps > 1/s"), rps, 1e-12);
    assert_close(observed(r, "rps > 1/m"), rps * 60, 1e-12);
    assert_close(observed(r, "rps > 1/h"), rps * 3600, 1e-12);
    double peak_mb = observed(r, "steady: mem_peak < 1GB") * 1024;
    assert_close(observed(r, "steady: mem_peak < 1MB"), peak_mb, 1e-12);
    assert_close(observed(r, "steady: mem_peak < 1KB"), peak_mb * 1024, 1e-12);
    assert_close(observed(r, "steady: mem_peak < 1B"), peak_mb * MB, 1e-12);
    assert_close(observed(r, "mem_growth < 1MB/h"), 10, 1e-9);
    assert_close(observed(r, "mem_growth < 1KB/h"), 10 * 1024, 1e-9);
    assert_close(observed(r, "mem_growth < 1MB/m"), 10.0 / 60, 1e-9);
    assert_close(observed(r, "mem_growth < 1B/s"), 10 * MB / 3600, 1e-9);
    assert_close(observed(r, "mem_growth < 1GB/h"), 10.0 / 1024, 1e-9);
    /* The unit shown and recorded is the one written; rps shows /s when plain. */
    struct lc_threshold_outcome o = eval_ok(r, "rps > 100", LC_THRESHOLD_LOAD, NULL);
    assert_string_equal(o.terms[0].unit, "/s");
    o = eval_ok(r, "p(99) < 300ms", LC_THRESHOLD_LOAD, NULL);
    assert_string_equal(o.terms[0].unit, "ms");
    assert_close(o.terms[0].limit, 300, 0);
    o = eval_ok(r, "requests > 1", LC_THRESHOLD_LOAD, NULL);
    assert_string_equal(o.terms[0].unit, "");
}

static void test_counts_and_rates(void **state)
{
    const struct lc_result *r = *state;
    assert_close(observed(r, "requests > 0"), 1600, 0);
    assert_close(observed(r, "errors < 1"), 65, 0);
    assert_close(observed(r, "error_rate < 1%"), 65 * 100.0 / 1600, 1e-12);
    assert_close(observed(r, "steady: requests > 0"), 1000, 0);
    assert_close(observed(r, "steady: rps > 0"), 1000.0 / 60, 1e-12);
    assert_close(observed(r, "peak: error_rate < 1%"), 10, 1e-12);
    /* error_rate < 1% with 0.5% errors passes, and shows 0.5. */
    struct lc_threshold_outcome o = eval_ok(r, "steady: error_rate < 1%", LC_THRESHOLD_LOAD, NULL);
    assert_true(o.holds);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_PASS);
    assert_close(o.terms[0].observed, 0.5, 1e-12);
    assert_string_equal(o.terms[0].unit, "%");
    assert_int_equal(verdict_of(r, "steady: error_rate < 0.4%"), LC_RESULT_VERDICT_FAIL);
    assert_int_equal(verdict_of(r, "steady: error_rate <= 0.5%"), LC_RESULT_VERDICT_WARN);
}

static void test_scopes(void **state)
{
    const struct lc_result *r = *state;
    /* A request name: the run totals of that request (warmup excluded). */
    assert_close(observed(r, "query: requests > 0"), 1300, 0);
    assert_close(observed(r, "health: requests > 0"), 300, 0);
    assert_close(observed(r, "query: error_rate < 1%"), 65 * 100.0 / 1300, 1e-12);
    assert_close(observed(r, "query: p(50) < 5s"), 0.2, 0.002);
    /* phase.request */
    assert_close(observed(r, "steady.query: requests > 0"), 800, 0);
    assert_close(observed(r, "peak.query: requests > 0"), 500, 0);
    assert_close(observed(r, "steady.health: p(99) < 1s"), 0.005, 0.002);
    assert_close(observed(r, "peak.query: p(99) < 1s"), 2.3, 0.002);
    assert_close(observed(r, "steady.health: error_rate <= 0%"), 0, 0);
    /* Blanks around the colon. */
    assert_close(observed(r, "  steady : requests > 0 "), 1000, 0);
    /* The term records its scope as written. */
    struct lc_threshold *t = compile("steady.query: p(99) < 3s", LC_THRESHOLD_LOAD);
    struct lc_threshold_outcome o;
    assert_int_equal(lc_threshold_eval(t, r, &o, NULL), 0);
    assert_string_equal(o.terms[0].scope, "steady.query");
    assert_string_equal(o.terms[0].metric, "p(99)");
    assert_string_equal(o.terms[0].op, "<");
    assert_string_equal(o.terms[0].limit_text, "3s");
    lc_threshold_free(t);

    /* Errors: unknown names, with the nearest suggested. */
    assert_false(eval_fails(r, "stedy: p(99) < 1s", LC_THRESHOLD_LOAD, NULL,
                            "unknown scope 'stedy' (did you mean 'steady'?)"));
    assert_false(eval_fails(r, "steady.qery: p(99) < 1s", LC_THRESHOLD_LOAD, NULL,
                            "phase 'steady' has no request 'qery' (did you mean 'query'?)"));
    assert_false(eval_fails(r, "zzzzzz: p(99) < 1s", LC_THRESHOLD_LOAD, NULL,
                            "no phase, request or bench command has that name"));
    /* Resource metrics are not per request. */
    assert_false(eval_fails(r, "query: cpu < 50%", LC_THRESHOLD_LOAD, NULL, "not per request"));
}

static void test_phase_preferred_over_request(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_RUN);
    struct lc_result_phase *a = phase(&r, "main", 0, 10, true);
    a->stats.requests = 10;
    request(a, "main", 7, 0);
    request(a, "other", 3, 0);
    assert_int_equal(lc_result_compute_totals(&r), 0);
    assert_close(observed(&r, "main: requests > 0"), 10, 0);
    assert_close(observed(&r, "main.main: requests > 0"), 7, 0);
    assert_close(observed(&r, "other: requests > 0"), 3, 0);
    lc_result_free(&r);
}

static void test_phase_filter(void **state)
{
    const struct lc_result *r = *state;
    struct lc_threshold_outcome o = eval_ok(r, "requests > 0", LC_THRESHOLD_LOAD, "peak");
    assert_close(o.terms[0].observed, 600, 0);
    o = eval_ok(r, "query: requests > 0", LC_THRESHOLD_LOAD, "peak");
    assert_close(o.terms[0].observed, 500, 0);
    o = eval_ok(r, "steady: requests > 0", LC_THRESHOLD_LOAD, "peak");
    assert_close(o.terms[0].observed, 1000, 0);
    o = eval_ok(r, "cpu < 100%", LC_THRESHOLD_LOAD, "peak");
    assert_close(o.terms[0].observed, 80, 1e-12);
    o = eval_ok(r, "query: requests > 0", LC_THRESHOLD_LOAD, NULL);
    assert_close(o.terms[0].observed, 1300, 0);
    /* stop_when on the running phase, and its message. */
    struct lc_threshold *t = compile("p(99) > 2s || error_rate > 5%", LC_THRESHOLD_LOAD);
    assert_int_equal(lc_threshold_eval_phase(t, r, "peak", &o, NULL), 0);
    assert_true(o.holds);
    char buf[256];
    lc_threshold_explain(&o, buf, sizeof(buf));
    assert_contains(buf, "p(99) = 2.3");
    assert_contains(buf, "s > 2s, error_rate = 10% > 5%");
    assert_int_equal(lc_threshold_eval_phase(t, r, "steady", &o, NULL), 0);
    assert_false(o.holds);
    lc_threshold_explain(&o, buf, sizeof(buf));
    assert_contains(buf, "error_rate = 0.5%, not > 5%");
    struct lc_error err;
    assert_int_equal(lc_threshold_eval_phase(t, r, "nosuch", &o, &err), LC_EINVAL);
    assert_false(o.ok);
    assert_contains(err.msg, "no phase 'nosuch'");
    lc_threshold_free(t);
    /* A request not yet seen in the running phase: missing data, not a mistake. */
    assert_true(eval_fails(r, "health: requests > 0", LC_THRESHOLD_LOAD, "warmup",
                           "no data for request 'health' in phase 'warmup' yet"));
}

static void test_resources(void **state)
{
    const struct lc_result *r = *state;
    assert_close(observed(r, "steady: cpu < 100%"), 40, 1e-12);
    assert_close(observed(r, "peak: cpu < 100%"), 80, 1e-12);
    assert_close(observed(r, "warmup: cpu < 100%"), 20, 1e-12);
    /* The totals' window: the recorded phases, 10..100 s. */
    assert_close(observed(r, "cpu < 100%"), (60 * 40 + 30 * 80) / 90.0, 1e-12);
    double mem_mean_t = 40.0; /* steady samples 10.5 .. 69.5 */
    assert_close(observed(r, "steady: mem < 1MB"), 100 + 10 * mem_mean_t / 3600, 1e-12);
    assert_close(observed(r, "steady: mem_peak < 1MB"), 100 + 10 * 69.5 / 3600, 1e-12);
    assert_close(observed(r, "mem_peak < 1MB"), 100 + 10 * 99.5 / 3600, 1e-12);
    assert_close(observed(r, "steady: mem_growth < 1MB/h"), 10, 1e-9);
    assert_int_equal(verdict_of(r, "mem_growth < 1MB/h"), LC_RESULT_VERDICT_FAIL);
    assert_int_equal(verdict_of(r, "mem_growth < 20MB/h"), LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "mem_growth < 10.5MB/h"), LC_RESULT_VERDICT_WARN);
    /* Generator CPU: 50 s of CPU over 100 s. */
    assert_close(observed(r, "gen_cpu < 100%"), 50, 1e-12);
    assert_true(
        eval_fails(r, "steady: gen_cpu < 100%", LC_THRESHOLD_LOAD, NULL, "gen.cpu_percent"));
}

static void test_gen_cpu_series(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    r.duration_ns = 20 * S;
    phase(&r, "a", 0, 10, true);
    phase(&r, "b", 10, 10, true);
    /* No rusage and no series: no data. */
    assert_true(eval_fails(&r, "gen_cpu < 50%", LC_THRESHOLD_LOAD, NULL, "not recorded"));
    struct lc_result_resource *g;
    assert_int_equal(lc_result_add_resource(&r, "gen.cpu_percent", "%", &g), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(lc_result_resource_add(g, i + 0.5, i < 10 ? 10 : 30), 0);
    assert_close(observed(&r, "a: gen_cpu < 50%"), 10, 1e-12);
    assert_close(observed(&r, "b: gen_cpu < 50%"), 30, 1e-12);
    assert_close(observed(&r, "gen_cpu < 50%"), 20, 1e-12);
    /* rusage, when present, decides the whole run. */
    r.gen_cpu_user_s = 4;
    r.gen_cpu_sys_s = 1;
    assert_close(observed(&r, "gen_cpu < 50%"), 25, 1e-12);
    lc_result_free(&r);
}

/* MONITOR mode (loadcell monitor): resource metrics only, no scope; one window over every sample.
 */
static void test_monitor_mode(void **state)
{
    (void)state;
    assert_int_equal(parse_fails("p(99) < 1s", LC_THRESHOLD_MONITOR, "'p(N)' needs a load run"), 1);
    parse_fails("rps > 10", LC_THRESHOLD_MONITOR, "'rps' needs a load run");
    parse_fails("gen_cpu < 5%", LC_THRESHOLD_MONITOR, "'gen_cpu' needs a load run");
    assert_int_equal(
        parse_fails("cpu < 5% || errors < 1", LC_THRESHOLD_MONITOR, "needs a load run"), 13);
    parse_fails("main: cpu < 5%", LC_THRESHOLD_MONITOR, "takes no scope ('main:')");
    parse_fails("mem_grwth < 1MB/h", LC_THRESHOLD_MONITOR, "did you mean 'mem_growth'?");
    parse_fails("zzz < 1", LC_THRESHOLD_MONITOR, "expected cpu, mem, mem_peak, mem_growth");
    parse_fails("mean < 1s", LC_THRESHOLD_MONITOR, "'mean' needs a load run");
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    r.duration_ns = 10 * S;
    /* One sample, no rates yet: no data, and the message says why. */
    struct lc_result_resource *rss, *cpu;
    assert_int_equal(lc_result_add_resource(&r, "sut.rss_bytes", "bytes", &rss), 0);
    assert_int_equal(lc_result_resource_add(rss, 0, 100 * MB), 0);
    assert_true(eval_fails(&r, "cpu < 50%", LC_THRESHOLD_MONITOR, NULL,
                           "no sut.cpu_percent samples: watch longer than an interval"));
    assert_true(eval_fails(&r, "gpu_util < 50%", LC_THRESHOLD_MONITOR, NULL, "or --gpu off"));
    assert_int_equal(lc_result_add_resource(&r, "sut.cpu_percent", "%", &cpu), 0);
    for (int i = 1; i <= 10; i++) {
        assert_int_equal(lc_result_resource_add(rss, i, 100 * MB + 36 * MB * i), 0);
        assert_int_equal(lc_result_resource_add(cpu, i, i <= 5 ? 10 : 20), 0);
    }
    /* Every sample counts: 36 MB a second is 129600 MB/h. */
    struct lc_threshold_outcome o = eval_ok(&r, "mem_growth < 50MB/h", LC_THRESHOLD_MONITOR, NULL);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_FAIL);
    assert_close(o.terms[0].observed, 129600, 1e-9);
    o = eval_ok(&r, "cpu < 50% && mem_peak < 1GB", LC_THRESHOLD_MONITOR, NULL);
    assert_true(o.holds);
    assert_close(o.terms[0].observed, 15, 1e-12);
    assert_close(o.terms[1].observed, 460 / 1024.0, 1e-12);
    lc_result_free(&r);
}

/* GPU series: the mean per GPU in the window, the busiest GPU decides; no series, no data. */
static void test_gpu_metrics(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_RUN);
    r.duration_ns = 20 * S;
    phase(&r, "a", 0, 10, true);
    phase(&r, "b", 10, 10, true);
    assert_int_equal(lc_result_compute_totals(&r), 0);
    /* No GPU series: the same "no data" failure as the other resource metrics. */
    assert_true(eval_fails(&r, "gpu_util < 50%", LC_THRESHOLD_LOAD, NULL,
                           "no data for 'gpu_util' (no GPU series"));
    assert_true(
        eval_fails(&r, "a: gpu_mem < 1GB", LC_THRESHOLD_LOAD, NULL, "no data for 'gpu_mem'"));
    /* A term without data does not matter when the other side decides. */
    assert_true(eval_ok(&r, "gpu_util > 50% || requests < 1", LC_THRESHOLD_LOAD, NULL).holds);
    /* gpu0: util 10 in a, 30 in b; 1 GB. gpu1: util 20 throughout; 2 GB then 4 GB. */
    struct lc_result_resource *u0, *u1, *m0, *m1, *other;
    assert_int_equal(lc_result_add_resource(&r, "gpu0.util_percent", "%", &u0), 0);
    assert_int_equal(lc_result_add_resource(&r, "gpu1.util_percent", "%", &u1), 0);
    assert_int_equal(lc_result_add_resource(&r, "gpu0.mem_used_bytes", "bytes", &m0), 0);
    assert_int_equal(lc_result_add_resource(&r, "gpu1.mem_used_bytes", "bytes", &m1), 0);
    assert_int_equal(lc_result_add_resource(&r, "gpu0.power_watts", "W", &other), 0);
    for (int i = 0; i < 20; i++) {
        double t = i + 0.5;
        assert_int_equal(lc_result_resource_add(u0, t, i < 10 ? 10 : 30), 0);
        assert_int_equal(lc_result_resource_add(u1, t, 20), 0);
        assert_int_equal(lc_result_resource_add(m0, t, 1024 * MB), 0);
        assert_int_equal(lc_result_resource_add(m1, t, i < 10 ? 2048 * MB : 4096 * MB), 0);
        assert_int_equal(lc_result_resource_add(other, t, 999), 0);
    }
    struct lc_threshold_outcome o = eval_ok(&r, "a: gpu_util < 50%", LC_THRESHOLD_LOAD, NULL);
    assert_close(o.terms[0].observed, 20, 1e-12);
    assert_string_equal(o.terms[0].subject, "gpu1");
    o = eval_ok(&r, "b: gpu_util < 50%", LC_THRESHOLD_LOAD, NULL);
    assert_close(o.terms[0].observed, 30, 1e-12);
    assert_string_equal(o.terms[0].subject, "gpu0");
    assert_string_equal(o.terms[0].unit, "%");
    /* The totals: gpu0 means 20 over both phases, gpu1 20: 20; a failing and a passing limit. */
    assert_close(observed(&r, "gpu_util < 50%"), 20, 1e-12);
    assert_int_equal(verdict_of(&r, "gpu_util < 15%"), LC_RESULT_VERDICT_FAIL);
    assert_int_equal(verdict_of(&r, "gpu_util < 50%"), LC_RESULT_VERDICT_PASS);
    /* Memory: a size, in the unit written; the mean of the busiest GPU. */
    assert_close(observed(&r, "gpu_mem < 8GB"), 3, 1e-12);
    assert_close(observed(&r, "a: gpu_mem < 8GB"), 2, 1e-12);
    assert_close(observed(&r, "b: gpu_mem < 8000MB"), 4096, 1e-12);
    assert_int_equal(verdict_of(&r, "b: gpu_mem < 4GB"), LC_RESULT_VERDICT_FAIL);
    /* The phase filter of stop conditions reads the phase's window. */
    o = eval_ok(&r, "gpu_util < 50%", LC_THRESHOLD_LOAD, "a");
    assert_close(o.terms[0].observed, 20, 1e-12);
    /* The terminal line names the GPU that decided. */
    struct lc_threshold *t = compile("b: gpu_util < 50%", LC_THRESHOLD_LOAD);
    struct lc_error err;
    assert_int_equal(lc_threshold_eval(t, &r, &o, &err), 0);
    char line[256];
    assert_contains(lc_threshold_format(t, &o, line, sizeof(line)), "observed 30% (gpu0)");
    lc_threshold_free(t);
    /* Per request is an error; units are checked when parsing. */
    struct lc_result_phase *ph = r.phases[0];
    request(ph, "query", 10, 0);
    assert_false(eval_fails(&r, "a.query: gpu_util < 50%", LC_THRESHOLD_LOAD, NULL,
                            "measured for the whole system"));
    parse_fails("gpu_util < 50", LC_THRESHOLD_LOAD, "gpu_util is a percentage; write e.g. 50%");
    parse_fails("gpu_mem < 50%", LC_THRESHOLD_LOAD, "gpu_mem is a size; write e.g. 50MB");
    parse_fails("gpu_utl < 50%", LC_THRESHOLD_LOAD, "did you mean 'gpu_util'?");
    parse_fails("gpu_util < 50%", LC_THRESHOLD_BENCH, "is a load metric");
    lc_result_free(&r);
}

/* One GPU, and samples outside the window. */
static void test_gpu_one_device(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    r.duration_ns = 10 * S;
    struct lc_result_resource *u;
    assert_int_equal(lc_result_add_resource(&r, "gpu3.util_percent", "%", &u), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(lc_result_resource_add(u, i, i < 5 ? 40 : 60), 0);
    /* A result without phases (loadcell monitor): every sample. */
    struct lc_threshold_outcome o = eval_ok(&r, "gpu_util < 60%", LC_THRESHOLD_LOAD, NULL);
    assert_close(o.terms[0].observed, 50, 1e-12);
    assert_string_equal(o.terms[0].subject, ""); /* one GPU: nothing to tell apart */
    assert_true(eval_fails(&r, "gpu_mem < 1GB", LC_THRESHOLD_LOAD, NULL, "no GPU series"));
    /* A phase with no GPU sample in its window. */
    phase(&r, "late", 100, 10, true);
    assert_true(eval_fails(&r, "late: gpu_util < 60%", LC_THRESHOLD_LOAD, NULL,
                           "no monitor samples in its time window"));
    lc_result_free(&r);
}

static void test_missing_data(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    struct lc_result_phase *m = phase(&r, "main", 0, 10, true);
    (void)m;
    assert_int_equal(lc_result_compute_totals(&r), 0);
    /* No monitor: an error, not a pass. */
    assert_true(
        eval_fails(&r, "cpu < 60%", LC_THRESHOLD_LOAD, NULL, "no data for 'cpu' (needs monitor:)"));
    assert_true(eval_fails(&r, "mem < 1GB", LC_THRESHOLD_LOAD, NULL, "needs monitor"));
    assert_true(eval_fails(&r, "p(99) < 1s", LC_THRESHOLD_LOAD, NULL, "no latency samples"));
    assert_true(eval_fails(&r, "main: ttfb_p(99) < 1s", LC_THRESHOLD_LOAD, NULL,
                           "no data for 'ttfb_p(99)' in 'main'"));
    assert_true(eval_fails(&r, "error_rate < 1%", LC_THRESHOLD_LOAD, NULL, "no requests"));
    assert_true(eval_fails(&r, "user < 1s", LC_THRESHOLD_ANY, NULL, "no bench commands"));
    /* Counts of nothing are zero, which is data. */
    assert_close(observed(&r, "requests < 1"), 0, 0);
    assert_close(observed(&r, "rps < 1"), 0, 0);
    /* One rss sample cannot give a growth. */
    struct lc_result_resource *rss;
    assert_int_equal(lc_result_add_resource(&r, "sut.rss_bytes", "bytes", &rss), 0);
    assert_int_equal(lc_result_resource_add(rss, 5, 1e6), 0);
    assert_true(eval_fails(&r, "mem_growth < 1MB/h", LC_THRESHOLD_LOAD, NULL, "2 or more"));
    assert_close(observed(&r, "mem < 1MB"), 1e6 / MB, 1e-12);
    /* A sample outside the window is not in it. */
    assert_int_equal(lc_result_resource_add(rss, 50, 2e6), 0);
    assert_close(observed(&r, "main: mem_peak < 1MB"), 1e6 / MB, 1e-12);
    lc_result_free(&r);
}

static void test_service_fallback(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    struct lc_result_phase *a = phase(&r, "a", 0, 10, true);
    record_n(&a->stats, LC_HIST_SERVICE, 7 * MS, 10);
    struct lc_result_phase *b = phase(&r, "b", 10, 10, true);
    assert_int_equal(lc_result_stats_enable_hist(&b->stats, LC_HIST_LATENCY), 0); /* empty */
    record_n(&b->stats, LC_HIST_SERVICE, 9 * MS, 10);
    struct lc_result_phase *c = phase(&r, "c", 20, 10, true);
    record_n(&c->stats, LC_HIST_SERVICE, 9 * MS, 10);
    record_n(&c->stats, LC_HIST_LATENCY, 30 * MS, 10);
    assert_close(observed(&r, "a: p(50) < 1s"), 0.007, 0.002);
    assert_close(observed(&r, "b: p(50) < 1s"), 0.009, 0.002);
    assert_close(observed(&r, "c: p(50) < 1s"), 0.030, 0.002);
    lc_result_free(&r);
}

/* ---- Verdicts -------------------------------------------------------------------------- */

static void test_verdict_boundaries(void **state)
{
    const struct lc_result *r = *state; /* steady: 1000 requests, 5 errors */
    assert_int_equal(verdict_of(r, "steady: requests < 1000"), LC_RESULT_VERDICT_FAIL);
    assert_int_equal(verdict_of(r, "steady: requests <= 1000"), LC_RESULT_VERDICT_WARN);
    assert_int_equal(verdict_of(r, "steady: requests >= 1000"), LC_RESULT_VERDICT_WARN);
    assert_int_equal(verdict_of(r, "steady: requests > 1000"), LC_RESULT_VERDICT_FAIL);
    assert_int_equal(verdict_of(r, "steady: requests < 1100"), LC_RESULT_VERDICT_WARN);
    assert_int_equal(verdict_of(r, "steady: requests < 1112"), LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "steady: requests > 910"), LC_RESULT_VERDICT_WARN);
    assert_int_equal(verdict_of(r, "steady: requests > 900"), LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "steady: requests > 2000"), LC_RESULT_VERDICT_FAIL);
    /* A zero limit has no warning margin. */
    assert_int_equal(verdict_of(r, "steady.health: errors <= 0"), LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "steady.query: errors <= 0"), LC_RESULT_VERDICT_FAIL);
    /* Durations: steady max ~100 ms. */
    assert_int_equal(verdict_of(r, "steady: max < 300ms"), LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "steady: max < 105ms"), LC_RESULT_VERDICT_WARN);
    assert_int_equal(verdict_of(r, "steady: max < 90ms"), LC_RESULT_VERDICT_FAIL);
}

static void test_bool_logic(void **state)
{
    const struct lc_result *r = *state;
    const char *T = "steady: requests > 0", *F = "steady: requests < 0";
    char buf[512];
    /* && binds tighter than ||: T || F && F is T || (F && F). */
    snprintf(buf, sizeof(buf), "%s || %s && %s", T, F, F);
    assert_true(eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL).holds);
    snprintf(buf, sizeof(buf), "(%s || %s) && %s", T, F, F);
    assert_false(eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL).holds);
    snprintf(buf, sizeof(buf), "%s && %s || %s", F, F, T);
    assert_true(eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL).holds);
    snprintf(buf, sizeof(buf), "%s && (%s || %s)", F, F, T);
    assert_false(eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL).holds);
    snprintf(buf, sizeof(buf), "((%s))", T);
    struct lc_threshold_outcome o = eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL);
    assert_true(o.holds);
    assert_int_equal(o.n_terms, 1);
    snprintf(buf, sizeof(buf), "%s&&%s||%s", T, T, F); /* no blanks needed */
    o = eval_ok(r, buf, LC_THRESHOLD_LOAD, NULL);
    assert_true(o.holds);
    assert_int_equal(o.n_terms, 3);
    assert_false(o.terms[2].holds);
    /* Verdicts: && takes the worst, || the best of the true. */
    o = eval_ok(r, "steady: requests <= 1000 && steady: requests > 0", LC_THRESHOLD_LOAD, NULL);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_WARN);
    o = eval_ok(r, "steady: requests <= 1000 || steady: requests > 0", LC_THRESHOLD_LOAD, NULL);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_PASS);
    o = eval_ok(r, "steady: requests <= 1000 || steady: requests < 0", LC_THRESHOLD_LOAD, NULL);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_WARN);
    o = eval_ok(r, "steady: requests < 0 || steady: requests < 0", LC_THRESHOLD_LOAD, NULL);
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_FAIL);
}

static void test_bool_missing_data(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    struct lc_result_phase *m = phase(&r, "main", 0, 10, true);
    m->stats.requests = 10;
    assert_int_equal(lc_result_compute_totals(&r), 0);
    /* A term without data does not matter when the others decide. */
    assert_true(eval_ok(&r, "cpu > 50% || requests > 5", LC_THRESHOLD_LOAD, NULL).holds);
    assert_false(eval_ok(&r, "cpu > 50% && requests > 50", LC_THRESHOLD_LOAD, NULL).holds);
    /* ...and is an error when it does. */
    assert_true(
        eval_fails(&r, "cpu > 50% && requests > 5", LC_THRESHOLD_LOAD, NULL, "no data for 'cpu'"));
    assert_true(
        eval_fails(&r, "cpu > 50% || requests > 50", LC_THRESHOLD_LOAD, NULL, "no data for 'cpu'"));
    /* A wrong scope is always an error, even where the rest decides. */
    assert_false(eval_fails(&r, "mian: requests > 0 || requests > 5", LC_THRESHOLD_LOAD, NULL,
                            "did you mean 'main'"));
    lc_result_free(&r);
}

/* ---- Parse errors ------------------------------------------------------------------------ */

static void test_parse_errors(void **state)
{
    (void)state;
    const enum lc_threshold_mode L = LC_THRESHOLD_LOAD;
    parse_fails("", L, "empty threshold");
    parse_fails("  \t ", L, "empty threshold");
    assert_int_equal(parse_fails("p(99) 300ms", L, "col 7: expected an operator < <= > >="), 7);
    assert_int_equal(parse_fails("p99 < 300ms", L, "unknown metric 'p99' (did you mean 'p(99)'?)"),
                     1);
    parse_fails("p99.9 < 1s", L, "did you mean 'p(99.9)'");
    parse_fails("ttfb_p95 < 1s", L, "did you mean 'ttfb_p(95)'");
    parse_fails("eror_rate < 1%", L, "did you mean 'error_rate'");
    parse_fails("P(99) < 1s", L, "did you mean 'p(99)'");
    parse_fails("latency < 1s", L, "unknown metric 'latency': expected p(N), avg");
    assert_int_equal(parse_fails("p(99) < 5%", L,
                                 "'p(99) < 5%': col 10: p(99) is a duration; "
                                 "write e.g. 5ms or 5s"),
                     10);
    parse_fails("p(99) < 5", L, "p(99) is a duration; write e.g. 5ms or 5s");
    parse_fails("error_rate < 0.01", L, "error_rate is a percentage; write e.g. 0.01%");
    parse_fails("cpu < 60", L, "cpu is a percentage");
    parse_fails("requests < 5s", L, "requests is a count; write e.g. 5");
    parse_fails("mem < 5", L, "mem is a size; write e.g. 5MB");
    parse_fails("mem_growth < 5MB", L, "mem_growth is a growth rate; write e.g. 5MB/h");
    parse_fails("rps > 5ms", L, "rps is a rate");
    parse_fails("p(99) < 300ms garbage", L, "col 15: unexpected 'garbage'");
    parse_fails("p(99) < 300xs", L, "unknown unit 'xs': p(99) takes us, ms, s, m or h");
    parse_fails("p(99) < 300MS", L, "unknown unit 'MS' (did you mean 'ms'?)");
    parse_fails("mem < 3mb", L, "did you mean 'MB'");
    parse_fails("p(101) < 1s", L, "percentile 101 is above 100");
    parse_fails("p() < 1s", L, "expected a percentile");
    parse_fails("p(99 < 1s", L, "expected ')' after the percentile");
    parse_fails("p < 1s", L, "expected '(' and a percentile");
    parse_fails("p(99) < 1s &&", L, "col 14: expected a metric");
    parse_fails("p(99) < 1s || ", L, "expected a metric");
    parse_fails("(p(99) < 1s", L, "expected ')' to close the '(' at col 1");
    parse_fails("p(99) < 1s)", L, "unmatched ')'");
    parse_fails("p(99) < 1s & rps > 1", L, "expected '&&'");
    parse_fails("p(99) < 1s | rps > 1", L, "expected '||'");
    parse_fails("p(99) < 1s and rps > 1", L, "write '&&' instead of 'and'");
    parse_fails("p(99) < 1s or rps > 1", L, "write '||' instead of 'or'");
    parse_fails("p(99) = 1s", L, "not an equality");
    parse_fails("p(99) == 1s", L, "not an equality");
    parse_fails("p(99) < ", L, "expected a number after '<'");
    parse_fails("p(99) < 1.2.3s", L, "expected a number");
    parse_fails("p(99) < -1s", L, "cannot be negative");
    parse_fails(": p(99) < 1s", L, "expected a scope name before ':'");
    parse_fails("steady: < 1s", L, "col 9: expected a metric");
    parse_fails("user < 1s", L, "'user' is a bench metric");
    parse_fails("rps > 1", LC_THRESHOLD_BENCH, "'rps' is a load metric");
    parse_fails("p9 < 1s", LC_THRESHOLD_ANY, "did you mean 'p(9)'");
    parse_fails("meen < 1s", LC_THRESHOLD_ANY, "did you mean 'mean'");
    struct lc_threshold *t = (struct lc_threshold *)1;
    assert_int_equal(lc_threshold_parse(NULL, L, &t, NULL), LC_EINVAL);
    assert_null(t);

    /* Caps: terms, nesting, length. */
    char buf[LC_THRESHOLD_MAX_LEN + 64];
    size_t k = 0;
    for (int i = 0; i <= LC_THRESHOLD_MAX_TERMS; i++)
        k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%srps > 1", i ? " && " : "");
    parse_fails(buf, L, "too many comparisons");
    k = 0;
    for (int i = 0; i < LC_THRESHOLD_MAX_TERMS; i++)
        k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%srps > 1", i ? " || " : "");
    lc_threshold_free(compile(buf, L)); /* exactly the cap is fine */
    k = 0;
    for (int i = 0; i <= LC_THRESHOLD_MAX_DEPTH; i++)
        buf[k++] = '(';
    buf[k] = '\0';
    parse_fails(buf, L, "nested too deep");
    memset(buf, ' ', LC_THRESHOLD_MAX_LEN + 1);
    memcpy(buf, "rps > 1", 7);
    buf[LC_THRESHOLD_MAX_LEN + 1] = '\0';
    parse_fails(buf, L, "too long");
}

static void test_parse_accepts(void **state)
{
    (void)state;
    const char *ok[] = {"p(99) < 300ms",
                        "p(99.9)<=2s",
                        "p( 99.9 ) < 2s",
                        "steady.query: p(99) < 3s",
                        "avg < .5s",
                        "rps >= 100/s",
                        "rps > 6000/m",
                        "error_rate < 1%",
                        "mem_growth < 1MB/h",
                        "mem_growth < -1KB/h",
                        "mem_peak < 2GB",
                        "p(99) < 5 ms",
                        "p(99) > 2s || error_rate > 5%",
                        "(p(99) > 2s || error_rate > 5%) && rps > 10",
                        "cluster-pipeline: p(50) < 1s"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct lc_threshold *t = compile(ok[i], LC_THRESHOLD_LOAD);
        assert_string_equal(lc_threshold_text(t), ok[i]);
        assert_false(lc_threshold_abort(t));
        lc_threshold_set_abort(t, true);
        assert_true(lc_threshold_abort(t));
        lc_threshold_free(t);
    }
    /* Bench mode: any other name is a custom metric, with any unit. */
    struct lc_threshold *t = compile("throughput > 100items/s", LC_THRESHOLD_BENCH);
    assert_int_equal(lc_threshold_n_terms(t), 1);
    lc_threshold_free(t);
    t = compile("(rps > 1 && rps > 2) || rps > 3", LC_THRESHOLD_LOAD);
    assert_int_equal(lc_threshold_n_terms(t), 3);
    lc_threshold_free(t);
}

/* ---- Bench results ----------------------------------------------------------------------------
 */

static void add_runs(struct lc_result_bench_command *c, const double *wall_s, size_t n,
                     double rss_mb, const char *metric, const double *mvals, const char *munit)
{
    for (size_t i = 0; i < n; i++) {
        struct lc_result_bench_run run = {0}, *stored;
        run.wall_ns = (uint64_t)(wall_s[i] * 1e9);
        run.user_ns = run.wall_ns / 2;
        run.sys_ns = run.wall_ns / 10;
        run.max_rss_bytes = (uint64_t)((rss_mb + (double)i) * MB);
        run.artifact_bytes = -1;
        assert_int_equal(lc_result_command_add_run(c, &run, &stored), 0);
        if (metric)
            assert_int_equal(lc_result_run_add_metric(stored, metric, mvals[i], munit), 0);
    }
}

static int setup_bench(void **state)
{
    struct lc_result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    lc_result_init(r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(r, "sort", "./sort 100", &c), 0);
    assert_int_equal(lc_result_command_set_param(c, "n", "100"), 0);
    const double w1[] = {1, 2, 3}, m1[] = {100, 200, 300};
    add_runs(c, w1, 3, 10, "throughput", m1, "items/s");
    assert_int_equal(lc_result_add_command(r, "sort", "./sort 1000", &c), 0);
    assert_int_equal(lc_result_command_set_param(c, "n", "1000"), 0);
    const double w2[] = {10, 11, 12}, m2[] = {50, 50, 50};
    add_runs(c, w2, 3, 40, "throughput", m2, "items/s");
    assert_int_equal(lc_result_add_command(r, "hash", "./hash", &c), 0);
    const double w3[] = {0.1}, m3[] = {6};
    add_runs(c, w3, 1, 5, "lat", m3, "ms");
    *state = r;
    return 0;
}

static void test_bench_metrics(void **state)
{
    const struct lc_result *r = *state;
    assert_close(observed(r, "hash: mean < 1s"), 0.1, 1e-12);
    assert_close(observed(r, "hash: mean < 1ms"), 100, 1e-12);
    assert_close(observed(r, "hash: median < 1s"), 0.1, 1e-12);
    assert_close(observed(r, "hash: p(90) < 1s"), 0.1, 1e-12);
    assert_close(observed(r, "hash: user < 1s"), 0.05, 1e-12);
    assert_close(observed(r, "hash: sys < 1s"), 0.01, 1e-12);
    assert_close(observed(r, "hash: mem_peak < 1MB"), 5, 1e-12);
    /* A scan: every point of the command must hold; the worst decides and is named. */
    struct lc_threshold_outcome o = eval_ok(r, "sort: mean < 20s", LC_THRESHOLD_BENCH, NULL);
    assert_close(o.terms[0].observed, 11, 1e-12);
    assert_string_equal(o.terms[0].subject, "sort n=1000");
    o = eval_ok(r, "sort: mean > 1s", LC_THRESHOLD_BENCH, NULL);
    assert_close(o.terms[0].observed, 2, 1e-12);
    assert_string_equal(o.terms[0].subject, "sort n=100");
    assert_close(observed(r, "sort: min < 20s"), 10, 1e-12);
    assert_close(observed(r, "sort: max < 20s"), 12, 1e-12);
    assert_close(observed(r, "sort: stdev < 20s"), 1, 1e-12);
    assert_close(observed(r, "sort: p(50) < 20s"), 11, 1e-12);
    assert_close(observed(r, "sort: mem_peak < 1MB"), 42, 1e-12);
    /* No scope: every command. */
    assert_close(observed(r, "mean < 20s"), 11, 1e-12);
    assert_close(observed(r, "min > 1ms"), 100, 1e-12);
    /* Custom metrics: the mean over runs, in the recorded unit or converted. */
    o = eval_ok(r, "sort: throughput > 10", LC_THRESHOLD_BENCH, NULL);
    assert_close(o.terms[0].observed, 50, 1e-12);
    assert_string_equal(o.terms[0].unit, "items/s");
    assert_int_equal(o.verdict, LC_RESULT_VERDICT_PASS);
    assert_int_equal(verdict_of(r, "sort: throughput > 100items/s"), LC_RESULT_VERDICT_FAIL);
    assert_close(observed(r, "hash: lat < 10ms"), 6, 1e-12);
    assert_close(observed(r, "hash: lat < 1s"), 0.006, 1e-12);
    assert_close(observed(r, "hash: lat < 1"), 6, 1e-12);
    /* Errors. */
    assert_false(eval_fails(r, "hash: lat < 1%", LC_THRESHOLD_BENCH, NULL,
                            "recorded in 'ms'; write the limit in that unit"));
    assert_true(eval_fails(r, "hash: stdev < 1s", LC_THRESHOLD_BENCH, NULL, "at least 2 runs"));
    assert_true(eval_fails(r, "hash: nosuch > 1", LC_THRESHOLD_BENCH, NULL,
                           "no run of command 'hash' recorded it"));
    assert_true(eval_fails(r, "lat < 10ms", LC_THRESHOLD_BENCH, NULL, "command 'sort'"));
    assert_false(eval_fails(r, "sort: rps > 1", LC_THRESHOLD_ANY, NULL, "'rps' is a load metric"));
    assert_false(
        eval_fails(r, "sortt: mean < 1s", LC_THRESHOLD_BENCH, NULL, "did you mean 'sort'"));
    /* Format names the command that decided. */
    struct lc_threshold *t = compile("mean < 11.5s", LC_THRESHOLD_BENCH);
    assert_int_equal(lc_threshold_eval(t, r, &o, NULL), 0);
    char line[256];
    lc_threshold_format(t, &o, line, sizeof(line));
    assert_contains(line, "WARN  mean < 11.5s");
    assert_contains(line, "observed 11s (sort n=1000) (within 10% of the limit)");
    lc_threshold_free(t);
}

/* ---- Recording, lists and lines ------------------------------------------------------------ */

static void test_format(void **state)
{
    const struct lc_result *r = *state;
    char line[256];
    struct lc_threshold_outcome o;
    struct lc_threshold *t = compile("steady: max < 300ms", LC_THRESHOLD_LOAD);
    assert_int_equal(lc_threshold_eval(t, r, &o, NULL), 0);
    lc_threshold_format(t, &o, line, sizeof(line));
    assert_true(strncmp(line, "PASS  steady: max < 300ms", 25) == 0);
    assert_contains(line, "observed 100ms");
    lc_threshold_free(t);

    t = compile("cpu < 60%", LC_THRESHOLD_LOAD);
    struct lc_result empty;
    lc_result_init(&empty, LC_RESULT_KIND_HTTP);
    assert_int_equal(lc_threshold_eval(t, &empty, &o, NULL), LC_EINVAL);
    lc_threshold_format(t, &o, line, sizeof(line));
    assert_true(strncmp(line, "FAIL  cpu < 60%", 15) == 0);
    assert_contains(line, "no data for 'cpu' (needs monitor:)");
    char tiny[8];
    assert_ptr_equal(lc_threshold_format(t, &o, tiny, sizeof(tiny)), tiny);
    assert_int_equal(strlen(tiny), 7);
    lc_threshold_explain(&o, line, sizeof(line));
    assert_string_equal(line, "");
    lc_threshold_free(t);
    lc_result_free(&empty);

    t = compile("peak: p(99) < 2s && error_rate < 5%", LC_THRESHOLD_LOAD);
    assert_int_equal(lc_threshold_eval(t, r, &o, NULL), 0);
    assert_false(o.holds);
    lc_threshold_format(t, &o, line, sizeof(line));
    assert_contains(line, "FAIL  peak: p(99) < 2s && error_rate < 5%");
    assert_contains(line, "peak: p(99) = 2.3");
    assert_contains(line, "error_rate = 4.06%");
    lc_threshold_explain(&o, line, sizeof(line));
    assert_contains(line, "peak: p(99) = 2.3");
    assert_contains(line, "s, not < 2s");
    lc_threshold_free(t);
}

static void test_list_and_record(void **state)
{
    struct lc_result *r = *state;
    size_t before = r->n_thresholds;
    struct lc_threshold_list l;
    struct lc_error err;
    lc_threshold_list_init(&l);
    assert_int_equal(
        lc_threshold_list_add(&l, "steady: p(99) < 300ms", LC_THRESHOLD_LOAD, false, &err), 0);
    assert_int_equal(lc_threshold_list_add(&l, "error_rate < 1%", LC_THRESHOLD_LOAD, true, &err),
                     0);
    assert_int_equal(lc_threshold_list_add(&l, "p(99) < 300mz", LC_THRESHOLD_LOAD, false, &err),
                     LC_EINVAL);
    assert_contains(err.msg, "unknown unit 'mz'");
    assert_int_equal(l.n, 2);
    struct lc_threshold_outcome outs[4];
    /* The first passes; the second fails (4.06% errors): any failed -> 1. */
    assert_int_equal(lc_threshold_list_eval(&l, r, outs, &err), 1);
    assert_int_equal(r->n_thresholds, before + 2);
    const struct lc_result_threshold *a = &r->thresholds[before];
    assert_string_equal(a->expr, "steady: p(99) < 300ms");
    assert_string_equal(a->scope, "steady");
    assert_string_equal(a->metric, "p(99)");
    assert_string_equal(a->op, "<");
    assert_close(a->limit, 300, 0);
    assert_close(a->observed, outs[0].terms[0].observed, 0);
    assert_close(a->observed, 99, 0.002);
    assert_string_equal(a->unit, "ms");
    assert_int_equal(a->verdict, LC_RESULT_VERDICT_PASS);
    assert_false(a->abort);
    const struct lc_result_threshold *b = &r->thresholds[before + 1];
    assert_null(b->scope);
    assert_string_equal(b->metric, "error_rate");
    assert_string_equal(b->unit, "%");
    assert_close(b->observed, 65 * 100.0 / 1600, 1e-12);
    assert_int_equal(b->verdict, LC_RESULT_VERDICT_FAIL);
    assert_true(b->abort);
    lc_threshold_list_free(&l);

    /* All pass (warn included) -> 0; undecided and combinations are recorded too. */
    lc_threshold_list_init(&l);
    assert_int_equal(
        lc_threshold_list_add(&l, "steady: requests <= 1000", LC_THRESHOLD_LOAD, false, &err), 0);
    assert_int_equal(
        lc_threshold_list_add(&l, "rps > 1 || p(99) < 1s", LC_THRESHOLD_LOAD, false, &err), 0);
    assert_int_equal(lc_threshold_list_eval(&l, r, NULL, &err), 0);
    assert_int_equal(r->n_thresholds, before + 4);
    assert_int_equal(r->thresholds[before + 2].verdict, LC_RESULT_VERDICT_WARN);
    assert_null(r->thresholds[before + 2].unit);
    const struct lc_result_threshold *c = &r->thresholds[before + 3];
    assert_string_equal(c->expr, "rps > 1 || p(99) < 1s");
    assert_null(c->metric);
    assert_null(c->op);
    assert_true(isnan(c->limit) && isnan(c->observed));
    assert_int_equal(c->verdict, LC_RESULT_VERDICT_PASS);
    lc_threshold_list_free(&l);

    lc_threshold_list_init(&l);
    assert_int_equal(lc_threshold_list_add(&l, "nosuch: rps > 1", LC_THRESHOLD_LOAD, false, &err),
                     0);
    assert_int_equal(lc_threshold_list_eval(&l, r, outs, &err), 1);
    assert_false(outs[0].ok);
    const struct lc_result_threshold *d = &r->thresholds[before + 4];
    assert_int_equal(d->verdict, LC_RESULT_VERDICT_FAIL);
    assert_true(isnan(d->observed));
    assert_close(d->limit, 1, 0);
    assert_string_equal(d->unit, "/s");
    lc_threshold_list_free(&l);
    lc_threshold_list_free(&l);                                     /* freeing twice is harmless */
    assert_int_equal(lc_threshold_list_eval(&l, r, NULL, &err), 0); /* empty list */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_latency_metrics, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_units_convert, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_counts_and_rates, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_scopes, setup_load, teardown_result),
        cmocka_unit_test(test_phase_preferred_over_request),
        cmocka_unit_test_setup_teardown(test_phase_filter, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_resources, setup_load, teardown_result),
        cmocka_unit_test(test_gen_cpu_series),
        cmocka_unit_test(test_monitor_mode),
        cmocka_unit_test(test_gpu_metrics),
        cmocka_unit_test(test_gpu_one_device),
        cmocka_unit_test(test_missing_data),
        cmocka_unit_test(test_service_fallback),
        cmocka_unit_test_setup_teardown(test_verdict_boundaries, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_bool_logic, setup_load, teardown_result),
        cmocka_unit_test(test_bool_missing_data),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test_setup_teardown(test_bench_metrics, setup_bench, teardown_result),
        cmocka_unit_test_setup_teardown(test_format, setup_load, teardown_result),
        cmocka_unit_test_setup_teardown(test_list_and_record, setup_load, teardown_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
