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
    /* Optional features: what this binary can do beyond plain HTTP/1.1. */
    printf("features: http1 epoll hdr-histogram json yaml");
#ifdef LC_HAVE_TLS
    printf(" tls");
#endif
#ifdef LC_HAVE_MICROHTTPD
    printf(" live");
#endif
#ifdef LC_HAVE_SQLITE
    printf(" history");
#endif
    printf("\n");
    return 0;
}
