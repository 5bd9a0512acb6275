/* `loadcell version`: version, commit, compiler and built-in features. */
#include "cli/cli.h"

#include "build_info.h"

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
    /* What this binary can do. NVML is loaded at run time when a GPU driver is present;
     * TLS (https) and result history are not built yet. */
    printf("features: http1 epoll hdr-histogram json yaml live(libmicrohttpd) monitor "
           "gpu(nvml, dlopen)\n");
    return 0;
}
