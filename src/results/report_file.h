/* Atomic output files (results and reports): a temporary name, fsync, rename into place. */
#ifndef LC_RESULTS_REPORT_FILE_H
#define LC_RESULTS_REPORT_FILE_H

#include <stddef.h>

#include "core/error.h"

/*
 * Write data[0..len) to `path` atomically, as lc_result_write_json does: the
 * bytes go to "<path>.tmp.<pid>", which is fsync'ed and renamed over path
 * (the directory is then fsync'ed, best effort), so a reader never sees a
 * torn report. `what` names the file in messages ("the HTML report").
 * Returns 0, LC_EINVAL (empty path) or LC_EIO with a one-line message in err
 * (err->file is path; e.g. "cannot write the HTML report: directory 'out'
 * does not exist (create it first)"). The temporary file is removed on failure.
 */
int lc_report_write_file(const char *path, const char *data, size_t len, const char *what,
                         struct lc_error *err) LC_WARN_UNUSED;

/*
 * Check, before a run, that `path` can be written: creates and removes the
 * temporary file, refuses a directory. Returns 0, LC_EINVAL or LC_EIO with a
 * one-line message (hyperfine #306: fail before the hour-long run, not after).
 */
int lc_report_check_writable(const char *path, const char *what,
                             struct lc_error *err) LC_WARN_UNUSED;

#endif
