/* libFuzzer target: threshold expressions, parsed in every mode and judged against a fixed Result.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/threshold.h"

/* A small Result with load phases, requests, resources and bench commands (built once). */
static struct lc_result fixed;
static int fixed_ready;

static void must(int rc)
{
    if (rc != 0)
        __builtin_trap();
}

static void build_fixed(void)
{
    lc_result_init(&fixed, LC_RESULT_KIND_RUN);
    fixed.duration_ns = 30000000000ULL;
    fixed.gen_cpu_user_s = 2;
    fixed.gen_cpu_sys_s = 1;
    static const char *const names[] = {"warmup", "steady", "peak"};
    for (int i = 0; i < 3; i++) {
        struct lc_result_phase *ph;
        must(lc_result_add_phase(&fixed, names[i], &ph));
        ph->start_offset_ns = (uint64_t)i * 10000000000ULL;
        ph->duration_ns = 10000000000ULL;
        ph->recorded = i > 0;
        ph->stats.requests = 100u * (unsigned)(i + 1);
        must(lc_result_stats_add_error(&ph->stats, "timeout", (uint64_t)i * 3));
        must(lc_result_stats_enable_hist(&ph->stats, LC_HIST_LATENCY));
        must(lc_result_stats_enable_hist(&ph->stats, LC_HIST_TTFB));
        for (int k = 1; k <= 50; k++) {
            lc_hdr_record(&ph->stats.hist[LC_HIST_LATENCY], (int64_t)k * 1000000 * (i + 1));
            lc_hdr_record(&ph->stats.hist[LC_HIST_TTFB], (int64_t)k * 100000);
        }
        struct lc_result_stats *q;
        must(lc_result_phase_request(ph, "query", &q));
        q->requests = 60u * (unsigned)(i + 1);
        must(lc_result_stats_enable_hist(q, LC_HIST_SERVICE));
        lc_hdr_record(&q->hist[LC_HIST_SERVICE], 5000000);
        struct lc_result_stats *h;
        must(lc_result_phase_request(ph, "health", &h));
        h->requests = 40;
    }
    must(lc_result_compute_totals(&fixed));
    struct lc_result_resource *cpu, *rss, *gen;
    must(lc_result_add_resource(&fixed, "sut.cpu_percent", "%", &cpu));
    must(lc_result_add_resource(&fixed, "sut.rss_bytes", "bytes", &rss));
    must(lc_result_add_resource(&fixed, "gen.cpu_percent", "%", &gen));
    for (int t = 0; t < 30; t++) {
        must(lc_result_resource_add(cpu, t + 0.5, 10.0 + t));
        must(lc_result_resource_add(rss, t + 0.5, 1e8 + 1e4 * t));
        must(lc_result_resource_add(gen, t + 0.5, 5.0));
    }
    struct lc_result_bench_command *c;
    must(lc_result_add_command(&fixed, "sort", "./sort", &c));
    must(lc_result_command_set_param(c, "n", "10"));
    for (int k = 0; k < 3; k++) {
        struct lc_result_bench_run run = {0}, *stored;
        run.wall_ns = 1000000u * (unsigned)(k + 1);
        run.user_ns = run.wall_ns / 2;
        run.max_rss_bytes = 1u << 20;
        run.artifact_bytes = -1;
        must(lc_result_command_add_run(c, &run, &stored));
        must(lc_result_run_add_metric(stored, "lat", 3.0 + k, "ms"));
        must(lc_result_run_add_metric(stored, "items", 10.0, NULL));
    }
    must(lc_result_add_command(&fixed, "hash", "./hash", &c));
}

/* Check the outcome's invariants and exercise the printers and the recorder. */
static void check(const struct lc_threshold *t, int rc, const struct lc_threshold_outcome *o)
{
    if (rc == 0) {
        if (!o->ok || o->error[0] || (o->verdict == LC_RESULT_VERDICT_FAIL) != !o->holds)
            __builtin_trap();
        if (o->n_terms == 1 && !isfinite(o->terms[0].observed))
            __builtin_trap();
    } else if (rc == LC_EINVAL) {
        if (o->ok || !o->error[0] || o->verdict != LC_RESULT_VERDICT_FAIL)
            __builtin_trap();
    } else if (rc != LC_ENOMEM) {
        __builtin_trap();
    }
    char small[16], big[1024];
    lc_threshold_format(t, o, small, sizeof(small));
    lc_threshold_format(t, o, big, sizeof(big));
    lc_threshold_explain(o, small, sizeof(small));
    lc_threshold_explain(o, big, sizeof(big));
    if (strlen(small) >= sizeof(small) || strlen(big) >= sizeof(big))
        __builtin_trap();
    struct lc_result scratch;
    lc_result_init(&scratch, LC_RESULT_KIND_HTTP);
    int rrc = lc_threshold_record(t, o, &scratch);
    if (rrc == 0 && (scratch.n_thresholds != 1 ||
                     strcmp(scratch.thresholds[0].expr, lc_threshold_text(t)) != 0))
        __builtin_trap();
    lc_result_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fixed_ready) {
        build_fixed();
        fixed_ready = 1;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    static const enum lc_threshold_mode modes[] = {LC_THRESHOLD_LOAD, LC_THRESHOLD_BENCH,
                                                   LC_THRESHOLD_ANY, LC_THRESHOLD_MONITOR};
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        struct lc_threshold *t = (struct lc_threshold *)&fixed; /* must be reset on failure */
        struct lc_error err;
        lc_error_clear(&err);
        int rc = lc_threshold_parse(text, modes[m], &t, &err);
        if (rc != 0) {
            if (t != NULL || (rc != LC_EINVAL && rc != LC_ENOMEM) || !err.msg[0])
                __builtin_trap();
            continue;
        }
        if (!t || strcmp(lc_threshold_text(t), text) != 0 || lc_threshold_n_terms(t) == 0 ||
            lc_threshold_n_terms(t) > LC_THRESHOLD_MAX_TERMS)
            __builtin_trap();
        struct lc_threshold_outcome o;
        rc = lc_threshold_eval(t, &fixed, &o, &err);
        check(t, rc, &o);
        rc = lc_threshold_eval_phase(t, &fixed, "peak", &o, &err);
        check(t, rc, &o);
        lc_threshold_free(t);
    }
    free(text);
    return 0;
}
