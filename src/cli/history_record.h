/* Recording a finished run in the history database: the --history / --no-history flags. */
#ifndef LC_CLI_HISTORY_RECORD_H
#define LC_CLI_HISTORY_RECORD_H

#include <stdbool.h>

#include "results/result.h"

/* Where a run command records its Result; zero it for the default (record in .loadcell/). */
struct lc_cli_history {
    const char *path; /* --history PATH (argv memory); NULL: lc_history_default_path() */
    bool off;         /* --no-history */
};

/*
 * getopt_long values of the two flags, clear of every command's own option values:
 *     {"history", required_argument, NULL, LC_CLI_OPT_HISTORY},
 *     {"no-history", no_argument, NULL, LC_CLI_OPT_NO_HISTORY},
 */
enum {
    LC_CLI_OPT_HISTORY = 0x4800,
    LC_CLI_OPT_NO_HISTORY,
};

/*
 * Handle getopt_long's `opt` when it is one of the two flags: returns true
 * (and fills h) when it was, false otherwise. `arg` is optarg (kept, not copied).
 */
bool lc_cli_history_option(struct lc_cli_history *h, int opt, const char *arg);

/*
 * After the run's result file is written: record r in the history database
 * unless h is NULL, h->off, or the environment has LOADCELL_NO_HISTORY=1.
 * Says "loadcell: recorded as run N in PATH" on stderr; a failure is one
 * warning line on stderr and nothing else: it never changes the exit code.
 */
void lc_cli_history_record(const struct lc_cli_history *h, const struct lc_result *r);

#endif
