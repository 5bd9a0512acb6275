/* The size of a command's artifact (`--artifact PATH`): a file, or a folder summed recursively. */
#ifndef LC_BENCH_ARTIFACT_H
#define LC_BENCH_ARTIFACT_H

#include <stdint.h>

#include "core/error.h"

/* How deep a folder walk goes before it gives up (LC_ERANGE). */
#define LC_BENCH_ARTIFACT_MAX_DEPTH 128

/*
 * The apparent size of `path` (what `ls -l` and `du --apparent-size -b` show,
 * not disk blocks): a regular file's st_size, or for a folder the sum over
 * every regular file below it. `path` itself is followed if it is a symbolic
 * link; links inside a folder are not followed (so cycles cannot occur), and
 * neither are other file systems' mount points any differently: they are
 * walked like any folder. Entries that vanish during the walk are skipped.
 * Returns 0 and *out_bytes, LC_ESYS when path does not exist or cannot be
 * read (err names it; err->sys_errno is ENOENT for a missing path), or
 * LC_ERANGE past LC_BENCH_ARTIFACT_MAX_DEPTH levels.
 */
int lc_bench_path_size(const char *path, int64_t *out_bytes, struct lc_error *err) LC_WARN_UNUSED;

#endif
