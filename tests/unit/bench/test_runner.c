/* Unit tests for bench/runner: spawning, exit codes, signals, streams, timeouts, rusage. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/runner.h"
#include "core/clock.h"

static char self_exe[4096];

/* Run argv with the given streams; asserts that it could be started. */
static struct lc_bench_measure run(char **argv, int in, int out, int err_fd, bool pipe_out,
                                   uint64_t timeout_ns, const volatile sig_atomic_t *stop)
{
    struct lc_bench_spawn s = {
        .argv = argv,
        .stdin_fd = in,
        .stdout_fd = out,
        .stderr_fd = err_fd,
        .pipe_stdout = pipe_out,
        .timeout_ns = timeout_ns,
        .interrupted = stop,
    };
    struct lc_bench_measure m;
    struct lc_error err = {0};
    int rc = lc_bench_spawn_run(&s, &m, &err);
    if (rc != 0)
        fail_msg("%s: %s", argv[0], err.msg);
    return m;
}

static struct lc_bench_measure sh(const char *script)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    return run(argv, -1, -1, -1, false, 0, NULL);
}

static void test_exit_codes(void **state)
{
    (void)state;
    char *t[] = {"true", NULL};
    struct lc_bench_measure m = run(t, -1, -1, -1, false, 0, NULL);
    assert_int_equal(m.exit_code, 0);
    assert_int_equal(m.term_signal, 0);
    assert_true(m.wall_ns > 0);
    assert_true(m.spawn_ns > 0 && m.spawn_ns <= m.wall_ns);
    assert_true(m.max_rss_bytes > 0);
    m = sh("exit 3");
    assert_int_equal(m.exit_code, 3);
    m = sh("kill -9 $$");
    assert_int_equal(m.term_signal, 9);
    assert_int_equal(m.exit_code, 137);
    assert_false(m.timed_out);
}

static void test_missing_program(void **state)
{
    (void)state;
    char *argv[] = {"loadcell-no-such-program", NULL};
    struct lc_bench_spawn s = {.argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    struct lc_bench_measure m;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_spawn_run(&s, &m, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "loadcell-no-such-program"));
}

static void test_child_state(void **state)
{
    (void)state;
    /* Its own process group. */
    struct lc_bench_measure m = sh("read -r a b c d pgrp rest < /proc/$$/stat; [ \"$pgrp\" = $$ ]");
    assert_int_equal(m.exit_code, 0);
    /* Default SIGPIPE although this process ignores it. */
    signal(SIGPIPE, SIG_IGN);
    m = sh("kill -PIPE $$; exit 7");
    signal(SIGPIPE, SIG_DFL);
    assert_int_equal(m.term_signal, SIGPIPE);
    /* LOADCELL-free environment by default: envp NULL means ours. */
    setenv("LC_RUNNER_TEST", "yes", 1);
    m = sh("[ \"$LC_RUNNER_TEST\" = yes ]");
    assert_int_equal(m.exit_code, 0);
    char *env[] = {"ONLY=1", NULL};
    char *argv[] = {"/bin/sh", "-c", "[ -z \"$LC_RUNNER_TEST\" ] && [ \"$ONLY\" = 1 ]", NULL};
    struct lc_bench_spawn s = {
        .argv = argv, .envp = env, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    struct lc_error err = {0};
    assert_int_equal(lc_bench_spawn_run(&s, &m, &err), 0);
    assert_int_equal(m.exit_code, 0);
}

static void test_streams(void **state)
{
    (void)state;
    char in_path[] = "/tmp/lc-runner-in-XXXXXX", err_path[] = "/tmp/lc-runner-err-XXXXXX";
    int in = mkstemp(in_path), errf = mkstemp(err_path);
    assert_true(in >= 0 && errf >= 0);
    assert_int_equal(write(in, "hello\n", 6), 6);
    lseek(in, 0, SEEK_SET);
    int null_fd = open("/dev/null", O_RDWR);
    char *argv[] = {"sh", "-c", "read x; [ \"$x\" = hello ] && echo oops-on-stderr >&2", NULL};
    struct lc_bench_measure m = run(argv, in, null_fd, errf, false, 0, NULL);
    assert_int_equal(m.exit_code, 0);
    char buf[64] = {0};
    assert_true(pread(errf, buf, sizeof(buf) - 1, 0) > 0);
    assert_string_equal(buf, "oops-on-stderr\n");
    /* The pipe mode reads and counts everything. */
    char *big[] = {"sh", "-c", "head -c 300000 /dev/zero", NULL};
    m = run(big, null_fd, -1, null_fd, true, 0, NULL);
    assert_int_equal(m.exit_code, 0);
    assert_int_equal(m.stdout_bytes, 300000);
    /* A background child holding the pipe open does not hold the run up. */
    char *bg[] = {"sh", "-c", "sleep 2 & echo hi", NULL};
    uint64_t t0 = lc_clock_now_ns();
    m = run(bg, null_fd, -1, null_fd, true, 0, NULL);
    assert_true(lc_clock_now_ns() - t0 < LC_NS_PER_SEC);
    assert_int_equal(m.stdout_bytes, 3);
    close(in);
    close(errf);
    close(null_fd);
    unlink(in_path);
    unlink(err_path);
}

static void test_timeout_and_interrupt(void **state)
{
    (void)state;
    char *argv[] = {"sleep", "5", NULL};
    uint64_t t0 = lc_clock_now_ns();
    struct lc_bench_measure m = run(argv, -1, -1, -1, false, 100 * LC_NS_PER_MS, NULL);
    uint64_t took = lc_clock_now_ns() - t0;
    assert_true(m.timed_out);
    assert_int_equal(m.term_signal, SIGTERM);
    assert_true(took >= 100 * LC_NS_PER_MS && took < 2 * LC_NS_PER_SEC);
    /* A process that ignores SIGTERM gets SIGKILL after the grace period. */
    char *stubborn[] = {"sh", "-c", "trap '' TERM; sleep 5 & wait; sleep 5", NULL};
    t0 = lc_clock_now_ns();
    m = run(stubborn, -1, -1, -1, false, 50 * LC_NS_PER_MS, NULL);
    took = lc_clock_now_ns() - t0;
    assert_true(m.timed_out);
    assert_int_equal(m.term_signal, SIGKILL);
    assert_true(took < 4 * LC_NS_PER_SEC);
    /* The stop flag. */
    static volatile sig_atomic_t stop = 1;
    t0 = lc_clock_now_ns();
    m = run(argv, -1, -1, -1, false, 0, &stop);
    assert_true(m.interrupted);
    assert_false(m.timed_out);
    assert_true(lc_clock_now_ns() - t0 < LC_NS_PER_SEC);
}

static void test_rusage(void **state)
{
    (void)state;
    /* This test binary, re-run in "allocate" mode: 64 MB touched. */
    char *argv[] = {self_exe, "alloc", "64", NULL};
    struct lc_bench_measure m = run(argv, -1, -1, -1, false, 0, NULL);
    assert_int_equal(m.exit_code, 0);
    assert_true(m.max_rss_bytes >= 64ULL << 20);
    assert_true(m.max_rss_bytes < 1ULL << 30);
    char *spin[] = {self_exe, "spin", "150", NULL};
    m = run(spin, -1, -1, -1, false, 0, NULL);
    assert_int_equal(m.exit_code, 0);
    /* rusage CPU time agrees with the child's own CPU clock (tick rounding aside). */
    assert_true(m.user_ns + m.sys_ns >= 140 * LC_NS_PER_MS);
    assert_true(m.wall_ns >= 150 * LC_NS_PER_MS);
    assert_true(m.invol_ctx_switches + m.vol_ctx_switches < 100000);
    char *nap[] = {"sleep", "0.05", NULL};
    m = run(nap, -1, -1, -1, false, 0, NULL);
    assert_true(m.wall_ns >= 50 * LC_NS_PER_MS && m.wall_ns < 500 * LC_NS_PER_MS);
    assert_true(m.vol_ctx_switches >= 1);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "alloc") == 0) {
        size_t mb = strtoul(argv[2], NULL, 10);
        volatile char *p = malloc(mb << 20);
        if (!p)
            return 1;
        for (size_t i = 0; i < (mb << 20); i += 4096)
            p[i] = 1;
        free((void *)p);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "spin") == 0) {
        /* Burn this much CPU time (not wall time: other jobs may share the CPUs). */
        uint64_t want = strtoull(argv[2], NULL, 10) * LC_NS_PER_MS;
        volatile uint64_t x = 0;
        struct timespec ts;
        do {
            for (int i = 0; i < 10000; i++)
                x++;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        } while ((uint64_t)ts.tv_sec * LC_NS_PER_SEC + (uint64_t)ts.tv_nsec < want);
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        return 1;
    self_exe[n] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_child_state),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_timeout_and_interrupt),
        cmocka_unit_test(test_rusage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
