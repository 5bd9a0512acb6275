/* Scan a process tree from /proc (parent links from every stat file) and derive its rates. */
#include "monitor/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "core/clock.h"

/* ---- The tree from parent links -------------------------------------------------------- */

struct by_ppid {
    int ppid;
    size_t idx;
};

static int cmp_by_ppid(const void *a, const void *b)
{
    const struct by_ppid *x = a, *y = b;
    if (x->ppid != y->ppid)
        return x->ppid < y->ppid ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

long lc_proctree_mark(const struct lc_procfs_pid_stat *procs, size_t n, int root, bool *member)
{
    for (size_t i = 0; i < n; i++)
        member[i] = false;
    if (n == 0 || root <= 0)
        return 0;
    struct by_ppid *kids = malloc(n * sizeof(*kids));
    size_t *queue = malloc(n * sizeof(*queue));
    if (!kids || !queue) {
        free(kids);
        free(queue);
        return LC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        kids[i] = (struct by_ppid){procs[i].ppid, i};
    qsort(kids, n, sizeof(*kids), cmp_by_ppid);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++)
        if (procs[i].pid == root && !member[i]) {
            member[i] = true;
            queue[tail++] = i;
            break; /* a duplicate pid (a scan race) is ignored */
        }
    while (head < tail) {
        int parent = procs[queue[head++]].pid;
        /* The first entry with ppid == parent, by binary search. */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (kids[mid].ppid < parent)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < n && kids[k].ppid == parent; k++) {
            size_t c = kids[k].idx;
            if (!member[c] && procs[c].pid != parent) {
                member[c] = true;
                queue[tail++] = c;
            }
        }
    }
    free(kids);
    free(queue);
    return (long)tail;
}

/* ---- Reading /proc ------------------------------------------------------------------------- */

/*
 * Read up to cap - 1 bytes of dirfd/path into buf (NUL-terminated). Returns
 * the length or -1. The per-process files read here (stat, status, io) are
 * generated whole by one call of the kernel's show function, so a read that
 * returns less than asked is the end: no second read for the EOF (this halves
 * the read calls of a scan).
 */
static ssize_t read_at(int dirfd, const char *path, char *buf, size_t cap)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    size_t used = 0;
    while (used < cap - 1) {
        size_t want = cap - 1 - used;
        ssize_t got = read(fd, buf + used, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            close(fd);
            return -1;
        }
        used += (size_t)got;
        if ((size_t)got < want)
            break;
    }
    close(fd);
    buf[used] = '\0';
    return (ssize_t)used;
}

/* A numeric directory entry name as a pid; 0 when it is not one. */
static int name_pid(const char *s)
{
    long v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000)
            return 0;
        v = v * 10 + (*s - '0');
    }
    return v > 0 && v <= INT32_MAX ? (int)v : 0;
}

static int cmp_stat_pid(const void *a, const void *b)
{
    const struct lc_procfs_pid_stat *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_proc_pid(const void *a, const void *b)
{
    const struct lc_proc *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Count the entries of dirfd/path other than . and ..; -1 when it cannot be listed. */
static int64_t count_entries(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/*
 * Sum the context switches of every thread of pid (task/TID/status), at
 * most *budget reads (decremented). Returns 0, or -1 when the task
 * directory cannot be listed or the budget ran out (then the caller falls
 * back to the main thread's counts).
 */
static int sum_task_ctx(int dirfd, int pid, size_t *budget, uint64_t *out)
{
    char path[64];
    snprintf(path, sizeof(path), "%d/task", pid);
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    uint64_t sum = 0;
    int rc = 0;
    size_t seen = 0;
    struct dirent *e;
    char buf[8192];
    while ((e = readdir(d)) != NULL) {
        int tid = name_pid(e->d_name);
        if (!tid)
            continue;
        if (*budget == 0) {
            rc = -1;
            break;
        }
        (*budget)--;
        snprintf(path, sizeof(path), "%d/task/%d/status", pid, tid);
        ssize_t len = read_at(dirfd, path, buf, sizeof(buf));
        struct lc_procfs_pid_status st;
        if (len < 0 || lc_procfs_parse_pid_status(buf, (size_t)len, &st) != 0 || !st.has_ctx)
            continue; /* the thread ended meanwhile */
        sum += st.ctx_voluntary + st.ctx_nonvoluntary;
        seen++;
    }
    closedir(d);
    if (rc == 0 && seen == 0)
        rc = -1;
    if (rc == 0)
        *out = sum;
    return rc;
}

/* Fill p from the detailed files of a member whose stat is s. */
static void read_member(int dirfd, bool procfs, const struct lc_procfs_pid_stat *s, long page_size,
                        size_t *task_budget, struct lc_proc *p)
{
    memset(p, 0, sizeof(*p));
    p->pid = s->pid;
    p->ppid = s->ppid;
    p->state = s->state;
    memcpy(p->comm, s->comm, sizeof(p->comm));
    p->utime_ticks = s->utime_ticks;
    p->stime_ticks = s->stime_ticks;
    p->cutime_ticks = s->cutime_ticks;
    p->cstime_ticks = s->cstime_ticks;
    p->starttime_ticks = s->starttime_ticks;
    p->threads = s->threads;
    p->rss_bytes = s->rss_pages * (uint64_t)page_size;

    char path[64];
    char buf[8192];
    snprintf(path, sizeof(path), "%d/status", s->pid);
    ssize_t len = read_at(dirfd, path, buf, sizeof(buf));
    struct lc_procfs_pid_status st;
    if (len >= 0 && lc_procfs_parse_pid_status(buf, (size_t)len, &st) == 0) {
        if (st.has_rss)
            p->rss_bytes = st.rss_bytes;
        if (st.has_ctx) {
            p->has_ctx = true;
            p->ctx_switches = st.ctx_voluntary + st.ctx_nonvoluntary;
        }
    }
    if (p->threads > 1 && p->state != 'Z') {
        uint64_t sum;
        if (sum_task_ctx(dirfd, s->pid, task_budget, &sum) == 0) {
            p->has_ctx = true;
            p->ctx_switches = sum;
        }
    }
    snprintf(path, sizeof(path), "%d/io", s->pid);
    len = read_at(dirfd, path, buf, sizeof(buf));
    struct lc_procfs_pid_io io;
    if (len >= 0 && lc_procfs_parse_pid_io(buf, (size_t)len, &io) == 0) {
        p->has_io = true;
        p->read_bytes = io.read_bytes;
        p->write_bytes = io.write_bytes;
    }
    snprintf(path, sizeof(path), "%d/fd", s->pid);
    /* Since Linux 6.2 the size of a /proc/PID/fd directory is its number of open fds: one
     * fstatat instead of listing it. Older kernels say 0 there; a fake tree is not procfs. */
    struct stat fdst;
    if (procfs && fstatat(dirfd, path, &fdst, 0) == 0 && fdst.st_size > 0)
        p->fds = (int64_t)fdst.st_size;
    else
        p->fds = count_entries(dirfd, path);
}

/* Make room for n entries of size `size` in *arr (capacity *cap). 0 or LC_ENOMEM. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < n)
        c *= 2;
    void *p = realloc(*arr, c * size);
    if (!p)
        return LC_ENOMEM;
    *arr = p;
    *cap = c;
    return 0;
}

static uint64_t boot_ticks_now(long clk_tck)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * (uint64_t)clk_tck +
           (uint64_t)ts.tv_nsec * (uint64_t)clk_tck / LC_NS_PER_SEC;
}

int lc_proctree_scan(int proc_dirfd, int root_pid, long clk_tck, long page_size,
                     struct lc_proctree *t, struct lc_error *err)
{
    if (clk_tck <= 0)
        clk_tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    if (page_size <= 0)
        page_size = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    t->root_pid = root_pid;
    t->t_ns = lc_clock_now_ns();
    t->boot_ticks = boot_ticks_now(clk_tck);
    t->root_alive = false;
    t->n = 0;
    t->n_all = 0;

    int fd = openat(proc_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return lc_error_sys(err, e, "cannot list /proc");
    }
    char buf[2048];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = name_pid(e->d_name);
        if (!pid)
            continue;
        char path[32];
        snprintf(path, sizeof(path), "%d/stat", pid);
        ssize_t len = read_at(proc_dirfd, path, buf, sizeof(buf));
        struct lc_procfs_pid_stat st;
        if (len <= 0 || lc_procfs_parse_pid_stat(buf, (size_t)len, &st) != 0)
            continue; /* gone meanwhile */
        if (reserve((void **)&t->all, &t->all_cap, t->n_all + 1, sizeof(*t->all)) != 0) {
            closedir(d);
            return lc_error_set(err, LC_ENOMEM, "out of memory listing processes");
        }
        t->all[t->n_all++] = st;
    }
    closedir(d);
    qsort(t->all, t->n_all, sizeof(*t->all), cmp_stat_pid);

    bool *member = malloc((t->n_all ? t->n_all : 1) * sizeof(*member));
    if (!member)
        return lc_error_set(err, LC_ENOMEM, "out of memory building the process tree");
    long nm = lc_proctree_mark(t->all, t->n_all, root_pid, member);
    if (nm < 0 ||
        reserve((void **)&t->procs, &t->cap, (size_t)(nm > 0 ? nm : 1), sizeof(*t->procs)) != 0) {
        free(member);
        return lc_error_set(err, LC_ENOMEM, "out of memory building the process tree");
    }
    size_t budget = LC_PROCTREE_MAX_TASK_READS;
    struct statfs sfs;
    bool procfs = fstatfs(proc_dirfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
    for (size_t i = 0; i < t->n_all; i++) {
        if (!member[i])
            continue;
        const struct lc_procfs_pid_stat *s = &t->all[i];
        if (s->pid == root_pid)
            t->root_alive = s->state != 'Z' && s->state != 'X';
        read_member(proc_dirfd, procfs, s, page_size, &budget, &t->procs[t->n++]);
    }
    free(member);
    if (!t->root_alive)
        t->n = 0;
    qsort(t->procs, t->n, sizeof(*t->procs), cmp_proc_pid);
    return 0;
}

void lc_proctree_free(struct lc_proctree *t)
{
    free(t->procs);
    free(t->all);
    memset(t, 0, sizeof(*t));
}

const struct lc_proc *lc_proctree_find(const struct lc_proctree *t, int pid)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->procs[mid].pid < pid)
            lo = mid + 1;
        else if (t->procs[mid].pid > pid)
            hi = mid;
        else
            return &t->procs[mid];
    }
    return NULL;
}

/* ---- Rates ------------------------------------------------------------------------------- */

/* The same process (pid and start time) in t, or NULL. */
static const struct lc_proc *same_proc(const struct lc_proctree *t, const struct lc_proc *p)
{
    const struct lc_proc *q = lc_proctree_find(t, p->pid);
    return q && q->starttime_ticks == p->starttime_ticks ? q : NULL;
}

/* Is the process still running anywhere on the host (in t's full pid list)? */
static bool alive_anywhere(const struct lc_proctree *t, const struct lc_proc *p)
{
    size_t lo = 0, hi = t->n_all;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->all[mid].pid < p->pid)
            lo = mid + 1;
        else if (t->all[mid].pid > p->pid)
            hi = mid;
        else
            return t->all[mid].starttime_ticks == p->starttime_ticks;
    }
    return false;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* What the members that vanished had been counted for, charged to the nearest ancestor that is
 * still a member (it reaped them, directly or through a vanished parent). */
struct reaped {
    uint64_t user, sys, io_read, io_write;
};

void lc_proctree_derive(const struct lc_proctree *prev, const struct lc_proctree *cur, long clk_tck,
                        struct lc_proctree_sample *out)
{
    if (clk_tck <= 0)
        clk_tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    memset(out, 0, sizeof(*out));
    if (!cur->root_alive)
        return;
    out->processes = (uint32_t)cur->n;
    for (size_t i = 0; i < cur->n; i++) {
        const struct lc_proc *p = &cur->procs[i];
        out->rss_bytes += p->rss_bytes;
        out->threads += p->threads;
        if (p->fds >= 0) {
            out->has_fds = true;
            out->fds += (uint64_t)p->fds;
        }
    }
    if (!prev || !prev->root_alive || cur->t_ns <= prev->t_ns)
        return;

    /* Charge every vanished member of prev to its nearest surviving ancestor. */
    struct reaped *charge = calloc(cur->n ? cur->n : 1, sizeof(*charge));
    if (charge) {
        for (size_t i = 0; i < prev->n; i++) {
            const struct lc_proc *q = &prev->procs[i];
            if (same_proc(cur, q) || alive_anywhere(cur, q))
                continue;
            const struct lc_proc *a = q;
            const struct lc_proc *heir = NULL;
            for (size_t hops = 0; hops < prev->n; hops++) {
                const struct lc_proc *up = lc_proctree_find(prev, a->ppid);
                if (!up || up == a)
                    break;
                heir = same_proc(cur, up);
                if (heir)
                    break;
                a = up;
            }
            if (!heir)
                continue;
            struct reaped *c = &charge[heir - cur->procs];
            c->user += q->utime_ticks + q->cutime_ticks;
            c->sys += q->stime_ticks + q->cstime_ticks;
            if (q->has_io) {
                c->io_read += q->read_bytes;
                c->io_write += q->write_bytes;
            }
        }
    }

    uint64_t user = 0, sys = 0, rd = 0, wr = 0, ctx = 0;
    bool has_io = false, has_ctx = false;
    for (size_t i = 0; i < cur->n; i++) {
        const struct lc_proc *p = &cur->procs[i];
        const struct lc_proc *o = same_proc(prev, p);
        const struct reaped *c = charge ? &charge[i] : &(struct reaped){0};
        if (o) {
            user += sub0(p->utime_ticks, o->utime_ticks) +
                    sub0(sub0(p->cutime_ticks, o->cutime_ticks), c->user);
            sys += sub0(p->stime_ticks, o->stime_ticks) +
                   sub0(sub0(p->cstime_ticks, o->cstime_ticks), c->sys);
            if (p->has_io && o->has_io) {
                has_io = true;
                rd += sub0(sub0(p->read_bytes, o->read_bytes), c->io_read);
                wr += sub0(sub0(p->write_bytes, o->write_bytes), c->io_write);
            }
            if (p->has_ctx && o->has_ctx) {
                has_ctx = true;
                ctx += sub0(p->ctx_switches, o->ctx_switches);
            }
        } else if (p->starttime_ticks >= prev->boot_ticks) {
            /* Born since the previous reading: everything it has is new. */
            user += p->utime_ticks + p->cutime_ticks;
            sys += p->stime_ticks + p->cstime_ticks;
            if (p->has_io) {
                has_io = true;
                rd += p->read_bytes;
                wr += p->write_bytes;
            }
            if (p->has_ctx) {
                has_ctx = true;
                ctx += p->ctx_switches;
            }
        }
        /* Else it existed before but was not seen (a scan race): it counts from now on. */
    }
    free(charge);
    double dt = (double)(cur->t_ns - prev->t_ns) / 1e9;
    double per_tick = 100.0 / (double)clk_tck / dt;
    out->has_rates = true;
    out->cpu_user_percent = (double)user * per_tick;
    out->cpu_sys_percent = (double)sys * per_tick;
    out->cpu_percent = out->cpu_user_percent + out->cpu_sys_percent;
    out->has_io = has_io;
    out->read_bytes_per_s = has_io ? (double)rd / dt : 0;
    out->write_bytes_per_s = has_io ? (double)wr / dt : 0;
    out->has_ctx = has_ctx;
    out->ctx_switches_per_s = has_ctx ? (double)ctx / dt : 0;
}
