/* What every report shows first: the verdict and the key figures of a Result, and report options.
 */
#include "results/report_summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void lc_report_figures(const struct lc_result *r, struct lc_report_figures *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < r->n_thresholds; i++) {
        switch (r->thresholds[i].verdict) {
        case LC_RESULT_VERDICT_PASS:
            out->thr_pass++;
            break;
        case LC_RESULT_VERDICT_WARN:
            out->thr_warn++;
            break;
        case LC_RESULT_VERDICT_FAIL:
            out->thr_fail++;
            break;
        }
    }
    if (out->thr_fail)
        out->verdict = LC_REPORT_FAIL;
    else if (out->thr_warn)
        out->verdict = LC_REPORT_WARN;
    else if (out->thr_pass)
        out->verdict = LC_REPORT_PASS;
    else
        out->verdict = LC_REPORT_NONE;

    const struct lc_result_stats *s = &r->total;
    out->load = r->kind != LC_RESULT_KIND_BENCH && (s->requests > 0 || r->n_phases > 0);
    out->requests = s->requests;
    out->errors = s->errors;
    out->error_rate = lc_result_stats_error_rate(s);
    out->rps = s->rps;
    out->target_rps = s->target_rps;
    out->bytes_in = s->bytes_in;
    out->bytes_out = s->bytes_out;
    for (size_t i = 0; i < r->n_phases; i++)
        if (r->phases[i]->recorded)
            out->recorded_s += (double)r->phases[i]->duration_ns / 1e9;
    if (out->recorded_s == 0 && r->n_phases == 0)
        out->recorded_s = (double)r->duration_ns / 1e9;
    const struct lc_hdr *h = &s->hist[LC_HIST_LATENCY];
    if (s->has_hist[LC_HIST_LATENCY] && h->total_count > 0) {
        out->p50_ns = (double)lc_hdr_value_at_percentile(h, 50);
        out->p90_ns = (double)lc_hdr_value_at_percentile(h, 90);
        out->p95_ns = (double)lc_hdr_value_at_percentile(h, 95);
        out->p99_ns = (double)lc_hdr_value_at_percentile(h, 99);
        out->p999_ns = (double)lc_hdr_value_at_percentile(h, 99.9);
        out->max_ns = (double)lc_hdr_max(h);
        out->mean_ns = lc_hdr_mean(h);
    } else {
        out->p50_ns = out->p90_ns = out->p95_ns = out->p99_ns = NAN;
        out->p999_ns = out->max_ns = out->mean_ns = NAN;
    }
}

const char *lc_report_verdict_word(enum lc_report_verdict v)
{
    switch (v) {
    case LC_REPORT_PASS:
        return "PASSED";
    case LC_REPORT_WARN:
        return "PASSED WITH WARNINGS";
    case LC_REPORT_FAIL:
        return "FAILED";
    case LC_REPORT_NONE:
        break;
    }
    return "COMPLETED";
}

char *lc_report_verdict_text(const struct lc_result *r, const struct lc_report_figures *fig,
                             char *buf, size_t size)
{
    size_t n = fig->thr_pass + fig->thr_warn + fig->thr_fail;
    int w;
    if (n == 0)
        w = snprintf(buf, size, "No thresholds were set.");
    else if (fig->thr_fail)
        w = snprintf(buf, size, "%zu of %zu threshold%s failed.", fig->thr_fail, n,
                     n == 1 ? "" : "s");
    else if (fig->thr_warn)
        w = snprintf(buf, size, "All %zu threshold%s held; %zu within 10%% of %s limit.", n,
                     n == 1 ? "" : "s", fig->thr_warn, fig->thr_warn == 1 ? "its" : "their");
    else if (n == 1)
        w = snprintf(buf, size, "The threshold passed.");
    else
        w = snprintf(buf, size, "All %zu thresholds passed.", n);
    if (w < 0 || (size_t)w >= size)
        return buf;
    if (r->partial)
        snprintf(buf + w, size - (size_t)w,
                 " Interrupted: the figures cover only part of the plan%s%s%s.",
                 r->stop_reason ? " (" : "", r->stop_reason ? r->stop_reason : "",
                 r->stop_reason ? ")" : "");
    return buf;
}

char *lc_report_title(const struct lc_result *r, const struct lc_report_opts *opts, char *buf,
                      size_t size)
{
    const char *kind = lc_result_kind_name(r->kind);
    const char *what = r->name;
    /* A name that only repeats the kind says less than the target. */
    if ((!what || !*what || strcmp(what, kind) == 0) && r->has_load && r->load.target_url)
        what = r->load.target_url;
    if (opts && opts->title)
        snprintf(buf, size, "%s", opts->title);
    else if (what && *what && strcmp(what, kind) != 0)
        snprintf(buf, size, "loadcell %s: %s", kind, what);
    else
        snprintf(buf, size, "loadcell %s run", kind);
    return buf;
}

char *lc_report_method_of(const char *name, char *buf, size_t size)
{
    size_t i = 0;
    buf[0] = '\0';
    if (!name)
        return buf;
    while (name[i] >= 'A' && name[i] <= 'Z')
        i++;
    if (i > 0 && i < 16 && name[i] == ' ' && i < size)
        snprintf(buf, size, "%.*s", (int)i, name);
    return buf;
}
