/* `loadcell http` (placeholder while under construction). */
#include "cli/cli.h"

const char lc_cmd_http_usage[] = "usage: loadcell http\n";

int lc_cmd_http(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "loadcell: http is not built yet\n");
    return LC_EXIT_RUNTIME;
}
