/* `loadcell history` and `loadcell baseline`: list recorded runs with a trend; mark a baseline. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/parse.h"
#include "results/history.h"

const char lc_cmd_history_usage[] =
    "usage: loadcell history [NAME] [--kind KIND] [-n N] [--history PATH]\n"
    "\n"
    "List the runs recorded in the history database, oldest first: id, start time,\n"
    "kind, name, throughput (load runs) or mean time (bench), p99, errors and the\n"
    "threshold verdict, then a trend line (a sparkline) of the key figure: p99 latency\n"
    "for load runs, mean wall time for bench runs. `*` marks a run's baseline\n"
    "(loadcell baseline set ID). http, run, bench and monitor record every run in\n"
    ".loadcell/history.db unless given --no-history (docs/compare.md).\n"
    "\n"
    "  NAME                 only runs of this name: the scenario or bench command name,\n"
    "                       or the URL for `loadcell http` runs\n"
    "      --kind KIND      only runs of this kind: http, run, bench or monitor\n"
    "  -n, --last N         only the latest N runs (default 20; 0: all)\n"
    "      --history PATH   the database (default .loadcell/history.db)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit codes: 0 listed, 2 bad usage, no run matches, or the database is damaged\n"
    "(move it away), 3 the database cannot be read.\n";

const char lc_cmd_baseline_usage[] =
    "usage: loadcell baseline set ID [--history PATH]\n"
    "       loadcell baseline clear NAME [--history PATH]\n"
    "\n"
    "Mark run ID (see 'loadcell history') as the baseline of its name, or remove the\n"
    "mark of NAME. `compare --baseline best` then takes the marked run; without a mark,\n"
    "best is the run of that name with the lowest p99 (load) or mean (bench). One run\n"
    "per name carries the mark; setting another moves it.\n"
    "\n"
    "      --history PATH   the database (default .loadcell/history.db)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit codes: 0 done, 2 bad usage, no such run, or a damaged database, 3 the\n"
    "database cannot be written.\n";

#define DEFAULT_LAST 20

enum {
    OPT_HISTORY = 1000,
    OPT_KIND,
};

static const struct option history_options[] = {
    {"history", required_argument, NULL, OPT_HISTORY},
    {"kind", required_argument, NULL, OPT_KIND},
    {"last", required_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/*
 * Open the database at path (--history; NULL: the default) for reading. *missing is set
 * (and 0 returned) when the default file is absent; an absent --history file is an error.
 */
static int open_existing(const char **path_io, struct lc_history **h, bool *missing,
                         struct lc_error *err)
{
    bool explicit_path = *path_io != NULL;
    if (!*path_io)
        *path_io = lc_history_default_path();
    const char *path = *path_io;
    *missing = false;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        if (explicit_path)
            return lc_error_set(err, LC_EINVAL,
                                "no history database at '%s' (check --history; runs are "
                                "recorded in .loadcell/history.db by default)",
                                path);
        *missing = true;
        return 0;
    }
    return lc_history_open(path, false, h, err);
}

/* "12.3ms"-style time of ns; "-" when none (< 0). */
static const char *fmt_ns(int64_t ns, char *buf, size_t size)
{
    if (ns < 0)
        return "-";
    return lc_format_duration((uint64_t)ns, buf, size);
}

/* Print at most `width` columns of s (bytes; names are mostly ASCII), padded. */
static void print_cell(const char *s, int width)
{
    int n = (int)strlen(s);
    if (n <= width)
        printf("%-*s", width, s);
    else
        printf("%.*s...", width - 3, s);
}

/*
 * The trend: a sparkline of the key figure (p99 for load runs, mean for bench
 * runs) over the listed runs of the family of the newest run that has one,
 * oldest to newest, with its range. Nothing when fewer than two runs have one.
 */
static void print_trend(const struct lc_history_entry *e, size_t n)
{
    static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                       "\u2585", "\u2586", "\u2587", "\u2588"};
    enum lc_history_family fam = LC_HISTORY_FAMILY_NONE;
    for (size_t i = n; i-- > 0 && fam == LC_HISTORY_FAMILY_NONE;)
        fam = e[i].figure_ns >= 0 ? e[i].family : LC_HISTORY_FAMILY_NONE;
    if (fam == LC_HISTORY_FAMILY_NONE)
        return;
    int64_t lo = INT64_MAX, hi = -1, newest = -1;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t v = e[i].figure_ns;
        if (v < 0 || e[i].family != fam)
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        newest = v;
        count++;
    }
    if (count < 2)
        return;
    printf("\ntrend of %s, oldest to newest: ", fam == LC_HISTORY_FAMILY_LOAD ? "p99" : "mean");
    for (size_t i = 0; i < n; i++) {
        int64_t v = e[i].figure_ns;
        if (v < 0 || e[i].family != fam)
            continue;
        int level = hi > lo ? (int)((double)(v - lo) / (double)(hi - lo) * 7.0 + 0.5) : 0;
        fputs(bars[level], stdout);
    }
    char a[32], b[32], c[32];
    printf("  %s .. %s (newest %s)\n", fmt_ns(lo, a, sizeof(a)), fmt_ns(hi, b, sizeof(b)),
           fmt_ns(newest, c, sizeof(c)));
}

/* The error for a NAME that matches nothing: lists a few recorded names. */
static int no_match(struct lc_history *h, const char *name, struct lc_error *err)
{
    struct lc_history_entry *all = NULL;
    size_t n = 0;
    char names[256] = "";
    size_t used = 0, shown = 0;
    if (lc_history_list(h, NULL, &all, &n, err) == 0) {
        for (size_t i = n; i-- > 0 && shown < 4;) {
            bool seen = false;
            for (size_t j = n; j-- > i + 1;)
                seen = seen || strcmp(all[j].name, all[i].name) == 0;
            if (seen)
                continue;
            int w = snprintf(names + used, sizeof(names) - used, "%s'%s'", shown ? ", " : "",
                             all[i].name);
            if (w < 0 || (size_t)w >= sizeof(names) - used)
                break;
            used += (size_t)w;
            shown++;
        }
    }
    lc_history_entries_free(all, n);
    if (!name)
        return lc_error_set(err, LC_EINVAL, "no runs of that kind in history '%s'%s%s%s",
                            lc_history_path(h), shown ? " (names: " : "", names, shown ? ")" : "");
    return lc_error_set(err, LC_EINVAL, "no runs named '%s' in history '%s'%s%s%s", name,
                        lc_history_path(h), shown ? " (recent names: " : " (it is empty)", names,
                        shown ? ")" : "");
}

static void print_table(const struct lc_history_entry *e, size_t n)
{
    printf("%5s  %-19s  %-7s  %-34s  %12s  %9s  %8s  %s\n", "ID", "START", "KIND", "NAME",
           "RPS / MEAN", "P99", "ERRORS", "VERDICT");
    for (size_t i = 0; i < n; i++) {
        char when[32] = "-", fig[32], p99[32];
        time_t t = (time_t)(e[i].start_wall_ns / 1000000000ull);
        struct tm tm;
        if (e[i].start_wall_ns && localtime_r(&t, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        if (e[i].family == LC_HISTORY_FAMILY_LOAD)
            snprintf(fig, sizeof(fig), "%.1f/s", e[i].rps);
        else
            snprintf(fig, sizeof(fig), "%s", fmt_ns(e[i].mean_ns, p99, sizeof(p99)));
        printf("%5" PRId64 "%s %-19s  %-7s  ", e[i].id, e[i].baseline ? "*" : " ", when,
               lc_result_kind_name(e[i].kind));
        print_cell(e[i].name, 34);
        printf("  %12s  %9s  %8" PRIu64 "  %s%s\n", fig, fmt_ns(e[i].p99_ns, p99, sizeof(p99)),
               e[i].errors, e[i].verdict, e[i].partial ? " (partial)" : "");
    }
}

int lc_cmd_history(int argc, char **argv)
{
    const char *path = NULL;
    struct lc_history_filter f = {.limit = DEFAULT_LAST};
    struct lc_error err = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:h", history_options, NULL)) != -1) {
        uint64_t u;
        switch (c) {
        case OPT_HISTORY:
            path = optarg;
            break;
        case OPT_KIND:
            if (lc_result_kind_parse(optarg, &f.kind) != 0)
                return lc_cli_usage_error(
                    "history", "--kind must be http, run, bench or monitor, not '%s'", optarg);
            f.has_kind = true;
            break;
        case 'n':
            if (lc_parse_u64(optarg, &u, &err) != 0)
                return lc_cli_usage_error("history", "-n '%s': %s", optarg, err.msg);
            f.limit = (size_t)u;
            break;
        case 'h':
            fputs(lc_cmd_history_usage, stdout);
            return 0;
        default: /* ':' (a missing value) or '?' (an unknown option) */
            return lc_cli_option_error("history", c, argv);
        }
    }
    if (optind + 1 < argc)
        return lc_cli_usage_error("history", "unexpected argument '%s' (give at most one NAME)",
                                  argv[optind + 1]);
    f.name = optind < argc ? argv[optind] : NULL;
    if (path && !path[0])
        return lc_cli_usage_error("history", "--history needs a file path");
    struct lc_history *h = NULL;
    bool missing = false;
    if (open_existing(&path, &h, &missing, &err) != 0)
        return lc_cli_fail(&err);
    if (missing) {
        if (f.name || f.has_kind) {
            lc_error_set(&err, LC_EINVAL, "no runs%s%s%s: nothing is recorded in '%s' yet",
                         f.name ? " named '" : " of that kind", f.name ? f.name : "",
                         f.name ? "'" : "", path);
            return lc_cli_fail(&err);
        }
        printf("no runs recorded in %s yet: http, run, bench and monitor record each run there\n",
               path);
        return LC_EXIT_OK;
    }
    struct lc_history_entry *e = NULL;
    size_t n = 0;
    int exit_code = LC_EXIT_OK;
    if (lc_history_list(h, &f, &e, &n, &err) != 0) {
        exit_code = lc_cli_fail(&err);
        goto out;
    }
    if (n == 0) {
        if (f.name || f.has_kind) {
            no_match(h, f.name, &err);
            exit_code = lc_cli_fail(&err);
        } else {
            printf("no runs recorded in %s yet\n", path);
        }
        goto out;
    }
    printf("%s: %zu run%s%s\n\n", path, n, n == 1 ? "" : "s",
           f.limit && n == f.limit ? " (the latest; -n 0 lists all)" : "");
    print_table(e, n);
    print_trend(e, n);
out:
    lc_history_entries_free(e, n);
    lc_history_close(h);
    return exit_code;
}

static const struct option baseline_options[] = {
    {"history", required_argument, NULL, OPT_HISTORY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int lc_cmd_baseline(int argc, char **argv)
{
    const char *path = NULL;
    struct lc_error err = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", baseline_options, NULL)) != -1) {
        switch (c) {
        case OPT_HISTORY:
            path = optarg;
            break;
        case 'h':
            fputs(lc_cmd_baseline_usage, stdout);
            return 0;
        default:
            return lc_cli_option_error("baseline", c, argv);
        }
    }
    if (optind >= argc)
        return lc_cli_usage_error("baseline", "what should be done? give 'set ID' or "
                                              "'clear NAME'");
    const char *verb = argv[optind];
    bool set = strcmp(verb, "set") == 0;
    if (!set && strcmp(verb, "clear") != 0)
        return lc_cli_usage_error("baseline", "unknown action '%s' (use set ID or clear NAME)",
                                  verb);
    if (optind + 1 >= argc)
        return lc_cli_usage_error("baseline", set ? "'set' needs a run id, e.g. baseline set 12"
                                                  : "'clear' needs a NAME");
    if (optind + 2 < argc)
        return lc_cli_usage_error("baseline", "unexpected argument '%s'", argv[optind + 2]);
    const char *arg = argv[optind + 1];
    int64_t id = 0;
    if (set) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (errno || !end || *end || end == arg || v <= 0)
            return lc_cli_usage_error(
                "baseline", "'%s' is not a run id (a number from 'loadcell history')", arg);
        id = v;
    }
    if (path && !path[0])
        return lc_cli_usage_error("baseline", "--history needs a file path");
    struct lc_history *h = NULL;
    bool missing = false;
    if (open_existing(&path, &h, &missing, &err) != 0)
        return lc_cli_fail(&err);
    if (missing) {
        lc_error_set(&err, LC_EINVAL,
                     "no history database at '%s' yet: record a run first (loadcell http, run, "
                     "bench or monitor)",
                     path);
        return lc_cli_fail(&err);
    }
    int exit_code = LC_EXIT_OK;
    if (set) {
        char *name = NULL;
        if (lc_history_set_baseline(h, id, &name, &err) != 0)
            exit_code = lc_cli_fail(&err);
        else
            printf("run %lld is now the baseline of '%s'\n", (long long)id, name);
        free(name);
    } else {
        bool cleared = false;
        if (lc_history_clear_baseline(h, arg, &cleared, &err) != 0)
            exit_code = lc_cli_fail(&err);
        else if (cleared)
            printf("'%s' has no baseline now\n", arg);
        else
            printf("'%s' had no baseline\n", arg);
    }
    lc_history_close(h);
    return exit_code;
}
