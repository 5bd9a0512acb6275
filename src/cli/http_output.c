/* After a load run: build the Result, judge it, print the summary, write files. */
#include "cli/http_output.h"

#include <stdio.h>
#include <stdlib.h>

#include "build_info.h"
#include "cli/cli.h"
#include "cli/summary.h"
#include "load/to_result.h"
#include "monitor/growth.h"

/* Caveats a reader must see next to the figures (DESIGN principle 1). */
static int add_warnings(const struct lc_load_plan *plan, const struct lc_engine_outcome *o,
                        struct lc_result *r)
{
    /* Per recorded phase from the gen.cpu_percent series (a monitor ran), else the run's. */
    int rc = lc_monitor_gen_saturation_warn(r, 0, NULL);
    if (rc == 0 && o->connections_established < o->connections_requested)
        rc = lc_result_add_warning(r, "only %u of %u connections could be established at start",
                                   o->connections_established, o->connections_requested);
    const struct lc_result_stats *s = &r->total;
    if (rc == 0 && s->target_rps > 0) {
        double sent = (double)s->hist[LC_HIST_SCHEDULE_LAG].total_count;
        double late = sent > 0 ? (double)s->late_starts / sent : 0;
        if (s->rps < 0.97 * s->target_rps || late > 0.05 || s->unsent > 0)
            rc = lc_result_add_warning(
                r,
                "the target rate was not kept: achieved %.1f/s of %.1f/s; %.1f%% of requests "
                "started late, %llu were never sent (all %u connections busy? raise -c)",
                s->rps, s->target_rps, 100 * late, (unsigned long long)s->unsent,
                plan->connections);
    }
    uint64_t no_ports = lc_result_stats_error_count(s, "ports_exhausted");
    if (rc == 0 && no_ports > 0)
        rc = lc_result_add_warning(r,
                                   "%llu connects failed with EADDRNOTAVAIL: this machine ran out "
                                   "of ephemeral ports (each new connection takes one, and closed "
                                   "ones wait in TIME_WAIT); keep connections alive, lower the "
                                   "rate, or widen net.ipv4.ip_local_port_range",
                                   (unsigned long long)no_ports);
    if (rc == 0 && s->clamped > 0)
        rc = lc_result_add_warning(r, "%llu values above the histogram range (1 h) were clamped",
                                   (unsigned long long)s->clamped);
    return rc;
}

/* Judge the thresholds into r and print a verdict line each; returns 1 when one failed. */
static int judge(const struct lc_threshold_list *l, struct lc_result *r, struct lc_error *err)
{
    if (!l || l->n == 0)
        return 0;
    struct lc_threshold_outcome *outs = calloc(l->n, sizeof(*outs));
    if (!outs)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    int rc = lc_threshold_list_eval(l, r, outs, err);
    if (rc >= 0) {
        printf("\n  thresholds\n");
        for (size_t i = 0; i < l->n; i++) {
            char line[512];
            printf("    %s\n", lc_threshold_format(l->items[i], &outs[i], line, sizeof(line)));
        }
    }
    free(outs);
    return rc;
}

int lc_http_output_finish(int argc, char **argv, const struct lc_load_plan *plan,
                          const struct lc_engine_outcome *o,
                          const struct lc_threshold_list *thresholds,
                          const struct lc_cli_outputs *outputs, struct lc_cli_watch *watch,
                          struct lc_error *err)
{
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    int rc = lc_result_set_str(&r.tool_version, LC_VERSION_STRING);
    if (rc == 0)
        rc = lc_result_set_str(&r.tool_commit, LC_COMMIT_STRING);
    if (rc == 0)
        rc = lc_result_set_str(&r.name, "http");
    if (rc == 0)
        rc = lc_result_set_argv(&r, argc + 1, argv - 1); /* include "loadcell" */
    if (rc == 0)
        rc = lc_host_probe(&r.host, err);
    r.gen_cpu_user_s = o->gen_user_s;
    r.gen_cpu_sys_s = o->gen_sys_s;
    if (rc == 0)
        rc = lc_load_fill_result(plan, o, &r, err);
    if (rc == 0 && watch)
        rc = lc_cli_watch_finish(watch, o->start_mono_ns, &r);
    if (rc == 0)
        rc = add_warnings(plan, o, &r);
    if (rc != 0) {
        lc_result_free(&r);
        if (!err->msg[0])
            lc_error_set(err, rc, "cannot build the result: %s", lc_strerror(rc));
        return lc_cli_fail(err);
    }
    lc_summary_print_load(stdout, &r);
    int judged = judge(thresholds, &r, err);
    fflush(stdout);
    if (judged < 0) {
        lc_result_free(&r);
        return lc_cli_fail(err);
    }
    int exit_code = judged ? LC_EXIT_FAILED : LC_EXIT_OK;
    int wrote = lc_cli_outputs_write(outputs, &r);
    if (wrote)
        exit_code = wrote;
    lc_result_free(&r);
    return exit_code;
}
