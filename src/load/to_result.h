/* Turn what the engine measured into the Result model (the one hub of every report). */
#ifndef LC_LOAD_TO_RESULT_H
#define LC_LOAD_TO_RESULT_H

#include "core/error.h"
#include "load/engine.h"
#include "load/plan.h"
#include "results/result.h"

/*
 * Fill r (already initialised; metadata such as argv and versions are the
 * caller's) with the plan's load configuration, the outcome's phases, their
 * stats and series, and the run totals. Returns 0 or LC_ENOMEM / LC_ELIMIT.
 */
int lc_load_fill_result(const struct lc_load_plan *plan, const struct lc_engine_outcome *out,
                        struct lc_result *r, struct lc_error *err) LC_WARN_UNUSED;

#endif
