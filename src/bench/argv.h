/* Split a command line into argv without a shell (`loadcell bench -N`), honouring quotes. */
#ifndef LC_BENCH_ARGV_H
#define LC_BENCH_ARGV_H

#include <stddef.h>

#include "core/error.h"

/* A cap on the words of one command line. */
#define LC_BENCH_MAX_ARGS 4096

/*
 * Split `line` into words the way a POSIX shell tokenises a simple command,
 * without any expansion:
 *  - blanks (space, tab, newline) separate words;
 *  - '...' keeps everything up to the next ' literally;
 *  - "..." keeps everything, except that a backslash escapes \ " $ ` and
 *    newline (a backslash before any other character stays);
 *  - outside quotes a backslash keeps the next character literally
 *    (backslash-newline is removed);
 *  - adjacent pieces join: a'b'"c" is one word "abc"; '' is an empty word.
 * No variables, globs, ~, redirections, pipes or ';' are interpreted: they
 * are plain characters (that is the point of running without a shell).
 * On success *out is a malloc'd NULL-terminated array of malloc'd strings
 * (free with lc_bench_argv_free) and *argc (may be NULL) its length, >= 1.
 * Errors: LC_EINVAL for an empty line, an unterminated quote or a trailing
 * backslash (the message gives the byte offset); LC_ERANGE past
 * LC_BENCH_MAX_ARGS words; LC_ENOMEM. *out is NULL on failure.
 */
int lc_bench_argv_split(const char *line, char ***out, size_t *argc,
                        struct lc_error *err) LC_WARN_UNUSED;

/* Free an array made by lc_bench_argv_split. NULL is a no-op. */
void lc_bench_argv_free(char **argv);

#endif
