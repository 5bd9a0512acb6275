/* Claims for `loadcell compare --expect`: "speedup >= 3", "p99 ratio <= 0.5", parsed. */
#ifndef LC_RESULTS_COMPARE_CLAIM_H
#define LC_RESULTS_COMPARE_CLAIM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/*
 * The language (docs/compare.md):
 *
 *   claim := [scope ':'] quantity op number ['x' | '%']
 *   quantity := 'speedup' | metric 'ratio'
 *
 * scope is a request name or a bench command ("sort n=10"), none meaning the
 * run total (load) or every command (bench: each must hold). speedup is
 * baseline time / new time (bench: mean wall time; load: median latency);
 * "metric ratio" is new / baseline of a compared metric (rps, error_rate,
 * p50, p95, p99, max, cpu_peak, mem_peak, mean, median, artifact; "p(99)"
 * and "time" = "mean" are accepted). The number may end in 'x' (a factor)
 * or '%' (3% = 0.03). op is < <= > >=.
 */

#define LC_CMP_CLAIM_MAX_LEN 256

enum lc_cmp_op {
    LC_CMP_OP_LT,
    LC_CMP_OP_LE,
    LC_CMP_OP_GT,
    LC_CMP_OP_GE,
};

/* A parsed claim; plain data, no heap memory. */
struct lc_cmp_claim {
    char text[LC_CMP_CLAIM_MAX_LEN + 1];  /* as written */
    char scope[LC_CMP_CLAIM_MAX_LEN + 1]; /* "" when none */
    char metric[32];                      /* normalised metric name ("p99"), or "speedup" */
    bool speedup;
    enum lc_cmp_op op;
    double limit;
};

/*
 * Parse `text` into *out. Returns 0, or LC_EINVAL with a one-line message
 * that quotes the claim and says what was expected ("'p99 <= 0.5': expected
 * 'ratio' after 'p99' (claims compare the new run with the baseline, e.g.
 * 'p99 ratio <= 0.5')").
 */
int lc_cmp_claim_parse(const char *text, struct lc_cmp_claim *out,
                       struct lc_error *err) LC_WARN_UNUSED;

/* Whether value op limit holds. */
bool lc_cmp_claim_holds(enum lc_cmp_op op, double value, double limit);

/* "<", "<=", ">", ">=". */
const char *lc_cmp_op_name(enum lc_cmp_op op);

#endif
