/* `loadcell report`: HTML, Markdown and CSV reports from a saved result file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "results/report_csv.h"
#include "results/report_html.h"
#include "results/report_markdown.h"
#include "results/result_json.h"

const char lc_cmd_report_usage[] =
    "usage: loadcell report RESULT.json [--html FILE] [--markdown [FILE]] [--csv PREFIX]\n"
    "                       [--title TEXT]\n"
    "\n"
    "Write reports from a result file saved with -o (docs/reports.md). With no output\n"
    "option, the Markdown report goes to stdout. Options can be combined.\n"
    "\n"
    "options:\n"
    "      --html FILE        one self-contained HTML page: verdict, key figures, findings,\n"
    "                         thresholds, charts (throughput, latency, load, percentiles,\n"
    "                         histogram, resources, bench box plots and scaling), tables and\n"
    "                         the environment; no network access needed, printable\n"
    "      --markdown [FILE]  the Markdown summary (for CI comments) to FILE, or to stdout\n"
    "                         when FILE is omitted or '-'; FILE is taken when it ends in .md,\n"
    "                         is '-', or RESULT.json came before (else write --markdown=FILE)\n"
    "      --csv PREFIX       PREFIX_stats.csv, PREFIX_history.csv and PREFIX_failures.csv\n"
    "                         with Locust's column names (times in ms)\n"
    "      --title TEXT       the report title (default: from the result)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Files are written to a temporary name and renamed, so a reader never sees half a\n"
    "report.\n"
    "\n"
    "examples:\n"
    "  loadcell http -R 300/s -d 60s -o run.json http://127.0.0.1:8080/\n"
    "  loadcell report run.json --html run.html\n"
    "  loadcell report run.json > comment.md\n"
    "  loadcell report run.json --csv out/run --markdown summary.md\n"
    "\n"
    "Exit codes: 0 written, 2 bad usage or an unreadable or invalid result file,\n"
    "3 a report could not be written.\n";

int lc_cmd_report(int argc, char **argv)
{
    const char *input = NULL, *html = NULL, *md = NULL, *csv = NULL, *title = NULL;
    bool want_md = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int got;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(lc_cmd_report_usage, stdout);
            return 0;
        }
        if (strcmp(a, "--markdown") == 0) {
            want_md = true;
            const char *next = i + 1 < argc ? argv[i + 1] : NULL;
            if (next && (strcmp(next, "-") == 0 ||
                         (next[0] != '-' && (lc_cli_ends_with(next, ".md") || input != NULL))))
                md = argv[++i];
            continue;
        }
        if (strncmp(a, "--markdown=", 11) == 0) {
            want_md = true;
            md = a + 11;
            if (!*md)
                return lc_cli_usage_error("report", "--markdown= needs a file name");
            continue;
        }
        static const char *const names[] = {"--html", "--csv", "--title"};
        const char **dst[] = {&html, &csv, &title};
        bool matched = false;
        for (size_t k = 0; k < 3 && !matched; k++) {
            got = lc_cli_opt_value(argc, argv, &i, names[k], &v);
            if (got < 0)
                return lc_cli_usage_error("report", "%s needs a value", names[k]);
            if (got > 0) {
                if (!*v)
                    return lc_cli_usage_error("report", "%s needs a non-empty value", names[k]);
                *dst[k] = v;
                matched = true;
            }
        }
        if (matched)
            continue;
        if (a[0] == '-' && a[1] != '\0')
            return lc_cli_usage_error("report", "unknown option '%s'", a);
        if (input)
            return lc_cli_usage_error("report", "more than one result file ('%s' and '%s')", input,
                                      a);
        input = a;
    }
    if (!input)
        return lc_cli_usage_error("report", "missing the result file (RESULT.json)");
    if (!html && !csv && !want_md)
        want_md = true;
    if (md && strcmp(md, "-") == 0)
        md = NULL;

    struct lc_result r;
    struct lc_error err;
    lc_error_clear(&err);
    int rc = lc_result_read_json(input, &r, &err);
    if (rc) {
        char line[1024];
        fprintf(stderr, "loadcell: %s\n", lc_error_format(&err, line, sizeof(line)));
        lc_result_free(&r);
        return rc == LC_ENOMEM ? LC_EXIT_RUNTIME : LC_EXIT_USAGE;
    }
    /* Missing folders are made, as for the reports of http, run and bench; every file is
     * then attempted, and the first failure is the exit code. */
    struct lc_cli_outputs outs = {.html = html, .markdown = md, .csv = csv};
    if (lc_cli_outputs_check(&outs, &err) != 0) {
        lc_result_free(&r);
        return lc_cli_fail(&err);
    }
    struct lc_report_opts opts = {.source = input, .title = title};
    int status = 0;
    if (html) {
        rc = lc_report_html_write(&r, &opts, html, &err);
        if (rc)
            status = lc_cli_fail(&err);
        else
            fprintf(stderr, "loadcell: HTML report written to %s\n", html);
    }
    if (csv) {
        rc = lc_report_csv_write(&r, csv, &err);
        if (rc)
            status = status ? status : lc_cli_fail(&err);
        else
            fprintf(stderr,
                    "loadcell: CSV reports written to %s_stats.csv, %s_history.csv and "
                    "%s_failures.csv\n",
                    csv, csv, csv);
    }
    if (want_md && md) {
        rc = lc_report_markdown_write(&r, &opts, md, &err);
        if (rc)
            status = status ? status : lc_cli_fail(&err);
        else
            fprintf(stderr, "loadcell: Markdown report written to %s\n", md);
    } else if (want_md) {
        char *text;
        size_t len;
        rc = lc_report_markdown_render(&r, &opts, &text, &len, &err);
        if (rc) {
            status = status ? status : lc_cli_fail(&err);
        } else {
            bool ok = fwrite(text, 1, len, stdout) == len;
            ok = fflush(stdout) == 0 && ok;
            free(text);
            if (!ok) {
                fprintf(stderr, "loadcell: cannot write the Markdown report to stdout\n");
                status = status ? status : LC_EXIT_RUNTIME;
            }
        }
    }
    lc_result_free(&r);
    return status;
}
