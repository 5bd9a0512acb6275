/* The files a run writes besides the terminal summary: Result JSON and reports. */
#ifndef LC_CLI_OUTPUTS_H
#define LC_CLI_OUTPUTS_H

#include "cli/history_record.h"
#include "core/error.h"
#include "results/result.h"

/* Paths to write; NULL: not asked for. */
struct lc_cli_outputs {
    const char *json;     /* the Result (docs/result-schema.md) */
    const char *html;     /* the self-contained HTML report */
    const char *markdown; /* the Markdown report */
    const char *csv;      /* PREFIX of PREFIX_stats.csv, _history.csv, _failures.csv */
    /* Where to record the run after the files are written; NULL: not recorded. */
    const struct lc_cli_history *history;
};

/*
 * Before a run: create missing parent folders of the outputs, then fail fast
 * when one cannot be written (hyperfine #306).
 */
int lc_cli_outputs_check(const struct lc_cli_outputs *o, struct lc_error *err) LC_WARN_UNUSED;

/*
 * After a run: write every asked-for file, each atomically, saying so on
 * stderr, then record the run in o->history (lc_cli_history_record: a
 * history failure is a warning only). Every file is attempted even when one
 * fails; returns 0 or the exit code of the first failure (its one-line error
 * already printed).
 */
int lc_cli_outputs_write(const struct lc_cli_outputs *o, const struct lc_result *r);

#endif
