/* `loadcell help [CMD]` and `loadcell --help`. */
#include "cli/cli.h"

int lc_cmd_help(int argc, char **argv)
{
    if (argc >= 2) {
        const struct lc_cli_command *c = lc_cli_find(argv[1]);
        if (!c) {
            fprintf(stderr, "loadcell: no command '%s' (see 'loadcell help')\n", argv[1]);
            return LC_EXIT_USAGE;
        }
        fputs(c->usage, stdout);
        return 0;
    }
    printf("loadcell: load tests and benchmarks that measure truthfully\n\n"
           "usage: loadcell COMMAND [ARGS...]\n\ncommands:\n");
    for (const struct lc_cli_command *c = lc_cli_commands; c->name; c++)
        printf("  %-9s %s\n", c->name, c->summary);
    printf("\n'loadcell help COMMAND' or 'loadcell COMMAND --help' shows a command's options.\n"
           "Exit codes: 0 ok, 1 a threshold failed, 2 usage or config error, 3 could not run,\n"
           "130 interrupted (the partial result is still written).\n");
    return 0;
}
