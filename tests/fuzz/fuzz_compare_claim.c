/* libFuzzer target: `compare --expect` claims, parsed and judged against a fixed comparison. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results/compare.h"
#include "results/compare_claim.h"
#include "results/result.h"

/* Two small bench Results (built once): "sort" twice as fast in the second. */
static struct lc_result base, cur;
static int fixed_ready;

static void must(int rc)
{
    if (rc != 0)
        __builtin_trap();
}

static void build_fixed(void)
{
    struct lc_result *rs[2] = {&base, &cur};
    for (int s = 0; s < 2; s++) {
        lc_result_init(rs[s], LC_RESULT_KIND_BENCH);
        struct lc_result_bench_command *c;
        must(lc_result_add_command(rs[s], "sort", "sort x", &c));
        must(lc_result_command_set_param(c, "n", "10"));
        for (int i = 0; i < 12; i++) {
            struct lc_result_bench_run run = {0};
            run.wall_ns = (uint64_t)((2 - s) * 1000000 + i * 1000);
            run.max_rss_bytes = 1000000u + (unsigned)i;
            run.artifact_bytes = -1;
            must(lc_result_command_add_run(c, &run, NULL));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fixed_ready) {
        build_fixed();
        fixed_ready = 1;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct lc_cmp_claim cl;
    struct lc_error err;
    lc_error_clear(&err);
    int rc = lc_cmp_claim_parse(text, &cl, &err);
    if (rc != 0) {
        if (rc != LC_EINVAL || !err.msg[0])
            __builtin_trap();
        free(text);
        return 0;
    }
    if (!isfinite(cl.limit) || strcmp(cl.text, text) != 0)
        __builtin_trap();
    struct lc_compare_opts o = {.tolerance = -1, .resamples = 100, .claims = &cl, .n_claims = 1};
    struct lc_compare c;
    rc = lc_compare_run(&base, &cur, &o, &c, &err);
    if (rc != 0 && rc != LC_ENOMEM)
        __builtin_trap();
    if (rc == 0 && (c.n_claims != 1 || (!c.claims[0].decided && !c.claims[0].why)))
        __builtin_trap();
    lc_compare_free(&c);
    free(text);
    return 0;
}
