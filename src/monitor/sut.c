/* The system under test: posix_spawn in its own process group, readiness polls, group stop. */
#include "monitor/sut.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/parse.h"
#include "monitor/procfs.h"
#include "net/addr.h"
#include "net/tls_client.h"
#include "net/url.h"

extern char **environ;

#define TAIL_BYTES      8192
#define MSG_TAIL_LINES  6
#define CMD_LABEL_CHARS 60

struct lc_sut {
    pid_t pid;
    int stderr_fd;
    uint64_t grace_ns;
    bool reaped;
    int exit_code;
};

/* ---- A minimal HTTP GET -------------------------------------------------------------------- */

static int remaining_ms(uint64_t deadline_ns)
{
    uint64_t now = lc_clock_now_ns();
    if (now >= deadline_ns)
        return 0;
    uint64_t ms = (deadline_ns - now + LC_NS_PER_MS - 1) / LC_NS_PER_MS;
    return ms > 60000 ? 60000 : (int)ms;
}

/* Wait for `events` on fd until the deadline. 0, or -1 on timeout/error (errno set). */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
    for (;;) {
        int ms = remaining_ms(deadline_ns);
        if (ms == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n > 0)
            return 0;
    }
}

/* The readiness connection: a socket, with TLS over it for an https:// URL. */
struct ready_conn {
    int fd;
    struct lc_tls_conn *tls; /* NULL: plain */
};

/* Wait for fd to be readable or writable before the deadline; -1 with the reason in why. */
static int ready_wait(const struct ready_conn *c, short events, uint64_t deadline_ns, char *why,
                      size_t why_size)
{
    if (wait_fd(c->fd, events, deadline_ns) == 0)
        return 0;
    snprintf(why, why_size, "%s", strerror(errno));
    return -1;
}

/* The TLS handshake, waiting as it asks. 0, or -1 with the reason (naming the handshake) in why. */
static int ready_handshake(struct ready_conn *c, uint64_t deadline_ns, char *why, size_t why_size)
{
    for (;;) {
        struct lc_tls_failure f;
        int r = lc_tls_conn_handshake(c->tls, &f);
        if (r == LC_TLS_OK)
            return 0;
        if (r == LC_TLS_ERROR) {
            lc_tls_failure_describe(&f, why, why_size);
            return -1;
        }
        if (wait_fd(c->fd, r == LC_TLS_WANT_WRITE ? POLLOUT : POLLIN, deadline_ns) != 0) {
            snprintf(why, why_size, "TLS handshake: %s", strerror(errno));
            return -1;
        }
    }
}

/*
 * Send (writing) or receive up to len bytes, plain or over TLS, waiting until
 * the deadline. Returns the bytes moved (> 0), 0 when the peer closed, or -1
 * with the reason in why.
 */
static ssize_t ready_io(struct ready_conn *c, int writing, void *buf, size_t len,
                        uint64_t deadline_ns, char *why, size_t why_size)
{
    for (;;) {
        short events = writing ? POLLOUT : POLLIN;
        if (c->tls) {
            struct lc_tls_failure f;
            ssize_t n = writing ? lc_tls_conn_write(c->tls, buf, len, &f)
                                : lc_tls_conn_read(c->tls, buf, len, &f);
            if (n > 0)
                return n;
            if (n == LC_TLS_CLOSED)
                return 0;
            if (n == LC_TLS_ERROR) {
                lc_tls_failure_describe(&f, why, why_size);
                return -1;
            }
            events = n == LC_TLS_WANT_WRITE ? POLLOUT : POLLIN;
        } else {
            ssize_t n = writing ? send(c->fd, buf, len, MSG_NOSIGNAL) : recv(c->fd, buf, len, 0);
            if (n >= 0)
                return n;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                snprintf(why, why_size, "%s", strerror(errno));
                return -1;
            }
        }
        if (ready_wait(c, events, deadline_ns, why, why_size))
            return -1;
    }
}

/* What the readiness check polls: the parsed URL, its addresses, a TLS context for https. */
struct ready_target {
    struct lc_url u;
    struct lc_addr_list al;
    struct lc_tls_client *tls; /* NULL for http:// */
};

/* One GET to one address. 0 with *status, or an LC_ECONNECT with the reason in err. */
static int get_one(const struct ready_target *t, size_t i, uint64_t deadline_ns, int *status,
                   struct lc_error *err)
{
    const struct lc_url *u = &t->u;
    char where[80], why[256];
    lc_addr_format(&t->al.addrs[i], where, sizeof(where));
    int in_progress;
    struct ready_conn c = {.fd = lc_tcp_connect(&t->al.addrs[i], t->al.lens[i], &in_progress)};
    if (c.fd < 0)
        return lc_error_set(err, LC_ECONNECT, "%s: %s", where, strerror(-c.fd));
    int rc = LC_ECONNECT;
    struct lc_tls_session_slot slot = {0};
    if (in_progress) {
        if (wait_fd(c.fd, POLLOUT, deadline_ns) != 0) {
            lc_error_set(err, rc, "%s: connect: %s", where, strerror(errno));
            goto out;
        }
        int e = lc_tcp_connect_result(c.fd);
        if (e) {
            lc_error_set(err, rc, "%s: %s", where, strerror(e));
            goto out;
        }
    }
    if (t->tls) {
        c.tls = lc_tls_conn_new(t->tls, c.fd, &slot);
        if (!c.tls) {
            lc_error_set(err, rc, "%s: out of memory for TLS", where);
            goto out;
        }
        if (ready_handshake(&c, deadline_ns, why, sizeof(why)) != 0) {
            lc_error_set(err, rc, "%s: %s", where, why);
            goto out;
        }
    }
    char host[300];
    lc_url_host_header(u, host, sizeof(host));
    char req[2600];
    int len = snprintf(req, sizeof(req),
                       "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: loadcell-ready\r\n"
                       "Accept: */*\r\nConnection: close\r\n\r\n",
                       u->target, host);
    if (len < 0 || (size_t)len >= sizeof(req)) {
        lc_error_set(err, LC_EINVAL, "the ready URL is too long");
        rc = LC_EINVAL;
        goto out;
    }
    for (size_t sent = 0; sent < (size_t)len;) {
        ssize_t n = ready_io(&c, 1, req + sent, (size_t)len - sent, deadline_ns, why, sizeof(why));
        if (n <= 0) {
            lc_error_set(err, rc, "%s: sending: %s", where, n < 0 ? why : "closed");
            goto out;
        }
        sent += (size_t)n;
    }
    char buf[512];
    size_t got = 0;
    while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
        ssize_t n =
            ready_io(&c, 0, buf + got, sizeof(buf) - 1 - got, deadline_ns, why, sizeof(why));
        if (n < 0) {
            lc_error_set(err, rc, "%s: no answer: %s", where, why);
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    /* "HTTP/1.x NNN ..." */
    if (got < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' ||
        buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9') {
        lc_error_set(err, rc, "%s: %s", where,
                     got ? "the answer is not HTTP/1.x" : "closed without an answer");
        goto out;
    }
    *status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    rc = 0;
out:
    lc_tls_conn_free(c.tls);
    lc_tls_session_slot_clear(&slot);
    close(c.fd);
    return rc;
}

/*
 * Parse a ready URL, resolve its host, and for https:// make a TLS context.
 * The check asks whether the server answers, not whether its certificate is
 * trusted (the run that follows verifies its own target): no verification.
 */
static int ready_target_open(const char *url, struct ready_target *t, struct lc_error *err)
{
    memset(t, 0, sizeof(*t));
    struct lc_error e = {0};
    if (lc_url_parse(url, &t->u, &e) != 0)
        return lc_error_set(err, LC_EINVAL, "ready URL '%s': %s", url, e.msg);
    int rc = lc_addr_resolve(t->u.host, t->u.port, &t->al, err);
    if (rc != 0 || strcmp(t->u.scheme, "https") != 0)
        return rc;
    const struct lc_tls_client_options opt = {.insecure = true};
    if (lc_tls_client_new(&opt, t->u.host, &t->tls, &e) != 0)
        return lc_error_set(err, e.code, "ready URL '%s': %s", url, e.msg);
    return 0;
}

static void ready_target_close(struct ready_target *t)
{
    lc_tls_client_free(t->tls);
    t->tls = NULL;
}

/* GET over each resolved address in turn until one answers. */
static int get_any(const struct ready_target *t, uint64_t deadline_ns, int *status,
                   struct lc_error *err)
{
    int rc = lc_error_set(err, LC_ECONNECT, "no address");
    for (size_t i = 0; i < t->al.count; i++) {
        rc = get_one(t, i, deadline_ns, status, err);
        if (rc == 0 || rc == LC_EINVAL)
            return rc;
    }
    return rc;
}

int lc_sut_http_get(const char *url, uint64_t timeout_ns, int *status, struct lc_error *err)
{
    struct ready_target t;
    int rc = ready_target_open(url, &t, err);
    if (rc == 0)
        rc = get_any(&t, lc_clock_now_ns() + timeout_ns, status, err);
    ready_target_close(&t);
    return rc;
}

/* ---- The process -------------------------------------------------------------------------------
 */

static int status_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

/* "exited with status 3" / "was killed by signal 9 (Killed)". */
static void describe_status(int code, char *buf, size_t size)
{
    if (code > 128 && code < 128 + 65)
        snprintf(buf, size, "was killed by signal %d (%s)", code - 128, strsignal(code - 128));
    else
        snprintf(buf, size, "exited with status %d", code);
}

bool lc_sut_exited(struct lc_sut *s, int *exit_code)
{
    if (!s->reaped) {
        int st;
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            s->reaped = true;
            s->exit_code = status_code(st);
        } else if (r < 0 && errno == ECHILD) {
            s->reaped = true; /* reaped elsewhere: its status is unknown */
            s->exit_code = 255;
        }
    }
    if (s->reaped && exit_code)
        *exit_code = s->exit_code;
    return s->reaped;
}

int lc_sut_pid(const struct lc_sut *s)
{
    return (int)s->pid;
}

size_t lc_sut_stderr_tail(const struct lc_sut *s, size_t max_lines, char *buf, size_t size)
{
    if (size == 0)
        return 0;
    buf[0] = '\0';
    struct stat stt;
    if (s->stderr_fd < 0 || fstat(s->stderr_fd, &stt) != 0 || stt.st_size <= 0 || max_lines == 0)
        return 0;
    char raw[TAIL_BYTES];
    off_t off = stt.st_size > TAIL_BYTES ? stt.st_size - TAIL_BYTES : 0;
    ssize_t n = pread(s->stderr_fd, raw, sizeof(raw), off);
    if (n <= 0)
        return 0;
    size_t len = (size_t)n;
    while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
        len--;
    /* Walk back over max_lines lines. */
    size_t start = len, lines = 0;
    while (start > 0) {
        if (raw[start - 1] == '\n') {
            if (++lines == max_lines)
                break;
        }
        start--;
    }
    if (off > 0 && start == 0) { /* the first line was cut by the 8 KB window: drop it */
        const char *nl = memchr(raw, '\n', len);
        start = nl ? (size_t)(nl - raw) + 1 : 0;
    }
    /* Clean in place, then keep the end that fits, from a line start where possible. */
    size_t k = 0;
    for (size_t i = start; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\r')
            continue;
        raw[k++] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    size_t from = 0;
    if (k >= size) {
        from = k - (size - 1);
        const char *nl = raw[from - 1] == '\n' ? NULL : memchr(raw + from, '\n', k - from);
        if (nl && (size_t)(nl - raw) + 1 < k)
            from = (size_t)(nl - raw) + 1;
    }
    memcpy(buf, raw + from, k - from);
    buf[k - from] = '\0';
    return k - from;
}

/* Append "; its last stderr lines:\n  | ..." to err->msg, as many lines as fit. */
static void append_tail(struct lc_sut *s, struct lc_error *err)
{
    char tail[TAIL_BYTES];
    size_t used = strlen(err->msg), room = sizeof(err->msg) - used;
    for (size_t lines = MSG_TAIL_LINES; lines > 0; lines--) {
        if (lc_sut_stderr_tail(s, lines, tail, sizeof(tail)) == 0) {
            if (room > 40)
                snprintf(err->msg + used, room, " (it wrote nothing to stderr)");
            return;
        }
        /* Format into a scratch buffer; keep it if it fits whole. */
        char out[sizeof(err->msg)];
        size_t k = (size_t)snprintf(out, sizeof(out), "; its last stderr lines:");
        const char *p = tail;
        while (*p && k < sizeof(out)) {
            const char *nl = strchr(p, '\n');
            int l = nl ? (int)(nl - p) : (int)strlen(p);
            if (l > 160)
                l = 160;
            k += (size_t)snprintf(out + k, sizeof(out) - k, "\n  | %.*s", l, p);
            p = nl ? nl + 1 : p + strlen(p);
        }
        if (k < room) {
            memcpy(err->msg + used, out, k + 1);
            return;
        }
    }
}

/* The command for messages: 'cmd' cut at CMD_LABEL_CHARS with "...". */
static void label(const char *cmd, char *buf, size_t size)
{
    size_t len = strlen(cmd);
    if (len > CMD_LABEL_CHARS)
        snprintf(buf, size, "'%.*s...'", CMD_LABEL_CHARS, cmd);
    else
        snprintf(buf, size, "'%s'", cmd);
}

static void sleep_poll(uint64_t ns, const volatile sig_atomic_t *interrupted)
{
    uint64_t end = lc_clock_now_ns() + ns;
    while (!(interrupted && *interrupted)) {
        uint64_t now = lc_clock_now_ns();
        if (now >= end)
            return;
        uint64_t step = end - now > 10 * LC_NS_PER_MS ? 10 * LC_NS_PER_MS : end - now;
        lc_clock_sleep_ns(step, NULL);
    }
}

/* Open the unlinked temporary file that takes the SUT's stderr. */
static int open_stderr_file(struct lc_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/loadcell-sut-stderr-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return lc_error_set(err, LC_EINVAL, "TMPDIR is too long");
    int fd = mkostemp(path, O_CLOEXEC | O_APPEND);
    if (fd < 0)
        return lc_error_sys(err, errno, "cannot create a temporary file in %s", dir);
    unlink(path);
    return fd;
}

static int spawn(const struct lc_sut_config *cfg, struct lc_sut *s, struct lc_error *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (!cfg->inherit_stdout)
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, s->stderr_fd, STDERR_FILENO);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    char *argv[] = {"sh", "-c", (char *)cfg->command, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return lc_error_sys(err, rc, "cannot start /bin/sh");
    s->pid = pid;
    return 0;
}

int lc_sut_start(const struct lc_sut_config *cfg, struct lc_sut **out, struct lc_error *err)
{
    *out = NULL;
    if (!cfg->command || !*cfg->command)
        return lc_error_set(err, LC_EINVAL, "no command to start");
    uint64_t timeout =
        cfg->ready_timeout_ns ? cfg->ready_timeout_ns : LC_SUT_DEFAULT_READY_TIMEOUT_NS;
    uint64_t poll_ns = cfg->poll_ns ? cfg->poll_ns : LC_SUT_DEFAULT_POLL_NS;
    struct ready_target t = {0};
    int rc;
    if (cfg->ready_url && (rc = ready_target_open(cfg->ready_url, &t, err)) != 0) {
        ready_target_close(&t);
        return rc;
    }
    char cmd[CMD_LABEL_CHARS + 8], why[sizeof(err->msg)] = "no attempt yet", st[80];
    label(cfg->command, cmd, sizeof(cmd));
    if (cfg->ready_url) {
        /* Something that answers before the command even started is not the command: a
         * leftover server on the port would pass the check and be mistaken for it. */
        int status;
        struct lc_error e = {0};
        if (get_any(&t, lc_clock_now_ns() + 300 * LC_NS_PER_MS, &status, &e) == 0) {
            ready_target_close(&t);
            return lc_error_set(err, LC_ECONNECT,
                                "%s already answers (status %d) before %s started: another "
                                "process holds that port (stop it, or watch it by its pid)",
                                cfg->ready_url, status, cmd);
        }
    }
    struct lc_sut *s = calloc(1, sizeof(*s));
    if (!s) {
        ready_target_close(&t);
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    }
    s->grace_ns = cfg->grace_ns ? cfg->grace_ns : LC_SUT_DEFAULT_GRACE_NS;
    s->pid = -1;
    s->stderr_fd = open_stderr_file(err);
    if (s->stderr_fd < 0) {
        rc = s->stderr_fd;
        free(s);
        ready_target_close(&t);
        return rc;
    }
    if ((rc = spawn(cfg, s, err)) != 0) {
        close(s->stderr_fd);
        free(s);
        ready_target_close(&t);
        return rc;
    }
    if (!cfg->ready_url) {
        *out = s;
        return 0;
    }

    uint64_t start = lc_clock_now_ns(), deadline = start + timeout;
    for (;;) {
        int code;
        if (cfg->interrupted && *cfg->interrupted) {
            rc = lc_error_set(err, LC_EINTR, "interrupted while waiting for %s to answer %s", cmd,
                              cfg->ready_url);
            goto fail;
        }
        if (lc_sut_exited(s, &code)) {
            describe_status(code, st, sizeof(st));
            rc = lc_error_set(err, LC_ESYS, "%s %s before it answered %s", cmd, st, cfg->ready_url);
            append_tail(s, err);
            goto fail;
        }
        uint64_t now = lc_clock_now_ns();
        uint64_t attempt_end = now + LC_NS_PER_SEC < deadline ? now + LC_NS_PER_SEC : deadline;
        int status = 0;
        struct lc_error e = {0};
        if (now < deadline && get_any(&t, attempt_end, &status, &e) == 0) {
            if (status >= 200 && status <= 299) {
                ready_target_close(&t);
                *out = s;
                return 0;
            }
            snprintf(why, sizeof(why), "status %d", status);
        } else if (now < deadline) {
            snprintf(why, sizeof(why), "%s", e.msg);
        }
        if (lc_clock_now_ns() >= deadline) {
            char d[32];
            lc_format_duration(timeout, d, sizeof(d));
            rc = lc_error_set(err, LC_ECONNECT,
                              "%s did not answer %s with 2xx within %s (last attempt: %s)", cmd,
                              cfg->ready_url, d, why);
            append_tail(s, err);
            goto fail;
        }
        sleep_poll(poll_ns, cfg->interrupted);
    }
fail:
    ready_target_close(&t);
    lc_sut_free(s);
    return rc;
}

bool lc_sut_group_alive(int pgid)
{
    if (pgid <= 0 || kill(-pgid, 0) != 0)
        return false;
    DIR *d = opendir("/proc");
    if (!d)
        return true; /* kill says it exists; no way to look closer */
    bool alive = false;
    struct dirent *e;
    char path[64], buf[1024];
    while (!alive && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%.20s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        struct lc_procfs_pid_stat st;
        if (n > 0 && lc_procfs_parse_pid_stat(buf, (size_t)n, &st) == 0 && st.pgrp == pgid &&
            st.state != 'Z' && st.state != 'X')
            alive = true;
    }
    closedir(d);
    return alive;
}

/* Wait until the shell is reaped and its group has no live member, or the deadline. */
static bool wait_gone(struct lc_sut *s, uint64_t deadline_ns)
{
    for (;;) {
        lc_sut_exited(s, NULL);
        if (s->reaped && !lc_sut_group_alive(s->pid))
            return true;
        if (lc_clock_now_ns() >= deadline_ns)
            return false;
        lc_clock_sleep_ns(10 * LC_NS_PER_MS, NULL);
    }
}

void lc_sut_stop(struct lc_sut *s, int *exit_code)
{
    pid_t pg = s->pid;
    if (pg > 0 && !(s->reaped && !lc_sut_group_alive(pg))) {
        kill(-pg, SIGTERM);
        if (!wait_gone(s, lc_clock_now_ns() + s->grace_ns)) {
            kill(-pg, SIGKILL);
            if (!s->reaped) {
                int st;
                if (waitpid(pg, &st, 0) == pg) {
                    s->reaped = true;
                    s->exit_code = status_code(st);
                }
            }
            wait_gone(s, lc_clock_now_ns() + LC_NS_PER_SEC);
        }
    }
    if (s->reaped && exit_code)
        *exit_code = s->exit_code;
}

void lc_sut_free(struct lc_sut *s)
{
    if (!s)
        return;
    lc_sut_stop(s, NULL);
    if (s->stderr_fd >= 0)
        close(s->stderr_fd);
    free(s);
}
