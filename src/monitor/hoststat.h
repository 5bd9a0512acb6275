/* Host-wide counters from /proc: CPU time, memory, load, network interfaces, TCP retransmits. */
#ifndef LC_MONITOR_HOSTSTAT_H
#define LC_MONITOR_HOSTSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "monitor/procfs.h"

/* Interfaces beyond this many are left out (a host with hundreds of veths). */
#define LC_HOSTSTAT_MAX_IFS 64

/*
 * One reading. Reuse one struct for many readings (arrays and the read
 * buffer are kept); zero it before the first and free it with
 * lc_hoststat_free. A part whose file is missing or unreadable has its has_*
 * false; that is not an error.
 */
struct lc_hoststat {
    uint64_t t_ns; /* CLOCK_MONOTONIC of the reading */
    bool has_cpu;
    struct lc_procfs_cpu cpu_all;
    struct lc_procfs_cpu *cpus; /* per CPU, in /proc/stat order */
    size_t n_cpus;
    size_t cpus_cap;
    bool has_mem;
    struct lc_procfs_meminfo mem;
    bool has_load;
    double load[3];
    bool has_net;
    struct lc_procfs_netdev *ifs;
    size_t n_ifs;
    size_t ifs_cap;
    bool has_tcp;
    uint64_t tcp_retrans_segs;
    char *buf; /* read buffer, grown as needed (to 4 MB at most) */
    size_t buf_cap;
};

/*
 * Read stat, meminfo, loadavg, net/dev and net/snmp under the /proc
 * directory open at proc_dirfd. Returns 0, or LC_ENOMEM.
 */
int lc_hoststat_read(int proc_dirfd, struct lc_hoststat *h, struct lc_error *err) LC_WARN_UNUSED;

/* Free h's arrays and buffer and zero it. */
void lc_hoststat_free(struct lc_hoststat *h);

/*
 * Busy share of the CPU time that passed between two readings of one CPU
 * line, in % (0..100). Returns false when no time passed (or the counters
 * went backwards: a CPU went offline and back).
 */
bool lc_hoststat_cpu_percent(const struct lc_procfs_cpu *prev, const struct lc_procfs_cpu *cur,
                             double *percent);

/* The interface with this name in h, or NULL. */
const struct lc_procfs_netdev *lc_hoststat_find_if(const struct lc_hoststat *h, const char *name);

/* The CPU line with this index in h, or NULL. */
const struct lc_procfs_cpu *lc_hoststat_find_cpu(const struct lc_hoststat *h, int index);

#endif
