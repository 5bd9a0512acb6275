/* Helpers shared by every subcommand: error lines and usage text. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

const struct lc_cli_command *lc_cli_find(const char *name)
{
    for (const struct lc_cli_command *c = lc_cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int lc_cli_fail(const struct lc_error *err)
{
    char line[1024];
    fprintf(stderr, "loadcell: %s\n", lc_error_format(err, line, sizeof(line)));
    return lc_exit_code_for(err->code);
}

int lc_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("loadcell: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'loadcell help %s')\n", cmd);
    return LC_EXIT_USAGE;
}

int lc_cli_option_error(const char *cmd, int c, char **argv)
{
    if (c == ':')
        return lc_cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
    return lc_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

void lc_cli_print_usage(FILE *out, const char *cmd)
{
    const struct lc_cli_command *c = lc_cli_find(cmd);
    if (c)
        fputs(c->usage, out);
}

bool lc_cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int lc_cli_opt_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *out = argv[++*i];
    return 1;
}
