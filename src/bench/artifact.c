/* Apparent size of a file or folder tree, walked with openat so that depth costs one fd per level.
 */
#include "bench/artifact.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sum the regular files below the open folder fd (consumed: closed here). */
static int walk(int fd, const char *top, unsigned depth, int64_t *sum, struct lc_error *err)
{
    if (depth > LC_BENCH_ARTIFACT_MAX_DEPTH) {
        close(fd);
        return lc_error_set(err, LC_ERANGE, "artifact '%s' is nested deeper than %d folders", top,
                            LC_BENCH_ARTIFACT_MAX_DEPTH);
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return lc_error_sys(err, e, "cannot read artifact folder '%s'", top);
    }
    int rc = 0;
    struct dirent *ent;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* vanished meanwhile */
        if (S_ISREG(st.st_mode)) {
            *sum += (int64_t)st.st_size;
        } else if (S_ISDIR(st.st_mode)) {
            int sub =
                openat(dirfd(d), ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                rc = walk(sub, top, depth + 1, sum, err);
        }
    }
    closedir(d);
    return rc;
}

int lc_bench_path_size(const char *path, int64_t *out_bytes, struct lc_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return lc_error_sys(err, errno, "artifact '%s' is missing after the run", path);
    if (!S_ISDIR(st.st_mode)) {
        *out_bytes = S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
        return 0;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lc_error_sys(err, errno, "cannot open artifact folder '%s'", path);
    int64_t sum = 0;
    int rc = walk(fd, path, 1, &sum, err);
    if (rc != 0)
        return rc;
    *out_bytes = sum;
    return 0;
}
