/*
 * libFuzzer target: arbitrary bytes as a scenario file. A last line "#set PATH=VALUE" is also
 * applied as a --set override, and a successful load is reloaded with --only of its first phase.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"

static void check_loaded(const struct lc_scenario *s)
{
    if (!s || s->version != 1 || !s->name || !s->file)
        __builtin_trap();
    if (s->n_phases && (!s->target || !s->n_requests))
        __builtin_trap();
    double weights = 0;
    for (size_t i = 0; i < s->n_requests; i++) {
        const struct lc_scenario_request *r = &s->requests[i];
        if (!r->name || !r->method || !r->path || r->path[0] != '/' || !r->target ||
            !(r->weight >= 0) || r->n_expect_status > LC_SCENARIO_MAX_STATUS)
            __builtin_trap();
        weights += r->weight;
    }
    if (s->n_requests && !(weights > 0))
        __builtin_trap();
    uint64_t offset = 0;
    for (size_t i = 0; i < s->n_phases; i++) {
        const struct lc_scenario_phase *ph = &s->phases[i];
        uint64_t sum = 0;
        if (ph->n_stages == 0 || !(ph->peak > 0) || ph->start_offset_ns != offset ||
            ph->connections == 0)
            __builtin_trap();
        for (size_t k = 0; k < ph->n_stages; k++) {
            const struct lc_scenario_stage *st = &ph->stages[k];
            if (st->duration_ns == 0 || st->from < 0 || st->target < 0 || st->target > ph->peak ||
                st->from > ph->peak || (st->kind == LC_SCENARIO_HOLD && st->from != st->target))
                __builtin_trap();
            sum += st->duration_ns;
        }
        if (sum != ph->duration_ns)
            __builtin_trap();
        /* Levels stay within [0, peak] everywhere, and are continuous inside ramps. */
        for (uint64_t t = 0; t <= 8; t++) {
            double v = lc_scenario_level_at(ph, ph->duration_ns / 8 * t);
            if (!(v >= 0) || v > ph->peak * (1 + 1e-12))
                __builtin_trap();
        }
        offset += ph->duration_ns;
    }
    if (lc_scenario_duration_ns(s) != offset)
        __builtin_trap();
    for (size_t i = 0; i < s->n_thresholds; i++)
        if (!s->thresholds[i].text || !s->thresholds[i].loc.file)
            __builtin_trap();
    char *out = lc_scenario_expand_output(s->output.json, s->name, 1700000000);
    if (s->output.json && !out)
        __builtin_trap();
    free(out);
}

static void check_failed(int rc, const struct lc_scenario *s, const struct lc_error *err)
{
    if (s || (rc != LC_ECONFIG && rc != LC_ENOMEM) || !err->msg[0] ||
        strlen(err->msg) >= sizeof(err->msg))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct lc_scenario *s = NULL;
    struct lc_error err;
    lc_error_clear(&err);
    /* The document alone; no directory, so no file is ever read. */
    int rc = lc_scenario_load_string(text, size, "fuzz.yaml", NULL, NULL, &s, &err);
    if (rc == 0)
        check_loaded(s);
    else
        check_failed(rc, s, &err);

    /* With a trailing "#set PATH=VALUE" line as an override (and --only of the first phase). */
    const char *last = size ? memchr(text, '\n', size) : NULL;
    const char *line = NULL;
    for (const char *p = last; p && p < text + size;
         p = memchr(p + 1, '\n', size - (size_t)(p + 1 - text)))
        line = p + 1;
    if (line && (size_t)(text + size - line) > 5 && memcmp(line, "#set ", 5) == 0) {
        size_t n = (size_t)(text + size - line) - 5;
        char *spec = malloc(n + 1);
        if (spec) {
            memcpy(spec, line + 5, n);
            spec[n] = '\0';
            const char *sets[] = {spec};
            const char *only[] = {s && s->n_phases ? s->phases[0].name : "x"};
            struct lc_scenario_options opt = {.sets = sets, .n_sets = 1, .only = only, .n_only = 1};
            struct lc_scenario *t = NULL;
            lc_error_clear(&err);
            rc = lc_scenario_load_string(text, size, "fuzz.yaml", NULL, &opt, &t, &err);
            if (rc == 0)
                check_loaded(t);
            else
                check_failed(rc, t, &err);
            lc_scenario_free(t);
            free(spec);
        }
    }
    lc_scenario_free(s);
    return 0;
}
