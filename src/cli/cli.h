/* The command-line face: one entry point per subcommand, and shared helpers. */
#ifndef LC_CLI_CLI_H
#define LC_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

/* Each subcommand takes argv after the subcommand name (argv[0] is the name). */
int lc_cmd_http(int argc, char **argv);
int lc_cmd_serve(int argc, char **argv);
int lc_cmd_bench(int argc, char **argv);
int lc_cmd_run(int argc, char **argv);
int lc_cmd_report(int argc, char **argv);
int lc_cmd_compare(int argc, char **argv);
int lc_cmd_monitor(int argc, char **argv);
int lc_cmd_history(int argc, char **argv);
int lc_cmd_baseline(int argc, char **argv);
int lc_cmd_version(int argc, char **argv);
int lc_cmd_help(int argc, char **argv);

/* A subcommand of the table in main.c: name, one-line summary, usage text. */
struct lc_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text, printed by `loadcell help NAME` */
};

/* The table of subcommands (NULL-terminated); defined in main.c. */
extern const struct lc_cli_command lc_cli_commands[];

/* Find a subcommand by name, or NULL. */
const struct lc_cli_command *lc_cli_find(const char *name);

/* Print "loadcell: <formatted error>" to stderr and return its exit code. */
int lc_cli_fail(const struct lc_error *err);

/* Print "loadcell: <message>" plus a usage hint and return LC_EXIT_USAGE. */
int lc_cli_usage_error(const char *cmd, const char *fmt, ...) LC_PRINTF(2, 3);

/*
 * The usage error for what getopt_long returned as `c` (':' a missing value,
 * anything else an unknown option), naming argv[optind - 1]; returns LC_EXIT_USAGE.
 */
int lc_cli_option_error(const char *cmd, int c, char **argv);

/* Whether s ends with suffix. */
bool lc_cli_ends_with(const char *s, const char *suffix);

/*
 * For hand-parsed options whose value may be optional: the value of option
 * `name` at argv[*i], given as "--name V" (then *i moves to V) or "--name=V".
 * Returns 1 with *out set, 0 when argv[*i] is another option, -1 when the
 * value is missing (argv ends).
 */
int lc_cli_opt_value(int argc, char **argv, int *i, const char *name, const char **out);

/* Print the usage text of a subcommand to out. */
void lc_cli_print_usage(FILE *out, const char *cmd);

#endif
