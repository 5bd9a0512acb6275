/* loadcell: dispatch to the subcommand named by argv[1]. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

extern const char lc_cmd_http_usage[];
extern const char lc_cmd_serve_usage[];
extern const char lc_cmd_bench_usage[];
extern const char lc_cmd_run_usage[];
extern const char lc_cmd_report_usage[];
extern const char lc_cmd_compare_usage[];
extern const char lc_cmd_monitor_usage[];
extern const char lc_cmd_history_usage[];
extern const char lc_cmd_baseline_usage[];

static const char version_usage[] = "usage: loadcell version\n\n"
                                    "Print the version, commit, compiler and built-in features.\n";
static const char help_usage[] = "usage: loadcell help [COMMAND]\n\n"
                                 "List the commands, or show one command's options.\n";

const struct lc_cli_command lc_cli_commands[] = {
    {"http", lc_cmd_http, "load-test an HTTP/1.1 URL (closed or open model)", lc_cmd_http_usage},
    {"run", lc_cmd_run, "run a scenario file: phases, ramps, request mix, thresholds",
     lc_cmd_run_usage},
    {"bench", lc_cmd_bench, "benchmark commands: runs, scans, scaling fits, comparisons",
     lc_cmd_bench_usage},
    {"monitor", lc_cmd_monitor, "sample a process tree without load: CPU, memory, leaks, GPU",
     lc_cmd_monitor_usage},
    {"report", lc_cmd_report, "write HTML, Markdown or CSV reports from a result file",
     lc_cmd_report_usage},
    {"compare", lc_cmd_compare, "compare a result with a baseline: verdicts, intervals, claims",
     lc_cmd_compare_usage},
    {"history", lc_cmd_history, "list recorded runs with key figures and a trend",
     lc_cmd_history_usage},
    {"baseline", lc_cmd_baseline, "mark a recorded run as the baseline of its name",
     lc_cmd_baseline_usage},
    {"serve", lc_cmd_serve, "run the built-in target server", lc_cmd_serve_usage},
    {"version", lc_cmd_version, "print version and build facts", version_usage},
    {"help", lc_cmd_help, "show help for loadcell or a command", help_usage},
    {NULL, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    /* Writes to closed sockets must fail with EPIPE, never kill the process. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return lc_cmd_help(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0)
        return lc_cmd_version(argc - 1, argv + 1);
    const struct lc_cli_command *c = lc_cli_find(argv[1]);
    if (!c) {
        fprintf(stderr, "loadcell: unknown command '%s' (see 'loadcell help')\n", argv[1]);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
