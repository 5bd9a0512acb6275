/* `loadcell http URL`: one load test against one URL, closed or open model. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/http_output.h"
#include "cli/monitoring.h"
#include "cli/outputs.h"
#include "cli/live_bridge.h"
#include "core/clock.h"
#include "core/parse.h"
#include "core/rng.h"
#include "load/engine.h"
#include "net/http1_request.h"
#include "net/url.h"
#include "results/threshold.h"

const char lc_cmd_http_usage[] =
    "usage: loadcell http URL [options]\n"
    "\n"
    "Load-test one HTTP/1.1 URL (http:// or https://). Closed model by default (-c users, each "
    "sending\n"
    "a request, awaiting the response, optionally thinking, and repeating); open\n"
    "model with -R (requests start on a schedule; latency is measured from the\n"
    "scheduled start, so a stalled server shows in the percentiles).\n"
    "\n"
    "Load:\n"
    "  -c, --connections N    users (closed) or most connections (open);\n"
    "                         default 10 closed, 100 open\n"
    "  -t, --threads N        worker threads (default: the number of cores)\n"
    "  -d, --duration DUR     measured duration (default 10s unless -n is given)\n"
    "  -n, --requests N       stop after N requests\n"
    "  -R, --rate RATE        open model: arrival rate, e.g. 200/s, 12000/m\n"
    "      --arrival KIND     open model schedule: uniform (default) or poisson\n"
    "      --warmup DUR       unrecorded load before the measured duration\n"
    "      --think DUR        closed model pause between a user's requests\n"
    "                         (fixed \"1s\" or uniform range \"1s..5s\")\n"
    "      --pipeline N       closed model: send N requests per connection at once\n"
    "Request:\n"
    "  -m, --method M         HTTP method (default GET; POST when a body is given)\n"
    "  -H, --header 'K: V'    add a header (repeatable)\n"
    "  -b, --body TEXT        request body\n"
    "      --no-keepalive     a new connection per request (sends Connection: close)\n"
    "      --body-file FILE   request body from a file\n"
    "TLS (https:// URLs; docs/http.md#tls-https-urls):\n"
    "      --cacert FILE      trust the CAs in this PEM file instead of the system store\n"
    "      --insecure         do not verify the server's certificate or name\n"
    "      --cert FILE        client certificate (PEM), with --key FILE\n"
    "      --key FILE         the client certificate's private key (PEM)\n"
    "      --tls-min VERSION  lowest TLS version to offer: 1.2 (default) or 1.3\n"
    "Limits:\n"
    "      --timeout DUR      per request, from its send (default 10s); expiry\n"
    "                         counts as an error and its time is recorded\n"
    "      --connect-timeout DUR  (default 3s)\n"
    "      --graceful-stop DUR    on Ctrl-C, wait this long for requests in\n"
    "                         flight (default 5s); a second Ctrl-C exits at once\n"
    "Target:\n"
    "      --monitor-pid PID  sample that process and its children during the run\n"
    "                         (CPU, memory, threads, fds, NVIDIA GPUs; thresholds cpu,\n"
    "                         mem, mem_growth, gpu_util, gpu_mem)\n"
    "      --monitor-cmd CMD  start CMD (sh -c) in its own process group, sample it,\n"
    "                         stop it at the end (SIGTERM, then SIGKILL)\n"
    "      --ready URL        with --monitor-cmd: wait until URL answers 2xx (30 s at most)\n"
    "Checks:\n"
    "      --threshold EXPR   pass/fail condition, repeatable, e.g. 'p(99) < 300ms',\n"
    "                         'error_rate < 1%', 'rps >= 500' (docs/thresholds.md);\n"
    "                         any failure makes the exit code 1\n"
    "Output:\n"
    "  -o, --output FILE      write the Result JSON (see docs/result-schema.md)\n"
    "      --html FILE        write the HTML report (charts, findings)\n"
    "      --markdown FILE    write the Markdown report\n"
    "      --csv PREFIX       write PREFIX_stats.csv, _history.csv, _failures.csv\n"
    "      --history PATH     record the run in this history database\n"
    "                         (default .loadcell/history.db; see 'loadcell history')\n"
    "      --no-history       do not record the run (also: LOADCELL_NO_HISTORY=1)\n"
    "  -q, --quiet            no live progress line\n"
    "      --seed N           seed for arrivals, think times and request mix\n"
    "      --metrics ADDR:PORT    serve Prometheus metrics at http://ADDR:PORT/metrics\n"
    "                         during the run (docs/live.md)\n"
    "      --dashboard ADDR:PORT  a live web page with a Stop button and a form that\n"
    "                         changes the users or rate of the running phase (may\n"
    "                         share the --metrics address)\n"
    "      --metrics-linger DUR   keep serving the final figures this long after the run\n"
    "\n"
    "Exit codes: 0 ok, 1 a threshold failed, 2 bad usage, 3 could not connect or run,\n130 "
    "interrupted"
    "(the partial result is still printed and written).\n";

enum {
    OPT_ARRIVAL = 1000,
    OPT_WARMUP,
    OPT_THINK,
    OPT_PIPELINE,
    OPT_BODY_FILE,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_GRACEFUL,
    OPT_SEED,
    OPT_THRESHOLD,
    OPT_NO_KEEPALIVE,
    OPT_HTML,
    OPT_MARKDOWN,
    OPT_CSV,
    OPT_MONITOR_PID,
    OPT_MONITOR_CMD,
    OPT_READY,
    OPT_INSECURE,
    OPT_CACERT,
    OPT_CERT,
    OPT_KEY,
    OPT_TLS_MIN,
    OPT_HELP,
};

static const struct option long_options[] = {
    {"connections", required_argument, NULL, 'c'},
    {"threads", required_argument, NULL, 't'},
    {"duration", required_argument, NULL, 'd'},
    {"requests", required_argument, NULL, 'n'},
    {"rate", required_argument, NULL, 'R'},
    {"arrival", required_argument, NULL, OPT_ARRIVAL},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"think", required_argument, NULL, OPT_THINK},
    {"pipeline", required_argument, NULL, OPT_PIPELINE},
    {"method", required_argument, NULL, 'm'},
    {"header", required_argument, NULL, 'H'},
    {"body", required_argument, NULL, 'b'},
    {"body-file", required_argument, NULL, OPT_BODY_FILE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"graceful-stop", required_argument, NULL, OPT_GRACEFUL},
    {"output", required_argument, NULL, 'o'},
    {"html", required_argument, NULL, OPT_HTML},
    {"monitor-pid", required_argument, NULL, OPT_MONITOR_PID},
    {"monitor-cmd", required_argument, NULL, OPT_MONITOR_CMD},
    {"ready", required_argument, NULL, OPT_READY},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"csv", required_argument, NULL, OPT_CSV},
    {"quiet", no_argument, NULL, 'q'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"no-keepalive", no_argument, NULL, OPT_NO_KEEPALIVE},
    {"metrics", required_argument, NULL, LC_CLI_OPT_METRICS},
    {"dashboard", required_argument, NULL, LC_CLI_OPT_DASHBOARD},
    {"metrics-linger", required_argument, NULL, LC_CLI_OPT_METRICS_LINGER},
    {"history", required_argument, NULL, LC_CLI_OPT_HISTORY},
    {"no-history", no_argument, NULL, LC_CLI_OPT_NO_HISTORY},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"tls-min", required_argument, NULL, OPT_TLS_MIN},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

#define MAX_HEADERS 64

/* What the command line asked for, before it becomes a plan. */
struct http_args {
    const char *url;
    const char *method;
    const char *headers[MAX_HEADERS];
    size_t header_count;
    const char *body;
    const char *body_file;
    struct lc_cli_outputs out;      /* -o, --html, --markdown, --csv */
    struct lc_cli_history history;  /* --history PATH, --no-history */
    struct lc_cli_watch_spec watch; /* --monitor-pid / --monitor-cmd / --ready */
    struct lc_cli_live live;        /* --metrics, --dashboard, --metrics-linger */
    struct lc_threshold_list thresholds;
    struct lc_tls_client_options tls; /* --cacert, --insecure, --cert, --key, --tls-min */
    const char *tls_flag;             /* the first TLS option given, for messages */
    int quiet;
    int no_keepalive;
    int rate_given;
    int conns_given;
    int duration_given;
    /* The shape of the load, turned into phases by build_plan. */
    enum lc_load_model model;
    double rate_per_s;
    uint64_t duration_ns;
    uint64_t warmup_ns;
    uint64_t think_min_ns;
    uint64_t think_max_ns;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted) {
        /* Second signal: leave at once. Result files are written by rename,
         * so one is either complete or absent, never torn. */
        _exit(LC_EXIT_INTERRUPTED);
    }
    interrupted = 1;
}

static int read_file(const char *path, char **out, size_t *len, struct lc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lc_error_sys(err, errno, "cannot open body file '%s'", path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *p = realloc(buf, cap);
        if (!p) {
            free(buf);
            buf = NULL;
        }
        buf = p;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return lc_error_set(err, LC_ENOMEM, "body file '%s' is too large", path);
    if (bad) {
        free(buf);
        return lc_error_set(err, LC_EIO, "cannot read body file '%s'", path);
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Parse argv into args and plan; returns 0 or an exit code (usage errors printed). */
static int parse_args(int argc, char **argv, struct http_args *a, struct lc_load_plan *p)
{
    struct lc_error err = {0};
    uint64_t u;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    p->threads = cores > 0 ? (uint32_t)cores : 1;
    p->pipeline = 1;
    p->timeout_ns = 10 * LC_NS_PER_SEC;
    p->connect_timeout_ns = 3 * LC_NS_PER_SEC;
    p->graceful_stop_ns = 5 * LC_NS_PER_SEC;
    p->late_tolerance_ns = LC_NS_PER_MS;
    p->seed = lc_rng_entropy();
    p->limits = lc_http1_default_limits;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:t:d:n:R:m:H:b:o:q", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'c':
            rc = lc_parse_u64(optarg, &u, &err);
            if (rc == 0 && (u < 1 || u > 1000000))
                return lc_cli_usage_error("http", "-c must be 1..1000000, not %s", optarg);
            p->connections = (uint32_t)u;
            a->conns_given = 1;
            break;
        case 't':
            rc = lc_parse_u64(optarg, &u, &err);
            if (rc == 0 && (u < 1 || u > 1024))
                return lc_cli_usage_error("http", "-t must be 1..1024, not %s", optarg);
            p->threads = (uint32_t)u;
            break;
        case 'd':
            rc = lc_parse_duration_ns(optarg, &a->duration_ns, &err);
            if (rc == 0 && a->duration_ns == 0)
                return lc_cli_usage_error("http", "-d must be longer than 0");
            a->duration_given = 1;
            break;
        case 'n':
            rc = lc_parse_u64(optarg, &p->max_requests, &err);
            if (rc == 0 && p->max_requests == 0)
                return lc_cli_usage_error("http", "-n must be at least 1");
            break;
        case 'R':
            rc = lc_parse_rate(optarg, &a->rate_per_s, &err);
            a->model = LC_MODEL_OPEN;
            a->rate_given = 1;
            break;
        case OPT_ARRIVAL:
            if (strcmp(optarg, "uniform") == 0)
                p->arrival = LC_ARRIVAL_UNIFORM;
            else if (strcmp(optarg, "poisson") == 0)
                p->arrival = LC_ARRIVAL_POISSON;
            else
                return lc_cli_usage_error("http", "--arrival must be uniform or poisson, not '%s'",
                                          optarg);
            break;
        case OPT_WARMUP:
            rc = lc_parse_duration_ns(optarg, &a->warmup_ns, &err);
            break;
        case OPT_THINK:
            rc = lc_parse_duration_range(optarg, &a->think_min_ns, &a->think_max_ns, &err);
            break;
        case OPT_PIPELINE:
            rc = lc_parse_u64(optarg, &u, &err);
            if (rc == 0 && (u < 1 || u > 1024))
                return lc_cli_usage_error("http", "--pipeline must be 1..1024, not %s", optarg);
            p->pipeline = (uint32_t)u;
            break;
        case 'm':
            a->method = optarg;
            break;
        case 'H':
            if (a->header_count == MAX_HEADERS)
                return lc_cli_usage_error("http", "at most %d headers", MAX_HEADERS);
            a->headers[a->header_count++] = optarg;
            break;
        case 'b':
            a->body = optarg;
            break;
        case OPT_BODY_FILE:
            a->body_file = optarg;
            break;
        case OPT_TIMEOUT:
            rc = lc_parse_duration_ns(optarg, &p->timeout_ns, &err);
            if (rc == 0 && p->timeout_ns == 0)
                return lc_cli_usage_error("http", "--timeout must be longer than 0");
            break;
        case OPT_CONNECT_TIMEOUT:
            rc = lc_parse_duration_ns(optarg, &p->connect_timeout_ns, &err);
            if (rc == 0 && p->connect_timeout_ns == 0)
                return lc_cli_usage_error("http", "--connect-timeout must be longer than 0");
            break;
        case OPT_GRACEFUL:
            rc = lc_parse_duration_ns(optarg, &p->graceful_stop_ns, &err);
            break;
        case OPT_HTML:
            a->out.html = optarg;
            break;
        case OPT_MONITOR_PID:
            rc = lc_parse_u64(optarg, &u, &err);
            if (rc == 0 && (u < 1 || u > 4194304))
                return lc_cli_usage_error("http", "--monitor-pid must be a process id, not %s",
                                          optarg);
            a->watch.pid = (int)u;
            break;
        case OPT_MONITOR_CMD:
            a->watch.command = optarg;
            break;
        case OPT_READY:
            a->watch.ready_url = optarg;
            break;
        case OPT_MARKDOWN:
            a->out.markdown = optarg;
            break;
        case OPT_CSV:
            a->out.csv = optarg;
            break;
        case 'o':
            a->out.json = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case OPT_SEED:
            rc = lc_parse_u64(optarg, &p->seed, &err);
            break;
        case OPT_NO_KEEPALIVE:
            a->no_keepalive = 1;
            break;
        case OPT_THRESHOLD:
            rc = lc_threshold_list_add(&a->thresholds, optarg, LC_THRESHOLD_LOAD, false, &err);
            break;
        case OPT_INSECURE:
            a->tls.insecure = true;
            a->tls_flag = a->tls_flag ? a->tls_flag : "--insecure";
            break;
        case OPT_CACERT:
            a->tls.cacert = optarg;
            a->tls_flag = a->tls_flag ? a->tls_flag : "--cacert";
            break;
        case OPT_CERT:
            a->tls.cert = optarg;
            a->tls_flag = a->tls_flag ? a->tls_flag : "--cert";
            break;
        case OPT_KEY:
            a->tls.key = optarg;
            a->tls_flag = a->tls_flag ? a->tls_flag : "--key";
            break;
        case OPT_TLS_MIN:
            rc = lc_tls_version_parse(optarg, &a->tls.min_version, &err);
            if (rc != 0)
                return lc_cli_usage_error("http", "--tls-min must be 1.2 or 1.3, not '%s'", optarg);
            a->tls_flag = a->tls_flag ? a->tls_flag : "--tls-min";
            break;
        case OPT_HELP:
            fputs(lc_cmd_http_usage, stdout);
            return -1;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            if (lc_cli_history_option(&a->history, c, optarg))
                break;
            int live = lc_cli_live_option(&a->live, c, optarg, &err);
            if (live < 0)
                return lc_cli_usage_error("http", "%s", err.msg);
            if (live)
                break;
            return lc_cli_option_error("http", c, argv);
        }
        if (rc != 0)
            return lc_cli_usage_error("http", "%s", err.msg);
    }
    if (optind >= argc)
        return lc_cli_usage_error("http", "missing URL, e.g. loadcell http http://127.0.0.1:8080/");
    if (optind + 1 < argc)
        return lc_cli_usage_error("http", "unexpected argument '%s' after the URL",
                                  argv[optind + 1]);
    a->url = argv[optind];
    if (!a->conns_given)
        p->connections = a->model == LC_MODEL_OPEN ? 100 : 10;
    if (!a->duration_given && !p->max_requests)
        a->duration_ns = 10 * LC_NS_PER_SEC;
    if (a->warmup_ns && !a->duration_ns)
        return lc_cli_usage_error("http", "--warmup needs a duration (-d) for the measured part");
    if (a->watch.pid && a->watch.command)
        return lc_cli_usage_error("http", "give either --monitor-pid or --monitor-cmd, not both");
    if (a->watch.ready_url && !a->watch.command)
        return lc_cli_usage_error("http", "--ready goes with --monitor-cmd");
    if (a->body && a->body_file)
        return lc_cli_usage_error("http", "give either --body or --body-file, not both");
    if (a->model == LC_MODEL_OPEN && p->pipeline > 1)
        return lc_cli_usage_error("http", "--pipeline works with the closed model only (drop -R)");
    if (a->model == LC_MODEL_OPEN && a->think_max_ns)
        return lc_cli_usage_error("http", "--think works with the closed model only (drop -R)");
    if (a->tls.insecure && a->tls.cacert)
        return lc_cli_usage_error("http", "give either --cacert or --insecure, not both");
    if (lc_tls_client_options_check(&a->tls, &err) != 0)
        return lc_cli_usage_error("http", "%s", err.msg);
    if (!a->method)
        a->method = (a->body || a->body_file) ? "POST" : "GET";
    return 0;
}

/* Resolve the target and serialise the request once. */
static int build_plan(struct http_args *a, struct lc_load_plan *p, struct lc_error *err)
{
    struct lc_url url;
    int rc = lc_url_parse(a->url, &url, err);
    if (rc != 0)
        return rc;
    if (strcmp(url.scheme, "https") == 0)
        rc = lc_load_plan_set_tls(p, url.host, &a->tls, err);
    else if (a->tls_flag)
        rc =
            lc_error_set(err, LC_EUSAGE, "%s needs an https:// URL, not '%s'", a->tls_flag, a->url);
    if (rc != 0)
        return rc;
    snprintf(p->target, sizeof(p->target), "%s", a->url);
    rc = lc_addr_resolve(url.host, url.port, &p->addrs, err);
    if (rc != 0)
        return rc;
    char *body = NULL;
    size_t body_len = 0;
    if (a->body_file) {
        rc = read_file(a->body_file, &body, &body_len, err);
        if (rc != 0)
            return rc;
    }
    char host[300];
    lc_url_host_header(&url, host, sizeof(host));
    struct lc_http1_request_spec spec = {
        .method = a->method,
        .target = url.target,
        .host = host,
        .headers = a->headers,
        .header_count = a->header_count,
        .body = a->body_file ? body : a->body,
        .body_len = a->body_file ? body_len : (a->body ? strlen(a->body) : 0),
        .close = a->no_keepalive,
    };
    /* An optional warmup phase, then the measured one, at a constant level. */
    double level = a->model == LC_MODEL_OPEN ? a->rate_per_s : (double)p->connections;
    for (int i = a->warmup_ns ? 0 : 1; i < 2; i++) {
        struct lc_load_phase *ph =
            lc_load_plan_add_phase(p, i == 0 ? "warmup" : "main", a->model, i == 1);
        if (!ph || lc_load_phase_add_stage(ph, i == 0 ? a->warmup_ns : a->duration_ns, level,
                                           level) != 0) {
            free(body);
            return lc_error_set(err, LC_ENOMEM, "out of memory");
        }
        ph->think_min_ns = a->think_min_ns;
        ph->think_max_ns = a->think_max_ns;
    }
    p->requests = calloc(1, sizeof(*p->requests));
    if (!p->requests) {
        free(body);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    p->request_count = 1;
    struct lc_load_request *r = &p->requests[0];
    snprintf(r->name, sizeof(r->name), "%.16s %.40s", a->method, url.target);
    snprintf(r->method, sizeof(r->method), "%.31s", a->method);
    r->weight = 1;
    r->is_head = strcmp(a->method, "HEAD") == 0;
    rc = lc_http1_request_build(&spec, (int)p->pipeline, &r->batch, &r->batch_len, err);
    free(body);
    if (rc != 0)
        return rc;
    r->len = r->batch_len / p->pipeline;
    r->bytes = r->batch;
    return 0;
}

/* Make room for one descriptor per connection, plus a margin for files. */
static int raise_fd_limit(uint32_t connections, struct lc_error *err)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)connections + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
        return lc_error_set(err, LC_ELIMIT,
                            "-c %u needs %llu file descriptors but the hard limit is %llu: run "
                            "'ulimit -n %llu' (as root or via limits.conf) first",
                            connections, (unsigned long long)need, (unsigned long long)rl.rlim_max,
                            (unsigned long long)need);
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return lc_error_sys(err, errno, "cannot raise the file descriptor limit to %llu",
                            (unsigned long long)need);
    fprintf(stderr, "loadcell: raised the open-file limit from %llu to %llu for -c %u\n",
            (unsigned long long)old, (unsigned long long)need, connections);
    return 0;
}

/* The tick hook's context: the live line and the live endpoints, either optional. */
struct tick_ctx {
    int line;
    struct lc_live_bridge *bridge;
};

static int progress_line(const struct lc_engine_progress *pr, void *ctx);

static int on_tick(const struct lc_engine_progress *pr, void *ctx)
{
    const struct tick_ctx *t = ctx;
    if (t->line)
        progress_line(pr, NULL);
    return t->bridge ? lc_live_bridge_on_tick(pr, t->bridge) : 0;
}

static int progress_line(const struct lc_engine_progress *pr, void *ctx)
{
    (void)ctx;
    const struct lc_series_point *s = pr->last;
    char p50[32], p99[32];
    double rps = s->interval_s > 0 ? (double)s->requests / s->interval_s : 0;
    lc_format_duration((uint64_t)s->p50_ns, p50, sizeof(p50));
    lc_format_duration((uint64_t)s->p99_ns, p99, sizeof(p99));
    if (pr->total_s > 0)
        fprintf(stderr, "\r\033[K[%5.1fs/%.0fs] %-6s %9.0f req/s  p50 %-8s p99 %-8s errors %llu",
                pr->elapsed_s, pr->total_s, pr->phase, rps, p50, p99,
                (unsigned long long)pr->errors_total);
    else
        fprintf(stderr, "\r\033[K[%5.1fs] %-6s %9.0f req/s  p50 %-8s p99 %-8s errors %llu",
                pr->elapsed_s, pr->phase, rps, p50, p99, (unsigned long long)pr->errors_total);
    fflush(stderr);
    return 0;
}

int lc_cmd_http(int argc, char **argv)
{
    struct http_args args = {0};
    struct lc_load_plan plan = {0};
    struct lc_error err = {0};
    struct lc_engine_outcome outcome = {0};
    struct lc_live_bridge *bridge = NULL;
    struct lc_cli_watch watch = {0};
    lc_threshold_list_init(&args.thresholds);
    args.out.history = &args.history; /* recorded after the result files */
    int exit_code = parse_args(argc, argv, &args, &plan);
    if (exit_code != 0) {
        exit_code = exit_code < 0 ? 0 : exit_code; /* --help: -1 */
        goto out;
    }
    if (lc_cli_outputs_check(&args.out, &err) != 0 || build_plan(&args, &plan, &err) != 0 ||
        raise_fd_limit(plan.connections, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int live = !args.quiet && isatty(STDERR_FILENO);
    if (lc_cli_watch_start(&args.watch, &interrupted, &watch, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    if (args.live.metrics || args.live.dashboard) {
        struct lc_live_bridge_options lo = {.metrics = args.live.metrics,
                                            .dashboard = args.live.dashboard,
                                            .command = "http",
                                            .plan = &plan,
                                            .thresholds = &args.thresholds,
                                            .monitor = watch.mon,
                                            .interrupted = &interrupted};
        if (lc_live_bridge_start(&lo, &bridge, &err) != 0) {
            exit_code = lc_cli_fail(&err);
            goto out;
        }
    }
    struct tick_ctx tick = {.line = live, .bridge = bridge};
    struct lc_engine_hooks hooks = {
        .on_tick = live || bridge ? on_tick : NULL,
        .ctx = &tick,
        .interrupted = &interrupted,
        .take_control = args.live.dashboard ? lc_live_bridge_take_control : NULL,
        .control_ctx = bridge,
    };
    int rc = lc_engine_run(&plan, &hooks, &outcome, &err);
    if (live)
        fputs("\r\033[K", stderr);
    if (rc != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    lc_live_bridge_finish(bridge, &outcome);
    exit_code = lc_http_output_finish(argc, argv, &plan, &outcome, &args.thresholds, &args.out,
                                      &watch, &err);
    if (outcome.partial)
        exit_code = LC_EXIT_INTERRUPTED;
    lc_live_bridge_close(bridge, args.live.linger_ns);
    bridge = NULL;
out:
    lc_live_bridge_close(bridge, 0);
    lc_cli_watch_free(&watch); /* stops a --monitor-cmd target */
    lc_engine_outcome_free(&outcome);
    lc_load_plan_free(&plan);
    lc_threshold_list_free(&args.thresholds);
    return exit_code;
}
