/* Recording a finished run in the history database (a failure is a warning, never an exit code). */
#include "cli/history_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/history.h"

bool lc_cli_history_option(struct lc_cli_history *h, int opt, const char *arg)
{
    if (opt == LC_CLI_OPT_HISTORY) {
        h->path = arg;
        h->off = false;
        return true;
    }
    if (opt == LC_CLI_OPT_NO_HISTORY) {
        h->off = true;
        return true;
    }
    return false;
}

/* LOADCELL_NO_HISTORY set to anything but "" or "0" turns recording off. */
static bool disabled_by_env(void)
{
    const char *v = getenv("LOADCELL_NO_HISTORY");
    return v && v[0] && strcmp(v, "0") != 0;
}

void lc_cli_history_record(const struct lc_cli_history *h, const struct lc_result *r)
{
    if (!h || h->off || disabled_by_env())
        return;
    const char *path = h->path ? h->path : lc_history_default_path();
    struct lc_error err = {0};
    struct lc_history *db = NULL;
    int64_t id = 0;
    int rc = lc_history_open(path, true, &db, &err);
    if (rc == 0)
        rc = lc_history_record(db, r, NULL, 0, &id, &err);
    lc_history_close(db);
    if (rc != 0) {
        char line[1024];
        fprintf(stderr, "loadcell: warning: run not recorded in history: %s\n",
                lc_error_format(&err, line, sizeof(line)));
        return;
    }
    fprintf(stderr, "loadcell: recorded as run %lld in %s\n", (long long)id, path);
}
