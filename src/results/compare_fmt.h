/* A comparison (results/compare.h) as a terminal table, Markdown, or JSON text. */
#ifndef LC_RESULTS_COMPARE_FMT_H
#define LC_RESULTS_COMPARE_FMT_H

#include <stddef.h>

#include "core/error.h"
#include "results/compare.h"

/* The schema tag of `loadcell compare --json`. */
#define LC_COMPARE_SCHEMA "loadcell.compare/1"

/* What the renderers say about the inputs (labels are only read; may be NULL). */
struct lc_compare_fmt_opts {
    const char *base_label; /* the baseline file ("base.json") or "history run 12" */
    const char *cur_label;  /* the new file */
};

/*
 * Render c into *out: malloc'd, NUL-terminated, owned by the caller; *len
 * (may be NULL) receives its length. text: an aligned table per scope, the
 * claims, and a verdict line; markdown: the same as tables for a CI comment;
 * json: every figure (docs/compare.md lists the fields; times in ns).
 * Returns 0 or LC_ENOMEM (err says so).
 */
int lc_compare_render_text(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                           char **out, size_t *len, struct lc_error *err) LC_WARN_UNUSED;
int lc_compare_render_markdown(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                               char **out, size_t *len, struct lc_error *err) LC_WARN_UNUSED;
int lc_compare_render_json(const struct lc_compare *c, const struct lc_compare_fmt_opts *o,
                           char **out, size_t *len, struct lc_error *err) LC_WARN_UNUSED;

/* The one-word outcome: "regressed", "claim not held", "improved" or "unchanged". */
const char *lc_compare_outcome(const struct lc_compare *c);

#endif
