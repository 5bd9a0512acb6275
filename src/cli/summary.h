/* Terminal summaries of Results (the cli's view; reports live in src/results/). */
#ifndef LC_CLI_SUMMARY_H
#define LC_CLI_SUMMARY_H

#include <stdio.h>

#include "results/result.h"

/* Print the summary of a load result (http or run): rates, errors, latency, chart. */
void lc_summary_print_load(FILE *out, const struct lc_result *r);

/* A table of the phases (and their requests) of a multi-phase run, breakpoint figures. */
void lc_summary_print_phases(FILE *out, const struct lc_result *r);

#endif
