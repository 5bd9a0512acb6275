/* The Result as JSON (schema loadcell.result/1): atomic file writes and strict reads. */
#ifndef LC_RESULTS_RESULT_JSON_H
#define LC_RESULTS_RESULT_JSON_H

#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/*
 * Serialise r as indented JSON (docs/result-schema.md) into *out: malloc'd,
 * NUL-terminated, ending in a newline, owned by the caller. Strings that are
 * not valid UTF-8 are written with each bad byte replaced by '?'; non-finite
 * doubles are written as null. Returns 0 or LC_ENOMEM.
 */
int lc_result_to_json_string(const struct lc_result *r, char **out,
                             struct lc_error *err) LC_WARN_UNUSED;

/*
 * Write r to `path` atomically: the JSON goes to "<path>.tmp.<pid>", is
 * fsync'ed, then renamed over path (and the directory fsync'ed), so a reader
 * or a crash never sees a torn file. The directory must exist. Returns 0,
 * LC_EINVAL (empty path), LC_ENOMEM or LC_EIO with a message naming the path and the reason (in
 * err; err->file is the path). The temporary file is removed on failure; SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT are held back (in the calling thread) while it
 * exists, so a signal never leaves it behind.
 */
int lc_result_write_json(const struct lc_result *r, const char *path,
                         struct lc_error *err) LC_WARN_UNUSED;

/*
 * Check, before a run starts, that `path` can be written: creates and removes
 * "<path>.tmp.<pid>", and refuses a path that is a directory. Returns 0 or
 * LC_EIO with the reason in err (hyperfine #306: fail before the hour-long
 * run, not after). LC_EINVAL for an empty path.
 */
int lc_result_check_writable(const char *path, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Read a result file into *out (initialised by this call; free with
 * lc_result_free). Histograms are restored from their "hdr" fields; the
 * human-readable summaries and other derived fields are ignored. Unknown keys
 * are ignored. On failure *out is left empty (freeing it again is harmless)
 * and the call returns LC_EIO (cannot open), LC_ENOMEM, or LC_EFORMAT with
 * the JSON path in the message ("phases[1].stats.latency.hdr: expected a
 * string") and err->file set to path (plus line and column for invalid JSON).
 */
int lc_result_read_json(const char *path, struct lc_result *out,
                        struct lc_error *err) LC_WARN_UNUSED;

/*
 * Like lc_result_read_json, from text[0..len); `name` labels errors (a file
 * name or "<stdin>"; may be NULL).
 */
int lc_result_from_json_string(const char *text, size_t len, const char *name,
                               struct lc_result *out, struct lc_error *err) LC_WARN_UNUSED;

#endif
