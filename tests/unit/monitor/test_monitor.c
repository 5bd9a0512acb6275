/* Unit tests for monitor/monitor: live sampling of child processes, series, errors, GPU absence. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "monitor/monitor.h"
#include "monitor/procfs.h"
#include "results/result_json.h"

#define MS LC_NS_PER_MS

/* A child that spins on the CPU until killed (bounded: it exits by itself after 20 s). */
static pid_t spawn_busy(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint64_t end = lc_clock_now_ns() + 20 * LC_NS_PER_SEC;
        volatile uint64_t x = 0;
        while (lc_clock_now_ns() < end)
            for (int i = 0; i < 100000; i++)
                x += (uint64_t)i;
        _exit(x == 42 ? 1 : 0);
    }
    return pid;
}

/* A child that sleeps for ms milliseconds, then exits 0. */
static pid_t spawn_sleeper(unsigned ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        usleep(ms * 1000);
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static const struct lc_result_resource *need(const struct lc_result *r, const char *name,
                                             const char *unit)
{
    const struct lc_result_resource *res = lc_result_find_resource(r, name);
    if (!res)
        fail_msg("no series %s", name);
    if (unit)
        assert_string_equal(res->unit, unit);
    else
        assert_null(res->unit);
    return res;
}

/* The CPU time (user + system, in s) of process pid so far, from /proc/PID/stat. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct lc_procfs_pid_stat st;
    assert_int_equal(lc_procfs_parse_pid_stat(buf, n, &st), 0);
    return (double)(st.utime_ticks + st.stime_ticks) / (double)sysconf(_SC_CLK_TCK);
}

static void test_samples_a_busy_child(void **state)
{
    (void)state;
    pid_t pid = spawn_busy();
    struct lc_monitor_config cfg = {.pid = pid,
                                    .interval_ns = 50 * MS,
                                    .gpu = LC_MONITOR_GPU_AUTO,
                                    .nvml_library = "/nonexistent/libnvidia-ml.so.1"};
    struct lc_monitor *m;
    struct lc_error err = {0};
    uint64_t t0 = lc_clock_now_ns();
    double cpu_before = proc_cpu_s(pid);
    assert_int_equal(lc_monitor_start(&cfg, t0, &m, &err), 0);
    struct lc_monitor_snapshot snap;
    assert_int_equal(lc_monitor_latest(m, &snap), 1); /* the first sample is taken at start */
    assert_true(snap.sut_watched);
    assert_true(snap.sut_alive);
    assert_false(snap.sut.has_rates);
    uint64_t seq = snap.seq;
    while (seq < 12) {
        assert_true(lc_monitor_wait(m, seq, 5 * LC_NS_PER_SEC, &snap));
        assert_true(snap.seq > seq);
        seq = snap.seq;
    }
    assert_false(lc_monitor_wait(m, seq + 100, 20 * MS, &snap)); /* times out */
    lc_monitor_stop(m);
    lc_monitor_stop(m); /* idempotent */
    double t_stop = (double)(lc_clock_now_ns() - t0) / 1e9;
    double cpu_after = proc_cpu_s(pid);
    seq = lc_monitor_latest(m, &snap); /* a sample may have come after the loop */
    assert_true(seq >= 12);
    assert_true(snap.sut.has_rates);
    assert_int_equal(snap.sut.processes, 1);
    assert_true(snap.sut_peak_rss_bytes >= snap.sut.rss_bytes);
    assert_true(snap.has_host);
    assert_true(snap.has_gen);
    assert_int_equal(snap.n_gpus, 0);
    assert_true(snap.t_s > 0.4 && snap.t_s <= t_stop);

    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    assert_int_equal(lc_monitor_fill_result(m, &r), 0);
    lc_monitor_free(m);
    reap(pid);

    const struct lc_result_resource *cpu = need(&r, "sut.cpu_percent", "%");
    const struct lc_result_resource *rss = need(&r, "sut.rss_bytes", "bytes");
    assert_int_equal(rss->n_samples, seq);     /* levels from the first sample */
    assert_int_equal(cpu->n_samples, seq - 1); /* rates from the second */
    need(&r, "sut.cpu_user_percent", "%");
    need(&r, "sut.cpu_sys_percent", "%");
    need(&r, "sut.threads", NULL);
    need(&r, "sut.fds", NULL);
    need(&r, "sut.processes", NULL);
    need(&r, "sut.ctx_switches_per_s", "/s");
    need(&r, "sut.read_bytes_per_s", "bytes/s"); /* our own child: its io file is readable */
    need(&r, "sut.write_bytes_per_s", "bytes/s");
    need(&r, "host.cpu_percent", "%");
    need(&r, "host.cpu0_percent", "%");
    need(&r, "host.mem_used_bytes", "bytes");
    need(&r, "host.mem_available_bytes", "bytes");
    need(&r, "host.load1", NULL);
    need(&r, "host.net.lo.rx_bytes_per_s", "bytes/s");
    need(&r, "host.net.lo.tx_packets_per_s", "/s");
    need(&r, "host.tcp_retrans_per_s", "/s");
    need(&r, "gen.cpu_percent", "%");
    for (size_t i = 0; i < r.n_resources; i++)
        assert_null(strstr(r.resources[i]->name, "gpu"));
    /* Times: relative to t0, increasing (on a 50 ms grid; a starved sampler skips ticks). */
    for (size_t i = 1; i < rss->n_samples; i++) {
        double dt = rss->samples[i].t_s - rss->samples[i - 1].t_s;
        assert_true(dt > 0.02 && dt < 5.0);
    }
    assert_true(rss->samples[0].t_s >= 0 && rss->samples[0].t_s < 0.5);
    assert_float_equal(cpu->samples[0].t_s, rss->samples[1].t_s, 0); /* a rate ends its interval */
    /* The CPU the series add up to is the CPU the child used between the first and the last
     * sample: at most what it used from start to stop (plus a tick of rounding each end), and
     * at least that less what fell outside the samples (at most one core over those gaps).
     * This holds however busy the machine is. User time dominates a busy loop. */
    double measured = 0, user = 0;
    const struct lc_result_resource *u = need(&r, "sut.cpu_user_percent", "%");
    for (size_t i = 0; i < cpu->n_samples; i++) {
        double dt = cpu->samples[i].t_s - rss->samples[i].t_s;
        assert_true(cpu->samples[i].value >= 0);
        measured += cpu->samples[i].value / 100 * dt;
        user += u->samples[i].value / 100 * dt;
    }
    double actual = cpu_after - cpu_before;
    double outside = rss->samples[0].t_s + (t_stop - rss->samples[rss->n_samples - 1].t_s);
    if (!(measured <= actual + 0.02 && measured >= actual - outside - 0.02))
        fail_msg("the series add up to %.3fs of CPU; the child used %.3fs (%.3fs outside)",
                 measured, actual, outside);
    assert_true(actual > 0);
    assert_true(user >= 0.5 * measured);
    for (size_t i = 0; i < rss->n_samples; i++)
        assert_true(rss->samples[i].value > 100000);
    assert_int_equal(r.n_warnings, 0);

    /* The series survive a JSON round trip (the schema reader accepts a monitor result). */
    char *json = NULL;
    assert_int_equal(lc_result_to_json_string(&r, &json, &err), 0);
    struct lc_result back;
    if (lc_result_from_json_string(json, strlen(json), "monitor", &back, &err) != 0)
        fail_msg("%s", err.msg);
    free(json);
    assert_int_equal(back.kind, LC_RESULT_KIND_MONITOR);
    assert_int_equal(back.n_resources, r.n_resources);
    const struct lc_result_resource *rss2 = need(&back, "sut.rss_bytes", "bytes");
    assert_int_equal(rss2->n_samples, rss->n_samples);
    assert_float_equal(rss2->samples[3].value, rss->samples[3].value, 0);
    assert_float_equal(rss2->samples[3].t_s, rss->samples[3].t_s, 1e-9);
    lc_result_free(&back);
    lc_result_free(&r);
}

static void test_process_exit_ends_the_series(void **state)
{
    (void)state;
    pid_t pid = spawn_sleeper(300);
    struct lc_monitor_config cfg = {.pid = pid, .interval_ns = 50 * MS, .gpu = LC_MONITOR_GPU_OFF};
    struct lc_monitor *m;
    struct lc_error err = {0};
    assert_int_equal(lc_monitor_start(&cfg, lc_clock_now_ns(), &m, &err), 0);
    struct lc_monitor_snapshot snap;
    uint64_t seq = lc_monitor_latest(m, &snap);
    uint64_t end = lc_clock_now_ns() + 5 * LC_NS_PER_SEC;
    while (snap.sut_alive && lc_clock_now_ns() < end)
        if (lc_monitor_wait(m, seq, 200 * MS, &snap))
            seq = snap.seq;
    assert_false(snap.sut_alive); /* a zombie counts as gone */
    assert_true(snap.sut_watched);
    assert_true(snap.sut.processes == 1); /* the last values stay for displays */
    lc_monitor_stop(m);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    assert_int_equal(lc_monitor_fill_result(m, &r), 0);
    lc_monitor_free(m);
    waitpid(pid, NULL, 0);
    assert_int_equal(r.n_warnings, 1);
    assert_non_null(strstr(r.warnings[0], "exited at"));
    const struct lc_result_resource *rss = lc_result_find_resource(&r, "sut.rss_bytes");
    const struct lc_result_resource *host = lc_result_find_resource(&r, "host.mem_used_bytes");
    assert_non_null(rss);
    assert_non_null(host);
    assert_true(rss->n_samples < host->n_samples); /* the host goes on being sampled */
    assert_true(rss->samples[rss->n_samples - 1].t_s < 3.0);
    lc_result_free(&r);
}

static void test_start_errors(void **state)
{
    (void)state;
    struct lc_monitor *m = (struct lc_monitor *)&m;
    struct lc_error err = {0};
    struct lc_monitor_config cfg = {.pid = 2147483000, .gpu = LC_MONITOR_GPU_OFF};
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
    assert_null(m);
    assert_string_equal(err.msg, "no process with pid 2147483000");

    /* An unreaped child that exited: a zombie. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    for (int i = 0; i < 500; i++) { /* until it is a zombie */
        char buf[512] = {0};
        FILE *f = fopen(path, "r");
        size_t got = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        const char *close = got ? strrchr(buf, ')') : NULL;
        if (close && close[1] == ' ' && close[2] == 'Z')
            break;
        usleep(2000);
    }
    cfg.pid = pid;
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "has already exited"));
    waitpid(pid, NULL, 0);

    cfg.pid = -5;
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_EINVAL);
    cfg.pid = 0;
    cfg.interval_ns = 1 * MS;
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "interval"));
    cfg.interval_ns = 0;
    cfg.proc_root = "/nonexistent-proc";
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "/nonexistent-proc"));
    lc_monitor_free(NULL);
}

static void test_gpu_required_without_nvml(void **state)
{
    (void)state;
    struct lc_monitor *m;
    struct lc_error err = {0};
    struct lc_monitor_config cfg = {.gpu = LC_MONITOR_GPU_REQUIRED,
                                    .nvml_library = "/nonexistent/libnvidia-ml.so.1"};
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
    assert_null(m);
    const char *want = "gpu: required, but NVML (/nonexistent/libnvidia-ml.so.1) could not be "
                       "loaded: ";
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "No such file")); /* dlerror's words follow */
    assert_int_equal(lc_exit_code_for(err.code), 3);

    /* The default library on a machine without NVML (skipped where NVML is installed). */
    void *h = dlopen(LC_GPU_NVML_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (h) {
        dlclose(h);
        print_message("NVML is installed here: the default-library case is skipped\n");
    } else {
        cfg.nvml_library = NULL;
        assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
        want = "gpu: required, but NVML (libnvidia-ml.so.1) could not be loaded: ";
        assert_memory_equal(err.msg, want, strlen(want));
        /* auto: silently nothing. */
        cfg.gpu = LC_MONITOR_GPU_AUTO;
        cfg.no_host = true;
        assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), 0);
        struct lc_monitor_snapshot snap;
        lc_monitor_latest(m, &snap);
        assert_int_equal(snap.n_gpus, 0);
        assert_false(snap.has_host);
        assert_false(snap.sut_watched);
        lc_monitor_free(m);
    }
    /* A library that is not NVML (libc has no nvmlInit_v2). */
    cfg.gpu = LC_MONITOR_GPU_REQUIRED;
    cfg.nvml_library = "libc.so.6";
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "has no nvmlInit_v2"));
    cfg.gpu = LC_MONITOR_GPU_AUTO;
    assert_int_equal(lc_monitor_start(&cfg, 0, &m, &err), 0);
    lc_monitor_free(m);
}

/* A fake /proc with one process and no host files: the host parts are absent, silently. */
static char root[256];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void test_fake_proc_and_t0(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/lc-monitor-XXXXXX");
    assert_non_null(mkdtemp(root));
    char path[512];
    snprintf(path, sizeof(path), "%s/77", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/77/stat", root);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("77 (fake server) S 1 77 77 0 -1 0 0 0 0 0 5 5 0 0 20 0 2 0 10 1000 25 0\n", f);
    fclose(f);
    struct lc_monitor_config cfg = {.pid = 77,
                                    .proc_root = root,
                                    .interval_ns = 20 * MS,
                                    .gpu = LC_MONITOR_GPU_OFF,
                                    .no_gen = true};
    struct lc_monitor *m;
    struct lc_error err = {0};
    uint64_t t0 = lc_clock_now_ns();
    assert_int_equal(lc_monitor_start(&cfg, t0, &m, &err), 0);
    struct lc_monitor_snapshot snap;
    uint64_t seq = lc_monitor_latest(m, &snap);
    while (seq < 3) {
        assert_true(lc_monitor_wait(m, seq, LC_NS_PER_SEC, &snap));
        seq = snap.seq;
    }
    lc_monitor_stop(m);
    assert_string_equal(snap.sut_comm, "fake server");
    assert_true(snap.sut_alive);
    assert_int_equal(snap.sut.threads, 2);
    assert_int_equal(snap.sut.rss_bytes, 25 * (uint64_t)sysconf(_SC_PAGESIZE));
    assert_float_equal(snap.sut.cpu_percent, 0, 0); /* the counters never move */
    assert_false(snap.has_gen);
    /* Moving t0 one second later shifts every t_s by -1. */
    lc_monitor_set_t0(m, t0 + LC_NS_PER_SEC);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    assert_int_equal(lc_monitor_fill_result(m, &r), 0);
    lc_monitor_free(m);
    const struct lc_result_resource *rss = lc_result_find_resource(&r, "sut.rss_bytes");
    assert_non_null(rss);
    assert_true(rss->samples[0].t_s < -0.9 && rss->samples[0].t_s > -1.0);
    for (size_t i = 0; i < r.n_resources; i++) /* no host.* and no gen.* */
        assert_memory_equal(r.resources[i]->name, "sut.", 4);
    assert_null(lc_result_find_resource(&r, "sut.fds")); /* no fd directory in the fake */
    lc_result_free(&r);
    nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_a_busy_child),
        cmocka_unit_test(test_process_exit_ends_the_series),
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test(test_gpu_required_without_nvml),
        cmocka_unit_test(test_fake_proc_and_t0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
