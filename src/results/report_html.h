/* The HTML report: one self-contained page (inline CSS and SVG charts, no scripts, no network). */
#ifndef LC_RESULTS_REPORT_HTML_H
#define LC_RESULTS_REPORT_HTML_H

#include <stddef.h>

#include "core/error.h"
#include "results/report_summary.h"
#include "results/result.h"

/*
 * Render r as one HTML5 page into *out (malloc'd, NUL-terminated, owned by
 * the caller; *len its length, len may be NULL). opts may be NULL. The page
 * needs nothing else: styles are inline, charts are inline SVG with <title>
 * hover text, there is no JavaScript and no external font, image or link
 * target, and a print stylesheet lays it out for paper. Sections: verdict
 * and key figures, findings (findings.h), thresholds, time charts
 * (throughput, latency percentiles, load level, with phase boundaries),
 * latency distribution and histogram, resources, bench commands (box plots,
 * scaling fits), tables per request name, phase, status code and error kind,
 * and the environment. Sections without data are left out. Deterministic:
 * the same Result gives the same bytes.
 * Returns 0, or LC_ENOMEM / LC_ELIMIT with a message in err.
 */
int lc_report_html_render(const struct lc_result *r, const struct lc_report_opts *opts, char **out,
                          size_t *len, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Render and write atomically to path (lc_report_write_file). Returns 0,
 * LC_ENOMEM, LC_ELIMIT, LC_EINVAL or LC_EIO with a one-line message naming the path.
 */
int lc_report_html_write(const struct lc_result *r, const struct lc_report_opts *opts,
                         const char *path, struct lc_error *err) LC_WARN_UNUSED;

#endif
