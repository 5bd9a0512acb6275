/* Watching the system under test during a load run. */
#include "cli/monitoring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "monitor/monitor.h"
#include "monitor/sut.h"

int lc_cli_watch_start(const struct lc_cli_watch_spec *spec,
                       const volatile sig_atomic_t *interrupted, struct lc_cli_watch *w,
                       struct lc_error *err)
{
    memset(w, 0, sizeof(*w));
    int pid = spec->pid;
    if (!pid && !spec->command)
        return 0;
    if (spec->command) {
        struct lc_sut_config sc = {
            .command = spec->command,
            .ready_url = spec->ready_url,
            .ready_timeout_ns = spec->ready_timeout_ns,
            .interrupted = interrupted,
        };
        int rc = lc_sut_start(&sc, &w->sut, err);
        if (rc != 0)
            return rc;
        pid = lc_sut_pid(w->sut);
    }
    struct lc_monitor_config mc = {
        .pid = pid,
        .interval_ns = spec->interval_ns,
        .gpu = (enum lc_monitor_gpu_mode)spec->gpu,
        .nvml_library = getenv("LOADCELL_NVML_LIBRARY"), /* as `loadcell monitor` */
    };
    int rc = lc_monitor_start(&mc, lc_clock_now_ns(), &w->mon, err);
    if (rc != 0)
        lc_cli_watch_free(w);
    return rc;
}

int lc_cli_watch_finish(struct lc_cli_watch *w, uint64_t t0_mono_ns, struct lc_result *r)
{
    if (!w->mon)
        return 0;
    lc_monitor_stop(w->mon);
    lc_monitor_set_t0(w->mon, t0_mono_ns);
    return lc_monitor_fill_result(w->mon, r);
}

void lc_cli_watch_free(struct lc_cli_watch *w)
{
    if (w->mon) {
        lc_monitor_stop(w->mon);
        lc_monitor_free(w->mon);
    }
    if (w->sut) {
        int code;
        lc_sut_stop(w->sut, &code);
        lc_sut_free(w->sut);
    }
    memset(w, 0, sizeof(*w));
}
