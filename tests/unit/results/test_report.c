/* Unit tests for the report writers: formatting, escapes, Markdown, CSV, HTML, bench scans, files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/report_bench.h"
#include "results/report_buf.h"
#include "results/report_csv.h"
#include "results/report_file.h"
#include "results/report_fmt.h"
#include "results/report_html.h"
#include "results/report_markdown.h"
#include "results/report_summary.h"
#include "results/result.h"
#include "results/svg.h"
#include "test_report_synth.h"

/* ---- Helpers ------------------------------------------------------------------------ */

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' not found in:\n%.4000s", needle, hay);
}

static void expect_not_in(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (p)
        fail_msg("'%s' found: ...%.200s", needle, p);
}

/* A two-phase http result with two request names, thresholds and a warning. */
static void sample(struct lc_result *r)
{
    synth_init(r);
    char *argv[] = {
        "loadcell", "http", "-c", "50", "--threshold", "p(99) < 25ms", "http://127.0.0.1:8080/"};
    assert_int_equal(lc_result_set_argv(r, 7, argv), 0);
    assert_int_equal(lc_result_set_str(&r->host.hostname, "bench-01"), 0);
    struct lc_result_phase *w = synth_phase(r, "warmup", LC_RESULT_MODEL_CLOSED, 0, 3, false);
    for (int i = 1; i <= 3; i++)
        synth_second(w, "GET /a|b", i, 500, 0, NULL, 50, 0, 30, 60);
    struct lc_result_phase *m = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 3, 20, true);
    m->target_users = 50;
    for (int i = 1; i <= 20; i++) {
        synth_point(m, 3 + i, 1000, 4, 50, 0, 10, 20);
        synth_reqs(m, "GET /a|b", 800, 2, "status_503", 10, 20);
        synth_reqs(m, "POST <script>alert(1)</script>", 200, 2, "timeout", 12, 22);
    }
    struct lc_result_resource *rss = synth_resource(r, "sut.rss_bytes", "bytes");
    struct lc_result_resource *cpu = synth_resource(r, "sut.cpu_percent", "%");
    for (int i = 0; i <= 23; i++) {
        assert_int_equal(lc_result_resource_add(rss, i, 100e6 + 1e5 * (i % 3)), 0);
        assert_int_equal(lc_result_resource_add(cpu, i, 40 + i % 5), 0);
    }
    synth_done(r);
    struct lc_result_threshold t = {0};
    t.expr = "p(99) < 25ms";
    t.metric = "p(99)";
    t.op = "<";
    t.unit = "ms";
    t.limit = 25;
    t.observed = 20;
    t.verdict = LC_RESULT_VERDICT_PASS;
    assert_int_equal(lc_result_add_threshold(r, &t), 0);
    t.expr = "error_rate < 0.1%";
    t.metric = "error_rate";
    t.unit = "%";
    t.limit = 0.1;
    t.observed = 0.4;
    t.verdict = LC_RESULT_VERDICT_FAIL;
    assert_int_equal(lc_result_add_threshold(r, &t), 0);
    assert_int_equal(lc_result_add_warning(r, "only 45 of 50 connections could be established"), 0);
}

/* A bench result: a scan of n = 1000..64000 where time grows as n^1 (plus a fixed command). */
static void bench_sample(struct lc_result *r, bool grid)
{
    lc_result_init(r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_result_set_str(&r->name, "sort {n}"), 0);
    r->duration_ns = 5000000000ull;
    for (int k = 0; k < (grid ? 2 : 1); k++) {
        for (int i = 0; i < 7; i++) {
            double n = 1000.0 * (1 << i);
            char cmd[64], val[32];
            snprintf(cmd, sizeof(cmd), "sort -n %.0f", n);
            snprintf(val, sizeof(val), "%.0f", n);
            struct lc_result_bench_command *c;
            assert_int_equal(lc_result_add_command(r, "sort {n}", cmd, &c), 0);
            assert_int_equal(lc_result_command_set_param(c, "n", val), 0);
            if (grid)
                assert_int_equal(lc_result_command_set_param(c, "threads", k ? "4" : "1"), 0);
            for (int j = 0; j < 5; j++) {
                struct lc_result_bench_run run = {0};
                run.wall_ns = (uint64_t)(n * 1000.0 * (k ? 0.5 : 1.0) * (1 + 0.01 * j));
                run.user_ns = run.wall_ns / 2;
                run.max_rss_bytes = 1000000;
                run.artifact_bytes = -1;
                assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
            }
        }
    }
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(r, "true", "true", &c), 0);
    struct lc_result_bench_run run = {.wall_ns = 500000, .artifact_bytes = -1};
    assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    run.exit_code = 3;
    assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
}

/* ---- Formatting and escapes ------------------------------------------------------------ */

static void test_fmt(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 850), "850 ns");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 12345), "12.3 \xc2\xb5s");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 20644000), "20.6 ms");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 999999), "1.00 ms");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 1.23e9), "1.23 s");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), 125e9), "2m 05s");
    assert_string_equal(lc_report_fmt_ns(b, sizeof(b), NAN), "n/a");
    assert_string_equal(lc_report_fmt_secs(b, sizeof(b), 0), "0 s");
    assert_string_equal(lc_report_fmt_secs(b, sizeof(b), 20), "20.0 s");
    assert_string_equal(lc_report_fmt_secs(b, sizeof(b), 7500), "2h 05m");
    assert_string_equal(lc_report_fmt_count(b, sizeof(b), 0), "0");
    assert_string_equal(lc_report_fmt_count(b, sizeof(b), 1234567), "1,234,567");
    assert_string_equal(lc_report_fmt_count(b, 4, 1234567), "1,2");
    assert_string_equal(lc_report_fmt_rate(b, sizeof(b), 0.5), "0.50/s");
    assert_string_equal(lc_report_fmt_rate(b, sizeof(b), 12.54), "12.5/s");
    assert_string_equal(lc_report_fmt_rate(b, sizeof(b), 12345.4), "12,345/s");
    assert_string_equal(lc_report_fmt_frac(b, sizeof(b), 0.0176667), "1.77%");
    assert_string_equal(lc_report_fmt_frac(b, sizeof(b), 0), "0%");
    assert_string_equal(lc_report_fmt_frac(b, sizeof(b), 1), "100%");
    assert_string_equal(lc_report_fmt_bytes(b, sizeof(b), 512), "512 B");
    assert_string_equal(lc_report_fmt_bytes(b, sizeof(b), 388690), "389 kB");
    assert_string_equal(lc_report_fmt_bytes(b, sizeof(b), 13.13e6), "13.1 MB");
    assert_string_equal(lc_report_fmt_num(b, sizeof(b), 950), "950");
    assert_string_equal(lc_report_fmt_num(b, sizeof(b), 12300), "12.3k");
    assert_string_equal(lc_report_fmt_value(b, sizeof(b), 76.677119, "ms"), "76.68 ms");
    assert_string_equal(lc_report_fmt_value(b, sizeof(b), 1.7667, "%"), "1.767%");
    assert_string_equal(lc_report_fmt_value(b, sizeof(b), 300, "/s"), "300/s");
    assert_string_equal(lc_report_fmt_value(b, sizeof(b), 20000, NULL), "20,000");
    assert_string_equal(lc_report_fmt_value(b, sizeof(b), -2.5, ""), "-2.5");
    assert_string_equal(lc_report_fmt_wall(b, sizeof(b), 1717243200000000000ull),
                        "2024-06-01 12:00:00 UTC");
    assert_string_equal(lc_report_fmt_wall(b, sizeof(b), 0), "unknown");
    char m[16];
    assert_string_equal(lc_report_method_of("GET /search", m, sizeof(m)), "GET");
    assert_string_equal(lc_report_method_of("query", m, sizeof(m)), "");
    assert_string_equal(lc_report_method_of("Get /x", m, sizeof(m)), "");
    assert_string_equal(lc_svg_format(b, sizeof(b), LC_SVG_FMT_PERCENTILE, 1000), "99.9%");
    assert_string_equal(lc_svg_format(b, sizeof(b), LC_SVG_FMT_PERCENTILE, 2), "50%");
    assert_string_equal(lc_svg_format(b, sizeof(b), LC_SVG_FMT_PERCENTILE, 1), "0%");
}

static void test_buf(void **state)
{
    (void)state;
    struct lc_rbuf b;
    lc_rbuf_init(&b, 0);
    lc_rbuf_html(&b, "a<b>&\"c'\xff\x01\xc3\xa9\xe2\x82");
    size_t len;
    char *s = lc_rbuf_take(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&#39;\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9"
                           "\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(len, strlen(s));
    free(s);

    lc_rbuf_init(&b, 0);
    lc_rbuf_csv(&b, "plain");
    lc_rbuf_putc(&b, ',');
    lc_rbuf_csv(&b, "a,b \"q\"");
    lc_rbuf_putc(&b, ',');
    lc_rbuf_csv(&b, " lead");
    lc_rbuf_putc(&b, ',');
    lc_rbuf_csv(&b, NULL);
    s = lc_rbuf_take(&b, NULL);
    assert_string_equal(s, "plain,\"a,b \"\"q\"\"\",\" lead\",");
    free(s);

    lc_rbuf_init(&b, 0);
    lc_rbuf_md(&b, "a|b *c* <div> a < b error_rate _x\nnext");
    s = lc_rbuf_take(&b, NULL);
    assert_string_equal(s, "a\\|b \\*c\\* \\<div> a < b error_rate \\_x next");
    free(s);

    /* The cap: appends past it fail the buffer, and take returns NULL. */
    lc_rbuf_init(&b, 16);
    lc_rbuf_puts(&b, "0123456789");
    assert_int_equal(lc_rbuf_error(&b), 0);
    lc_rbuf_printf(&b, "%s", "0123456789");
    assert_int_equal(lc_rbuf_error(&b), LC_ELIMIT);
    lc_rbuf_puts(&b, "x");
    assert_null(lc_rbuf_take(&b, NULL));
    lc_rbuf_free(&b);

    /* Long printf output goes through the slow path. */
    lc_rbuf_init(&b, 0);
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    lc_rbuf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 1001);
    s = lc_rbuf_take(&b, NULL);
    assert_true(s[0] == '<' && s[1000] == '>');
    free(s);
    lc_rbuf_init(&b, 0);
    s = lc_rbuf_take(&b, &len);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
}

/* ---- Summary ------------------------------------------------------------------------------------
 */

static void test_summary(void **state)
{
    (void)state;
    struct lc_result r;
    sample(&r);
    struct lc_report_figures f;
    lc_report_figures(&r, &f);
    assert_int_equal(f.verdict, LC_REPORT_FAIL);
    assert_int_equal(f.thr_pass, 1);
    assert_int_equal(f.thr_fail, 1);
    assert_true(f.load);
    assert_int_equal(f.requests, 20000);
    assert_int_equal(f.errors, 80);
    assert_true(fabs(f.rps - 1000) < 1e-9);
    assert_true(fabs(f.recorded_s - 20) < 1e-9);
    assert_true(f.p50_ns > 8e6 && f.p50_ns < 12e6);
    char b[256];
    assert_string_equal(lc_report_verdict_text(&r, &f, b, sizeof(b)), "1 of 2 thresholds failed.");
    r.partial = true;
    assert_int_equal(lc_result_set_str(&r.stop_reason, "interrupted"), 0);
    assert_string_equal(lc_report_verdict_text(&r, &f, b, sizeof(b)),
                        "1 of 2 thresholds failed. Interrupted: the figures cover only part of "
                        "the plan (interrupted).");
    assert_string_equal(lc_report_title(&r, NULL, b, sizeof(b)), "loadcell http: synthetic");
    assert_int_equal(lc_result_set_str(&r.name, "http"), 0);
    assert_string_equal(lc_report_title(&r, NULL, b, sizeof(b)),
                        "loadcell http: http://127.0.0.1:8080/");
    struct lc_report_opts o = {.title = "My run"};
    assert_string_equal(lc_report_title(&r, &o, b, sizeof(b)), "My run");
    r.thresholds[1].verdict = LC_RESULT_VERDICT_WARN;
    lc_report_figures(&r, &f);
    assert_int_equal(f.verdict, LC_REPORT_WARN);
    assert_string_equal(lc_report_verdict_word(f.verdict), "PASSED WITH WARNINGS");
    lc_result_free(&r);
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    lc_report_figures(&r, &f);
    assert_int_equal(f.verdict, LC_REPORT_NONE);
    assert_true(isnan(f.p99_ns));
    assert_string_equal(lc_report_verdict_text(&r, &f, b, sizeof(b)), "No thresholds were set.");
    lc_result_free(&r);
}

/* ---- Markdown ---------------------------------------------------------------------------------
 */

static void test_markdown(void **state)
{
    (void)state;
    struct lc_result r;
    sample(&r);
    struct lc_error err;
    char *md;
    size_t len;
    struct lc_report_opts o = {.source = "run.json"};
    assert_int_equal(lc_report_markdown_render(&r, &o, &md, &len, &err), 0);
    assert_int_equal(len, strlen(md));
    expect_in(md, "### \xe2\x9d\x8c FAILED \xe2\x80\x94 loadcell http: synthetic\n");
    expect_in(md, "1 of 2 thresholds failed.");
    expect_in(md, "> \xe2\x9a\xa0\xef\xb8\x8f only 45 of 50 connections could be established");
    expect_in(md, "| 20,000 | 1,000/s | 80 (0.4%) |");
    expect_in(md, "| \xe2\x9c\x85 pass | `p(99) < 25ms` | 20 ms | 25 ms |");
    expect_in(md, "| \xe2\x9d\x8c fail | `error_rate < 0.1%` | 0.4% | 0.1% |");
    expect_in(md, "**Findings**");
    expect_in(md, "threshold_cause");
    /* Names in code spans keep their characters; a pipe must not split the table. */
    expect_in(md, "| `GET /a\\|b` |");
    expect_in(md, "| `POST <script>alert(1)</script>` |");
    expect_in(md, "| `warmup` (not recorded) | 3.0 s |");
    expect_in(md, "`run.json`</sub>\n");
    /* Every table row has as many cells as its header. */
    size_t lines = 0;
    for (char *p = md; *p; p++)
        lines += *p == '\n';
    assert_true(lines > 20);
    char *again;
    assert_int_equal(lc_report_markdown_render(&r, &o, &again, NULL, &err), 0);
    assert_string_equal(md, again); /* deterministic */
    free(again);
    free(md);
    lc_result_free(&r);

    bench_sample(&r, false);
    assert_int_equal(lc_report_markdown_render(&r, NULL, &md, NULL, &err), 0);
    expect_in(md, "### \xe2\x9c\x94\xef\xb8\x8f COMPLETED");
    expect_in(md, "**Commands**");
    expect_in(md, "| `sort {n} (n=64000)` | 5 |");
    expect_in(md, "| `true` | 2 (failed runs) |");
    expect_in(md, "**Scaling** of `sort {n}` in n: time \xe2\x88\x9d n^1.00");
    expect_not_in(md, "| Requests | Throughput |");
    free(md);
    lc_result_free(&r);
}

/* ---- CSV
 * ----------------------------------------------------------------------------------------- */

/* The n-th line of text (0-based) into buf without its "\r\n". */
static void line_of(const char *text, int n, char *buf, size_t size)
{
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    assert_non_null(p);
    const char *e = strstr(p, "\r\n");
    assert_non_null(e);
    snprintf(buf, size, "%.*s", (int)(e - p), p);
}

static void test_csv(void **state)
{
    (void)state;
    struct lc_result r;
    sample(&r);
    struct lc_error err;
    char *csv, line[2048];
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_STATS, &csv, NULL, &err), 0);
    /* Locust's exact header. */
    line_of(csv, 0, line, sizeof(line));
    assert_string_equal(line, "Type,Name,Request Count,Failure Count,Median Response Time,Average "
                              "Response Time,Min Response Time,Max Response Time,Average Content "
                              "Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
                              "99.99%,100%");
    line_of(csv, 1, line, sizeof(line));
    expect_in(line, "GET,GET /a|b,16000,40,");
    line_of(csv, 2, line, sizeof(line));
    expect_in(line, "POST,POST <script>alert(1)</script>,4000,40,");
    line_of(csv, 3, line, sizeof(line));
    expect_in(line, ",Aggregated,20000,80,");
    /* Requests/s and Failures/s of the aggregate: 1000/s and 4/s over the 20 s recorded. */
    expect_in(line, ",200.000,1000.000,4.000,");
    assert_int_equal(count_of(csv, "\r\n"), 4);
    free(csv);

    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_HISTORY, &csv, NULL, &err), 0);
    line_of(csv, 0, line, sizeof(line));
    assert_string_equal(line, "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,"
                              "80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total "
                              "Failure Count,Total Median Response Time,Total Average Response "
                              "Time,Total Min Response Time,Total Max Response Time,Total Average "
                              "Content Size,Phase,Elapsed (s),Target Requests/s,Schedule Lag 99%");
    assert_int_equal(count_of(csv, "\r\n"), 1 + 3 + 20);
    line_of(csv, 1, line, sizeof(line)); /* warm-up: not counted in the totals */
    assert_string_equal(line, "1717243201,50,,Aggregated,500.000,0.000,30.000,N/A,N/A,N/A,36.000,"
                              "N/A,N/A,60.000,N/A,N/A,78.000,0,0,N/A,N/A,N/A,N/A,0.000,warmup,"
                              "1.000,0.000,0.000");
    line_of(csv, 23, line, sizeof(line));
    expect_in(line, "1717243223,50,,Aggregated,1000.000,4.000,10.000,");
    expect_in(line, ",20000,80,N/A,N/A,N/A,N/A,200.000,main,23.000,");
    free(csv);

    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_FAILURES, &csv, NULL, &err), 0);
    assert_string_equal(csv, "Method,Name,Error,Occurrences\r\n"
                             "GET,GET /a|b,status_503,40\r\n"
                             "POST,POST <script>alert(1)</script>,timeout,40\r\n");
    free(csv);
    /* A scenario run with load phases and a benchmark: both kinds of rows. */
    r.kind = LC_RESULT_KIND_RUN;
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(&r, "index", "make index", &c), 0);
    struct lc_result_bench_run run = {.wall_ns = 2000000, .exit_code = 1, .artifact_bytes = -1};
    assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_STATS, &csv, NULL, &err), 0);
    assert_int_equal(count_of(csv, "\r\n"), 5);
    expect_in(csv, "\r\n,Aggregated,20000,80,");
    expect_in(csv, "\r\nCMD,index,1,1,2.000,");
    free(csv);
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_FAILURES, &csv, NULL, &err), 0);
    expect_in(csv, "timeout,40\r\nCMD,index,exit code 1,1\r\n");
    free(csv);
    lc_result_free(&r);

    bench_sample(&r, false);
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_STATS, &csv, NULL, &err), 0);
    expect_in(csv, "CMD,sort {n} (n=1000),5,0,1.020,1.020,1.000,1.040,0.000,");
    expect_in(csv, "CMD,true,2,1,");
    free(csv);
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_FAILURES, &csv, NULL, &err), 0);
    assert_string_equal(csv, "Method,Name,Error,Occurrences\r\nCMD,true,exit code 3,1\r\n");
    free(csv);
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_COUNT, &csv, NULL, &err), LC_EINVAL);
    lc_result_free(&r);
}

/* ---- HTML
 * ---------------------------------------------------------------------------------------- */

/* Structural checks every page must pass. */
static void html_sane(const char *html)
{
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    expect_in(html, "</html>\n");
    assert_int_equal(count_of(html, "<svg"), count_of(html, "</svg>"));
    assert_int_equal(count_of(html, "<section"), count_of(html, "</section>"));
    assert_int_equal(count_of(html, "<table"), count_of(html, "</table>"));
    /* Self-contained: no scripts, no external resources of any kind. */
    expect_not_in(html, "<script");
    expect_not_in(html, "src=");
    expect_not_in(html, "href=\"http");
    expect_not_in(html, "url(");
    expect_not_in(html, "@import");
    expect_not_in(html, "<link");
    expect_in(html, "@media print");
    expect_not_in(html, "\"nan");
    expect_not_in(html, "\"-nan");
    expect_not_in(html, ">nan");
    expect_not_in(html, "inf\"");
}

static void test_html(void **state)
{
    (void)state;
    struct lc_result r;
    sample(&r);
    struct lc_error err;
    char *html;
    size_t len;
    struct lc_report_opts o = {.source = "run.json"};
    assert_int_equal(lc_report_html_render(&r, &o, &html, &len, &err), 0);
    assert_int_equal(len, strlen(html));
    html_sane(html);
    /* Charts: throughput, latency, users, percentiles, histogram, 2 resource units. */
    assert_int_equal(count_of(html, "<svg class=\"chart\""), 7);
    expect_in(html, "aria-label=\"Throughput over time\"");
    expect_in(html, "aria-label=\"Latency by percentile\"");
    expect_in(html, ">99.9%</text>");
    expect_in(html, "aria-label=\"sut.cpu_percent\"");
    /* Phase marks and the unrecorded warm-up band. */
    expect_in(html, "class=\"mark\"");
    expect_in(html, ">main</text>");
    expect_in(html, "class=\"band-muted\"");
    /* Tables and sections. */
    expect_in(html, "<div class=\"word\">FAILED</div>");
    expect_in(html, "<span class=\"pill fail\">fail</span>");
    expect_in(html, "<span class=\"pill pass\">pass</span>");
    expect_in(html, "<code>error_rate &lt; 0.1%</code>");
    expect_in(html, "POST &lt;script&gt;alert(1)&lt;/script&gt;");
    expect_in(html, "class=\"s5xx\">503</td>");
    expect_in(html, "<code>status_503</code>");
    expect_in(html, "bench-01");
    expect_in(html, "&#39;p(99) &lt; 25ms&#39;"); /* the command line, shell-quoted */
    expect_in(html, "only 45 of 50 connections");
    expect_in(html, "id=\"findings\"");
    /* Hover text on the time charts. */
    expect_in(html, "<g class=\"hover\"><rect");
    char *again;
    assert_int_equal(lc_report_html_render(&r, &o, &again, NULL, &err), 0);
    assert_string_equal(html, again);
    free(again);
    free(html);
    lc_result_free(&r);

    /* A bench result: commands, box plot and one scaling chart per scanned parameter. */
    bench_sample(&r, true);
    assert_int_equal(lc_report_html_render(&r, NULL, &html, NULL, &err), 0);
    html_sane(html);
    expect_in(html, "aria-label=\"Wall time per command\"");
    assert_int_equal(count_of(html, "aria-label=\"Scaling in n\""), 1);
    expect_in(html, "fit: time \xe2\x88\x9d n^1.00 (R\xc2\xb2 1.000)");
    expect_in(html, "sort {n} (threads=4)");
    expect_not_in(html, "id=\"throughput\"");
    free(html);
    lc_result_free(&r);

    /* An empty result still renders a valid page. */
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    assert_int_equal(lc_report_html_render(&r, NULL, &html, NULL, &err), 0);
    html_sane(html);
    expect_in(html, "COMPLETED");
    assert_int_equal(count_of(html, "<svg"), 0);
    free(html);
    /* A monitor result: one chart per unit of its resource series, with hover text. */
    r.duration_ns = 30000000000ull;
    struct lc_result_resource *a = synth_resource(&r, "sut.cpu_percent", "%");
    struct lc_result_resource *m = synth_resource(&r, "sut.rss_bytes", "bytes");
    struct lc_result_resource *g = synth_resource(&r, "gen.cpu_percent", "%");
    for (int i = 0; i < 30; i++) {
        assert_int_equal(lc_result_resource_add(a, i, 50 + i), 0);
        assert_int_equal(lc_result_resource_add(m, i + 0.5, 1e8 + 1e6 * i), 0);
        assert_int_equal(lc_result_resource_add(g, i + 0.25, 5), 0);
    }
    assert_int_equal(lc_report_html_render(&r, NULL, &html, NULL, &err), 0);
    html_sane(html);
    assert_int_equal(count_of(html, "<svg class=\"chart\""), 2);
    expect_in(html, "aria-label=\"sut.cpu_percent, gen.cpu_percent\"");
    expect_in(html, ">Resource series</div><div class=\"v\">3</div>");
    expect_in(html, ">100 MB</text>");
    expect_in(html, "\ngen.cpu_percent: 5%</title>");
    free(html);
    lc_result_free(&r);
}

/* ---- Bench scans
 * ---------------------------------------------------------------------------------- */

static void test_scans(void **state)
{
    (void)state;
    struct lc_result r;
    bench_sample(&r, true);
    struct lc_report_scan *sc;
    size_t n;
    assert_int_equal(lc_report_scans(&r, &sc, &n), 0);
    assert_int_equal(n, 2); /* threads=1 and threads=4 */
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(sc[i].param, "n");
        assert_int_equal(sc[i].n, 7);
        assert_true(sc[i].fitted);
        assert_true(fabs(sc[i].fit.slope - 1.0) < 1e-6);
        for (size_t j = 1; j < sc[i].n; j++)
            assert_true(sc[i].x[j] > sc[i].x[j - 1]);
    }
    assert_string_equal(sc[0].others, "threads=1");
    assert_string_equal(sc[1].others, "threads=4");
    lc_report_scans_free(sc, n);
    struct lc_report_cmd_stats st;
    assert_int_equal(lc_report_cmd_stats(r.commands[r.n_commands - 1], &st), 0);
    assert_int_equal(st.runs, 2);
    assert_int_equal(st.failed, 1);
    assert_true(fabs(st.median_ns - 500000) < 1e-6);
    char lab[128];
    assert_string_equal(lc_report_cmd_label(r.commands[0], lab, sizeof(lab)),
                        "sort {n} (n=1000, threads=1)");
    lc_result_free(&r);

    /* Non-numeric parameters make no scan. */
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    for (int i = 0; i < 3; i++) {
        struct lc_result_bench_command *c;
        assert_int_equal(lc_result_add_command(&r, "gzip", "gzip", &c), 0);
        assert_int_equal(lc_result_command_set_param(c, "level", i ? "fast" : "best"), 0);
        struct lc_result_bench_run run = {.wall_ns = 1000, .artifact_bytes = -1};
        assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    }
    assert_int_equal(lc_report_scans(&r, &sc, &n), 0);
    assert_int_equal(n, 0);
    assert_null(sc);
    lc_result_free(&r);
}

/* ---- Files
 * ---------------------------------------------------------------------------------------- */

static void test_files(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/lc-report-XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct lc_result r;
    sample(&r);
    struct lc_error err;
    char path[256], prefix[256];
    snprintf(path, sizeof(path), "%s/r.html", dir);
    assert_int_equal(lc_report_html_write(&r, NULL, path, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 10000);
    snprintf(path, sizeof(path), "%s/r.md", dir);
    assert_int_equal(lc_report_markdown_write(&r, NULL, path, &err), 0);
    snprintf(prefix, sizeof(prefix), "%s/run", dir);
    assert_int_equal(lc_report_csv_check_writable(prefix, &err), 0);
    assert_int_equal(lc_report_csv_write(&r, prefix, &err), 0);
    static const char *const names[] = {"r.html", "r.md", "run_stats.csv", "run_history.csv",
                                        "run_failures.csv"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(stat(path, &st), 0);
    }
    /* Nothing else: no temporary file is left behind. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            files++;
    closedir(d);
    assert_int_equal(files, 5);

    /* Errors: one line naming the path and the reason. */
    char line[1024];
    snprintf(path, sizeof(path), "%s/missing/r.html", dir);
    assert_int_equal(lc_report_html_write(&r, NULL, path, &err), LC_EIO);
    lc_error_format(&err, line, sizeof(line));
    expect_in(line, path);
    expect_in(line, "cannot write the HTML report: directory");
    expect_in(line, "does not exist");
    assert_null(strchr(line, '\n'));
    assert_int_equal(lc_report_html_write(&r, NULL, dir, &err), LC_EIO);
    expect_in(err.msg, "is a directory");
    assert_int_equal(lc_report_markdown_write(&r, NULL, "", &err), LC_EINVAL);
    snprintf(prefix, sizeof(prefix), "%s/missing/run", dir);
    assert_int_equal(lc_report_csv_write(&r, prefix, &err), LC_EIO);
    expect_in(err.file, "run_stats.csv");
    assert_int_equal(lc_report_csv_check_writable(prefix, &err), LC_EIO);
    assert_int_equal(lc_report_csv_write(&r, "", &err), LC_EINVAL);
    assert_int_equal(lc_report_write_file(NULL, "x", 1, NULL, &err), LC_EINVAL);

    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
    lc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt),     cmocka_unit_test(test_buf),
        cmocka_unit_test(test_summary), cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_csv),     cmocka_unit_test(test_html),
        cmocka_unit_test(test_scans),   cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
