/* Writing the Result JSON and the reports a command was asked for. */
#include "cli/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "results/report_csv.h"
#include "results/report_html.h"
#include "results/report_markdown.h"
#include "results/result_json.h"

/*
 * Create the missing folders above `path` (mkdir -p of its dirname), so that
 * templates such as results/{name}.json work in a fresh checkout.
 */
static int make_parents(const char *path, struct lc_error *err)
{
    char dir[4096];
    if (!path || snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return 0; /* too long to create here: the writability check reports it */
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return lc_error_sys(err, errno, "cannot create the folder '%s'", dir);
        *p = '/';
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return lc_error_sys(err, errno, "cannot create the folder '%s'", dir);
    return 0;
}

int lc_cli_outputs_check(const struct lc_cli_outputs *o, struct lc_error *err)
{
    const char *all[4] = {o->json, o->html, o->markdown, o->csv};
    for (int i = 0; i < 4; i++)
        if (all[i] && make_parents(all[i], err) != 0)
            return LC_ESYS;
    int rc = 0;
    if (o->json)
        rc = lc_result_check_writable(o->json, err);
    if (rc == 0 && o->html)
        rc = lc_result_check_writable(o->html, err);
    if (rc == 0 && o->markdown)
        rc = lc_result_check_writable(o->markdown, err);
    if (rc == 0 && o->csv)
        rc = lc_report_csv_check_writable(o->csv, err);
    return rc;
}

/* Report one file's outcome; returns 0 or the exit code of its failure. */
static int done(int rc, const char *what, const char *path, struct lc_error *err)
{
    if (rc != 0)
        return lc_cli_fail(err);
    fprintf(stderr, "loadcell: %s written to %s\n", what, path);
    return 0;
}

int lc_cli_outputs_write(const struct lc_cli_outputs *o, const struct lc_result *r)
{
    struct lc_error err = {0};
    int first = 0, rc;
    if (o->json) {
        rc = done(lc_result_write_json(r, o->json, &err), "result", o->json, &err);
        first = first ? first : rc;
    }
    if (o->html) {
        rc = done(lc_report_html_write(r, NULL, o->html, &err), "HTML report", o->html, &err);
        first = first ? first : rc;
    }
    if (o->markdown) {
        rc = done(lc_report_markdown_write(r, NULL, o->markdown, &err), "Markdown report",
                  o->markdown, &err);
        first = first ? first : rc;
    }
    if (o->csv) {
        rc = done(lc_report_csv_write(r, o->csv, &err), "CSV files", o->csv, &err);
        first = first ? first : rc;
    }
    /* Last: the result files are safe before the history database is touched. */
    lc_cli_history_record(o->history, r);
    return first;
}
