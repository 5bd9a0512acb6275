/* `loadcell compare`: a baseline Result against a new one; verdicts, claims, exit 1 on regression.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/parse.h"
#include "results/compare.h"
#include "results/compare_claim.h"
#include "results/compare_fmt.h"
#include "results/history.h"
#include "results/report_file.h"
#include "results/result_json.h"

#define MAX_CLAIMS 64

const char lc_cmd_compare_usage[] =
    "usage: loadcell compare BASELINE.json NEW.json [options]\n"
    "       loadcell compare --baseline last|best|ID NEW.json [--history PATH] [options]\n"
    "\n"
    "Compare a new result with a baseline (docs/compare.md). Load results (http, run):\n"
    "rps, error rate, latency p50/p95/p99/max and the target's CPU and memory peaks,\n"
    "overall and per request name. Bench results, per command: mean and median time,\n"
    "memory peak and artifact size. Each metric is improved, regressed or unchanged:\n"
    "changed only when significant (Holm-adjusted p < alpha, interval excludes no change)\n"
    "and beyond the tolerance.\n"
    "\n"
    "options:\n"
    "      --tolerance PCT    changes within PCT count as unchanged (default 5%)\n"
    "      --alpha A          significance level, in (0, 0.5] (default 0.05); intervals\n"
    "                         are at level 1 - A\n"
    "      --expect CLAIM     a claim about the change, e.g. 'speedup >= 3',\n"
    "                         'p99 ratio <= 0.5', 'mem_peak ratio <= 1.1', 'sort: speedup > 2';\n"
    "                         held only when its whole interval satisfies it (repeatable)\n"
    "      --markdown [FILE]  the comparison as Markdown (for CI comments) to FILE, or to\n"
    "                         stdout instead of the table when FILE is omitted or '-'\n"
    "      --json [FILE]      every figure as JSON to FILE, or to stdout instead of the table\n"
    "                         (FILE of --markdown/--json is taken when it is '-' or the result\n"
    "                         files came before; else write --json=FILE)\n"
    "      --baseline SEL     take the baseline from the run history: 'last', 'best' (the\n"
    "                         marked baseline, else the lowest p99 / mean time) or a run id,\n"
    "                         among runs with NEW's name, never NEW itself\n"
    "      --history PATH     the history database (default .loadcell/history.db)\n"
    "  -h, --help             show this help\n"
    "\n"
    "examples:\n"
    "  loadcell compare main.json branch.json\n"
    "  loadcell compare old.json new.json --expect 'speedup >= 3' --markdown cmp.md\n"
    "  loadcell compare --baseline best run.json --json cmp.json\n"
    "\n"
    "Exit codes: 0 no regression and every claim held, 1 a metric regressed or a claim\n"
    "was not held, 2 bad usage, an unreadable result file, or results that cannot be\n"
    "compared (bench against load, no request names or commands in common),\n"
    "3 an output file could not be written.\n";

static int read_error(const struct lc_error *err)
{
    char line[1024];
    fprintf(stderr, "loadcell: %s\n", lc_error_format(err, line, sizeof(line)));
    return err->code == LC_ENOMEM ? LC_EXIT_RUNTIME : LC_EXIT_USAGE;
}

/* Load the baseline from the history database; *label_out a malloc'd description. */
static int load_from_history(const char *path, const char *selector, const struct lc_result *cur,
                             struct lc_result *base, char **label_out)
{
    struct lc_error err;
    lc_error_clear(&err);
    struct lc_history *h = NULL;
    char *json = NULL;
    size_t len = 0;
    int64_t id = 0;
    const char *hname = lc_history_name_of(cur);
    int rc = lc_history_open(path, false, &h, &err);
    if (rc == 0)
        /* The new run may have been recorded already: never compare it with itself. */
        rc = lc_history_fetch(h, selector, hname, cur->start_wall_ns, &json, &len, &id, &err);
    lc_history_close(h);
    if (rc) {
        lc_result_init(base, LC_RESULT_KIND_HTTP);
        return read_error(&err);
    }
    char name[300];
    snprintf(name, sizeof(name), "%s#%" PRId64, path, id);
    rc = lc_result_from_json_string(json, len, name, base, &err);
    free(json);
    if (rc)
        return read_error(&err);
    size_t n = strlen(name) + 32;
    *label_out = malloc(n);
    if (!*label_out) {
        fprintf(stderr, "loadcell: out of memory\n");
        return LC_EXIT_RUNTIME;
    }
    snprintf(*label_out, n, "history run %" PRId64 " (%s)", id, path);
    return 0;
}

/* Write text to path (atomically) or stdout (path NULL). Returns 0 or an exit code. */
static int emit(const char *text, size_t len, const char *path, const char *what)
{
    struct lc_error err;
    lc_error_clear(&err);
    if (path) {
        if (lc_report_write_file(path, text, len, what, &err) != 0)
            return lc_cli_fail(&err);
        fprintf(stderr, "loadcell: %s written to %s\n", what, path);
        return 0;
    }
    bool ok = fwrite(text, 1, len, stdout) == len;
    ok = fflush(stdout) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "loadcell: cannot write the comparison to stdout\n");
        return LC_EXIT_RUNTIME;
    }
    return 0;
}

typedef int (*render_fn)(const struct lc_compare *, const struct lc_compare_fmt_opts *, char **,
                         size_t *, struct lc_error *);

static int render_emit(render_fn fn, const struct lc_compare *c,
                       const struct lc_compare_fmt_opts *fo, const char *path, const char *what)
{
    struct lc_error err;
    lc_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    if (fn(c, fo, &text, &len, &err) != 0)
        return lc_cli_fail(&err);
    int rc = emit(text, len, path, what);
    free(text);
    return rc;
}

int lc_cmd_compare(int argc, char **argv)
{
    const char *inputs[2] = {NULL, NULL};
    int n_inputs = 0;
    const char *md = NULL, *json = NULL, *selector = NULL, *history = NULL;
    const char *tol_text = NULL, *alpha_text = NULL;
    bool want_md = false, want_json = false;
    static struct lc_cmp_claim claims[MAX_CLAIMS];
    size_t n_claims = 0;
    struct lc_error err;
    lc_error_clear(&err);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(lc_cmd_compare_usage, stdout);
            return 0;
        }
        bool inputs_done = n_inputs == 2 || (n_inputs == 1 && selector);
        if (strcmp(a, "--markdown") == 0 || strcmp(a, "--json") == 0) {
            bool is_md = a[2] == 'm';
            const char *next = i + 1 < argc ? argv[i + 1] : NULL;
            const char *file = NULL;
            if (next &&
                (strcmp(next, "-") == 0 ||
                 (next[0] != '-' && (inputs_done || (is_md && lc_cli_ends_with(next, ".md"))))))
                file = argv[++i];
            if (is_md) {
                want_md = true;
                md = file;
            } else {
                want_json = true;
                json = file;
            }
            continue;
        }
        if (strncmp(a, "--markdown=", 11) == 0 || strncmp(a, "--json=", 7) == 0) {
            bool is_md = a[2] == 'm';
            const char *file = strchr(a, '=') + 1;
            if (!*file)
                return lc_cli_usage_error("compare", "%.*s needs a file name",
                                          (int)(strchr(a, '=') - a + 1), a);
            if (is_md) {
                want_md = true;
                md = file;
            } else {
                want_json = true;
                json = file;
            }
            continue;
        }
        static const char *const names[] = {"--tolerance", "--alpha", "--expect", "--baseline",
                                            "--history"};
        int got = 0;
        size_t k = 0;
        for (; k < sizeof(names) / sizeof(names[0]) && got == 0; k++)
            got = lc_cli_opt_value(argc, argv, &i, names[k], &v);
        if (got < 0)
            return lc_cli_usage_error("compare", "%s needs a value", names[k - 1]);
        if (got > 0) {
            const char *name = names[k - 1];
            if (!*v)
                return lc_cli_usage_error("compare", "%s needs a non-empty value", name);
            if (strcmp(name, "--tolerance") == 0) {
                tol_text = v;
            } else if (strcmp(name, "--alpha") == 0) {
                alpha_text = v;
            } else if (strcmp(name, "--expect") == 0) {
                if (n_claims == MAX_CLAIMS)
                    return lc_cli_usage_error("compare", "at most %d --expect claims", MAX_CLAIMS);
                if (lc_cmp_claim_parse(v, &claims[n_claims], &err) != 0)
                    return lc_cli_usage_error("compare", "--expect %s", err.msg);
                n_claims++;
            } else if (strcmp(name, "--baseline") == 0) {
                selector = v;
            } else {
                history = v;
            }
            continue;
        }
        if (a[0] == '-' && a[1] != '\0')
            return lc_cli_usage_error("compare", "unknown option '%s'", a);
        if (n_inputs == 2)
            return lc_cli_usage_error("compare", "more than two result files ('%s')", a);
        inputs[n_inputs++] = a;
    }

    struct lc_compare_opts opts = {.tolerance = -1};
    if (tol_text) {
        if (lc_parse_percent(tol_text, &opts.tolerance, &err) != 0)
            return lc_cli_usage_error("compare",
                                      "--tolerance '%s': expected a percentage such as 5%% or "
                                      "0.5%%",
                                      tol_text);
    }
    if (alpha_text) {
        if (lc_parse_double(alpha_text, &opts.alpha, &err) != 0 ||
            !(opts.alpha > 0 && opts.alpha <= 0.5))
            return lc_cli_usage_error(
                "compare", "--alpha '%s': expected a number in (0, 0.5] such as 0.05", alpha_text);
    }
    if (history && !selector)
        return lc_cli_usage_error("compare", "--history needs --baseline last|best|ID");
    if (selector) {
        if (n_inputs != 1)
            return lc_cli_usage_error("compare",
                                      "with --baseline, give only the new result file (%s)",
                                      n_inputs == 0 ? "missing NEW.json" : "found two");
    } else if (n_inputs != 2) {
        return lc_cli_usage_error("compare", "%s",
                                  n_inputs == 0
                                      ? "missing the result files (BASELINE.json NEW.json)"
                                      : "missing the new result file (BASELINE.json NEW.json, "
                                        "or --baseline last|best|ID NEW.json)");
    }
    if (md && strcmp(md, "-") == 0)
        md = NULL;
    if (json && strcmp(json, "-") == 0)
        json = NULL;
    if (want_md && !md && want_json && !json)
        return lc_cli_usage_error("compare",
                                  "--markdown and --json cannot both go to stdout (give one a "
                                  "FILE)");
    opts.claims = claims;
    opts.n_claims = n_claims;

    struct lc_result base, cur;
    lc_result_init(&base, LC_RESULT_KIND_HTTP);
    lc_result_init(&cur, LC_RESULT_KIND_HTTP);
    char *base_label = NULL;
    struct lc_compare cmp;
    memset(&cmp, 0, sizeof(cmp));
    int status = 0;
    const char *cur_path = selector ? inputs[0] : inputs[1];
    if (lc_result_read_json(cur_path, &cur, &err) != 0) {
        status = read_error(&err);
        goto done;
    }
    if (selector) {
        status = load_from_history(history ? history : lc_history_default_path(), selector, &cur,
                                   &base, &base_label);
        if (status)
            goto done;
    } else if (lc_result_read_json(inputs[0], &base, &err) != 0) {
        status = read_error(&err);
        goto done;
    }
    if (lc_compare_run(&base, &cur, &opts, &cmp, &err) != 0) {
        status = read_error(&err);
        goto done;
    }
    struct lc_compare_fmt_opts fo = {.base_label = base_label ? base_label : inputs[0],
                                     .cur_label = cur_path};
    if (!((want_md && !md) || (want_json && !json)))
        status = render_emit(lc_compare_render_text, &cmp, &fo, NULL, "the comparison");
    if (!status && want_md)
        status = render_emit(lc_compare_render_markdown, &cmp, &fo, md, "Markdown comparison");
    if (!status && want_json)
        status = render_emit(lc_compare_render_json, &cmp, &fo, json, "JSON comparison");
    if (!status && lc_compare_failed(&cmp))
        status = LC_EXIT_FAILED;
done:
    lc_compare_free(&cmp);
    lc_result_free(&base);
    lc_result_free(&cur);
    free(base_label);
    return status;
}
