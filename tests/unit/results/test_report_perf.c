/* Performance bound of the reports: 1 h at 1 s resolution with 50 request names renders fast and
 * small. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "results/report_csv.h"
#include "results/report_html.h"
#include "results/report_markdown.h"
#include "results/result.h"
#include "test_report_synth.h"

#define SECONDS 3600
#define NAMES   50

/* The HTML must stay below this size ... */
#define MAX_HTML_BYTES (2u * 1024u * 1024u)
/* ... and render within this time: the brief's goal is 2 s, this bound is generous because
 * CI machines are shared and the sanitizer build is several times slower. */
#define MAX_RENDER_S 10.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An hour of an open-model run: 50 names, a point per second, three resource series. */
static void hour(struct lc_result *r)
{
    struct lc_rng g;
    lc_rng_seed(&g, 42);
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_OPEN, 0, SECONDS, true);
    ph->target_rps = 2000;
    for (int i = 1; i <= SECONDS; i++) {
        double p50 = 10 + 2 * sin(i / 300.0) + lc_rng_normal(&g) * 0.3;
        synth_point(ph, i, 2000, (uint64_t)lc_rng_range(&g, 0, 8), 120, 2000, p50,
                    p50 * (3 + lc_rng_uniform(&g)));
    }
    char name[64];
    for (int k = 0; k < NAMES; k++) {
        snprintf(name, sizeof(name), "GET /api/v1/resource-%02d/items", k);
        /* 40 requests/s for an hour, in 60 latency classes. */
        for (int j = 0; j < 60; j++) {
            struct lc_result_stats *s;
            assert_int_equal(lc_result_phase_request(ph, name, &s), 0);
            if (j == 0)
                assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_LATENCY), 0);
            double ms = (5 + k % 7) * exp(0.05 * j);
            uint64_t n = (uint64_t)(SECONDS * 40 * exp(-0.12 * j) * 0.12);
            lc_hdr_record_n(&s->hist[LC_HIST_LATENCY], (int64_t)(ms * 1e6), (int64_t)n);
            s->requests += n;
        }
        struct lc_result_stats *s = lc_result_phase_find_request(ph, name);
        assert_int_equal(lc_result_stats_add_error(s, k % 2 ? "timeout" : "status_500", 20 + k), 0);
        lc_result_stats_add_status(s, 200, s->requests - s->errors);
        assert_int_equal(lc_result_stats_merge(&ph->stats, s), 0);
    }
    ph->stats.target_rps = 2000;
    static const char *const res[][2] = {
        {"sut.cpu_percent", "%"}, {"gen.cpu_percent", "%"}, {"sut.rss_bytes", "bytes"}};
    for (size_t k = 0; k < 3; k++) {
        struct lc_result_resource *rs = synth_resource(r, res[k][0], res[k][1]);
        for (int i = 0; i <= SECONDS; i++) {
            double v = k == 2 ? 500e6 + lc_rng_normal(&g) * 2e6 : 50 + 10 * lc_rng_uniform(&g);
            assert_int_equal(lc_result_resource_add(rs, i, v), 0);
        }
    }
    synth_done(r);
}

static void test_hour_50_names(void **state)
{
    (void)state;
    struct lc_result r;
    hour(&r);
    assert_int_equal(r.n_requests, NAMES);
    assert_int_equal(r.phases[0]->n_series, SECONDS);
    struct lc_error err;
    char *html;
    size_t len;
    double t0 = now_s();
    assert_int_equal(lc_report_html_render(&r, NULL, &html, &len, &err), 0);
    double secs = now_s() - t0;
    print_message("HTML: %zu bytes in %.3f s\n", len, secs);
    /* Every name is in the table; the long series are reduced, not dropped. */
    assert_non_null(strstr(html, "GET /api/v1/resource-49/items"));
    assert_non_null(strstr(html, "aria-label=\"Latency percentiles over time\""));
    assert_true(len < MAX_HTML_BYTES);
    assert_true(len > 100000);
    assert_true(secs < MAX_RENDER_S);
    /* LC_REPORT_DUMP=FILE keeps the page for a look in a browser. */
    const char *dump = getenv("LC_REPORT_DUMP");
    if (dump) {
        FILE *f = fopen(dump, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(html, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
    free(html);

    char *md;
    t0 = now_s();
    assert_int_equal(lc_report_markdown_render(&r, NULL, &md, &len, &err), 0);
    print_message("Markdown: %zu bytes in %.3f s\n", len, now_s() - t0);
    assert_true(len < 64 * 1024);
    free(md);

    char *csv;
    t0 = now_s();
    assert_int_equal(lc_report_csv_render(&r, LC_REPORT_CSV_HISTORY, &csv, &len, &err), 0);
    print_message("CSV history: %zu bytes in %.3f s\n", len, now_s() - t0);
    size_t lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, SECONDS + 1);
    free(csv);
    assert_true(now_s() - t0 < MAX_RENDER_S);
    lc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hour_50_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
