/* Shell-like word splitting for commands run without a shell. */
#include "bench/argv.h"

#include <stdlib.h>
#include <string.h>

void lc_bench_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

int lc_bench_argv_split(const char *line, char ***out, size_t *argc, struct lc_error *err)
{
    *out = NULL;
    size_t len = line ? strlen(line) : 0;
    /* A word is never longer than the line, so one buffer of len + 1 holds any word. */
    char *word = malloc(len + 1);
    char **argv = calloc(1, sizeof(*argv));
    size_t n = 0, cap = 1;
    int rc = 0;
    if (!word || !argv) {
        rc = lc_error_set(err, LC_ENOMEM, "out of memory");
        goto fail;
    }
    size_t i = 0;
    for (;;) {
        while (i < len && is_blank(line[i]))
            i++;
        if (i >= len)
            break;
        size_t w = 0;
        while (i < len && !is_blank(line[i])) {
            char c = line[i];
            if (c == '\'') {
                size_t start = i++;
                while (i < len && line[i] != '\'')
                    word[w++] = line[i++];
                if (i >= len) {
                    rc = lc_error_set(err, LC_EINVAL,
                                      "unterminated ' (opened at byte %zu) in command: %s",
                                      start + 1, line);
                    goto fail;
                }
                i++;
            } else if (c == '"') {
                size_t start = i++;
                while (i < len && line[i] != '"') {
                    if (line[i] == '\\' && i + 1 < len && strchr("\\\"$`\n", line[i + 1]) != NULL) {
                        if (line[i + 1] != '\n')
                            word[w++] = line[i + 1];
                        i += 2;
                    } else {
                        word[w++] = line[i++];
                    }
                }
                if (i >= len) {
                    rc = lc_error_set(err, LC_EINVAL,
                                      "unterminated \" (opened at byte %zu) in command: %s",
                                      start + 1, line);
                    goto fail;
                }
                i++;
            } else if (c == '\\') {
                if (i + 1 >= len) {
                    rc = lc_error_set(err, LC_EINVAL, "trailing backslash in command: %s", line);
                    goto fail;
                }
                if (line[i + 1] != '\n')
                    word[w++] = line[i + 1];
                i += 2;
            } else {
                word[w++] = line[i++];
            }
        }
        if (n >= LC_BENCH_MAX_ARGS) {
            rc = lc_error_set(err, LC_ERANGE, "more than %d words in command", LC_BENCH_MAX_ARGS);
            goto fail;
        }
        if (n + 2 > cap) {
            size_t ncap = cap * 2 < n + 2 ? n + 2 : cap * 2;
            char **p = realloc(argv, ncap * sizeof(*argv));
            if (!p) {
                rc = lc_error_set(err, LC_ENOMEM, "out of memory");
                goto fail;
            }
            argv = p;
            cap = ncap;
        }
        argv[n] = malloc(w + 1);
        if (!argv[n]) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(argv[n], word, w);
        argv[n][w] = '\0';
        argv[++n] = NULL;
    }
    if (n == 0) {
        rc = lc_error_set(err, LC_EINVAL, "empty command");
        goto fail;
    }
    free(word);
    *out = argv;
    if (argc)
        *argc = n;
    return 0;
fail:
    free(word);
    lc_bench_argv_free(argv);
    return rc;
}
