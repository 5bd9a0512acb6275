/* Host-wide counters: /proc/stat, meminfo, loadavg, net/dev and net/snmp. */
#include "monitor/hoststat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

#define HOSTSTAT_BUF_MAX (4u << 20)

/*
 * Read all of dirfd/path into h->buf (grown up to HOSTSTAT_BUF_MAX; a longer
 * file is cut there). Returns the length, -1 when the file cannot be read,
 * or -2 on ENOMEM.
 */
static ssize_t read_whole(int dirfd, const char *path, struct lc_hoststat *h)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    size_t used = 0;
    for (;;) {
        if (used + 1 >= h->buf_cap) {
            if (h->buf_cap >= HOSTSTAT_BUF_MAX)
                break;
            size_t cap = h->buf_cap ? h->buf_cap * 2 : 16384;
            char *p = realloc(h->buf, cap);
            if (!p) {
                close(fd);
                return -2;
            }
            h->buf = p;
            h->buf_cap = cap;
        }
        ssize_t got = read(fd, h->buf + used, h->buf_cap - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            close(fd);
            return -1;
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    h->buf[used] = '\0';
    return (ssize_t)used;
}

/* Grow an array to hold at least n entries of `size` bytes. 0 or LC_ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    void *p = realloc(*arr, n * size);
    if (!p)
        return LC_ENOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

static int read_cpu(int dirfd, struct lc_hoststat *h)
{
    ssize_t len = read_whole(dirfd, "stat", h);
    if (len == -2)
        return LC_ENOMEM;
    if (len < 0)
        return 0;
    if (h->cpus_cap == 0) {
        long conf = sysconf(_SC_NPROCESSORS_CONF);
        if (grow((void **)&h->cpus, &h->cpus_cap, conf > 0 ? (size_t)conf : 8, sizeof(*h->cpus)))
            return LC_ENOMEM;
    }
    for (;;) {
        bool more;
        if (lc_procfs_parse_stat(h->buf, (size_t)len, &h->cpu_all, h->cpus, h->cpus_cap, &h->n_cpus,
                                 &more) != 0)
            return 0;
        if (!more) {
            h->has_cpu = true;
            return 0;
        }
        if (grow((void **)&h->cpus, &h->cpus_cap, h->cpus_cap * 2, sizeof(*h->cpus)))
            return LC_ENOMEM;
    }
}

int lc_hoststat_read(int proc_dirfd, struct lc_hoststat *h, struct lc_error *err)
{
    h->t_ns = lc_clock_now_ns();
    h->has_cpu = h->has_mem = h->has_load = h->has_net = h->has_tcp = false;
    h->n_cpus = h->n_ifs = 0;
    if (read_cpu(proc_dirfd, h) != 0)
        goto nomem;

    ssize_t len = read_whole(proc_dirfd, "meminfo", h);
    if (len == -2)
        goto nomem;
    if (len >= 0)
        h->has_mem = lc_procfs_parse_meminfo(h->buf, (size_t)len, &h->mem) == 0;

    len = read_whole(proc_dirfd, "loadavg", h);
    if (len == -2)
        goto nomem;
    if (len >= 0)
        h->has_load = lc_procfs_parse_loadavg(h->buf, (size_t)len, h->load) == 0;

    len = read_whole(proc_dirfd, "net/dev", h);
    if (len == -2)
        goto nomem;
    if (len >= 0) {
        if (grow((void **)&h->ifs, &h->ifs_cap, LC_HOSTSTAT_MAX_IFS, sizeof(*h->ifs)))
            goto nomem;
        bool more;
        h->has_net = lc_procfs_parse_net_dev(h->buf, (size_t)len, h->ifs, LC_HOSTSTAT_MAX_IFS,
                                             &h->n_ifs, &more) == 0;
    }

    len = read_whole(proc_dirfd, "net/snmp", h);
    if (len == -2)
        goto nomem;
    if (len >= 0)
        h->has_tcp = lc_procfs_parse_snmp_retrans(h->buf, (size_t)len, &h->tcp_retrans_segs) == 0;
    return 0;
nomem:
    return lc_error_set(err, LC_ENOMEM, "out of memory reading host counters");
}

void lc_hoststat_free(struct lc_hoststat *h)
{
    free(h->cpus);
    free(h->ifs);
    free(h->buf);
    memset(h, 0, sizeof(*h));
}

bool lc_hoststat_cpu_percent(const struct lc_procfs_cpu *prev, const struct lc_procfs_cpu *cur,
                             double *percent)
{
    if (cur->total <= prev->total || cur->busy < prev->busy || cur->idle < prev->idle)
        return false;
    double busy = (double)(cur->busy - prev->busy);
    double total = (double)(cur->total - prev->total);
    *percent = busy / total * 100.0;
    return true;
}

const struct lc_procfs_netdev *lc_hoststat_find_if(const struct lc_hoststat *h, const char *name)
{
    for (size_t i = 0; i < h->n_ifs; i++)
        if (strcmp(h->ifs[i].name, name) == 0)
            return &h->ifs[i];
    return NULL;
}

const struct lc_procfs_cpu *lc_hoststat_find_cpu(const struct lc_hoststat *h, int index)
{
    for (size_t i = 0; i < h->n_cpus; i++)
        if (h->cpus[i].index == index)
            return &h->cpus[i];
    return NULL;
}
