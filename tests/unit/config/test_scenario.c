/* Unit tests for config/scenario: loading, levels, --set, --only, errors with positions, examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/scenario.h"

#define S  1000000000ULL
#define MS 1000000ULL

/* The example of SCENARIOS.md (monitor with a pid only: pid and command exclude each other). */
static const char *const full_example =
    "version: 1\n"
    "name: query-api\n"
    "target: http://127.0.0.1:8000          # base URL for every request path\n"
    "defaults:\n"
    "  headers: {Content-Type: application/json}\n"
    "  timeout: 10s\n"
    "  think: 1s..5s\n"
    "requests:\n"
    "  - name: query\n"
    "    weight: 4\n"
    "    method: POST\n"
    "    path: /query\n"
    "    body: '{\"question\": \"recent labs?\"}'\n"
    "    headers: {X-Trace: \"1\"}\n"
    "    expect: {status: 200}\n"
    "  - name: health\n"
    "    weight: 1\n"
    "    path: /health\n"
    "    expect: {status: [200, 204], body_contains: \"ok\"}\n"
    "scenarios:\n"
    "  warmup:   {users: 2, duration: 30s, record: false}\n"
    "  steady:   {users: 5, duration: 10m}\n"
    "  peak:\n"
    "    stages:\n"
    "      - {users: 50, over: 1m}\n"
    "      - {users: 50, for: 5m}\n"
    "  spike:\n"
    "    stages:\n"
    "      - {users: 5, for: 1m}\n"
    "      - {users: 100, over: 10s}\n"
    "      - {users: 100, for: 1m}\n"
    "      - {users: 5, over: 10s}\n"
    "  open:     {rate: 200/s, duration: 2m, max_connections: 500}\n"
    "  breakpoint:\n"
    "    rate: 10/s..5000/s\n"
    "    over: 10m\n"
    "    stop_when: \"p(99) > 2s || error_rate > 5%\"\n"
    "thresholds:\n"
    "  - \"p(95) < 5s\"\n"
    "  - \"query: p(99) < 5s\"\n"
    "  - \"steady.query: p(99) < 3s\"\n"
    "  - \"error_rate < 1%\"\n"
    "  - \"steady: cpu < 60%\"\n"
    "  - \"steady: mem_growth < 1MB/h\"\n"
    "  - {expr: \"peak: p(99) < 7s\", abort: true}\n"
    "monitor:\n"
    "  pid: 1234\n"
    "  ready: http://127.0.0.1:8000/health\n"
    "  interval: 1s\n"
    "  gpu: auto\n"
    "benchmarks:\n"
    "  - name: cluster-pipeline\n"
    "    command: \"./pipeline --items {n}\"\n"
    "    scan: {n: [100, 1000, 10000]}\n"
    "    runs: 5\n"
    "    warmup: 1\n"
    "    prepare: \"rm -rf out\"\n"
    "    artifact: out/checkpoint.parquet\n"
    "  - name: sizes\n"
    "    command: \"./gen {n}\"\n"
    "    scan: {n: \"100..10000:x10\"}\n"
    "output:\n"
    "  json: results/{name}-{timestamp}.json\n"
    "  html: reports/{name}.html\n"
    "  csv: results/{name}\n"
    "  markdown: results/{name}.md\n";

/* A small valid file the error tests start from. */
static const char *const small = "version: 1\n"                          /* 1 */
                                 "target: http://127.0.0.1:8080\n"       /* 2 */
                                 "requests:\n"                           /* 3 */
                                 "  - {name: home, path: /}\n"           /* 4 */
                                 "scenarios:\n"                          /* 5 */
                                 "  steady: {users: 5, duration: 1m}\n"; /* 6 */

static int load_opt(const char *text, const struct lc_scenario_options *opt, struct lc_scenario **s,
                    struct lc_error *err)
{
    lc_error_clear(err);
    return lc_scenario_load_string(text, strlen(text), "plan.yaml", NULL, opt, s, err);
}

static int load(const char *text, struct lc_scenario **s, struct lc_error *err)
{
    return load_opt(text, NULL, s, err);
}

/* Loading must fail with LC_ECONFIG at line:col (0: not checked) with `needle` in the message. */
static void expect_error_opt(const char *text, const struct lc_scenario_options *opt, unsigned line,
                             unsigned col, const char *needle)
{
    struct lc_scenario *s = (struct lc_scenario *)1;
    struct lc_error err;
    int rc = load_opt(text, opt, &s, &err);
    char buf[1024];
    lc_error_format(&err, buf, sizeof(buf));
    if (rc != LC_ECONFIG || !strstr(err.msg, needle) || (line && err.line != line) ||
        (col && err.col != col))
        print_error("want %u:%u '%s', got rc %d: %s\n", line, col, needle, rc, buf);
    assert_int_equal(rc, LC_ECONFIG);
    assert_null(s);
    assert_non_null(strstr(err.msg, needle));
#ifndef LENIENT
    if (line)
        assert_int_equal(err.line, line);
    if (col)
        assert_int_equal(err.col, col);
#endif
}

static void expect_error(const char *text, unsigned line, unsigned col, const char *needle)
{
    expect_error_opt(text, NULL, line, col, needle);
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static const struct lc_scenario_phase *phase(const struct lc_scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_phases; i++)
        if (strcmp(s->phases[i].name, name) == 0)
            return &s->phases[i];
    fail_msg("no phase %s", name);
    return NULL;
}

static void test_full_example(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    int rc = load(full_example, &s, &err);
    if (rc)
        print_error("%s:%u:%u %s\n", err.file, err.line, err.col, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(s->version, 1);
    assert_string_equal(s->name, "query-api");
    assert_string_equal(s->target, "http://127.0.0.1:8000");
    assert_string_equal(s->file, "plan.yaml");
    assert_null(s->dir);
    assert_int_equal(s->timeout_ns, 10 * S);
    assert_int_equal(s->think_min_ns, 1 * S);
    assert_int_equal(s->think_max_ns, 5 * S);
    assert_int_equal(s->n_default_headers, 1);

    assert_int_equal(s->n_requests, 2);
    const struct lc_scenario_request *q = &s->requests[0], *h = &s->requests[1];
    assert_string_equal(q->name, "query");
    assert_true(near(q->weight, 4));
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/query");
    assert_string_equal(q->target, "/query");
    assert_string_equal(q->body, "{\"question\": \"recent labs?\"}");
    assert_int_equal(q->body_len, strlen(q->body));
    assert_null(q->body_file);
    assert_int_equal(q->n_headers, 2);
    assert_string_equal(q->headers[0].name, "Content-Type");
    assert_string_equal(q->headers[0].value, "application/json");
    assert_string_equal(q->headers[1].name, "X-Trace");
    assert_string_equal(q->headers[1].value, "1");
    assert_int_equal(q->n_expect_status, 1);
    assert_int_equal(q->expect_status[0], 200);
    assert_null(q->expect_body_contains);
    assert_int_equal(q->loc.line, 9);
    assert_string_equal(h->method, "GET");
    assert_null(h->body);
    assert_int_equal(h->n_expect_status, 2);
    assert_int_equal(h->expect_status[1], 204);
    assert_string_equal(h->expect_body_contains, "ok");

    /* Scenarios in the order written. */
    static const char *const order[] = {"warmup", "steady", "peak", "spike", "open", "breakpoint"};
    size_t n;
    const struct lc_scenario_phase *ph = lc_scenario_phases(s, &n);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(ph[i].name, order[i]);
    assert_false(ph[0].record);
    assert_true(ph[1].record);
    assert_int_equal(ph[0].model, LC_SCENARIO_CLOSED);
    assert_int_equal(ph[0].n_stages, 1);
    assert_int_equal(ph[0].stages[0].kind, LC_SCENARIO_HOLD);
    assert_int_equal(ph[0].duration_ns, 30 * S);
    assert_int_equal(ph[0].connections, 2);
    assert_int_equal(ph[0].think_min_ns, 1 * S);
    assert_int_equal(ph[0].timeout_ns, 10 * S);
    assert_int_equal(ph[1].start_offset_ns, 30 * S);
    assert_int_equal(ph[2].start_offset_ns, 630 * S);
    assert_int_equal(ph[0].loc.line, 21);
    assert_int_equal(ph[0].loc.col, 3);

    const struct lc_scenario_phase *peak = &ph[2];
    assert_int_equal(peak->n_stages, 2);
    assert_int_equal(peak->stages[0].kind, LC_SCENARIO_RAMP);
    assert_true(near(peak->stages[0].from, 0));
    assert_true(near(peak->stages[0].target, 50));
    assert_int_equal(peak->stages[0].duration_ns, 60 * S);
    assert_int_equal(peak->stages[1].kind, LC_SCENARIO_HOLD);
    assert_int_equal(peak->duration_ns, 360 * S);
    assert_true(near(peak->peak, 50));
    assert_int_equal(peak->connections, 50);
    assert_int_equal(peak->stages[1].loc.line, 26);

    const struct lc_scenario_phase *open = &ph[4];
    assert_int_equal(open->model, LC_SCENARIO_OPEN);
    assert_true(near(open->peak, 200));
    assert_int_equal(open->connections, 500);
    assert_int_equal(open->think_min_ns, 0);
    assert_int_equal(open->think_max_ns, 0);
    assert_null(open->stop_when.text);

    const struct lc_scenario_phase *bp = &ph[5];
    assert_int_equal(bp->model, LC_SCENARIO_OPEN);
    assert_int_equal(bp->n_stages, 1);
    assert_int_equal(bp->stages[0].kind, LC_SCENARIO_RAMP);
    assert_true(near(bp->stages[0].from, 10));
    assert_true(near(bp->stages[0].target, 5000));
    assert_int_equal(bp->duration_ns, 600 * S);
    assert_int_equal(bp->connections, LC_SCENARIO_DEFAULT_OPEN_CONNECTIONS);
    assert_string_equal(bp->stop_when.text, "p(99) > 2s || error_rate > 5%");
    assert_int_equal(bp->stop_when.loc.line, 37);
    assert_int_equal(bp->stop_when.loc.col, 16);

    assert_int_equal(lc_scenario_duration_ns(s), (30 + 600 + 360 + 140 + 120 + 600) * S);

    assert_int_equal(s->n_thresholds, 7);
    assert_string_equal(s->thresholds[0].text, "p(95) < 5s");
    assert_false(s->thresholds[0].abort);
    assert_int_equal(s->thresholds[0].loc.line, 39);
    assert_int_equal(s->thresholds[0].loc.col, 5);
    assert_string_equal(s->thresholds[6].text, "peak: p(99) < 7s");
    assert_true(s->thresholds[6].abort);
    assert_int_equal(s->thresholds[6].abort_after_ns, LC_SCENARIO_DEFAULT_ABORT_AFTER_NS);
    assert_false(s->thresholds[6].skipped);

    assert_true(s->monitor.present);
    assert_int_equal(s->monitor.pid, 1234);
    assert_null(s->monitor.command);
    assert_string_equal(s->monitor.ready, "http://127.0.0.1:8000/health");
    assert_int_equal(s->monitor.interval_ns, 1 * S);
    assert_int_equal(s->monitor.ready_timeout_ns, LC_SCENARIO_DEFAULT_READY_TIMEOUT_NS);
    assert_int_equal(s->monitor.gpu, LC_SCENARIO_GPU_AUTO);

    assert_int_equal(s->n_benchmarks, 2);
    const struct lc_scenario_benchmark *b = &s->benchmarks[0];
    assert_string_equal(b->name, "cluster-pipeline");
    assert_string_equal(b->command, "./pipeline --items {n}");
    assert_int_equal(b->n_scans, 1);
    assert_string_equal(b->scans[0].name, "n");
    assert_int_equal(b->scans[0].n_values, 3);
    assert_string_equal(b->scans[0].values[2], "10000");
    assert_null(b->scans[0].spec);
    assert_int_equal(b->runs, 5);
    assert_int_equal(b->warmup, 1);
    assert_string_equal(b->prepare, "rm -rf out");
    assert_string_equal(b->artifact, "out/checkpoint.parquet");
    assert_string_equal(s->benchmarks[1].scans[0].spec, "100..10000:x10");
    assert_null(s->benchmarks[1].scans[0].values);
    assert_int_equal(s->benchmarks[1].runs, 0);

    assert_string_equal(s->output.json, "results/{name}-{timestamp}.json");
    assert_string_equal(s->output.markdown, "results/{name}.md");
    assert_int_equal(s->n_skipped, 0);
    lc_scenario_free(s);
}

static void test_levels(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    assert_int_equal(load(full_example, &s, &err), 0);
    const struct lc_scenario_phase *peak = phase(s, "peak");
    /* A ramp from 0 to 50 over a minute, then a hold. */
    assert_true(near(lc_scenario_level_at(peak, 0), 0));
    assert_true(near(lc_scenario_level_at(peak, 30 * S), 25));
    assert_true(near(lc_scenario_level_at(peak, 15 * S), 12.5));
    assert_true(near(lc_scenario_level_at(peak, 60 * S), 50));
    assert_true(near(lc_scenario_level_at(peak, 200 * S), 50));
    assert_true(near(lc_scenario_level_at(peak, 360 * S), 50));
    assert_true(near(lc_scenario_level_at(peak, 9999 * S), 50));

    /* Spike: 5 from the start (a hold jumps), up to 100 in 10 s, hold, back to 5. */
    const struct lc_scenario_phase *spike = phase(s, "spike");
    assert_int_equal(spike->duration_ns, 140 * S);
    assert_true(near(spike->stages[0].from, 5));
    assert_true(near(spike->stages[1].from, 5));
    assert_true(near(spike->stages[3].from, 100));
    assert_true(near(lc_scenario_level_at(spike, 0), 5));
    assert_true(near(lc_scenario_level_at(spike, 59 * S), 5));
    assert_true(near(lc_scenario_level_at(spike, 65 * S), 52.5));
    assert_true(near(lc_scenario_level_at(spike, 100 * S), 100));
    assert_true(near(lc_scenario_level_at(spike, 135 * S), 52.5));
    assert_true(near(lc_scenario_level_at(spike, 140 * S), 5));
    assert_true(near(spike->peak, 100));

    /* Breakpoint: linear from 10/s to 5000/s over 10 minutes. */
    const struct lc_scenario_phase *bp = phase(s, "breakpoint");
    assert_true(near(lc_scenario_level_at(bp, 0), 10));
    assert_true(near(lc_scenario_level_at(bp, 300 * S), 2505));
    assert_true(near(lc_scenario_level_at(bp, 600 * S), 5000));
    assert_true(near(lc_scenario_level_at(bp, 150 * S + 500 * MS), 10 + 4990 * 150.5 / 600));

    const struct lc_scenario_phase *steady = phase(s, "steady");
    assert_true(near(lc_scenario_level_at(steady, 0), 5));
    assert_true(near(lc_scenario_level_at(steady, 600 * S), 5));
    lc_scenario_free(s);

    /* Ramps down and a users ramp from 0 without stages; rates in other units. */
    const char *text = "version: 1\n"
                       "target: http://h:1\n"
                       "requests: [{name: a}]\n"
                       "scenarios:\n"
                       "  up: {users: 40, over: 20s}\n"
                       "  range: {users: 10..30, over: 10s}\n"
                       "  down:\n"
                       "    stages: [{rate: 600/m, for: 10s}, {rate: 0, over: 10s}]\n";
    assert_int_equal(load(text, &s, &err), 0);
    const struct lc_scenario_phase *up = phase(s, "up");
    assert_int_equal(up->stages[0].kind, LC_SCENARIO_RAMP);
    assert_true(near(lc_scenario_level_at(up, 5 * S), 10));
    const struct lc_scenario_phase *range = phase(s, "range");
    assert_true(near(lc_scenario_level_at(range, 5 * S), 20));
    assert_int_equal(range->connections, 30);
    const struct lc_scenario_phase *down = phase(s, "down");
    assert_int_equal(down->model, LC_SCENARIO_OPEN);
    assert_true(near(lc_scenario_level_at(down, 0), 10));
    assert_true(near(lc_scenario_level_at(down, 15 * S), 5));
    assert_true(near(lc_scenario_level_at(down, 20 * S), 0));
    assert_true(near(down->peak, 10));
    lc_scenario_free(s);
}

static void test_defaults_and_overrides(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    assert_int_equal(load(small, &s, &err), 0);
    assert_string_equal(s->name, "plan"); /* from plan.yaml */
    assert_int_equal(s->timeout_ns, LC_SCENARIO_DEFAULT_TIMEOUT_NS);
    assert_int_equal(s->think_min_ns, 0);
    assert_int_equal(s->think_max_ns, 0);
    assert_string_equal(s->requests[0].method, "GET");
    assert_true(near(s->requests[0].weight, 1));
    assert_int_equal(s->requests[0].n_headers, 0);
    assert_false(s->monitor.present);
    assert_null(s->output.json);
    assert_int_equal(s->n_thresholds, 0);
    assert_int_equal(s->phases[0].connections, 5);
    lc_scenario_free(s);

    /* abort_after as written, 0 included. */
    char at[2048];
    snprintf(at, sizeof(at),
             "%sthresholds:\n  - {expr: \"p(99) < 1s\", abort: true, abort_after: 0s}\n"
             "  - {expr: \"p(99) < 2s\", abort: true, abort_after: 1.5s}\n",
             small);
    assert_int_equal(load(at, &s, &err), 0);
    assert_int_equal(s->thresholds[0].abort_after_ns, 0);
    assert_int_equal(s->thresholds[1].abort_after_ns, 1500000000ULL);
    lc_scenario_free(s);

    /* Per-scenario think and timeout; a body makes POST; the target's path prefixes paths. */
    const char *text = "version: 1\n"
                       "target: http://h:1/api/v2/\n"
                       "defaults: {think: 2s, timeout: 3s, headers: {Accept: '*/*', X-A: a}}\n"
                       "requests:\n"
                       "  - {name: a, path: /q?x=1, body: hi, headers: {x-a: b, X-B: c}}\n"
                       "  - {name: b, weight: 0}\n"
                       "scenarios:\n"
                       "  one: {users: 1, duration: 1s, think: 10ms..20ms, timeout: 500ms}\n"
                       "  two: {users: 1, duration: 1s, think: 0}\n"
                       "  three: {rate: 5, duration: 1s}\n";
    assert_int_equal(load(text, &s, &err), 0);
    const struct lc_scenario_request *a = &s->requests[0];
    assert_string_equal(a->method, "POST");
    assert_string_equal(a->target, "/api/v2/q?x=1");
    assert_string_equal(s->requests[1].target, "/api/v2/");
    assert_true(near(s->requests[1].weight, 0));
    assert_int_equal(a->n_headers, 3);
    assert_string_equal(a->headers[1].name, "x-a"); /* replaced, any case */
    assert_string_equal(a->headers[1].value, "b");
    assert_string_equal(a->headers[2].name, "X-B");
    const struct lc_scenario_phase *one = phase(s, "one");
    assert_int_equal(one->think_min_ns, 10 * MS);
    assert_int_equal(one->think_max_ns, 20 * MS);
    assert_int_equal(one->timeout_ns, 500 * MS);
    const struct lc_scenario_phase *two = phase(s, "two");
    assert_int_equal(two->think_max_ns, 0);
    assert_int_equal(two->timeout_ns, 3 * S);
    const struct lc_scenario_phase *three = phase(s, "three");
    assert_true(near(three->peak, 5));
    assert_int_equal(three->connections, LC_SCENARIO_DEFAULT_OPEN_CONNECTIONS);
    lc_scenario_free(s);
}

static void test_yaml_features(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    /* Anchors, aliases and merge keys; an empty value is the same as an absent key. */
    const char *text = "version: 1\n"
                       "target: http://h:1\n"
                       "requests:\n"
                       "  - &base {name: a, path: /x, headers: &hd {X-K: v}}\n"
                       "  - {<<: *base, name: b, headers: *hd}\n"
                       "scenarios:\n"
                       "  one: &load {users: 3, duration: 2s}\n"
                       "  two: {<<: [*load, {record: false}], users: 4}\n"
                       "thresholds:\n"
                       "monitor: ~\n";
    int rc = load(text, &s, &err);
    if (rc)
        print_error("%u:%u %s\n", err.line, err.col, err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(s->requests[1].name, "b");
    assert_string_equal(s->requests[1].path, "/x");
    assert_string_equal(s->requests[1].headers[0].value, "v");
    const struct lc_scenario_phase *two = phase(s, "two");
    assert_true(near(two->peak, 4));
    assert_int_equal(two->duration_ns, 2 * S);
    assert_false(two->record);
    assert_false(s->monitor.present);
    lc_scenario_free(s);

    expect_error("a: &x [1, *x]\n", 1, 11, "refers to a node that contains it");
    expect_error("a: *nope\n", 1, 4, "unknown alias '*nope'");
    expect_error("version: 1\nversion: 1\n", 2, 1, "duplicate key 'version' (first at line 1)");
    expect_error("version: 1\n---\nversion: 1\n", 2, 1, "a second YAML document");
    expect_error("version: 1\ntarget: [\n", 0, 0, "invalid YAML");
    expect_error("version: 1\n\ttarget: x\n", 2, 0, "invalid YAML");
    expect_error("[a, b]: 1\n", 1, 1, "a key must be text");
    expect_error("", 0, 0, "the file is empty");
    expect_error("- 1\n", 1, 1, "a scenario file is a map");
    expect_error("version: \"a\\0b\"\n", 1, 10, "NUL");

    /* Nesting and alias expansion are bounded. */
    char deep[400];
    size_t k = 0;
    for (int i = 0; i < 100; i++)
        deep[k++] = '[';
    for (int i = 0; i < 100; i++)
        deep[k++] = ']';
    deep[k] = '\0';
    expect_error(deep, 1, 0, "deeper than 64");
    const char *laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                         "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    expect_error(laughs, 0, 0, "more than 100000 nodes");
}

/* One test per kind of error, each at its position. */
static void test_errors(void **state)
{
    (void)state;
    char text[4096];
    /* Unknown keys, with the nearest valid key or the list of valid ones. */
    snprintf(text, sizeof(text), "%s  peak: {users: 5, durations: 1m}\n", small);
    expect_error(text, 7, 20,
                 "unknown key 'durations' in scenario 'peak' (did you mean 'duration'?)");
    snprintf(text, sizeof(text), "%sscenarioz: 1\n", small);
    expect_error(text, 7, 1,
                 "unknown key 'scenarioz' in the top level (did you mean 'scenarios'?)");
    snprintf(text, sizeof(text), "%szzz: 1\n", small);
    expect_error(text, 7, 1, "unknown key 'zzz' in the top level (valid keys: version, name,");
    snprintf(text, sizeof(text), "%sdefaults: {timout: 1s}\n", small);
    expect_error(text, 7, 12, "unknown key 'timout' in defaults (did you mean 'timeout'?)");
    snprintf(text, sizeof(text), "%smonitor: {pid: 1, max_conn: 3}\n", small);
    expect_error(text, 7, 19, "unknown key 'max_conn' in monitor");
    snprintf(text, sizeof(text), "%s  x: {rate: 5, duration: 1s, max_conn: 3}\n", small);
    expect_error(text, 7, 30, "(did you mean 'max_connections'?)");

    /* Wrong types. */
    snprintf(text, sizeof(text), "%s  x: {users: [1], duration: 1m}\n", small);
    expect_error(text, 7, 14, "'users' in scenario 'x': expected a number of users");
    expect_error("version: 1\ntarget: http://h:1\nrequests: {a: 1}\n", 3, 11,
                 "'requests': expected a list");
    snprintf(text, sizeof(text), "%s  x: {users: five, duration: 1m}\n", small);
    expect_error(text, 7, 14, "expected a whole number of users such as 50, found 'five'");
    snprintf(text, sizeof(text), "%s  x: {users: 1, duration: 1m, record: maybe}\n", small);
    expect_error(text, 7, 39, "expected true or false");
    snprintf(text, sizeof(text), "%s  x: [1]\n", small);
    expect_error(text, 7, 6, "scenario 'x': expected a map");
    snprintf(text, sizeof(text), "%s  x: {users: 1, duration: 1m, stages: 3}\n", small);
    expect_error(text, 7, 7, "both stages and 'users'");
    snprintf(text, sizeof(text), "%s  x: {stages: 3}\n", small);
    expect_error(text, 7, 15, "'stages' of scenario 'x': expected a list");

    /* Units. */
    snprintf(text, sizeof(text), "%s  x: {users: 1, duration: 10}\n", small);
    expect_error(text, 7, 27, "duration '10' has no unit: write e.g. 10ms or 10s");
    snprintf(text, sizeof(text), "%s  x: {users: 1, duration: 10 minutes}\n", small);
    expect_error(text, 7, 27, "invalid duration '10 minutes'");
    snprintf(text, sizeof(text), "%s  x: {rate: 5/fortnight, duration: 1s}\n", small);
    expect_error(text, 7, 13, "invalid rate '5/fortnight'");
    snprintf(text, sizeof(text), "%sdefaults: {think: 5s..1s}\n", small);
    expect_error(text, 7, 19, "runs backwards");
    snprintf(text, sizeof(text), "%s  x: {rate: 50/s..10/s, over: 1m}\n", small);
    expect_error(text, 7, 13, "runs backwards");

    /* Bad expressions: reported at the column of the mistake inside the quotes. */
    snprintf(text, sizeof(text), "%sthresholds:\n  - \"p(99) 3s\"\n", small);
    expect_error(text, 8, 12, "expected an operator");
    snprintf(text, sizeof(text), "%sthresholds:\n  - {expr: 'p99 < 3s'}\n", small);
    expect_error(text, 8, 0, "thresholds.0");
    snprintf(text, sizeof(text), "%s  b: {rate: 1..9, over: 1m, stop_when: \"p(99) >> 2s\"}\n",
             small);
    expect_error(text, 7, 0, "'stop_when' in scenario 'b'");
    /* Scopes must name something in the file (checked now, not after an hour of load). */
    snprintf(text, sizeof(text), "%sthresholds:\n  - \"stedy: p(99) < 1s\"\n", small);
    expect_error(text, 8, 6, "thresholds.0: unknown scope 'stedy' (did you mean 'steady'?)");
    snprintf(text, sizeof(text), "%sthresholds:\n  - 'p(99) < 1s || steady.hom: p(99) < 1s'\n",
             small);
    expect_error(text, 8, 20, "unknown scope 'steady.hom' (did you mean 'steady.home'?)");
    snprintf(text, sizeof(text), "%sthresholds:\n  - \"zzz: p(99) < 1s\"\n", small);
    expect_error(text, 8, 6, "unknown scope 'zzz': a scope names a scenario, a request");
    snprintf(text, sizeof(text), "%sthresholds:\n  - [p99]\n", small);
    expect_error(text, 8, 5, "expected an expression in quotes");
    snprintf(text, sizeof(text), "%sthresholds:\n  - {abort: true}\n", small);
    expect_error(text, 8, 5, "thresholds.0 has no expr");
    /* abort_after: a duration (0 allowed), and only with abort: true. */
    snprintf(text, sizeof(text),
             "%sthresholds:\n  - {expr: \"p(99) < 1s\", abort: true, abort_after: 1x}\n", small);
    expect_error(text, 8, 52, "'abort_after' in thresholds.0: invalid duration '1x'");
    snprintf(text, sizeof(text), "%sthresholds:\n  - {expr: \"p(99) < 1s\", abort_after: 1s}\n",
             small);
    expect_error(text, 8, 39, "abort_after applies to an abort threshold only");
    snprintf(text, sizeof(text),
             "%sthresholds:\n  - {expr: \"p(99) < 1s\", abort: true, abort_after: [1s]}\n", small);
    expect_error(text, 8, 52, "expected a duration");

    /* What the file must have. */
    expect_error("version: 1\nrequests: [{name: a}]\nscenarios: {s: {users: 1, duration: 1s}}\n", 1,
                 1, "missing 'target'");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, weight: 0}, {name: b, "
                 "weight: 0}]\nscenarios: {s: {users: 1, duration: 1s}}\n",
                 3, 11, "the weights of all requests sum to 0");
    expect_error("version: 1\ntarget: http://h:1\nscenarios: {s: {users: 1, duration: 1s}}\n", 3, 1,
                 "no requests");
    expect_error("version: 1\ntarget: http://h:1\nrequests: []\n", 3, 11, "'requests' is empty");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a}]\nscenarios: {}\n", 4, 12,
                 "'scenarios' is empty");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a}]\nscenarios:\n", 4, 11,
                 "'scenarios' is empty");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a}]\n", 3, 1,
                 "requests but no scenarios");
    expect_error("version: 1\n", 1, 1, "nothing to run");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a}, {name: a}]\nscenarios: "
                 "{s: {users: 1, duration: 1s}}\n",
                 3, 30, "duplicate request name 'a'");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{path: /}]\n", 3, 12,
                 "requests.0 has no name");
    expect_error("target: http://h:1\n", 1, 1, "missing 'version: 1'");
    expect_error("version: 2\n", 1, 10, "unsupported version '2'");
    expect_error("version: 1.0\n", 1, 10, "unsupported version '1.0'");

    /* Models and stages. */
    snprintf(text, sizeof(text), "%s  x: {users: 5, rate: 5/s, duration: 1m}\n", small);
    expect_error(text, 7, 17, "scenario 'x' has both users and rate");
    snprintf(text, sizeof(text),
             "%s  x:\n    stages: [{users: 5, for: 1m}, {rate: 9/s, over: 1m}]\n", small);
    expect_error(text, 8, 36, "mix users and rate: stages.0 sets users, stages.1 sets rate");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 5, for: 1m}, {over: 1m}]\n", small);
    expect_error(text, 8, 36, "scenarios.x.stages.1 ramps ('over') without a target level");
    snprintf(text, sizeof(text), "%s  x: {over: 1m}\n", small);
    expect_error(text, 7, 7, "scenario 'x' ramps ('over') without a target level");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 5}]\n", small);
    expect_error(text, 8, 14, "needs a time: over: D ramps");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 5, over: 1m, for: 1m}]\n", small);
    expect_error(text, 8, 35, "has both over (a ramp) and for (a hold)");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 1..5, over: 1m}]\n", small);
    expect_error(text, 8, 22, "a stage names one level");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 0, for: 1m}]\n", small);
    expect_error(text, 7, 3, "never puts any load");
    snprintf(text, sizeof(text), "%s  x:\n    stages: [{users: 3, for: 0s}]\n", small);
    expect_error(text, 8, 30, "must be longer than 0");
    snprintf(text, sizeof(text), "%s  x: {users: 0, duration: 1m}\n", small);
    expect_error(text, 7, 14, "needs at least 1 user");
    snprintf(text, sizeof(text), "%s  x: {users: 1}\n", small);
    expect_error(text, 7, 3, "scenario 'x' has no duration");
    snprintf(text, sizeof(text), "%s  x: {record: false}\n", small);
    expect_error(text, 7, 3, "scenario 'x' sets no load");
    snprintf(text, sizeof(text), "%s  x: {users: 1, duration: 1m, over: 1m}\n", small);
    expect_error(text, 7, 31, "both duration and over");
    snprintf(text, sizeof(text), "%s  x: {rate: 1/s..5/s, duration: 1m}\n", small);
    expect_error(text, 7, 13, "needs over: D instead of duration");
    snprintf(text, sizeof(text), "%s  x: {rate: 5, duration: 1m, think: 1s}\n", small);
    expect_error(text, 7, 30, "think applies to the closed model");
    snprintf(text, sizeof(text), "%s  x: {users: 5, duration: 1m, max_connections: 9}\n", small);
    expect_error(text, 7, 31, "max_connections applies to the open model");
    snprintf(text, sizeof(text), "%s  x: {rate: 5, duration: 1m, max_connections: 0}\n", small);
    expect_error(text, 7, 47, "out of range");
    snprintf(text, sizeof(text), "%s  'a b': {users: 1, duration: 1m}\n", small);
    expect_error(text, 7, 3, "has the character ' '");

    /* Requests. */
    expect_error("version: 1\ntarget: ftp://h\n", 2, 9, "the scheme must be http or https");
    expect_error("version: 1\ntarget: http://\n", 2, 9, "no host");
    expect_error("version: 1\ntarget: http://h/?a=1\n", 2, 9, "has a query string");
    snprintf(text, sizeof(text), "%s", small);
    char *req = strstr(text, "path: /}");
    memcpy(req, "path: x}", 8);
    expect_error(text, 4, 24, "must start with '/'");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, weight: -1}]\n", 3, 30,
                 "out of range");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, weight: lots}]\n", 3, 30,
                 "expected a number");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, method: get}]\n", 3, 30,
                 "methods are upper case: write 'GET'");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, expect: {status: 700}}]\n",
                 3, 39, "out of range");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, expect: {status: []}}]\n", 3,
                 39, "the list is empty");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, body: {q: 1}}]\n", 3, 28,
                 "write JSON in quotes");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, headers: {'a b': 1}}]\n", 3,
                 32, "header name 'a b'");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, body: x, body_file: y}]\n",
                 3, 31, "has both body and body_file");
    expect_error("version: 1\ntarget: http://h:1\nrequests: [{name: a, body_file: y}]\n", 3, 33,
                 "files can be read only by a scenario loaded from a file");

    /* Monitor, benchmarks, output. */
    snprintf(text, sizeof(text), "%smonitor: {pid: 1, command: x}\n", small);
    expect_error(text, 7, 19, "monitor has both pid and command");
    snprintf(text, sizeof(text), "%smonitor: {interval: 1s}\n", small);
    expect_error(text, 7, 10, "monitor needs pid");
    snprintf(text, sizeof(text), "%smonitor: {pid: 1, gpu: maybe}\n", small);
    expect_error(text, 7, 24, "'maybe' is not auto, required or off");
    snprintf(text, sizeof(text), "%smonitor: {command: x, ready: localhost:8000}\n", small);
    expect_error(text, 7, 30, "invalid URL 'localhost:8000'");
    expect_error("version: 1\nbenchmarks: [{name: a}]\n", 2, 14, "benchmark 'a' has no command");
    expect_error("version: 1\nbenchmarks: [{name: a, command: x, scan: {n: \"1..\"}}]\n", 2, 46,
                 "scan 'n' in benchmark 'a'");
    expect_error("version: 1\nbenchmarks: [{name: a, command: x, scan: {9n: [1]}}]\n", 2, 43,
                 "'9n' is not a parameter name");
    expect_error("version: 1\nbenchmarks: [{name: a, command: x}, {name: a, command: y}]\n", 2, 44,
                 "duplicate benchmark name 'a'");
    snprintf(text, sizeof(text), "%soutput: {json: 'r/{nam}.json'}\n", small);
    expect_error(text, 7, 16, "unknown placeholder '{nam}'");
}

static void test_error_format(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof(text), "%s  x: {users: 1, durations: 1m}\n", small);
    struct lc_scenario *s;
    struct lc_error err;
    assert_int_equal(load(text, &s, &err), LC_ECONFIG);
    char buf[600];
    lc_error_format(&err, buf, sizeof(buf));
    assert_string_equal(buf, "plan.yaml:7:17: unknown key 'durations' in scenario 'x' (did you "
                             "mean 'duration'?)");
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/lc-scn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], payload[256];
    snprintf(path, sizeof(path), "%s/plan.yaml", dir);
    snprintf(payload, sizeof(payload), "%s/payload.bin", dir);
    FILE *f = fopen(payload, "wb");
    assert_non_null(f);
    fwrite("{\"a\":\0 1}", 1, 9, f);
    fclose(f);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("version: 1\ntarget: http://h:1\nrequests:\n  - {name: a, body_file: payload.bin}\n"
          "  - {name: b, body_file: missing.json}\n"
          "scenarios: {s: {users: 1, duration: 1s}}\n",
          f);
    fclose(f);

    struct lc_scenario *s;
    struct lc_error err;
    /* The missing file is an error at its position, with the path it tried. */
    assert_int_equal(lc_scenario_load_file(path, NULL, &s, &err), LC_ECONFIG);
    assert_null(s);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 5);
    assert_int_equal(err.col, 26);
    assert_non_null(strstr(err.msg, "missing.json"));
    assert_non_null(strstr(err.msg, "No such file"));

    /* Without it (removed with --set), the body is read whole, NULs included, from the dir. */
    const char *sets[] = {"requests.b.body_file="};
    struct lc_scenario_options opt = {.sets = sets, .n_sets = 1};
    int rc = lc_scenario_load_file(path, &opt, &s, &err);
    if (rc)
        print_error("%s:%u:%u %s\n", err.file, err.line, err.col, err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(s->dir, dir);
    assert_string_equal(s->name, "plan");
    assert_int_equal(s->requests[0].body_len, 9);
    assert_memory_equal(s->requests[0].body, "{\"a\":\0 1}", 9);
    assert_string_equal(s->requests[0].body_file, "payload.bin");
    assert_string_equal(s->requests[0].method, "POST");
    assert_null(s->requests[1].body);
    lc_scenario_free(s);

    /* A file that cannot be read, and a directory as a body. */
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/nope.yaml", dir);
    assert_int_equal(lc_scenario_load_file(missing, NULL, &s, &err), LC_ECONFIG);
    assert_non_null(strstr(err.msg, "cannot read the scenario file"));
    assert_string_equal(err.file, missing);
    const char *sets2[] = {"requests.b.body_file=.", "requests.a.body_file="};
    struct lc_scenario_options opt2 = {.sets = sets2, .n_sets = 2};
    assert_int_equal(lc_scenario_load_file(path, &opt2, &s, &err), LC_ECONFIG);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_string_equal(err.file, "--set requests.b.body_file=.");

    unlink(payload);
    unlink(path);
    rmdir(dir);
}

static void test_set(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    const char *text = "version: 1\n"
                       "target: http://127.0.0.1:8080\n"
                       "requests:\n"
                       "  - {name: query, path: /q, weight: 4, expect: {status: 200}}\n"
                       "  - {name: health, path: /health}\n"
                       "scenarios:\n"
                       "  steady: {users: 5, duration: 10m}\n"
                       "  peak:\n"
                       "    stages: [{users: 50, over: 1m}, {users: 50, for: 5m}]\n"
                       "  bp.v2: {rate: 1..9, over: 1m}\n"
                       "thresholds: [\"p(99) < 1s\"]\n";
    const char *sets[] = {
        "target=http://10.0.0.5:9000/base",
        "scenarios.steady.duration=5s",
        "requests.0.weight=2",
        "requests.health.weight=3",
        "defaults.timeout=750ms",
        "defaults.headers.X-Api-Key=k=v",
        "requests.query.expect.status=[200, 204]",
        "scenarios.peak.stages.1.for=2s",
        "scenarios.bp.v2.over=10s",
        "name=override",
        "thresholds.0=steady.query: p(99) < 2s",
        "scenarios.steady.record=false",
    };
    struct lc_scenario_options opt = {.sets = sets, .n_sets = sizeof(sets) / sizeof(sets[0])};
    int rc = load_opt(text, &opt, &s, &err);
    if (rc)
        print_error("%s:%u:%u %s\n", err.file, err.line, err.col, err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(s->target, "http://10.0.0.5:9000/base");
    assert_string_equal(s->requests[0].target, "/base/q");
    assert_string_equal(s->name, "override");
    assert_int_equal(phase(s, "steady")->duration_ns, 5 * S);
    assert_false(phase(s, "steady")->record);
    assert_true(near(s->requests[0].weight, 2));
    assert_true(near(s->requests[1].weight, 3));
    assert_int_equal(s->timeout_ns, 750 * MS);
    assert_int_equal(phase(s, "peak")->timeout_ns, 750 * MS);
    assert_int_equal(s->requests[1].n_headers, 1);
    assert_string_equal(s->requests[1].headers[0].name, "X-Api-Key");
    assert_string_equal(s->requests[1].headers[0].value, "k=v");
    assert_int_equal(s->requests[0].n_expect_status, 2);
    assert_int_equal(s->requests[0].expect_status[1], 204);
    assert_int_equal(phase(s, "peak")->duration_ns, 62 * S);
    assert_int_equal(phase(s, "bp.v2")->duration_ns, 10 * S);
    assert_string_equal(s->thresholds[0].text, "steady.query: p(99) < 2s");
    assert_string_equal(s->thresholds[0].loc.file, "--set thresholds.0=steady.query: p(99) < 2s");
    lc_scenario_free(s);

    /* An error in a value given by --set is reported at the --set. */
    const char *bad_unit[] = {"scenarios.steady.duration=5 s"};
    struct lc_scenario_options o1 = {.sets = bad_unit, .n_sets = 1};
    expect_error_opt(text, &o1, 0, 0, "invalid duration '5 s'");
    assert_int_equal(load_opt(text, &o1, &s, &err), LC_ECONFIG);
    assert_string_equal(err.file, "--set scenarios.steady.duration=5 s");
    char buf[600];
    lc_error_format(&err, buf, sizeof(buf));
    assert_non_null(strstr(buf, "--set scenarios.steady.duration=5 s: 'duration' in scenario"));

    /* A scalar where the file has stages: a clear type error. */
    const char *clash[] = {"scenarios.peak.duration=5s"};
    struct lc_scenario_options o2 = {.sets = clash, .n_sets = 1};
    expect_error_opt(text, &o2, 0, 0, "scenario 'peak' has both stages and 'duration'");
    const char *onto_map[] = {"scenarios.steady=5s"};
    struct lc_scenario_options o3 = {.sets = onto_map, .n_sets = 1};
    expect_error_opt(text, &o3, 0, 0,
                     "'scenarios.steady' is a map, not a single value: set a key inside it, e.g. "
                     "--set scenarios.steady.users=VALUE");
    const char *onto_list[] = {"requests=x"};
    struct lc_scenario_options o4 = {.sets = onto_list, .n_sets = 1};
    expect_error_opt(text, &o4, 0, 0, "'requests' is a list");

    /* Unknown paths name the nearest valid key. */
    const char *typo1[] = {"scenarios.steady.durations=5s"};
    struct lc_scenario_options o5 = {.sets = typo1, .n_sets = 1};
    expect_error_opt(text, &o5, 0, 0,
                     "unknown key 'durations' in 'scenarios.steady' (did you mean 'duration'?)");
    const char *typo2[] = {"scenarios.stedy.duration=5s"};
    struct lc_scenario_options o6 = {.sets = typo2, .n_sets = 1};
    expect_error_opt(text, &o6, 0, 0, "no scenario 'stedy' (did you mean 'steady'?)");
    const char *typo3[] = {"defaults.timout=5s"};
    struct lc_scenario_options o7 = {.sets = typo3, .n_sets = 1};
    expect_error_opt(text, &o7, 0, 0,
                     "unknown key 'timout' in 'defaults' (did you mean 'timeout'?)");
    const char *typo4[] = {"requests.qeury.weight=1"};
    struct lc_scenario_options o8 = {.sets = typo4, .n_sets = 1};
    expect_error_opt(text, &o8, 0, 0,
                     "'requests' has no item named 'qeury' (did you mean 'query'?)");
    const char *range[] = {"requests.7.weight=1"};
    struct lc_scenario_options o9 = {.sets = range, .n_sets = 1};
    expect_error_opt(text, &o9, 0, 0, "index 7 is out of range: 'requests' has 2 items (0 to 1)");
    const char *deeper[] = {"target.host=x"};
    struct lc_scenario_options o10 = {.sets = deeper, .n_sets = 1};
    expect_error_opt(text, &o10, 0, 0, "'target' is a single value (text), it has no key 'host'");
    const char *noeq[] = {"target"};
    struct lc_scenario_options o11 = {.sets = noeq, .n_sets = 1};
    expect_error_opt(text, &o11, 0, 0, "expected PATH=VALUE");
    const char *empty_seg[] = {"scenarios..x=1"};
    struct lc_scenario_options o12 = {.sets = empty_seg, .n_sets = 1};
    expect_error_opt(text, &o12, 0, 0, "empty key in path");
    const char *top[] = {"verson=1"};
    struct lc_scenario_options o13 = {.sets = top, .n_sets = 1};
    expect_error_opt(text, &o13, 0, 0,
                     "unknown key 'verson' in the top level (did you mean 'version'?)");
    const char *absent_list[] = {"benchmarks.0.runs=3"};
    struct lc_scenario_options o14 = {.sets = absent_list, .n_sets = 1};
    expect_error_opt(text, &o14, 0, 0, "'benchmarks' is not in the file, so it has no '0.runs'");
    const char *bad_flow[] = {"requests.0.expect.status=[200,"};
    struct lc_scenario_options o15 = {.sets = bad_flow, .n_sets = 1};
    expect_error_opt(text, &o15, 0, 0, "invalid YAML");

    /* Removing with an empty value, adding with a flow map, a version for an empty file. */
    const char *edit[] = {"monitor={pid: 42, interval: 250ms}", "thresholds=[\"p(99) < 2s\"]",
                          "monitor.gpu=off"};
    struct lc_scenario_options o16 = {.sets = edit, .n_sets = 3};
    assert_int_equal(load_opt(text, &o16, &s, &err), 0);
    assert_int_equal(s->monitor.pid, 42);
    assert_int_equal(s->monitor.interval_ns, 250 * MS);
    assert_int_equal(s->monitor.gpu, LC_SCENARIO_GPU_OFF);
    assert_int_equal(s->n_thresholds, 1);
    assert_string_equal(s->thresholds[0].loc.file, "--set thresholds=[\"p(99) < 2s\"]");
    assert_int_equal(s->thresholds[0].loc.line, 0);
    lc_scenario_free(s);
    const char *drop[] = {"monitor="};
    struct lc_scenario_options o17 = {.sets = drop, .n_sets = 1};
    char with_monitor[1024];
    snprintf(with_monitor, sizeof(with_monitor), "%smonitor: {pid: 1}\n", text);
    assert_int_equal(load_opt(with_monitor, &o17, &s, &err), 0);
    assert_false(s->monitor.present);
    lc_scenario_free(s);
    const char *build[] = {"version=1", "benchmarks=[{name: b, command: x}]"};
    struct lc_scenario_options o18 = {.sets = build, .n_sets = 2};
    assert_int_equal(load_opt("", &o18, &s, &err), 0);
    assert_int_equal(s->n_benchmarks, 1);
    assert_null(s->target);
    lc_scenario_free(s);
}

static void test_only(void **state)
{
    (void)state;
    struct lc_scenario *s;
    struct lc_error err;
    const char *only[] = {"peak", "open", "cluster-pipeline", "peak"};
    struct lc_scenario_options opt = {.only = only, .n_only = 4};
    assert_int_equal(load_opt(full_example, &opt, &s, &err), 0);
    assert_int_equal(s->n_phases, 2);
    assert_string_equal(s->phases[0].name, "peak");
    assert_string_equal(s->phases[1].name, "open");
    assert_int_equal(s->phases[0].start_offset_ns, 0);
    assert_int_equal(s->phases[1].start_offset_ns, 360 * S);
    assert_int_equal(lc_scenario_duration_ns(s), 480 * S);
    assert_int_equal(s->n_benchmarks, 1);
    assert_string_equal(s->benchmarks[0].name, "cluster-pipeline");
    assert_int_equal(s->n_skipped, 5);
    assert_string_equal(s->skipped[0], "warmup");
    assert_string_equal(s->skipped[4], "sizes");
    /* Thresholds scoped to a left-out scenario are flagged; the others are not. */
    assert_false(s->thresholds[0].skipped); /* p(95) < 5s */
    assert_false(s->thresholds[1].skipped); /* query: (a request) */
    assert_true(s->thresholds[2].skipped);  /* steady.query: */
    assert_true(s->thresholds[4].skipped);  /* steady: cpu */
    assert_false(s->thresholds[6].skipped); /* peak: */
    lc_scenario_free(s);

    const char *bad[] = {"steady", "stedy"};
    struct lc_scenario_options o2 = {.only = bad, .n_only = 2};
    expect_error_opt(full_example, &o2, 0, 0,
                     "--only stedy: no scenario or benchmark of that name (did you mean "
                     "'steady'?); the file has: warmup, steady, peak, spike, open, breakpoint, "
                     "cluster-pipeline, sizes");
}

static void test_expand_output(void **state)
{
    (void)state;
    char *p = lc_scenario_expand_output("results/{name}-{timestamp}.json", "api", 0);
    assert_string_equal(p, "results/api-19700101T000000Z.json");
    free(p);
    p = lc_scenario_expand_output("{name}{name}/{x}/{timestamp", "a", 1700000000);
    assert_string_equal(p, "aa/{x}/{timestamp");
    free(p);
    p = lc_scenario_expand_output("r/{timestamp}", NULL, 1700000000);
    assert_string_equal(p, "r/20231114T221320Z");
    free(p);
    assert_null(lc_scenario_expand_output(NULL, "a", 0));
}

/* Every file of examples/ loads, and each sets what its comment promises. */
static void test_examples(void **state)
{
    (void)state;
    const char *src = getenv("LC_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/examples", src ? src : ".");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    bool seen_breakpoint = false;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char path[1400];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct lc_scenario *s;
        struct lc_error err;
        int rc = lc_scenario_load_file(path, NULL, &s, &err);
        if (rc)
            print_error("%s:%u:%u: %s\n", err.file, err.line, err.col, err.msg);
        assert_int_equal(rc, 0);
        assert_non_null(s->target);
        assert_true(s->n_phases >= 2);
        assert_true(s->n_requests >= 1);
        assert_non_null(s->output.json);
        /* Realistic lengths in the files: at least a few minutes. */
        assert_true(lc_scenario_duration_ns(s) >= 180 * S);
        for (size_t i = 0; i < s->n_phases; i++)
            if (s->phases[i].stop_when.text)
                seen_breakpoint = true;
        /* Tests shorten them with --set. */
        char set[200];
        snprintf(set, sizeof(set), "scenarios.%s.timeout=1s", s->phases[0].name);
        const char *sets[] = {set, "target=http://127.0.0.1:1"};
        struct lc_scenario_options opt = {.sets = sets, .n_sets = 2};
        struct lc_scenario *t;
        assert_int_equal(lc_scenario_load_file(path, &opt, &t, &err), 0);
        assert_int_equal(t->phases[0].timeout_ns, 1 * S);
        assert_string_equal(t->target, "http://127.0.0.1:1");
        lc_scenario_free(t);
        lc_scenario_free(s);
        count++;
    }
    closedir(d);
    assert_true(count >= 4);
    assert_true(seen_breakpoint);
}

/* Every prefix of a valid file either loads or fails cleanly with a position. */
static void test_every_prefix(void **state)
{
    (void)state;
    size_t len = strlen(full_example);
    int ok = 0;
    for (size_t n = 0; n <= len; n++) {
        char *copy = malloc(n ? n : 1); /* exactly n bytes: no NUL, ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, full_example, n);
        struct lc_scenario *s;
        struct lc_error err;
        lc_error_clear(&err);
        int rc = lc_scenario_load_string(copy, n, "p.yaml", NULL, NULL, &s, &err);
        if (rc == 0) {
            ok++;
            lc_scenario_free(s);
        } else {
            assert_int_equal(rc, LC_ECONFIG);
            assert_null(s);
            assert_true(err.msg[0] != '\0');
            assert_string_equal(err.file, "p.yaml");
        }
        free(copy);
    }
    assert_true(ok >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_example),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_defaults_and_overrides),
        cmocka_unit_test(test_yaml_features),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_only),
        cmocka_unit_test(test_expand_output),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
