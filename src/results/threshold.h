/* Threshold expressions ("[scope:] metric op value[unit]", && and ||) judged on a Result. */
#ifndef LC_RESULTS_THRESHOLD_H
#define LC_RESULTS_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/*
 * The language (docs/thresholds.md has the full story):
 *
 *   expr  := and ('||' and)*
 *   and   := unary ('&&' unary)*
 *   unary := '(' expr ')' | term
 *   term  := [scope ':'] metric op number[unit]
 *
 * scope is a phase name, a request name, a bench command name, or
 * "phase.request"; metric is p(N), avg, med, min, max, rps, requests, errors,
 * error_rate, ttfb_p(N), cpu, mem, mem_peak, mem_growth, gen_cpu, gpu_util,
 * gpu_mem (load; the GPU metrics take the busiest GPU of gpuN.* series) or
 * mean, median, min, max, stdev, p(N), mem_peak, user, sys and custom metric
 * names (bench); op is < <= > >=. The unit must fit the metric (a duration
 * takes us ms s m h, a percentage %, a size B KB MB GB, a growth MB/h, ...);
 * this is checked when parsing.
 *
 * Thread safety: a compiled threshold is immutable after parsing; evaluating
 * it only reads it and the Result.
 */

/* Limits that keep hostile input cheap: text length, comparisons per expression, nesting. */
#define LC_THRESHOLD_MAX_LEN   4096
#define LC_THRESHOLD_MAX_TERMS 16
#define LC_THRESHOLD_MAX_DEPTH 16

/* The margin of a warning: a threshold that holds with |observed - limit| <= 10% of |limit|. */
#define LC_THRESHOLD_WARN_FRACTION 0.10

/*
 * Which metric names a parse accepts.
 * LOAD: the load metrics only; any other name is an error with a suggestion.
 * BENCH: the bench metrics, and any other name is a custom metric of the runs.
 * ANY: both sets (a scenario file holding load phases and benchmarks); a name
 * known to neither set is a custom metric unless it looks like a typo of a
 * known one (edit distance <= 2, or "p99" for "p(99)"), which is an error.
 * MONITOR: a watch without load (loadcell monitor): only the resource metrics
 * cpu, mem, mem_peak, mem_growth, gpu_util and gpu_mem, and no scope (the
 * watch is one window: every sample); a load metric is an error saying it
 * needs a load run.
 */
enum lc_threshold_mode {
    LC_THRESHOLD_LOAD,
    LC_THRESHOLD_BENCH,
    LC_THRESHOLD_ANY,
    LC_THRESHOLD_MONITOR,
};

/* A compiled expression (opaque). Owns its copy of the text; lc_threshold_free releases it. */
struct lc_threshold;

/* What one comparison measured. Its pointers point into the lc_threshold and live as long as it. */
struct lc_threshold_term {
    const char *scope;      /* as written ("steady.query"), NULL when none */
    const char *metric;     /* as written, normalised ("p(99.9)", "error_rate") */
    const char *op;         /* "<", "<=", ">", ">=" */
    const char *limit_text; /* the value as written ("300ms") */
    char unit[24];   /* unit of limit and observed ("ms", "%", "/s", "MB/h"), "" for counts */
    double limit;    /* in unit */
    double observed; /* in unit; NaN when not measured */
    bool measured;   /* observed holds a value */
    bool holds;      /* observed op limit (false when not measured) */
    enum lc_result_verdict verdict; /* pass, warn (holds within 10%), fail */
    char subject[96]; /* bench: the command that decided the value ("sort n=1000"), else "" */
};

/*
 * The outcome of an evaluation. ok is false when the expression could not be
 * decided (unknown scope, missing data...): then verdict is FAIL, error says
 * why and no_data tells whether the cause was missing data (a stop condition
 * may treat that as "not yet"). With && and ||, a term that could not be
 * measured does not matter when the others decide (false && ?, true || ?).
 * Verdicts combine as pass > warn > fail: && takes the worst, || the best.
 */
struct lc_threshold_outcome {
    bool ok;
    bool holds; /* the whole expression is true */
    enum lc_result_verdict verdict;
    bool no_data;
    size_t n_terms;
    struct lc_threshold_term terms[LC_THRESHOLD_MAX_TERMS];
    char error[256]; /* "" when ok */
};

/*
 * Compile `text` (copied) into *out, owned by the caller (lc_threshold_free).
 * Returns 0, LC_EINVAL with a message that quotes the text, gives the 1-based
 * column and says what was expected ("'p(99) 3s': col 7: expected an operator
 * < <= > >="); err->col holds the column too. LC_ENOMEM. *out is NULL on failure.
 */
int lc_threshold_parse(const char *text, enum lc_threshold_mode mode, struct lc_threshold **out,
                       struct lc_error *err) LC_WARN_UNUSED;

/* Free a compiled expression. NULL is a no-op. */
void lc_threshold_free(struct lc_threshold *t);

/* The text as given to lc_threshold_parse. */
const char *lc_threshold_text(const struct lc_threshold *t);

/* Number of comparisons (1 for a plain threshold). */
size_t lc_threshold_n_terms(const struct lc_threshold *t);

/* Whether a failure may stop the run (`abort: true`); false unless set. */
bool lc_threshold_abort(const struct lc_threshold *t);
void lc_threshold_set_abort(struct lc_threshold *t, bool abort);

/*
 * Evaluate t against r. Scopes resolve at this point: a name is a phase
 * first, then a request name (run totals), then a bench command; "a.b" is
 * request b of phase a. No scope means the run totals (or every bench command
 * of a bench result: then the worst command decides). out is always filled.
 * Returns 0 when decided (out->ok), LC_EINVAL when not (err and out->error
 * say why), LC_ENOMEM. r is only read.
 */
int lc_threshold_eval(const struct lc_threshold *t, const struct lc_result *r,
                      struct lc_threshold_outcome *out, struct lc_error *err) LC_WARN_UNUSED;

/*
 * As lc_threshold_eval, for continuous checks while phase `phase` runs
 * (abort thresholds, stop_when): unscoped terms read that phase instead of
 * the totals, and a request-name scope reads that request within that phase.
 * phase NULL is lc_threshold_eval; an unknown phase is LC_EINVAL.
 */
int lc_threshold_eval_phase(const struct lc_threshold *t, const struct lc_result *r,
                            const char *phase, struct lc_threshold_outcome *out,
                            struct lc_error *err) LC_WARN_UNUSED;

/*
 * Append o's verdict for t to r->thresholds. A single comparison fills scope,
 * metric, op, limit, observed and unit; a combination (&&, ||) keeps only the
 * text (the other fields NULL / NaN). An undecided outcome is recorded as
 * FAIL with observed NaN. Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_threshold_record(const struct lc_threshold *t, const struct lc_threshold_outcome *o,
                        struct lc_result *r) LC_WARN_UNUSED;

/*
 * One line for the terminal into buf (size bytes, NUL-terminated, truncated
 * when short): "PASS  p(99) < 300ms   observed 212ms", "WARN  ...  observed
 * 290ms (within 10% of the limit)", "FAIL  cpu < 60%   no data for 'cpu'
 * (needs monitor:)"; a combination lists each term's observed value. Returns buf.
 */
char *lc_threshold_format(const struct lc_threshold *t, const struct lc_threshold_outcome *o,
                          char *buf, size_t size);

/*
 * The measured terms that agree with the outcome, for messages: when o->holds
 * the terms that held ("p(99) = 2.31s > 2s"), otherwise those that did not
 * ("p(99) = 2.5s, not < 2s"), joined by ", ". "" when o is not ok. Returns buf.
 */
char *lc_threshold_explain(const struct lc_threshold_outcome *o, char *buf, size_t size);

/* ---- Lists (--threshold flags, a scenario's thresholds:) ----------------------------- */

/* A list of compiled thresholds; the list owns them. Zero it with lc_threshold_list_init. */
struct lc_threshold_list {
    struct lc_threshold **items;
    size_t n;
    size_t cap;
};

void lc_threshold_list_init(struct lc_threshold_list *l);

/* Free every threshold and the array; the list is empty (and reusable) afterwards. */
void lc_threshold_list_free(struct lc_threshold_list *l);

/*
 * Parse `text` and append it with the given abort flag. Returns 0, or the
 * parse error (the list unchanged), LC_ENOMEM, LC_ELIMIT past
 * LC_RESULT_MAX_THRESHOLDS.
 */
int lc_threshold_list_add(struct lc_threshold_list *l, const char *text,
                          enum lc_threshold_mode mode, bool abort,
                          struct lc_error *err) LC_WARN_UNUSED;

/*
 * Evaluate every threshold against r and append each verdict to
 * r->thresholds (lc_threshold_record). outs, when not NULL, has l->n entries
 * and receives each outcome (to print with lc_threshold_format). A threshold
 * that cannot be decided counts as failed. Returns 1 when any failed (the
 * caller exits with LC_EXIT_FAILED), 0 when all passed or warned, or a
 * negative LC_ENOMEM / LC_ELIMIT (err says which; verdicts already appended
 * stay).
 */
int lc_threshold_list_eval(const struct lc_threshold_list *l, struct lc_result *r,
                           struct lc_threshold_outcome *outs, struct lc_error *err) LC_WARN_UNUSED;

#endif
