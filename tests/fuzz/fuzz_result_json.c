/* libFuzzer target: the result-file reader, and the write-read round trip of what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/result_json.h"

/*
 * Any input must be rejected cleanly or accepted; an accepted result must
 * serialise, and its serialisation must read back (the writer never writes
 * what the reader refuses).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lc_result r;
    struct lc_error err;
    if (lc_result_from_json_string((const char *)data, size, "fuzz", &r, &err) != 0) {
        lc_result_free(&r);
        return 0;
    }
    char *text = NULL;
    if (lc_result_to_json_string(&r, &text, &err) == 0) {
        struct lc_result again;
        if (lc_result_from_json_string(text, strlen(text), "fuzz-again", &again, &err) != 0)
            __builtin_trap();
        if (again.n_phases != r.n_phases || again.total.requests != r.total.requests)
            __builtin_trap();
        lc_result_free(&again);
        free(text);
    }
    lc_result_free(&r);
    return 0;
}
