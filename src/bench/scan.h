/* Parameter scans of `loadcell bench`: parsing "n=LIST|A..B[:STEP|:xK]", grids, {name}
 * substitution. */
#ifndef LC_BENCH_SCAN_H
#define LC_BENCH_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Limits that turn a typo ("1..1e9") into an error instead of a week-long run. */
#define LC_BENCH_MAX_SCAN_VALUES 10000  /* values of one scan */
#define LC_BENCH_MAX_GRID_POINTS 100000 /* points of the grid of every scan */
#define LC_BENCH_MAX_PARAM_NAME  64     /* bytes of a parameter name */

/*
 * One scanned parameter: its name and its values as the strings substituted
 * for "{name}". Owns name, values and every value string (lc_bench_scan_free).
 */
struct lc_bench_scan {
    char *name;      /* [A-Za-z_][A-Za-z0-9_]*, at most LC_BENCH_MAX_PARAM_NAME - 1 bytes */
    char **values;   /* n_values strings, in scan order */
    size_t n_values; /* >= 1 */
    bool numeric;    /* every value is a finite decimal number (then fits are possible) */
};

/*
 * Parse a scan specification into *out (which this call initialises):
 *   NAME=V1,V2,...      a list; values are any non-empty strings ("gcc,clang")
 *   NAME=A..B           A, A+1, ... up to B
 *   NAME=A..B:STEP      arithmetic: A, A+STEP, ... up to B (STEP > 0)
 *   NAME=A..B:xK        geometric: A, A*K, A*K^2, ... up to B (A > 0, K > 1)
 *   NAME=V              a single value
 * A, B, STEP and K are decimal numbers (a sign and an exponent are allowed;
 * no hex, inf or nan); A <= B. B is included when the sequence reaches it up to
 * a relative 1e-9 (so 0.1..0.3:0.1 ends at 0.3). Numbers are formatted back
 * with up to 12 significant digits and no trailing zeros ("100", "0.3", "1e+15").
 * Returns 0, or LC_EINVAL / LC_ERANGE (too many values) with a message that
 * names the spec; LC_ENOMEM. On failure *out is empty.
 */
int lc_bench_scan_parse(const char *spec, struct lc_bench_scan *out,
                        struct lc_error *err) LC_WARN_UNUSED;

/* Free what s owns and zero it. NULL is a no-op. */
void lc_bench_scan_free(struct lc_bench_scan *s);

/*
 * The number of points of the grid of scans[0..n) (the product of their
 * value counts; 1 when n == 0). Returns 0, LC_EINVAL when two scans share a
 * name, or LC_ERANGE above LC_BENCH_MAX_GRID_POINTS.
 */
int lc_bench_grid_size(const struct lc_bench_scan *scans, size_t n, size_t *out,
                       struct lc_error *err) LC_WARN_UNUSED;

/*
 * The value index of each scan at grid point `index` (0 <= index < grid
 * size): written to value_idx[0..n). The first scan varies slowest, the last
 * fastest ("--scan a=1,2 --scan b=x,y" gives a1 bx, a1 by, a2 bx, a2 by).
 */
void lc_bench_grid_point(const struct lc_bench_scan *scans, size_t n, size_t index,
                         size_t *value_idx);

/* A parameter name and its value, for substitution. */
struct lc_bench_kv {
    const char *key;
    const char *value;
};

/*
 * Copy tmpl into *out (malloc'd, caller frees) with every "{KEY}" of a key in
 * kv[0..n) replaced by its value. Braces around anything else are kept as
 * written (so "awk '{print $1}'" is safe). tmpl NULL gives *out NULL.
 * Returns 0 or LC_ENOMEM.
 */
int lc_bench_substitute(const char *tmpl, const struct lc_bench_kv *kv, size_t n,
                        char **out) LC_WARN_UNUSED;

/* True when tmpl mentions "{key}". */
bool lc_bench_mentions(const char *tmpl, const char *key);

/*
 * Parse a decimal number as the scan syntax accepts it (sign, digits, one
 * dot, exponent; whole string): 0 and *out, or LC_EINVAL. Shared with the
 * --project parser.
 */
int lc_bench_parse_number(const char *s, double *out) LC_WARN_UNUSED;

/* Format v the way scan values are formatted (see lc_bench_scan_parse). Returns buf. */
char *lc_bench_format_number(double v, char *buf, size_t size);

#endif
