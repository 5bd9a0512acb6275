/* `loadcell monitor`: watch a process tree, the host and the GPUs with no load; leak verdicts. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "build_info.h"
#include "cli/cli.h"
#include "cli/live_bridge.h"
#include "cli/history_record.h"
#include "core/clock.h"
#include "core/parse.h"
#include "monitor/growth.h"
#include "monitor/monitor.h"
#include "monitor/sut.h"
#include "results/result_json.h"
#include "results/threshold.h"

const char lc_cmd_monitor_usage[] =
    "usage: loadcell monitor (--pid PID | --cmd CMD [--ready URL]) [-d DUR] [--interval DUR]\n"
    "                        [--gpu auto|required|off] [--threshold EXPR]... [-o FILE] [-q]\n"
    "                        [--metrics ADDR:PORT] [--dashboard ADDR:PORT]\n"
    "\n"
    "Watch a process and all its descendants with no load from loadcell: idle memory,\n"
    "leak watches, a service under someone else's load. Every interval it samples the\n"
    "tree (CPU user/system in % of one core, RSS, threads, open fds, storage read/write,\n"
    "context switches), the host (CPU total and per core, memory, load, network per\n"
    "interface, TCP retransmits), NVIDIA GPUs through NVML when present, and loadcell's\n"
    "own CPU. On a terminal it prints one line per sample; at the end a summary with a\n"
    "memory growth verdict (least-squares trend; see docs/monitoring.md).\n"
    "\n"
    "options:\n"
    "  -p, --pid PID            the process to watch, with every descendant\n"
    "      --cmd CMD            start CMD with /bin/sh -c in its own process group, watch\n"
    "                           it, and stop it at the end (SIGTERM, SIGKILL after 5s)\n"
    "      --ready URL          with --cmd: sample only once URL answers 2xx (http/https)\n"
    "      --ready-timeout DUR  how long to wait for --ready (default 30s)\n"
    "  -d, --duration DUR       stop after DUR (default: when the process exits, or Ctrl-C)\n"
    "  -i, --interval DUR       time between samples (default 1s; 10ms to 1h)\n"
    "      --gpu MODE           auto: sample GPUs when NVML loads (default); required: fail\n"
    "                           when no GPU can be sampled; off\n"
    "      --threshold EXPR     pass/fail condition judged over the whole watch, repeatable:\n"
    "                           cpu, mem, mem_peak, mem_growth, gpu_util, gpu_mem, e.g.\n"
    "                           'mem_growth < 5MB/h', 'cpu < 50%' (docs/thresholds.md)\n"
    "  -o, --result FILE        write the Result JSON (kind monitor, docs/result-schema.md)\n"
    "      --history PATH       record the watch in this history database\n"
    "                           (default .loadcell/history.db; see 'loadcell history')\n"
    "      --no-history         do not record it (also: LOADCELL_NO_HISTORY=1)\n"
    "  -q, --quiet              no live lines\n"
    "      --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics: the\n"
    "                           target's CPU, memory, threads, fds, the host, the GPUs\n"
    "                           (docs/live.md)\n"
    "      --dashboard ADDR:PORT  a live web page with a Stop button (ends the watch; the\n"
    "                           result is still written; may share the --metrics address)\n"
    "      --metrics-linger DUR keep serving the final figures this long after the end\n"
    "  -h, --help               show this help\n"
    "\n"
    "Ctrl-C stops it and still writes the result (exit 130). The environment variable\n"
    "LOADCELL_NVML_LIBRARY names another NVML library to load (tests, odd installs).\n"
    "\n"
    "examples:\n"
    "  loadcell monitor --pid $(pgrep -o gunicorn) -d 10m -o idle.json\n"
    "  loadcell monitor --cmd './server --port 8000' --ready http://127.0.0.1:8000/health \\\n"
    "                   -d 1h --interval 5s -o soak.json\n"
    "\n"
    "Exit codes: 0 ok, 1 a threshold failed, 2 bad usage, 3 no such process / the --cmd\n"
    "command could not start, never became ready or exited non-zero (its last stderr lines\n"
    "are shown) / gpu required but absent, 130 interrupted (the partial result is written,\n"
    "thresholds judged).\n";

enum {
    OPT_CMD = 256,
    OPT_READY,
    OPT_READY_TIMEOUT,
    OPT_GPU,
    OPT_THRESHOLD,
};

static const struct option long_options[] = {
    {"pid", required_argument, NULL, 'p'},
    {"cmd", required_argument, NULL, OPT_CMD},
    {"ready", required_argument, NULL, OPT_READY},
    {"ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT},
    {"duration", required_argument, NULL, 'd'},
    {"interval", required_argument, NULL, 'i'},
    {"gpu", required_argument, NULL, OPT_GPU},
    {"metrics", required_argument, NULL, LC_CLI_OPT_METRICS},
    {"dashboard", required_argument, NULL, LC_CLI_OPT_DASHBOARD},
    {"metrics-linger", required_argument, NULL, LC_CLI_OPT_METRICS_LINGER},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"result", required_argument, NULL, 'o'},
    {"history", required_argument, NULL, LC_CLI_OPT_HISTORY},
    {"no-history", no_argument, NULL, LC_CLI_OPT_NO_HISTORY},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct args {
    int pid;
    const char *cmd;
    const char *ready;
    uint64_t ready_timeout_ns;
    uint64_t duration_ns; /* 0: unbounded */
    uint64_t interval_ns;
    enum lc_monitor_gpu_mode gpu;
    const char *result_path;
    struct lc_cli_live live;              /* --metrics, --dashboard, --metrics-linger */
    struct lc_cli_history history;        /* --history PATH, --no-history */
    struct lc_threshold_list *thresholds; /* --threshold EXPR..., owned by lc_cmd_monitor */
    bool quiet;
};

/* Parse argv into *a. Returns 0, -1 for --help (printed), or an exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
    struct lc_error err = {0};
    uint64_t v;
    a->interval_ns = LC_MONITOR_DEFAULT_INTERVAL_NS;
    optind = 0;
    opterr = 0;
    for (;;) {
        int o = getopt_long(argc, argv, ":p:d:i:o:qh", long_options, NULL);
        if (o == -1)
            break;
        switch (o) {
        case 'p':
            if (lc_parse_u64(optarg, &v, &err) != 0 || v < 1 || v > INT32_MAX)
                return lc_cli_usage_error("monitor", "--pid '%s': expected a process id", optarg);
            a->pid = (int)v;
            break;
        case OPT_CMD:
            if (!*optarg)
                return lc_cli_usage_error("monitor", "--cmd: empty command");
            a->cmd = optarg;
            break;
        case OPT_READY:
            a->ready = optarg;
            break;
        case OPT_READY_TIMEOUT:
            if (lc_parse_duration_ns(optarg, &a->ready_timeout_ns, &err) != 0 ||
                a->ready_timeout_ns == 0)
                return lc_cli_usage_error("monitor", "--ready-timeout '%s': %s", optarg,
                                          err.msg[0] ? err.msg : "must be above 0");
            break;
        case 'd':
            if (lc_parse_duration_ns(optarg, &a->duration_ns, &err) != 0 || a->duration_ns == 0)
                return lc_cli_usage_error("monitor", "--duration '%s': %s", optarg,
                                          err.msg[0] ? err.msg : "must be above 0");
            break;
        case 'i':
            if (lc_parse_duration_ns(optarg, &a->interval_ns, &err) != 0)
                return lc_cli_usage_error("monitor", "--interval '%s': %s", optarg, err.msg);
            if (a->interval_ns < LC_MONITOR_MIN_INTERVAL_NS ||
                a->interval_ns > LC_MONITOR_MAX_INTERVAL_NS)
                return lc_cli_usage_error("monitor", "--interval '%s': must be from 10ms to 1h",
                                          optarg);
            break;
        case OPT_GPU:
            if (strcmp(optarg, "auto") == 0)
                a->gpu = LC_MONITOR_GPU_AUTO;
            else if (strcmp(optarg, "required") == 0)
                a->gpu = LC_MONITOR_GPU_REQUIRED;
            else if (strcmp(optarg, "off") == 0)
                a->gpu = LC_MONITOR_GPU_OFF;
            else
                return lc_cli_usage_error("monitor", "--gpu '%s': expected auto, required or off",
                                          optarg);
            break;
        case 'o':
            a->result_path = optarg;
            break;
        case OPT_THRESHOLD:
            if (lc_threshold_list_add(a->thresholds, optarg, LC_THRESHOLD_MONITOR, false, &err) !=
                0)
                return lc_cli_usage_error("monitor", "--threshold %s", err.msg);
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'h':
            fputs(lc_cmd_monitor_usage, stdout);
            return -1;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            if (lc_cli_history_option(&a->history, o, optarg))
                break;
            int live = lc_cli_live_option(&a->live, o, optarg, &err);
            if (live < 0)
                return lc_cli_usage_error("monitor", "%s", err.msg);
            if (live)
                break;
            return lc_cli_option_error("monitor", o, argv);
        }
    }
    if (optind < argc)
        return lc_cli_usage_error("monitor", "unexpected argument '%s'", argv[optind]);
    if (!a->pid && !a->cmd)
        return lc_cli_usage_error("monitor", "what should be watched? give --pid PID or --cmd CMD");
    if (a->pid && a->cmd)
        return lc_cli_usage_error("monitor", "give --pid or --cmd, not both");
    if (a->ready && !a->cmd)
        return lc_cli_usage_error("monitor",
                                  "--ready needs --cmd (it waits for a started command)");
    if (a->ready_timeout_ns && !a->ready)
        return lc_cli_usage_error("monitor", "--ready-timeout needs --ready");
    return 0;
}

/* ---- Live lines and the summary ------------------------------------------------------------ */

static void live_line(const struct lc_monitor_snapshot *s)
{
    char rss[32];
    lc_format_bytes((double)s->sut.rss_bytes, rss, sizeof(rss));
    char cpu[64] = "cpu      -";
    if (s->sut.has_rates)
        snprintf(cpu, sizeof(cpu), "cpu %6.1f%% (usr %.1f sys %.1f)", s->sut.cpu_percent,
                 s->sut.cpu_user_percent, s->sut.cpu_sys_percent);
    char fds[32] = "-";
    if (s->sut.has_fds)
        snprintf(fds, sizeof(fds), "%llu", (unsigned long long)s->sut.fds);
    fprintf(stderr, "%8.1fs  %-30s  rss %9s  threads %4llu  fds %5s  procs %u\n", s->t_s, cpu, rss,
            (unsigned long long)s->sut.threads, fds, s->sut.processes);
}

/* Min, max and mean of a series over all its samples; false when absent or empty. */
static bool series_stats(const struct lc_result *r, const char *name, double *min, double *max,
                         double *mean)
{
    const struct lc_result_resource *res = lc_result_find_resource(r, name);
    if (!res || res->n_samples == 0)
        return false;
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (size_t i = 0; i < res->n_samples; i++) {
        double v = res->samples[i].value;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    *min = lo;
    *max = hi;
    *mean = sum / (double)res->n_samples;
    return true;
}

static void print_range(const struct lc_result *r, const char *label, const char *name)
{
    double lo, hi, mean;
    if (series_stats(r, name, &lo, &hi, &mean))
        printf("  %-15s %.0f .. %.0f\n", label, lo, hi);
}

static void print_gpus(const struct lc_result *r)
{
    for (unsigned g = 0; g < 64; g++) {
        char name[64];
        double lo, hi, mean;
        snprintf(name, sizeof(name), "gpu%u.util_percent", g);
        bool util = series_stats(r, name, &lo, &hi, &mean);
        char line[256];
        size_t k = (size_t)snprintf(line, sizeof(line), "  GPU %-11u", g);
        bool any = false;
        if (util) {
            k += (size_t)snprintf(line + k, sizeof(line) - k, " util mean %.0f%% max %.0f%%", mean,
                                  hi);
            any = true;
        }
        snprintf(name, sizeof(name), "gpu%u.mem_used_bytes", g);
        if (series_stats(r, name, &lo, &hi, &mean) && k < sizeof(line)) {
            char b[32];
            k += (size_t)snprintf(line + k, sizeof(line) - k, "  mem peak %s",
                                  lc_format_bytes(hi, b, sizeof(b)));
            any = true;
        }
        snprintf(name, sizeof(name), "gpu%u.power_watts", g);
        if (series_stats(r, name, &lo, &hi, &mean) && k < sizeof(line)) {
            k += (size_t)snprintf(line + k, sizeof(line) - k, "  power mean %.0fW max %.0fW", mean,
                                  hi);
            any = true;
        }
        snprintf(name, sizeof(name), "gpu%u.temp_celsius", g);
        if (series_stats(r, name, &lo, &hi, &mean) && k < sizeof(line)) {
            snprintf(line + k, sizeof(line) - k, "  temp max %.0f°C", hi);
            any = true;
        }
        if (any)
            printf("%s\n", line);
    }
}

static void print_summary(const struct lc_result *r, const struct lc_monitor_window *w,
                          const struct lc_monitor_snapshot *last, const char *what,
                          uint64_t interval_ns)
{
    char iv[32], b1[32], b2[32], b3[32];
    const struct lc_result_resource *rss = lc_result_find_resource(r, "sut.rss_bytes");
    printf("Monitored %s for %.1fs: %zu samples, every %s\n", what, (double)r->duration_ns / 1e9,
           rss ? rss->n_samples : 0, lc_format_duration(interval_ns, iv, sizeof(iv)));
    if (w->cpu_n) {
        double lo, hi, um = 0, sm = 0;
        series_stats(r, "sut.cpu_user_percent", &lo, &hi, &um);
        series_stats(r, "sut.cpu_sys_percent", &lo, &hi, &sm);
        printf("  %-15s mean %.1f%%  max %.1f%%  (user %.1f%%, system %.1f%%; %% of one core)\n",
               "CPU", w->cpu_mean_percent, w->cpu_max_percent, um, sm);
    }
    if (w->rss_n)
        printf("  %-15s baseline %s  peak %s  final %s\n", "RSS",
               lc_format_bytes(w->rss_baseline_bytes, b1, sizeof(b1)),
               lc_format_bytes(w->rss_peak_bytes, b2, sizeof(b2)),
               lc_format_bytes(w->rss_final_bytes, b3, sizeof(b3)));
    const struct lc_growth *g = &w->growth;
    if (w->rss_n) {
        if (g->verdict == LC_GROWTH_LEAK)
            printf("  %-15s LEAK: %s\n", "memory growth", g->reason);
        else
            printf("  %-15s no leak (%s): %s\n", "memory growth",
                   lc_growth_verdict_name(g->verdict), g->reason);
    }
    print_range(r, "processes", "sut.processes");
    print_range(r, "threads", "sut.threads");
    print_range(r, "open fds", "sut.fds");
    double lo, hi, mean;
    if (series_stats(r, "sut.read_bytes_per_s", &lo, &hi, &mean)) {
        double wlo, whi, wmean = 0;
        series_stats(r, "sut.write_bytes_per_s", &wlo, &whi, &wmean);
        printf("  %-15s read %s/s  write %s/s (means)\n", "storage I/O",
               lc_format_bytes(mean, b1, sizeof(b1)), lc_format_bytes(wmean, b2, sizeof(b2)));
    }
    if (series_stats(r, "sut.ctx_switches_per_s", &lo, &hi, &mean))
        printf("  %-15s %.0f/s mean, %.0f/s max\n", "ctx switches", mean, hi);
    if (w->host_n) {
        char line[256];
        size_t k = (size_t)snprintf(line, sizeof(line), "  %-15s CPU mean %.1f%% max %.1f%%",
                                    "host", w->host_cpu_mean_percent, w->host_cpu_max_percent);
        if (series_stats(r, "host.mem_used_bytes", &lo, &hi, &mean))
            k += (size_t)snprintf(line + k, sizeof(line) - k, "  mem used %s .. %s",
                                  lc_format_bytes(lo, b1, sizeof(b1)),
                                  lc_format_bytes(hi, b2, sizeof(b2)));
        if (series_stats(r, "host.load1", &lo, &hi, &mean) && k < sizeof(line))
            snprintf(line + k, sizeof(line) - k, "  load1 max %.2f", hi);
        printf("%s\n", line);
    }
    print_gpus(r);
    if (w->gen_n)
        printf("  %-15s CPU mean %.2f%% of one core (sampling overhead)\n", "loadcell",
               w->gen_cpu_mean_percent);
    if (last->sut_watched && !last->sut_alive)
        printf("  the process exited during the watch (the series end there)\n");
    for (size_t i = 0; i < r->n_warnings; i++)
        printf("  warning: %s\n", r->warnings[i]);
}

/* Lines of a stderr tail as "  | line". */
static void print_tail(FILE *out, const char *tail)
{
    for (const char *p = tail; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(out, "  | %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
}

/* ---- The command ---------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted)
        _exit(LC_EXIT_INTERRUPTED);
    interrupted = 1;
}

static void set_gen_cpu(struct lc_result *r)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        r->gen_cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
        r->gen_cpu_sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    }
}

/* Fill the metadata of the monitor Result. 0 or an LC_E code. */
static int fill_meta(struct lc_result *r, int argc, char **argv, const char *what,
                     struct lc_error *err)
{
    int rc = lc_result_set_str(&r->tool_version, LC_VERSION_STRING);
    if (rc == 0)
        rc = lc_result_set_str(&r->tool_commit, LC_COMMIT_STRING);
    if (rc == 0)
        rc = lc_result_set_str(&r->name, what);
    if (rc == 0)
        rc = lc_result_set_argv(r, argc + 1, argv - 1);
    if (rc == 0)
        rc = lc_host_probe(&r->host, err);
    return rc;
}

/* Judge the thresholds into r; *outs (calloc'd, caller frees) gets one outcome each. 1 when
 * one failed, 0, or a negative LC_E code (err says why). */
static int judge(const struct lc_threshold_list *l, struct lc_result *r,
                 struct lc_threshold_outcome **outs, struct lc_error *err)
{
    *outs = NULL;
    if (l->n == 0)
        return 0;
    *outs = calloc(l->n, sizeof(**outs));
    if (!*outs)
        return lc_error_set(err, LC_ENOMEM, "out of memory judging the thresholds");
    return lc_threshold_list_eval(l, r, *outs, err);
}

/* The watch itself; thresholds (owned by the caller) receives the --threshold flags. */
static int monitor_main(int argc, char **argv, struct lc_threshold_list *thresholds)
{
    struct args a;
    memset(&a, 0, sizeof(a));
    a.thresholds = thresholds;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? LC_EXIT_OK : rc;
    struct lc_error err = {0};
    if (a.result_path && lc_result_check_writable(a.result_path, &err) != 0)
        return lc_cli_fail(&err);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* The endpoints first: a port in use fails before anything starts. */
    struct lc_live_bridge *bridge = NULL;
    if (a.live.metrics || a.live.dashboard) {
        char target[160];
        if (a.cmd)
            snprintf(target, sizeof(target), "%s", a.cmd);
        else
            snprintf(target, sizeof(target), "pid %d", a.pid);
        struct lc_live_bridge_options lo = {.metrics = a.live.metrics,
                                            .dashboard = a.live.dashboard,
                                            .command = "monitor",
                                            .target = target,
                                            .planned_s = (double)a.duration_ns / 1e9,
                                            .thresholds = a.thresholds,
                                            .interrupted = &interrupted};
        if (lc_live_bridge_start(&lo, &bridge, &err) != 0)
            return lc_cli_fail(&err);
    }

    struct lc_sut *sut = NULL;
    if (a.cmd) {
        struct lc_sut_config sc = {.command = a.cmd,
                                   .ready_url = a.ready,
                                   .ready_timeout_ns = a.ready_timeout_ns,
                                   .interrupted = &interrupted};
        if (lc_sut_start(&sc, &sut, &err) != 0) {
            lc_live_bridge_close(bridge, 0);
            if (err.code == LC_EINTR) {
                fprintf(stderr, "loadcell: %s\n", err.msg);
                return LC_EXIT_INTERRUPTED;
            }
            return lc_cli_fail(&err);
        }
        a.pid = lc_sut_pid(sut);
    }

    struct lc_monitor_config mc = {.pid = a.pid,
                                   .interval_ns = a.interval_ns,
                                   .gpu = a.gpu,
                                   .nvml_library = getenv("LOADCELL_NVML_LIBRARY")};
    struct lc_monitor *m = NULL;
    uint64_t wall0 = lc_clock_wall_ns();
    uint64_t t0 = lc_clock_now_ns();
    if (lc_monitor_start(&mc, t0, &m, &err) != 0) {
        lc_live_bridge_close(bridge, 0);
        int code;
        if (sut && lc_sut_exited(sut, &code)) { /* the command died at once: say so, not "no pid" */
            char tail[2048];
            fprintf(stderr, "loadcell: '%s' exited at once with status %d", a.cmd, code);
            if (lc_sut_stderr_tail(sut, 10, tail, sizeof(tail)) == 0)
                fputs(" (it wrote nothing to stderr)\n", stderr);
            else
                fputs("; its last stderr lines:\n", stderr);
            print_tail(stderr, tail);
            lc_sut_free(sut);
            return LC_EXIT_RUNTIME;
        }
        lc_sut_free(sut);
        return lc_cli_fail(&err);
    }
    struct lc_monitor_snapshot snap;
    uint64_t seq = lc_monitor_latest(m, &snap);
    char what[160];
    if (a.cmd)
        snprintf(what, sizeof(what), "'%.100s' (pid %d)", a.cmd, a.pid);
    else
        snprintf(what, sizeof(what), "pid %d (%s)", a.pid, snap.sut_comm);
    lc_live_bridge_on_sample(bridge, &snap);
    bool live = !a.quiet && isatty(STDERR_FILENO);
    if (live) {
        fprintf(stderr, "loadcell: monitoring %s every %.3gs; Ctrl-C stops\n", what,
                (double)a.interval_ns / 1e9);
        live_line(&snap);
    }
    uint64_t half = a.interval_ns / 2;
    while (!interrupted && snap.sut_alive) {
        bool fresh = lc_monitor_wait(m, seq, 100 * LC_NS_PER_MS, &snap);
        if (fresh) {
            seq = snap.seq;
            if (live && snap.sut_alive)
                live_line(&snap);
            lc_live_bridge_on_sample(bridge, &snap);
        }
        lc_live_bridge_poll_stop(bridge); /* the dashboard's Stop: as Ctrl-C */
        if (a.duration_ns && (snap.t_ns + half >= t0 + a.duration_ns ||
                              lc_clock_now_ns() >= t0 + a.duration_ns + half))
            break;
    }
    lc_monitor_stop(m);
    uint64_t end_ns = lc_clock_now_ns();
    int sut_code = -1;
    bool sut_exited_early = sut && lc_sut_exited(sut, &sut_code);
    char tail[2048] = "";
    if (sut) {
        if (sut_exited_early)
            lc_sut_stderr_tail(sut, 10, tail, sizeof(tail));
        lc_sut_stop(sut, NULL);
    }

    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    rc = fill_meta(&r, argc, argv, what, &err);
    r.start_wall_ns = wall0;
    r.duration_ns = end_ns - t0;
    r.end_wall_ns = wall0 + r.duration_ns;
    set_gen_cpu(&r);
    if (interrupted) {
        r.partial = true;
        if (rc == 0)
            rc = lc_result_set_str(&r.stop_reason, "interrupted");
    }
    if (rc == 0)
        rc = lc_monitor_fill_result(m, &r);
    lc_monitor_free(m);
    if (rc == 0 && sut_exited_early)
        rc = lc_result_add_warning(&r, "the started command exited by itself with status %d",
                                   sut_code);
    struct lc_monitor_window w;
    if (rc == 0)
        rc = lc_monitor_window_stats(&r, 0, (double)r.duration_ns / 1e9, &w);
    if (rc == 0 && w.growth.verdict == LC_GROWTH_LEAK)
        rc = lc_result_add_warning(&r, "memory leak suspected: sut.rss_bytes shows %s",
                                   w.growth.reason);
    /* Over the whole watch (a monitor Result has no phases: one window, every sample), an
     * interrupted one included: its verdicts go into the partial result. */
    struct lc_threshold_outcome *outs = NULL;
    int judged = 0;
    if (rc == 0) {
        judged = judge(a.thresholds, &r, &outs, &err);
        if (judged < 0)
            rc = judged;
    }
    if (rc != 0) {
        free(outs);
        lc_live_bridge_close(bridge, 0);
        lc_result_free(&r);
        lc_sut_free(sut);
        if (!err.msg[0])
            lc_error_set(&err, rc, "cannot build the result: %s", lc_strerror(rc));
        return lc_cli_fail(&err);
    }
    if (live)
        fputc('\n', stderr);
    lc_live_bridge_finish_result(bridge, &r);
    print_summary(&r, &w, &snap, what, a.interval_ns);
    if (a.thresholds->n)
        printf("\n  thresholds\n");
    for (size_t i = 0; i < a.thresholds->n; i++) {
        char line[512];
        printf("    %s\n",
               lc_threshold_format(a.thresholds->items[i], &outs[i], line, sizeof(line)));
    }
    free(outs);
    bool sut_failed = sut_exited_early && sut_code != 0;
    if (tail[0] && !sut_failed) {
        printf("  its last stderr lines:\n");
        print_tail(stdout, tail);
    }
    fflush(stdout);
    lc_sut_free(sut);
    int exit_code = interrupted ? LC_EXIT_INTERRUPTED : LC_EXIT_OK;
    if (sut_failed) { /* the command we started failed: the watch did not go as asked */
        fprintf(stderr, "loadcell: '%s' exited with status %d during the watch%s\n", a.cmd,
                sut_code, tail[0] ? "; its last stderr lines:" : " (it wrote nothing to stderr)");
        print_tail(stderr, tail);
        if (exit_code == LC_EXIT_OK)
            exit_code = LC_EXIT_RUNTIME;
    }
    if (judged == 1 && exit_code == LC_EXIT_OK) /* 130 and 3 say more about the watch */
        exit_code = LC_EXIT_FAILED;
    if (a.result_path) {
        if (lc_result_write_json(&r, a.result_path, &err) != 0) {
            char line[1024];
            fprintf(stderr, "loadcell: %s\n", lc_error_format(&err, line, sizeof(line)));
            if (exit_code == LC_EXIT_OK)
                exit_code = LC_EXIT_RUNTIME;
        } else {
            fprintf(stderr, "loadcell: result written to %s\n", a.result_path);
        }
    }
    if (!sut_failed) /* after the result file, which a history failure never costs */
        lc_cli_history_record(&a.history, &r);
    lc_result_free(&r);
    lc_live_bridge_close(bridge, a.live.linger_ns);
    return exit_code;
}

int lc_cmd_monitor(int argc, char **argv)
{
    struct lc_threshold_list thresholds;
    lc_threshold_list_init(&thresholds);
    int rc = monitor_main(argc, argv, &thresholds);
    lc_threshold_list_free(&thresholds);
    return rc;
}
