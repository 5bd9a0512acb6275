/* `loadcell serve` (placeholder while under construction). */
#include "cli/cli.h"

const char lc_cmd_serve_usage[] = "usage: loadcell serve\n";

int lc_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "loadcell: serve is not built yet\n");
    return LC_EXIT_RUNTIME;
}
