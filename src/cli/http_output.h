/* What `loadcell http` (and later `run`) does with a finished run: Result, summary, files. */
#ifndef LC_CLI_HTTP_OUTPUT_H
#define LC_CLI_HTTP_OUTPUT_H

#include "cli/monitoring.h"
#include "cli/outputs.h"
#include "core/error.h"
#include "load/engine.h"
#include "load/plan.h"
#include "results/threshold.h"

/*
 * Turn the outcome into a Result (with the target's resource series when
 * `watch` sampled one; watch may be NULL), judge the thresholds (their verdicts go
 * into the Result), print the summary to stdout, write the Result JSON and
 * the reports asked for. Returns the exit code: 1 when a threshold failed.
 */
int lc_http_output_finish(int argc, char **argv, const struct lc_load_plan *plan,
                          const struct lc_engine_outcome *outcome,
                          const struct lc_threshold_list *thresholds,
                          const struct lc_cli_outputs *outputs, struct lc_cli_watch *watch,
                          struct lc_error *err);

#endif
