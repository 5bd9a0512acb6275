/* `loadcell serve`: flags to a behaviour and routes, then run the built-in target server. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/live_bridge.h"
#include "core/parse.h"
#include "serve/behaviour.h"
#include "serve/server.h"

const char lc_cmd_serve_usage[] =
    "usage: loadcell serve [--listen ADDR:PORT] [--threads N] [--latency DIST] [--status N]\n"
    "                      [--error-rate P] [--error-status N] [--body-size N|LO..HI] [--chunked]\n"
    "                      [--stall STALL/PERIOD] [--chaos KIND=P,...] [--route SPEC]...\n"
    "                      [--seed N] [--metrics ADDR:PORT]\n"
    "                      [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
    "\n"
    "Run the built-in HTTP/1.1 target server (keep-alive, pipelining, request bodies with\n"
    "Content-Length or chunked), over TLS with --tls-cert. It prints one line when ready:\n"
    "  loadcell serve: listening on http://127.0.0.1:8080    (https://... with TLS)\n"
    "and stops cleanly on SIGINT or SIGTERM (exit 0).\n"
    "\n"
    "options:\n"
    "  -l, --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080; port 0 picks a\n"
    "                           free port; IPv6 as [::1]:8080)\n"
    "  -t, --threads N          server threads, each with its own event loop and\n"
    "                           SO_REUSEPORT listener (default 1)\n"
    "      --latency DIST       delay before each answer, from when the request head arrived:\n"
    "                             fixed:10ms   uniform:5ms..20ms   normal:MEAN,SD (truncated at\n"
    "                             0)   lognormal:MEDIAN,SIGMA   exp:MEAN   or a mixture\n"
    "                             90%fixed:10ms,10%fixed:200ms (percentages sum to 100%)\n"
    "      --status N           status of normal answers (default 200)\n"
    "      --error-rate P       fraction answered with the error status (e.g. 1%)\n"
    "      --error-status N     status of injected errors (default 500)\n"
    "      --body-size N        body size (default 2B) or a range 1KB..4KB (uniform)\n"
    "      --chunked            answer with Transfer-Encoding: chunked\n"
    "      --stall STALL/PERIOD answer nothing during the first STALL of every PERIOD since\n"
    "                           start (e.g. 1s/5s); what arrives meanwhile is answered when\n"
    "                           the stall ends\n"
    "      --chaos KIND=P,...   misbehave at a rate, one draw per request; kinds:\n"
    "                             reset           reset the connection (SO_LINGER 0 + close)\n"
    "                             close-mid-body  send the headers and half the body, close\n"
    "                             bad-status      a malformed status line (HTTP/1.1 2x0)\n"
    "                             huge-headers    response headers of more than 64 KB\n"
    "                             no-answer       never answer (the connection stays open and\n"
    "                                             later requests on it wait too)\n"
    "                             trickle         one byte at a time, 1 ms apart (<= 200 ms)\n"
    "      --route SPEC         behaviour of one path, repeatable, first match wins:\n"
    "                             'PATH:key=val;key=val' with keys latency, status, body,\n"
    "                             error-rate, error-status, chunked, stall, chaos; PATH is\n"
    "                             exact, or a prefix when it ends in '*'; keys not given\n"
    "                             come from the global flags\n"
    "      --seed N             make every random choice reproducible\n"
    "      --metrics ADDR:PORT  serve the /stats counters as Prometheus metrics at\n"
    "                           http://ADDR:PORT/metrics (docs/live.md)\n"
    "      --tls-cert FILE      serve HTTPS with this PEM certificate (chain, the server's\n"
    "                           first); needs --tls-key. TLS 1.2 and 1.3, ALPN http/1.1,\n"
    "                           session resumption (tickets and a session cache)\n"
    "      --tls-key FILE       the certificate's PEM private key (unencrypted)\n"
    "      --tls-client-ca FILE\n"
    "                           require a client certificate signed by a CA in this PEM\n"
    "                           file (mutual TLS); clients without one are refused\n"
    "  -h, --help               show this help\n"
    "\n"
    "built-in paths (no latency, errors, stall or chaos; counted apart):\n"
    "  /health                  200 \"ok\"\n"
    "  GET /stats               the server's counters as JSON\n"
    "  POST /stats/reset        zero the counters\n"
    "\n"
    "examples:\n"
    "  loadcell serve --listen 127.0.0.1:0 --latency lognormal:20ms,0.5 --error-rate 1%\n"
    "  loadcell serve --route '/query:latency=lognormal:20ms,0.5;status=200;body=2KB' \\\n"
    "                 --route '/upload*:latency=uniform:5ms..50ms;error-rate=2%'\n"
    "  loadcell serve --chaos reset=5%,close-mid-body=5%,trickle=1% --stall 1s/5s\n"
    "  loadcell serve --listen 127.0.0.1:8443 --tls-cert server.pem --tls-key server.key\n"
    "\n"
    "See docs/serve.md for every flag.\n";

static struct lc_serve *g_server;

static void on_signal(int sig)
{
    (void)sig;
    lc_serve_stop(g_server);
}

/* Raise the soft file descriptor limit to the hard one: a target serves many connections. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

enum {
    OPT_LATENCY = 256,
    OPT_STATUS,
    OPT_ERROR_RATE,
    OPT_ERROR_STATUS,
    OPT_BODY_SIZE,
    OPT_CHUNKED,
    OPT_STALL,
    OPT_CHAOS,
    OPT_ROUTE,
    OPT_SEED,
    OPT_METRICS,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TLS_CLIENT_CA,
};

static const struct option long_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"threads", required_argument, NULL, 't'},
    {"latency", required_argument, NULL, OPT_LATENCY},
    {"status", required_argument, NULL, OPT_STATUS},
    {"error-rate", required_argument, NULL, OPT_ERROR_RATE},
    {"error-status", required_argument, NULL, OPT_ERROR_STATUS},
    {"body-size", required_argument, NULL, OPT_BODY_SIZE},
    {"chunked", no_argument, NULL, OPT_CHUNKED},
    {"stall", required_argument, NULL, OPT_STALL},
    {"chaos", required_argument, NULL, OPT_CHAOS},
    {"route", required_argument, NULL, OPT_ROUTE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"tls-client-ca", required_argument, NULL, OPT_TLS_CLIENT_CA},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The behaviour key a global flag sets, or NULL. */
static const char *flag_key(int opt)
{
    switch (opt) {
    case OPT_LATENCY:
        return "latency";
    case OPT_STATUS:
        return "status";
    case OPT_ERROR_RATE:
        return "error-rate";
    case OPT_ERROR_STATUS:
        return "error-status";
    case OPT_BODY_SIZE:
        return "body";
    case OPT_CHUNKED:
        return "chunked";
    case OPT_STALL:
        return "stall";
    case OPT_CHAOS:
        return "chaos";
    default:
        return NULL;
    }
}

int lc_cmd_serve(int argc, char **argv)
{
    struct lc_serve_options opt = {.listen = "127.0.0.1:8080", .threads = 1};
    struct lc_error err = {0};
    const char *route_specs[LC_SERVE_MAX_ROUTES];
    uint32_t nroutes = 0;
    struct lc_serve_route *routes = NULL;
    struct lc_serve *srv = NULL;
    const char *metrics = NULL;
    struct lc_live_serve_bridge *live = NULL;
    int rc;
    uint64_t v;

    lc_serve_behaviour_default(&opt.behaviour);
    optind = 0; /* full getopt reset */
    opterr = 0;
    for (;;) {
        int o = getopt_long(argc, argv, ":l:t:h", long_options, NULL);
        if (o == -1)
            break;
        const char *key = flag_key(o);
        if (key) {
            if (lc_serve_behaviour_set(&opt.behaviour, key, optarg, &err) != 0)
                return lc_cli_usage_error("serve", "--%s: %s",
                                          strcmp(key, "body") == 0 ? "body-size" : key, err.msg);
            continue;
        }
        switch (o) {
        case 'l':
            opt.listen = optarg;
            break;
        case 't':
            if (lc_parse_u64(optarg, &v, &err) != 0 || v < 1 || v > LC_SERVE_MAX_THREADS)
                return lc_cli_usage_error("serve", "--threads '%s': expected 1 to %d", optarg,
                                          LC_SERVE_MAX_THREADS);
            opt.threads = (uint32_t)v;
            break;
        case OPT_ROUTE:
            if (nroutes == LC_SERVE_MAX_ROUTES)
                return lc_cli_usage_error("serve", "--route: at most %d routes",
                                          LC_SERVE_MAX_ROUTES);
            route_specs[nroutes++] = optarg;
            break;
        case OPT_SEED:
            if (lc_parse_u64(optarg, &opt.seed, &err) != 0)
                return lc_cli_usage_error("serve", "--seed: %s", err.msg);
            opt.seed_set = 1;
            break;
        case OPT_METRICS:
            if (lc_live_bridge_check_listen("--metrics", optarg, &err) != 0)
                return lc_cli_usage_error("serve", "%s", err.msg);
            metrics = optarg;
            break;
        case OPT_TLS_CERT:
            opt.tls_cert_file = optarg;
            break;
        case OPT_TLS_KEY:
            opt.tls_key_file = optarg;
            break;
        case OPT_TLS_CLIENT_CA:
            opt.tls_client_ca_file = optarg;
            break;
        case 'h':
            fputs(lc_cmd_serve_usage, stdout);
            return LC_EXIT_OK;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            return lc_cli_option_error("serve", o, argv);
        }
    }
    if (optind < argc)
        return lc_cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (opt.tls_cert_file && !opt.tls_key_file)
        return lc_cli_usage_error("serve", "--tls-cert needs --tls-key FILE (the certificate's "
                                           "private key)");
    if (!opt.tls_cert_file && (opt.tls_key_file || opt.tls_client_ca_file))
        return lc_cli_usage_error("serve",
                                  "%s needs --tls-cert FILE (TLS is off without a "
                                  "certificate)",
                                  opt.tls_key_file ? "--tls-key" : "--tls-client-ca");

    /* Routes start from the global behaviour, whatever the order of the flags. */
    if (nroutes) {
        routes = calloc(nroutes, sizeof(*routes));
        if (!routes) {
            lc_error_set(&err, LC_ENOMEM, "out of memory");
            return lc_cli_fail(&err);
        }
        for (uint32_t i = 0; i < nroutes; i++) {
            if (lc_serve_route_parse(route_specs[i], &opt.behaviour, &routes[i], &err) != 0) {
                free(routes);
                return lc_cli_usage_error("serve", "--route: %s", err.msg);
            }
        }
    }
    opt.routes = routes;
    opt.route_count = nroutes;

    raise_nofile();
    rc = lc_serve_create(&opt, &srv, &err);
    free(routes);
    if (rc != 0)
        return lc_cli_fail(&err);
    if (metrics && lc_live_serve_bridge_start(metrics, srv, &live, &err) != 0) {
        lc_serve_destroy(srv);
        return lc_cli_fail(&err);
    }

    g_server = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    printf("loadcell serve: listening on %s\n", lc_serve_url(srv));
    fflush(stdout);

    rc = lc_serve_run(srv, &err);

    /* A second signal while tearing down must not turn a clean stop into a kill. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    g_server = NULL;
    lc_live_serve_bridge_stop(live);
    lc_serve_destroy(srv);
    if (rc != 0)
        return lc_cli_fail(&err);
    return LC_EXIT_OK;
}
