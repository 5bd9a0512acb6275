/* The Markdown report: verdict, key figures, thresholds, findings and per-request table (CI
 * comments). */
#ifndef LC_RESULTS_REPORT_MARKDOWN_H
#define LC_RESULTS_REPORT_MARKDOWN_H

#include <stddef.h>

#include "core/error.h"
#include "results/report_summary.h"
#include "results/result.h"

/*
 * Render r as GitHub-flavoured Markdown into *out (malloc'd, NUL-terminated,
 * owned by the caller; *len its length, len may be NULL). opts may be NULL.
 * The text is deterministic: the same Result gives the same bytes (no "now").
 * Returns 0, or LC_ENOMEM / LC_ELIMIT with a message in err.
 */
int lc_report_markdown_render(const struct lc_result *r, const struct lc_report_opts *opts,
                              char **out, size_t *len, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Render and write atomically to path (lc_report_write_file). Returns 0,
 * LC_ENOMEM, LC_ELIMIT, LC_EINVAL or LC_EIO with a one-line message naming the path.
 */
int lc_report_markdown_write(const struct lc_result *r, const struct lc_report_opts *opts,
                             const char *path, struct lc_error *err) LC_WARN_UNUSED;

#endif
