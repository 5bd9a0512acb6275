/* Plans: phases with piecewise-linear levels, and the arrival arithmetic over them. */
#include "load/plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"

void lc_load_plan_free(struct lc_load_plan *plan)
{
    for (size_t i = 0; i < plan->request_count; i++) {
        if (plan->requests[i].batch != plan->requests[i].bytes)
            free(plan->requests[i].batch);
        free(plan->requests[i].bytes);
        free(plan->requests[i].expect_body);
    }
    free(plan->requests);
    plan->requests = NULL;
    plan->request_count = 0;
    for (size_t i = 0; i < plan->phase_count; i++)
        free(plan->phases[i].stages);
    free(plan->phases);
    plan->phases = NULL;
    plan->phase_count = 0;
    lc_tls_client_free(plan->tls);
    plan->tls = NULL;
}

int lc_load_plan_set_tls(struct lc_load_plan *plan, const char *host,
                         const struct lc_tls_client_options *opt, struct lc_error *err)
{
    lc_tls_client_free(plan->tls);
    plan->tls = NULL;
    int rc = lc_tls_client_new(opt, host, &plan->tls, err);
    if (rc != 0)
        return rc;
    plan->tls_min_version = opt->min_version ? opt->min_version : LC_TLS_V1_2;
    plan->tls_verify = !opt->insecure;
    return 0;
}

struct lc_load_phase *lc_load_plan_add_phase(struct lc_load_plan *plan, const char *name,
                                             enum lc_load_model model, int recorded)
{
    struct lc_load_phase *p = realloc(plan->phases, (plan->phase_count + 1) * sizeof(*p));
    if (!p)
        return NULL;
    plan->phases = p;
    struct lc_load_phase *ph = &p[plan->phase_count++];
    *ph = (struct lc_load_phase){.model = model, .recorded = recorded};
    snprintf(ph->name, sizeof(ph->name), "%s", name);
    return ph;
}

int lc_load_phase_add_stage(struct lc_load_phase *ph, uint64_t duration_ns, double from, double to)
{
    struct lc_load_stage *s = realloc(ph->stages, (ph->stage_count + 1) * sizeof(*s));
    if (!s)
        return LC_ENOMEM;
    ph->stages = s;
    s[ph->stage_count++] = (struct lc_load_stage){duration_ns, from, to};
    ph->duration_ns += duration_ns;
    if (from > ph->peak)
        ph->peak = from;
    if (to > ph->peak)
        ph->peak = to;
    return 0;
}

double lc_load_phase_level(const struct lc_load_phase *ph, uint64_t t_ns)
{
    uint64_t start = 0;
    for (size_t i = 0; i < ph->stage_count; i++) {
        const struct lc_load_stage *s = &ph->stages[i];
        if (s->duration_ns == 0 || t_ns < start + s->duration_ns) {
            if (s->duration_ns == 0)
                return s->to;
            double f = (double)(t_ns - start) / (double)s->duration_ns;
            return s->from + (s->to - s->from) * f;
        }
        start += s->duration_ns;
    }
    return ph->stage_count ? ph->stages[ph->stage_count - 1].to : 0;
}

/* Level-seconds accumulated over the first tau seconds of a stage. */
static double stage_area(const struct lc_load_stage *s, double tau)
{
    double d = (double)s->duration_ns / 1e9;
    double slope = d > 0 ? (s->to - s->from) / d : 0;
    return s->from * tau + slope * tau * tau / 2;
}

double lc_load_phase_cumulative(const struct lc_load_phase *ph, uint64_t t_ns)
{
    double acc = 0;
    uint64_t start = 0;
    for (size_t i = 0; i < ph->stage_count; i++) {
        const struct lc_load_stage *s = &ph->stages[i];
        if (s->duration_ns == 0 || t_ns < start + s->duration_ns)
            return acc + stage_area(s, (double)(t_ns - start) / 1e9);
        acc += stage_area(s, (double)s->duration_ns / 1e9);
        start += s->duration_ns;
    }
    return acc;
}

uint64_t lc_load_phase_time_of(const struct lc_load_phase *ph, double n)
{
    double acc = 0;
    uint64_t start = 0;
    for (size_t i = 0; i < ph->stage_count; i++) {
        const struct lc_load_stage *s = &ph->stages[i];
        int open_ended = s->duration_ns == 0;
        double d = (double)s->duration_ns / 1e9;
        double whole = open_ended ? INFINITY : stage_area(s, d);
        if (n <= acc + whole) {
            /* Solve from*tau + slope*tau^2/2 = n - acc for tau in [0, d]. */
            double need = n - acc;
            double slope = d > 0 ? (s->to - s->from) / d : 0;
            double tau;
            if (fabs(slope) < 1e-12) {
                if (s->from <= 0)
                    return UINT64_MAX;
                tau = need / s->from;
            } else {
                double disc = s->from * s->from + 2 * slope * need;
                tau = (-s->from + sqrt(disc > 0 ? disc : 0)) / slope;
            }
            if (tau < 0)
                tau = 0;
            if (!open_ended && tau > d)
                tau = d;
            return start + (uint64_t)(tau * 1e9);
        }
        acc += whole;
        start += s->duration_ns;
    }
    return UINT64_MAX;
}

uint64_t lc_load_plan_phase_offset(const struct lc_load_plan *plan, size_t i)
{
    uint64_t off = 0;
    for (size_t k = 0; k < i && k < plan->phase_count; k++)
        off += plan->phases[k].duration_ns;
    return off;
}

uint64_t lc_load_plan_duration(const struct lc_load_plan *plan)
{
    uint64_t total = 0;
    for (size_t k = 0; k < plan->phase_count; k++) {
        if (plan->phases[k].duration_ns == 0)
            return UINT64_MAX;
        total += plan->phases[k].duration_ns;
    }
    return total;
}

uint32_t lc_load_plan_threads(const struct lc_load_plan *plan)
{
    uint32_t threads = plan->threads ? plan->threads : 1;
    return threads > plan->connections && plan->connections ? plan->connections : threads;
}
