/* Unit tests for monitor/procfs: /proc files from fixture strings, and every truncation of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "monitor/procfs.h"

/* A copy of text[0..len) in a buffer of exactly len bytes, so ASan catches any read past it. */
static char *exact(const char *text, size_t len)
{
    char *p = malloc(len ? len : 1);
    assert_non_null(p);
    memcpy(p, text, len);
    return p;
}

static const char STAT_LINE[] =
    "27542 (cat) R 27539 27539 8082 0 -1 4194304 100 0 0 0 7 3 2 1 20 0 1 0 492926 3133440 383 "
    "18446744073709551615 94071839367168 94071839387049 140720804625728 0 0 0 0 0 0 0 0 0 17 1 0 "
    "0 0 0 0\n";

static void test_pid_stat(void **state)
{
    (void)state;
    struct lc_procfs_pid_stat s;
    char *t = exact(STAT_LINE, strlen(STAT_LINE));
    assert_int_equal(lc_procfs_parse_pid_stat(t, strlen(STAT_LINE), &s), 0);
    free(t);
    assert_int_equal(s.pid, 27542);
    assert_string_equal(s.comm, "cat");
    assert_int_equal(s.state, 'R');
    assert_int_equal(s.ppid, 27539);
    assert_int_equal(s.pgrp, 27539);
    assert_int_equal(s.utime_ticks, 7);
    assert_int_equal(s.stime_ticks, 3);
    assert_int_equal(s.cutime_ticks, 2);
    assert_int_equal(s.cstime_ticks, 1);
    assert_int_equal(s.threads, 1);
    assert_int_equal(s.starttime_ticks, 492926);
    assert_int_equal(s.rss_pages, 383);
}

static void test_pid_stat_odd_comm(void **state)
{
    (void)state;
    /* A name with spaces and parentheses, a negative priority (real-time) and tpgid -1. */
    const char *line = "4242 (my (odd) name) x) S 1 4242 4242 0 -1 4194560 5 0 0 0 "
                       "11 22 -3 44 -100 0 7 0 999 100 250 18446744073709551615";
    struct lc_procfs_pid_stat s;
    assert_int_equal(lc_procfs_parse_pid_stat(line, strlen(line), &s), 0);
    assert_string_equal(s.comm, "my (odd) name) x");
    assert_int_equal(s.state, 'S');
    assert_int_equal(s.ppid, 1);
    assert_int_equal(s.pgrp, 4242);
    assert_int_equal(s.utime_ticks, 11);
    assert_int_equal(s.stime_ticks, 22);
    assert_int_equal(s.cutime_ticks, 0); /* negative reads as 0 */
    assert_int_equal(s.cstime_ticks, 44);
    assert_int_equal(s.threads, 7);
    assert_int_equal(s.starttime_ticks, 999);
    assert_int_equal(s.rss_pages, 250);
    /* A very long name is cut to fit. */
    char buf[512];
    snprintf(buf, sizeof(buf), "5 (%0200d) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 6 7", 0);
    assert_int_equal(lc_procfs_parse_pid_stat(buf, strlen(buf), &s), 0);
    assert_int_equal(strlen(s.comm), sizeof(s.comm) - 1);
    assert_int_equal(s.rss_pages, 7);
}

static void test_pid_stat_malformed(void **state)
{
    (void)state;
    struct lc_procfs_pid_stat s;
    const char *bad[] = {
        "",
        "abc (x) S 1",
        "12 x) S 1 2 3",
        "12 (x S 1 2 3",
        "12 (x) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 6",  /* field 24 missing */
        "0 (x) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 6 7", /* pid 0 */
        "12 (x) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 6 x",
        "12 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 2 3 4 20 0 1 0 5 6 7",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(lc_procfs_parse_pid_stat(bad[i], strlen(bad[i]), &s), LC_EINVAL);
    /* Every truncation of a good line either parses to the same fields or fails, and no parse
     * reads past the end (the buffer is exact: ASan would stop the test). The line is complete
     * from the rss field on: a prefix that cuts "383" parses with a smaller rss. */
    size_t full = strlen(STAT_LINE);
    size_t ok = 0;
    for (size_t len = 0; len <= full; len++) {
        char *t = exact(STAT_LINE, len);
        if (lc_procfs_parse_pid_stat(t, len, &s) == 0) {
            ok++;
            assert_int_equal(s.pid, 27542);
            assert_int_equal(s.starttime_ticks, 492926);
        }
        free(t);
    }
    assert_true(ok > 0 && ok < full);
}

static const char STATUS_TEXT[] = "Name:\tpython3\n"
                                  "Umask:\t0022\n"
                                  "State:\tS (sleeping)\n"
                                  "Pid:\t1234\n"
                                  "VmPeak:\t   30000 kB\n"
                                  "VmHWM:\t   20480 kB\n"
                                  "VmRSS:\t   10240 kB\n"
                                  "Threads:\t4\n"
                                  "voluntary_ctxt_switches:\t150\n"
                                  "nonvoluntary_ctxt_switches:\t7\n";

static void test_pid_status(void **state)
{
    (void)state;
    struct lc_procfs_pid_status s;
    char *t = exact(STATUS_TEXT, strlen(STATUS_TEXT));
    assert_int_equal(lc_procfs_parse_pid_status(t, strlen(STATUS_TEXT), &s), 0);
    free(t);
    assert_true(s.has_rss);
    assert_int_equal(s.rss_bytes, 10240ULL * 1024);
    assert_true(s.has_hwm);
    assert_int_equal(s.hwm_bytes, 20480ULL * 1024);
    assert_true(s.has_threads);
    assert_int_equal(s.threads, 4);
    assert_true(s.has_ctx);
    assert_int_equal(s.ctx_voluntary, 150);
    assert_int_equal(s.ctx_nonvoluntary, 7);

    /* A kernel thread or zombie: no Vm lines; only one ctx line: no ctx. */
    const char *z = "Name:\tkworker\nThreads:\t1\nvoluntary_ctxt_switches:\t3\n";
    assert_int_equal(lc_procfs_parse_pid_status(z, strlen(z), &s), 0);
    assert_false(s.has_rss);
    assert_false(s.has_hwm);
    assert_false(s.has_ctx);
    assert_true(s.has_threads);
    /* "VmRSSx:" is not VmRSS; every truncation is safe. */
    const char *y = "VmRSSx:\t5 kB\n";
    assert_int_equal(lc_procfs_parse_pid_status(y, strlen(y), &s), 0);
    assert_false(s.has_rss);
    for (size_t len = 0; len <= strlen(STATUS_TEXT); len++) {
        char *tt = exact(STATUS_TEXT, len);
        assert_int_equal(lc_procfs_parse_pid_status(tt, len, &s), 0);
        free(tt);
    }
}

static void test_pid_io(void **state)
{
    (void)state;
    const char *text = "rchar: 6976\nwchar: 12\nsyscr: 10\nsyscw: 0\nread_bytes: 4096\n"
                       "write_bytes: 8192\ncancelled_write_bytes: 0\n";
    struct lc_procfs_pid_io io;
    char *t = exact(text, strlen(text));
    assert_int_equal(lc_procfs_parse_pid_io(t, strlen(text), &io), 0);
    free(t);
    assert_int_equal(io.rchar, 6976);
    assert_int_equal(io.wchar, 12);
    assert_int_equal(io.read_bytes, 4096);
    assert_int_equal(io.write_bytes, 8192);
    const char *missing = "rchar: 1\nwchar: 2\nread_bytes: 3\n";
    assert_int_equal(lc_procfs_parse_pid_io(missing, strlen(missing), &io), LC_EINVAL);
    assert_int_equal(lc_procfs_parse_pid_io("", 0, &io), LC_EINVAL);
}

static const char PROC_STAT[] = "cpu  427138 10 117650 384243 972 5 43408 127 0 0\n"
                                "cpu0 210530 4 57508 196391 209 2 22806 58 0 0\n"
                                "cpu2 216607 6 60141 187852 763 3 20602 68 0 0\n"
                                "intr 123 0 0 0\n"
                                "ctxt 999\n"
                                "btime 1700000000\n";

static void test_stat(void **state)
{
    (void)state;
    struct lc_procfs_cpu all, cpus[4];
    size_t n;
    bool more;
    char *t = exact(PROC_STAT, strlen(PROC_STAT));
    assert_int_equal(lc_procfs_parse_stat(t, strlen(PROC_STAT), &all, cpus, 4, &n, &more), 0);
    assert_int_equal(all.index, -1);
    /* busy = user + nice + system + irq + softirq + steal; idle = idle + iowait. */
    assert_int_equal(all.busy, 427138 + 10 + 117650 + 5 + 43408 + 127);
    assert_int_equal(all.idle, 384243 + 972);
    assert_int_equal(all.total, all.busy + all.idle);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(cpus[0].index, 0);
    assert_int_equal(cpus[1].index, 2); /* cpu1 offline: no line */
    assert_int_equal(cpus[1].idle, 187852 + 763);
    /* Too little room: told so. */
    assert_int_equal(lc_procfs_parse_stat(t, strlen(PROC_STAT), &all, cpus, 1, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_true(more);
    free(t);
    /* An old kernel with only 4 fields; no aggregate line is an error. */
    const char *old = "cpu 10 0 5 100\ncpu0 10 0 5 100\n";
    assert_int_equal(lc_procfs_parse_stat(old, strlen(old), &all, cpus, 4, &n, &more), 0);
    assert_int_equal(all.busy, 15);
    assert_int_equal(all.idle, 100);
    const char *none = "cpu0 10 0 5 100\n";
    assert_int_equal(lc_procfs_parse_stat(none, strlen(none), &all, cpus, 4, &n, &more), LC_EINVAL);
    const char *bad = "cpu 10 0 x 100\n";
    assert_int_equal(lc_procfs_parse_stat(bad, strlen(bad), &all, cpus, 4, &n, &more), LC_EINVAL);
    for (size_t len = 0; len <= strlen(PROC_STAT); len++) {
        char *tt = exact(PROC_STAT, len);
        int rc = lc_procfs_parse_stat(tt, len, &all, cpus, 4, &n, &more);
        assert_true(rc == 0 || rc == LC_EINVAL);
        free(tt);
    }
}

static void test_meminfo(void **state)
{
    (void)state;
    const char *text = "MemTotal:       24684100 kB\nMemFree:        21631452 kB\n"
                       "MemAvailable:   22992748 kB\nBuffers:           14780 kB\n"
                       "Cached:          1448376 kB\n";
    struct lc_procfs_meminfo m;
    char *t = exact(text, strlen(text));
    assert_int_equal(lc_procfs_parse_meminfo(t, strlen(text), &m), 0);
    free(t);
    assert_int_equal(m.total_bytes, 24684100ULL * 1024);
    assert_int_equal(m.available_bytes, 22992748ULL * 1024);
    assert_int_equal(m.free_bytes, 21631452ULL * 1024);
    assert_true(m.has_available);
    /* Kernels before 3.14: MemFree + Buffers + Cached. */
    const char *old = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n";
    assert_int_equal(lc_procfs_parse_meminfo(old, strlen(old), &m), 0);
    assert_false(m.has_available);
    assert_int_equal(m.available_bytes, 420 * 1024);
    const char *bad = "MemFree: 100 kB\n";
    assert_int_equal(lc_procfs_parse_meminfo(bad, strlen(bad), &m), LC_EINVAL);
}

static void test_loadavg(void **state)
{
    (void)state;
    const char *text = "3.19 2.60 2.23 3/108 27545\n";
    double l[3];
    char *t = exact(text, strlen(text));
    assert_int_equal(lc_procfs_parse_loadavg(t, strlen(text), l), 0);
    free(t);
    assert_float_equal(l[0], 3.19, 1e-12);
    assert_float_equal(l[1], 2.60, 1e-12);
    assert_float_equal(l[2], 2.23, 1e-12);
    assert_int_equal(lc_procfs_parse_loadavg("1.0 2.0", 7, l), LC_EINVAL);
    assert_int_equal(lc_procfs_parse_loadavg("1.0 nan 2", 9, l), LC_EINVAL);
    assert_int_equal(lc_procfs_parse_loadavg("-1 0 0", 6, l), LC_EINVAL);
}

static const char NET_DEV[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 34028812837 213581271    0 5898    0     0          0         0 34028812837 "
    "213581271    0    0    0     0       0          0\n"
    "  eth0:184381099    3743    0    0    0     0          0         0   195106    2409    0    "
    "0    0     0       0          0\n"
    "  bad0: 1 2 3\n";

static void test_net_dev(void **state)
{
    (void)state;
    struct lc_procfs_netdev d[4];
    size_t n;
    bool more;
    char *t = exact(NET_DEV, strlen(NET_DEV));
    assert_int_equal(lc_procfs_parse_net_dev(t, strlen(NET_DEV), d, 4, &n, &more), 0);
    assert_int_equal(n, 2); /* bad0 is skipped */
    assert_false(more);
    assert_string_equal(d[0].name, "lo");
    assert_int_equal(d[0].rx_bytes, 34028812837ULL);
    assert_int_equal(d[0].rx_packets, 213581271ULL);
    assert_int_equal(d[0].tx_bytes, 34028812837ULL);
    assert_string_equal(d[1].name, "eth0"); /* no blank after the colon */
    assert_int_equal(d[1].rx_bytes, 184381099);
    assert_int_equal(d[1].rx_packets, 3743);
    assert_int_equal(d[1].tx_bytes, 195106);
    assert_int_equal(d[1].tx_packets, 2409);
    assert_int_equal(lc_procfs_parse_net_dev(t, strlen(NET_DEV), d, 1, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_true(more);
    for (size_t len = 0; len <= strlen(NET_DEV); len++) {
        char *tt = exact(NET_DEV, len);
        int rc = lc_procfs_parse_net_dev(tt, len, d, 4, &n, &more);
        assert_true(rc == 0 || rc == LC_EINVAL);
        free(tt);
    }
    free(t);
    assert_int_equal(lc_procfs_parse_net_dev("lo: 1 2", 7, d, 4, &n, &more), LC_EINVAL);
}

static void test_snmp(void **state)
{
    (void)state;
    const char *text = "Ip: Forwarding DefaultTTL\nIp: 1 64\n"
                       "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens "
                       "AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs "
                       "OutRsts InCsumErrors\n"
                       "Tcp: 1 200 120000 -1 257526 256506 995 266784 0 213584935 213578602 10911 "
                       "0 152070 0\n"
                       "Udp: InDatagrams\nUdp: 5\n";
    uint64_t r;
    char *t = exact(text, strlen(text));
    assert_int_equal(lc_procfs_parse_snmp_retrans(t, strlen(text), &r), 0);
    assert_int_equal(r, 10911);
    for (size_t len = 0; len <= strlen(text); len++) {
        char *tt = exact(text, len);
        int rc = lc_procfs_parse_snmp_retrans(tt, len, &r);
        assert_true(rc == 0 || rc == LC_EINVAL);
        free(tt);
    }
    free(t);
    /* The column is found by name, wherever it is. */
    const char *moved = "Tcp: RetransSegs InSegs\nTcp: 42 7\n";
    assert_int_equal(lc_procfs_parse_snmp_retrans(moved, strlen(moved), &r), 0);
    assert_int_equal(r, 42);
    const char *no = "Tcp: InSegs\nTcp: 7\n";
    assert_int_equal(lc_procfs_parse_snmp_retrans(no, strlen(no), &r), LC_EINVAL);
    const char *short_vals = "Tcp: A B RetransSegs\nTcp: 1 2\n";
    assert_int_equal(lc_procfs_parse_snmp_retrans(short_vals, strlen(short_vals), &r), LC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pid_stat),
        cmocka_unit_test(test_pid_stat_odd_comm),
        cmocka_unit_test(test_pid_stat_malformed),
        cmocka_unit_test(test_pid_status),
        cmocka_unit_test(test_pid_io),
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_loadavg),
        cmocka_unit_test(test_net_dev),
        cmocka_unit_test(test_snmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
