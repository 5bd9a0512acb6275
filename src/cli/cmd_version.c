/* `loadcell version`: version, commit, compiler and built-in features. */
#include "cli/cli.h"

#include "build_info.h"
#include "net/tls_common.h"
#include "results/history.h"

int lc_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("loadcell %s\n", LC_VERSION_STRING);
    printf("commit:   %s\n", LC_COMMIT_STRING);
    printf("build:    %s\n", LC_BUILD_TYPE);
#if defined(__clang__)
    printf("compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    printf("compiler: gcc %s\n", __VERSION__);
#endif
    /* What this binary can do, with the versions of the TLS and SQLite libraries it runs
     * with (NVML is loaded at run time when a GPU driver is present). */
    printf("features: http1 https(%s) epoll hdr-histogram json yaml live(libmicrohttpd) "
           "monitor gpu(nvml, dlopen) history(sqlite %s)\n",
           lc_tls_library_version(), lc_history_library_version());
    return 0;
}
