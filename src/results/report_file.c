/* Atomic output files (results and reports): a temporary name, fsync, rename into place. */
#include "results/report_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of path ("." when none) into buf. */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* LC_EIO for a failed system call on path: "cannot <action>: <reason>" in one line. */
static int io_error(struct lc_error *err, const char *path, int e, const char *action)
{
    char dir[4096];
    dir_of(path, dir, sizeof(dir));
    struct stat st;
    if (e == ENOENT && stat(dir, &st) != 0)
        lc_error_set(err, LC_EIO, "cannot %s: directory '%s' does not exist (create it first)",
                     action, dir);
    else if (e == ENOTDIR)
        lc_error_set(err, LC_EIO, "cannot %s: '%s' is not a directory", action, dir);
    else
        lc_error_set(err, LC_EIO, "cannot %s: %s", action, strerror(e));
    if (err)
        err->sys_errno = e;
    lc_error_at(err, path, 0, 0);
    return LC_EIO;
}

/*
 * Hold back the signals that end a run while the temporary file exists, so
 * that the process never leaves one behind; they are delivered when the
 * previous mask is restored (as lc_result_write_json does).
 */
static void hold_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Write all of buf to fd, retrying on EINTR and short writes; 0 or an errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Validate path (named, not a directory) and put its temporary name
 * "<path>.tmp.<pid>" into tmp. Returns 0, LC_EINVAL or LC_EIO.
 */
static int temp_name(const char *path, const char *what, char *tmp, size_t size,
                     struct lc_error *err)
{
    if (!path || !*path)
        return lc_error_set(err, LC_EINVAL, "no file name given for %s", what);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        lc_error_set(err, LC_EIO, "cannot write %s: this is a directory; name a file", what);
        lc_error_at(err, path, 0, 0);
        return LC_EIO;
    }
    int n = snprintf(tmp, size, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= size) {
        lc_error_set(err, LC_EIO, "cannot write %s: the path is too long", what);
        lc_error_at(err, path, 0, 0);
        return LC_EIO;
    }
    return 0;
}

int lc_report_write_file(const char *path, const char *data, size_t len, const char *what,
                         struct lc_error *err)
{
    if (!what)
        what = "the report";
    char tmp[4352];
    int rc = temp_name(path, what, tmp, sizeof(tmp), err);
    if (rc != 0)
        return rc;
    char action[300];
    snprintf(action, sizeof(action), "write %s", what);
    sigset_t old;
    hold_signals(&old); /* until the temporary file is renamed or removed */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return io_error(err, path, e, action);
    }
    int e = write_all(fd, data, len);
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0) {
        e = errno;
        snprintf(action, sizeof(action), "rename the temporary file of %s into place", what);
    }
    if (e) {
        unlink(tmp);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return io_error(err, path, e, action);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* Make the rename durable; not every file system allows fsync on a directory. */
    char dir[4096];
    dir_of(path, dir, sizeof(dir));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

int lc_report_check_writable(const char *path, const char *what, struct lc_error *err)
{
    if (!what)
        what = "the report";
    char tmp[4352];
    int rc = temp_name(path, what, tmp, sizeof(tmp), err);
    if (rc != 0)
        return rc;
    char action[300];
    snprintf(action, sizeof(action), "write %s", what);
    sigset_t old;
    hold_signals(&old); /* until the probe file is removed */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return io_error(err, path, e, action);
    }
    close(fd);
    unlink(tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}
