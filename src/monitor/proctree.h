/* A process and all its descendants, read from /proc, and the rates between two readings. */
#ifndef LC_MONITOR_PROCTREE_H
#define LC_MONITOR_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "monitor/procfs.h"

/* At most this many /proc/PID/task/TID/status reads per scan (context switches of threads). */
#define LC_PROCTREE_MAX_TASK_READS 16384

/* One member of the tree at one reading. */
struct lc_proc {
    int pid;
    int ppid;
    char state;    /* as in /proc/PID/stat; 'Z' for a zombie */
    char comm[64]; /* the command name (stat's comm) */
    uint64_t utime_ticks;
    uint64_t stime_ticks;
    uint64_t cutime_ticks; /* CPU of children this process waited for */
    uint64_t cstime_ticks;
    uint64_t starttime_ticks; /* with pid, identifies the process across readings (pid reuse) */
    uint64_t threads;
    uint64_t rss_bytes; /* VmRSS, or stat's rss pages x page size */
    bool has_io;        /* /proc/PID/io was readable (often not for other users' processes) */
    uint64_t read_bytes;
    uint64_t write_bytes;
    bool has_ctx;          /* context switches were readable */
    uint64_t ctx_switches; /* voluntary + involuntary, summed over the process's live threads */
    int64_t fds;           /* entries of /proc/PID/fd; -1 when unreadable */
};

/*
 * One reading of the tree rooted at root_pid. Reuse one struct for many scans
 * (its arrays are kept and grown); zero it before the first scan and free it
 * with lc_proctree_free. Memory: O(processes on the host) for the pid list
 * plus O(members).
 */
struct lc_proctree {
    int root_pid;
    uint64_t t_ns;         /* CLOCK_MONOTONIC when the scan began */
    uint64_t boot_ticks;   /* CLOCK_BOOTTIME in clock ticks when the scan began */
    bool root_alive;       /* the root exists and is not a zombie */
    struct lc_proc *procs; /* the members, root included, sorted by pid */
    size_t n;
    size_t cap;
    /* Every process seen on the host (stat only), sorted by pid. */
    struct lc_procfs_pid_stat *all;
    size_t n_all;
    size_t all_cap;
};

/*
 * Mark the tree of `root`: member[i] becomes true for procs[i] == root and
 * every process whose parent chain (ppid) reaches root, false for the rest.
 * procs[i].pid and .ppid are the only fields read. Returns the number of
 * members (0 when root is not among them), or LC_ENOMEM. O(n log n); safe
 * on cycles and duplicate pids.
 */
long lc_proctree_mark(const struct lc_procfs_pid_stat *procs, size_t n, int root, bool *member);

/*
 * Scan the tree of root_pid from the /proc directory open at proc_dirfd (a
 * fake tree in tests): every numeric entry's stat gives the parent links;
 * each member is then read in detail (status, io, fd, and task/ status
 * files when it has several threads). Processes that vanish during the scan
 * are skipped; unreadable io or fd entries are recorded as absent, never as
 * errors. clk_tck and page_size: sysconf(_SC_CLK_TCK) and page size (0:
 * this machine's). Returns 0 (root_alive false when the root is gone), or
 * LC_ESYS when proc_dirfd cannot be listed, LC_ENOMEM.
 */
int lc_proctree_scan(int proc_dirfd, int root_pid, long clk_tck, long page_size,
                     struct lc_proctree *t, struct lc_error *err) LC_WARN_UNUSED;

/* Free t's arrays and zero it. */
void lc_proctree_free(struct lc_proctree *t);

/* The member with this pid, or NULL (binary search). */
const struct lc_proc *lc_proctree_find(const struct lc_proctree *t, int pid);

/* Levels of one reading and rates over the interval since the previous one. */
struct lc_proctree_sample {
    uint32_t processes;
    uint64_t rss_bytes; /* sum over the members */
    uint64_t threads;   /* sum over the members */
    bool has_fds;       /* at least one member's fd directory was readable */
    uint64_t fds;       /* sum over the members whose fd directory was readable */
    bool has_rates;     /* the rates below are set (a previous reading with the root alive) */
    double cpu_percent; /* user + system, in % of one core (2 busy cores: 200) */
    double cpu_user_percent;
    double cpu_sys_percent;
    bool has_io; /* at least one member's io was readable at both readings */
    double read_bytes_per_s;
    double write_bytes_per_s;
    bool has_ctx;
    double ctx_switches_per_s;
};

/*
 * Derive the levels of cur and the rates from prev to cur (prev may be NULL:
 * levels only). A process is the same across readings when pid and start
 * time match. CPU and I/O are counted so that a member that exits between
 * readings is neither lost nor counted twice, as far as the kernel's
 * counters allow: a member's time since the previous reading counts; a
 * member born since then counts in full (with what its own reaped children
 * used); when a member reaps a child, the growth of its cutime/cstime (and
 * of its io, which includes reaped children) counts minus what that child
 * (and its own vanished descendants) had already been counted for. A
 * process that left the tree but still runs (reparented) stops counting.
 * Negative deltas are clamped at 0. clk_tck: 0 for this machine's.
 */
void lc_proctree_derive(const struct lc_proctree *prev, const struct lc_proctree *cur, long clk_tck,
                        struct lc_proctree_sample *out);

#endif
