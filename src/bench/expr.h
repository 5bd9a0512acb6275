/* Arithmetic over metric names for derived metrics (`--derive 'cost = tokens * 0.00002 / 1000'`).
 */
#ifndef LC_BENCH_EXPR_H
#define LC_BENCH_EXPR_H

#include <stddef.h>

#include "core/error.h"

/* Caps: the text of one expression, and how deeply parentheses and signs may nest. */
#define LC_BENCH_EXPR_MAX_LEN   1024
#define LC_BENCH_EXPR_MAX_DEPTH 64

/* A compiled expression (opaque; free with lc_bench_expr_free). */
struct lc_bench_expr;

/*
 * Compile `text`:
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | primary
 *   primary := NUMBER | NAME | '(' expr ')'
 * NUMBER is decimal with an optional fraction and exponent ("2e-5", ".5");
 * NAME is a metric name ([A-Za-z_][A-Za-z0-9_.]*). Blanks are ignored.
 * Returns 0 and *out (caller frees), or LC_EINVAL with the byte offset and
 * what was expected in err; LC_ERANGE past the caps; LC_ENOMEM.
 */
int lc_bench_expr_parse(const char *text, struct lc_bench_expr **out,
                        struct lc_error *err) LC_WARN_UNUSED;

/* Free e. NULL is a no-op. */
void lc_bench_expr_free(struct lc_bench_expr *e);

/* The distinct names e refers to, in first-use order: indexes 0..count-1. */
size_t lc_bench_expr_var_count(const struct lc_bench_expr *e);
const char *lc_bench_expr_var_name(const struct lc_bench_expr *e, size_t i);

/*
 * Evaluate e with values[i] the value of name i (lc_bench_expr_var_name).
 * Returns 0 and *out, or LC_ERANGE when a division by zero or a non-finite
 * intermediate occurs (*out untouched). Allocates nothing.
 */
int lc_bench_expr_eval(const struct lc_bench_expr *e, const double *values,
                       double *out) LC_WARN_UNUSED;

/* A derived metric: "NAME = EXPR" or "NAME[UNIT] = EXPR". Owns every field. */
struct lc_bench_derive {
    char *name; /* a metric name */
    char *unit; /* NULL when none was given */
    char *text; /* the definition as written */
    struct lc_bench_expr *expr;
};

/*
 * Parse a definition such as "cost[USD] = tokens * 0.00002 / 1000" into *out
 * (initialised by this call; free with lc_bench_derive_free). Errors as for
 * lc_bench_expr_parse; the message quotes the definition.
 */
int lc_bench_derive_parse(const char *text, struct lc_bench_derive *out,
                          struct lc_error *err) LC_WARN_UNUSED;

/* Free what d owns and zero it. NULL is a no-op. */
void lc_bench_derive_free(struct lc_bench_derive *d);

#endif
