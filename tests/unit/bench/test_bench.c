/* Unit tests for bench/bench: the engine from plan to Result with real (tiny) processes. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/bench.h"
#include "bench/metrics.h"
#include "core/clock.h"

static char dir[] = "/tmp/lc-bench-test-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A plan with one command, no shell, exactly `runs` runs. */
static struct lc_bench_plan one(const struct lc_bench_command_spec *spec, uint64_t runs)
{
    struct lc_bench_plan p;
    lc_bench_plan_defaults(&p);
    p.commands = spec;
    p.n_commands = 1;
    p.shell = NULL;
    p.runs = runs;
    return p;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

struct counts {
    int start, run, warm, done;
};

static void count_events(const struct lc_bench_event *ev, void *ctx)
{
    struct counts *c = ctx;
    if (ev->kind == LC_BENCH_EV_POINT_START)
        c->start++;
    else if (ev->kind == LC_BENCH_EV_POINT_DONE)
        c->done++;
    else if (ev->warmup)
        c->warm++;
    else
        c->run++;
}

static void test_plain_runs(void **state)
{
    (void)state;
    struct lc_bench_command_spec spec = {.command = "true"};
    struct lc_bench_plan p = one(&spec, 4);
    p.warmup_runs = 2;
    struct counts cnt = {0};
    struct lc_bench_hooks hooks = {.on_event = count_events, .ctx = &cnt};
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, &hooks, &r, &out, &err), 0);
    assert_int_equal(r.n_commands, 1);
    assert_string_equal(r.commands[0]->name, "true");
    assert_string_equal(r.commands[0]->command, "true");
    assert_int_equal(r.commands[0]->n_runs, 4);
    assert_int_equal(r.commands[0]->n_params, 0);
    for (size_t i = 0; i < 4; i++) {
        const struct lc_result_bench_run *run = &r.commands[0]->runs[i];
        assert_int_equal(run->exit_code, 0);
        assert_true(run->wall_ns > 0);
        assert_true(run->max_rss_bytes > 0);
        assert_int_equal(run->artifact_bytes, -1);
        assert_non_null(lc_bench_run_metric(run, LC_BENCH_METRIC_VCSW));
        assert_non_null(lc_bench_run_metric(run, LC_BENCH_METRIC_IVCSW));
    }
    assert_int_equal(cnt.start, 1);
    assert_int_equal(cnt.warm, 2);
    assert_int_equal(cnt.run, 4);
    assert_int_equal(cnt.done, 1);
    assert_false(out.partial);
    assert_false(out.shell_calibrated);
    assert_int_equal(out.timed_runs, 4);
    assert_int_equal(out.all_runs, 6);
    assert_true(out.spawn_median_ns > 0);
    assert_true(out.harness_rss_bytes > 0);
    assert_false(r.partial);
    assert_true(r.end_wall_ns >= r.start_wall_ns && r.duration_ns > 0);
    lc_result_free(&r);
}

static void test_shell_and_budget(void **state)
{
    (void)state;
    struct lc_bench_command_spec spec = {.command = "sleep 0.01"};
    struct lc_bench_plan p = one(&spec, 0);
    p.shell = "sh";
    p.shell_calibration_runs = 5;
    p.min_runs = 2;
    p.max_runs = 50;
    p.min_time_ns = 60 * LC_NS_PER_MS;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    assert_true(out.shell_calibrated);
    assert_int_equal(out.shell_runs, 5);
    assert_true(out.shell_wall_ns > 0);
    /* About 60 ms of 10 ms runs: at least 3 (the shell's start-up is subtracted after
     * the budget), at most 6. */
    size_t n = r.commands[0]->n_runs;
    assert_true(n >= 3 && n <= 6);
    for (size_t i = 0; i < n; i++)
        assert_true(r.commands[0]->runs[i].wall_ns >= 9 * LC_NS_PER_MS);
    /* The subtraction is recorded as a warning. */
    bool warned = false;
    for (size_t i = 0; i < r.n_warnings; i++)
        warned = warned || strstr(r.warnings[i], "start-up cost subtracted") != NULL;
    assert_true(warned);
    lc_result_free(&r);
    /* max_runs caps a long budget; min_runs wins over a zero budget. */
    p.shell = NULL;
    p.min_time_ns = 10 * LC_NS_PER_SEC;
    p.max_runs = 3;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    assert_int_equal(r.commands[0]->n_runs, 3);
    lc_result_free(&r);
    p.min_time_ns = 0;
    p.max_runs = 0;
    p.min_runs = 2;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    assert_int_equal(r.commands[0]->n_runs, 2);
    lc_result_free(&r);
}

static void test_scan_metrics_derive(void **state)
{
    (void)state;
    struct lc_bench_scan scan;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_scan_parse("n=100..400:x2", &scan, &err), 0);
    struct lc_bench_derive d[2];
    assert_int_equal(lc_bench_derive_parse("cost[USD] = tokens * 2 / n", &d[0], &err), 0);
    assert_int_equal(lc_bench_derive_parse("ghost = nothing * 2", &d[1], &err), 0);
    char cmd[512], art[256];
    snprintf(cmd, sizeof(cmd),
             "sh -c 'head -c {n} /dev/zero > %s/out-{n}; printf \"tokens={n} tok\\nbad line\\n\" "
             "> \"$LOADCELL_METRICS\"'",
             dir);
    snprintf(art, sizeof(art), "%s/out-{n}", dir);
    struct lc_bench_command_spec spec = {.command = cmd, .name = "writer"};
    struct lc_bench_plan p = one(&spec, 2);
    p.scans = &scan;
    p.n_scans = 1;
    p.derives = d;
    p.n_derives = 2;
    p.artifact = art;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    assert_int_equal(r.n_commands, 3);
    const char *ns[] = {"100", "200", "400"};
    for (size_t i = 0; i < 3; i++) {
        const struct lc_result_bench_command *c = r.commands[i];
        assert_string_equal(c->name, "writer");
        assert_int_equal(c->n_params, 1);
        assert_string_equal(c->params[0].key, "n");
        assert_string_equal(c->params[0].value, ns[i]);
        assert_non_null(strstr(c->command, ns[i]));
        assert_null(strstr(c->command, "{n}"));
        double n = strtod(ns[i], NULL);
        for (size_t k = 0; k < c->n_runs; k++) {
            const struct lc_result_bench_run *run = &c->runs[k];
            assert_int_equal(run->artifact_bytes, (int64_t)n);
            const struct lc_result_metric *t = lc_bench_run_metric(run, "tokens");
            assert_non_null(t);
            assert_true(t->value == n);
            assert_string_equal(t->unit, "tok");
            const struct lc_result_metric *cost = lc_bench_run_metric(run, "cost");
            assert_non_null(cost);
            assert_float_equal(cost->value, 2.0, 1e-12);
            assert_string_equal(cost->unit, "USD");
            assert_null(lc_bench_run_metric(run, "ghost"));
        }
    }
    /* Warnings name the malformed metric line and the missing name. */
    bool bad_line = false, ghost = false;
    for (size_t i = 0; i < r.n_warnings; i++) {
        bad_line = bad_line || strstr(r.warnings[i], "malformed line") != NULL;
        ghost = ghost || strstr(r.warnings[i], "'nothing'") != NULL;
    }
    assert_true(bad_line);
    assert_true(ghost);
    lc_result_free(&r);
    lc_bench_scan_free(&scan);
    lc_bench_derive_free(&d[0]);
    lc_bench_derive_free(&d[1]);
}

static void test_helpers_order(void **state)
{
    (void)state;
    char log[256], cmd[5][320];
    snprintf(log, sizeof(log), "%s/order.log", dir);
    const char *tags[] = {"setup", "prepare", "run", "conclude", "cleanup"};
    for (int i = 0; i < 5; i++)
        snprintf(cmd[i], sizeof(cmd[i]), "sh -c 'echo %s >> %s'", tags[i], log);
    struct lc_bench_command_spec spec = {.command = cmd[2]};
    struct lc_bench_plan p = one(&spec, 2);
    p.warmup_runs = 1;
    p.setup = cmd[0];
    p.prepare = cmd[1];
    p.conclude = cmd[3];
    p.cleanup = cmd[4];
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    char *got = read_all(log);
    assert_non_null(got);
    assert_string_equal(got, "setup\n"
                             "prepare\nrun\nconclude\n"
                             "prepare\nrun\nconclude\n"
                             "prepare\nrun\nconclude\n"
                             "cleanup\n");
    free(got);
    lc_result_free(&r);
    /* A failing prepare stops the run and says which helper failed. */
    p.prepare = "sh -c 'echo no-data >&2; exit 5'";
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "--prepare"));
    assert_non_null(strstr(err.msg, "exit code 5"));
    assert_string_equal(out.stderr_tail, "no-data");
    assert_true(r.partial);
    assert_non_null(r.stop_reason);
    lc_result_free(&r);
}

static void test_failure(void **state)
{
    (void)state;
    struct lc_bench_command_spec spec = {
        .command = "sh -c 'i=0; while [ $i -lt 12 ]; do echo line$i >&2; i=$((i+1)); done; "
                   "exit 4'"};
    struct lc_bench_plan p = one(&spec, 3);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "exit code 4"));
    assert_non_null(strstr(err.msg, "--ignore-failure"));
    assert_int_equal(out.failed_exit_code, 4);
    assert_true(out.partial);
    /* The last 8 lines of stderr, the first ones dropped. */
    assert_non_null(strstr(out.stderr_tail, "line11"));
    assert_non_null(strstr(out.stderr_tail, "line4"));
    assert_null(strstr(out.stderr_tail, "line3"));
    /* The failed run is in the partial result. */
    assert_int_equal(r.commands[0]->n_runs, 1);
    assert_int_equal(r.commands[0]->runs[0].exit_code, 4);
    lc_result_free(&r);
    /* With ignore_failure every run is kept and a warning says so. */
    p.ignore_failure = true;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    assert_int_equal(r.commands[0]->n_runs, 3);
    bool warned = false;
    for (size_t i = 0; i < r.n_warnings; i++)
        warned = warned || strstr(r.warnings[i], "3 of 3 runs failed") != NULL;
    assert_true(warned);
    lc_result_free(&r);
    /* A program that does not exist cannot be ignored. */
    struct lc_bench_command_spec missing = {.command = "loadcell-missing-program --x"};
    p.commands = &missing;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "loadcell-missing-program"));
    lc_result_free(&r);
    /* An unterminated quote under -N is a plan error. */
    struct lc_bench_command_spec quote = {.command = "echo 'open"};
    p.commands = &quote;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_EINVAL);
    lc_result_free(&r);
}

static void test_streams_and_names(void **state)
{
    (void)state;
    char in[256], outp[256];
    snprintf(in, sizeof(in), "%s/input.txt", dir);
    snprintf(outp, sizeof(outp), "%s/output.txt", dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("abc\n", f);
    fclose(f);
    struct lc_bench_command_spec specs[2] = {{.command = "cat"}, {.command = "cat"}};
    struct lc_bench_plan p = one(specs, 2);
    p.n_commands = 2;
    p.input_path = in;
    p.output = LC_BENCH_OUTPUT_FILE;
    p.output_path = outp;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), 0);
    /* Every run reads the input from its start; the output collects all 4 runs. */
    char *got = read_all(outp);
    assert_string_equal(got, "abc\nabc\nabc\nabc\n");
    free(got);
    /* Equal names are made unique. */
    assert_string_equal(r.commands[0]->name, "cat");
    assert_string_equal(r.commands[1]->name, "cat #2");
    lc_result_free(&r);
}

static void test_interrupt(void **state)
{
    (void)state;
    static volatile sig_atomic_t stop = 1;
    struct lc_bench_command_spec spec = {.command = "sleep 5"};
    struct lc_bench_plan p = one(&spec, 3);
    struct lc_bench_hooks hooks = {.interrupted = &stop};
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    uint64_t t0 = lc_clock_now_ns();
    assert_int_equal(lc_bench_run(&p, &hooks, &r, &out, &err), LC_EINTR);
    assert_true(lc_clock_now_ns() - t0 < LC_NS_PER_SEC);
    assert_true(out.interrupted);
    assert_true(r.partial);
    assert_string_equal(r.stop_reason, "interrupted");
    lc_result_free(&r);
}

static void test_bad_plans(void **state)
{
    (void)state;
    struct lc_bench_plan p;
    lc_bench_plan_defaults(&p);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_bench_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_EINVAL);
    struct lc_bench_command_spec empty = {.command = ""};
    p.commands = &empty;
    p.n_commands = 1;
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_EINVAL);
    struct lc_bench_command_spec ok = {.command = "true"};
    p.commands = &ok;
    p.shell = "loadcell-no-such-shell";
    p.runs = 1;
    assert_int_equal(lc_bench_run(&p, NULL, &r, &out, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "-N"));
    lc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_runs),
        cmocka_unit_test(test_shell_and_budget),
        cmocka_unit_test(test_scan_metrics_derive),
        cmocka_unit_test(test_helpers_order),
        cmocka_unit_test(test_failure),
        cmocka_unit_test(test_streams_and_names),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_bad_plans),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
