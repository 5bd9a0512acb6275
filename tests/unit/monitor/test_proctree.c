/* Unit tests for monitor/proctree: tree marking, scans of a fake /proc, CPU/IO accounting. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/proctree.h"

/* ---- Marking the tree -------------------------------------------------------------------- */

static struct lc_procfs_pid_stat ps(int pid, int ppid)
{
    struct lc_procfs_pid_stat s;
    memset(&s, 0, sizeof(s));
    s.pid = pid;
    s.ppid = ppid;
    return s;
}

static void test_mark(void **state)
{
    (void)state;
    struct lc_procfs_pid_stat p[] = {
        ps(1, 0),     ps(103, 102), ps(100, 1),   ps(101, 100),
        ps(102, 100), ps(200, 1),   ps(300, 103), ps(201, 200),
        ps(500, 501), ps(501, 500), ps(600, 600), ps(101, 100), /* a duplicate pid (a scan race) */
    };
    size_t n = sizeof(p) / sizeof(p[0]);
    bool m[sizeof(p) / sizeof(p[0])];
    assert_int_equal(lc_proctree_mark(p, n, 100, m), 6); /* 100 101 102 103 300 + dup 101 */
    bool want[] = {false, true, true, true, true, false, true, false, false, false, false, true};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(m[i], want[i]);
    /* A cycle of parents and a self-parent terminate. */
    assert_int_equal(lc_proctree_mark(p, n, 500, m), 2);
    assert_int_equal(lc_proctree_mark(p, n, 600, m), 1);
    /* A leaf, an absent root, root 0. */
    assert_int_equal(lc_proctree_mark(p, n, 300, m), 1);
    assert_int_equal(lc_proctree_mark(p, n, 999, m), 0);
    assert_int_equal(lc_proctree_mark(p, n, 0, m), 0);
    assert_int_equal(lc_proctree_mark(p, 0, 100, m), 0);
}

/* ---- A fake /proc ---------------------------------------------------------------------------- */

struct fake {
    int pid, ppid;
    char state;
    uint64_t ut, st, cut, cst, threads, start, rss_pages;
    long rss_kb;      /* VmRSS line; -1: none (stat's rss pages are used) */
    long vol, nonvol; /* -1: no ctx lines */
    long rd, wr;      /* -1: no io file */
    int nfds;         /* -1: no fd directory */
};

static char root[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void mkdirs(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const struct fake *f)
{
    char d[64], text[1024];
    snprintf(d, sizeof(d), "%d", f->pid);
    rm_tree(d);
    mkdirs(d);
    snprintf(text, sizeof(text),
             "%d (proc %d) %c %d 1 1 0 -1 0 0 0 0 0 %llu %llu %llu %llu 20 0 %llu 0 %llu 1000 "
             "%llu 0 0\n",
             f->pid, f->pid, f->state ? f->state : 'S', f->ppid, (unsigned long long)f->ut,
             (unsigned long long)f->st, (unsigned long long)f->cut, (unsigned long long)f->cst,
             (unsigned long long)(f->threads ? f->threads : 1), (unsigned long long)f->start,
             (unsigned long long)f->rss_pages);
    snprintf(d, sizeof(d), "%d/stat", f->pid);
    write_file(d, text);
    size_t k = (size_t)snprintf(text, sizeof(text), "Name:\tproc\n");
    if (f->rss_kb >= 0)
        k += (size_t)snprintf(text + k, sizeof(text) - k, "VmRSS:\t%ld kB\n", f->rss_kb);
    if (f->vol >= 0)
        k += (size_t)snprintf(text + k, sizeof(text) - k,
                              "voluntary_ctxt_switches:\t%ld\nnonvoluntary_ctxt_switches:\t%ld\n",
                              f->vol, f->nonvol);
    snprintf(d, sizeof(d), "%d/status", f->pid);
    write_file(d, text);
    if (f->rd >= 0) {
        snprintf(text, sizeof(text), "rchar: 1\nwchar: 2\nread_bytes: %ld\nwrite_bytes: %ld\n",
                 f->rd, f->wr);
        snprintf(d, sizeof(d), "%d/io", f->pid);
        write_file(d, text);
    }
    if (f->nfds >= 0) {
        snprintf(d, sizeof(d), "%d/fd", f->pid);
        mkdirs(d);
        for (int i = 0; i < f->nfds; i++) {
            snprintf(d, sizeof(d), "%d/fd/%d", f->pid, i);
            write_file(d, "");
        }
    }
}

static void gone(int pid)
{
    char d[32];
    snprintf(d, sizeof(d), "%d", pid);
    rm_tree(d);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/lc-proctree-XXXXXX");
    assert_non_null(mkdtemp(root));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* A base process: no children's time, rss from VmRSS, io, ctx, fds all present. */
static struct fake base(int pid, int ppid, uint64_t start)
{
    struct fake f = {.pid = pid,
                     .ppid = ppid,
                     .start = start,
                     .threads = 1,
                     .rss_pages = 10,
                     .rss_kb = 1000,
                     .vol = 10,
                     .nonvol = 1,
                     .rd = 0,
                     .wr = 0,
                     .nfds = 3};
    return f;
}

static void scan(int rootpid, struct lc_proctree *t, uint64_t t_ns, uint64_t boot_ticks)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    struct lc_error err = {0};
    assert_int_equal(lc_proctree_scan(fd, rootpid, 100, 4096, t, &err), 0);
    close(fd);
    /* Fixed times make the rates exact. */
    t->t_ns = t_ns;
    t->boot_ticks = boot_ticks;
}

static void test_scan_levels(void **state)
{
    (void)state;
    struct fake init = base(1, 0, 1);
    put(&init);
    struct fake a = base(100, 1, 50), b = base(101, 100, 60), c = base(102, 100, 60),
                d = base(103, 102, 70), x = base(200, 1, 80);
    b.rss_kb = -1; /* no VmRSS line: stat's 10 pages x 4096 */
    c.rd = -1;     /* io unreadable */
    c.nfds = -1;   /* fd unreadable */
    d.threads = 3;
    put(&a);
    put(&b);
    put(&c);
    put(&d);
    put(&x);
    write_file("self", "not a pid"); /* non-numeric entries are ignored */
    struct lc_proctree t;
    memset(&t, 0, sizeof(t));
    scan(100, &t, 0, 0);
    assert_true(t.root_alive);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.procs[0].pid, 100);
    assert_int_equal(t.procs[3].pid, 103);
    assert_null(lc_proctree_find(&t, 200));
    assert_non_null(lc_proctree_find(&t, 102));
    assert_int_equal(lc_proctree_find(&t, 101)->rss_bytes, 40960);
    assert_int_equal(lc_proctree_find(&t, 100)->rss_bytes, 1024000);
    assert_false(lc_proctree_find(&t, 102)->has_io);
    assert_int_equal(lc_proctree_find(&t, 102)->fds, -1);
    assert_int_equal(lc_proctree_find(&t, 103)->fds, 3);
    struct lc_proctree_sample s;
    lc_proctree_derive(NULL, &t, 100, &s);
    assert_int_equal(s.processes, 4);
    assert_int_equal(s.rss_bytes, 3 * 1024000 + 40960);
    assert_int_equal(s.threads, 1 + 1 + 1 + 3);
    assert_true(s.has_fds);
    assert_int_equal(s.fds, 9);
    assert_false(s.has_rates);

    /* The root as a zombie, or absent: not alive, no members. */
    a.state = 'Z';
    put(&a);
    scan(100, &t, 0, 0);
    assert_false(t.root_alive);
    assert_int_equal(t.n, 0);
    lc_proctree_derive(NULL, &t, 100, &s);
    assert_int_equal(s.processes, 0);
    scan(4242, &t, 0, 0);
    assert_false(t.root_alive);
    lc_proctree_free(&t);
    assert_null(t.procs);
}

static void test_rates(void **state)
{
    (void)state;
    struct fake init = base(1, 0, 1);
    put(&init);
    /* prev: root 100 with children 101 (steady), 102 (which will reap 103 and its child 106). */
    struct fake r = base(100, 1, 50), k1 = base(101, 100, 60), k2 = base(102, 100, 60),
                k3 = base(103, 102, 70), k6 = base(106, 103, 75), k7 = base(107, 100, 76);
    r.ut = 100;
    r.st = 10;
    k1.ut = 200;
    k1.vol = 100;
    k3.ut = 30;
    k3.st = 3;
    k3.cut = 4; /* 103 had reaped something already */
    k3.rd = 1000;
    k3.wr = 10;
    k6.ut = 8;
    k7.ut = 1; /* 107 will be reparented to init: it leaves the tree, still running */
    put(&r);
    put(&k1);
    put(&k2);
    put(&k3);
    put(&k6);
    put(&k7);
    struct lc_proctree prev, cur;
    memset(&prev, 0, sizeof(prev));
    memset(&cur, 0, sizeof(cur));
    scan(100, &prev, 1000000000ULL, 1000);
    assert_int_equal(prev.n, 6);

    /* One second later (100 ticks of CPU = 100% of one core):
     * 100: +50 user, +10 sys                          -> 50 + 10
     * 101: +20 user, 100 more ctx switches             -> 20
     * 102 reaped 103 (final 35u+5s, cut 4 + 106's final 9u): cutime 0 -> 35+4+9 = 48,
     *      cstime 0 -> 5; its io includes 103's final 1500/30; own read 200.
     *      New CPU: 103's +5u +2s and 106's +1u = 6u 2s; io: 500 + 200 read, 20 write
     * 104: born after the previous reading (start 1001 >= 1000): all of it, 7u 1s, read 64
     * 105: older (start 900) but not seen before: nothing yet
     * 107: reparented to init, still alive: no longer counted, not subtracted */
    r.ut = 150;
    r.st = 20;
    k1.ut = 220;
    k1.vol = 200;
    k2.cut = 48;
    k2.cst = 5;
    k2.rd = 1500 + 200;
    k2.wr = 30;
    gone(103);
    gone(106);
    k7.ppid = 1;
    k7.ut = 50;
    struct fake k4 = base(104, 100, 1001), k5 = base(105, 101, 900);
    k4.ut = 7;
    k4.st = 1;
    k4.rd = 64;
    k5.ut = 500;
    put(&r);
    put(&k1);
    put(&k2);
    put(&k7);
    put(&k4);
    put(&k5);
    scan(100, &cur, 2000000000ULL, 1100);
    assert_int_equal(cur.n, 5); /* 100 101 102 104 105 */
    struct lc_proctree_sample s;
    lc_proctree_derive(&prev, &cur, 100, &s);
    assert_true(s.has_rates);
    assert_float_equal(s.cpu_user_percent, 50 + 20 + 6 + 7, 1e-9);
    assert_float_equal(s.cpu_sys_percent, 10 + 2 + 1, 1e-9);
    assert_float_equal(s.cpu_percent, 83 + 13, 1e-9);
    assert_true(s.has_io);
    assert_float_equal(s.read_bytes_per_s, 500 + 200 + 64, 1e-9);
    assert_float_equal(s.write_bytes_per_s, 20, 1e-9);
    assert_true(s.has_ctx);
    /* 101: +100 voluntary; 104 is new with 10 + 1; others unchanged. */
    assert_float_equal(s.ctx_switches_per_s, 100 + 11, 1e-9);

    /* Half a second and a pid reused by a new process: 101 restarted (new start time). */
    k1.start = 1150;
    k1.ut = 3;
    k1.vol = 0;
    k1.nonvol = 0;
    put(&k1);
    struct lc_proctree next;
    memset(&next, 0, sizeof(next));
    scan(100, &next, 2500000000ULL, 1150);
    lc_proctree_derive(&cur, &next, 100, &s);
    /* The old 101 vanished and its parent 100 did not reap it (cutime unchanged): nothing is
     * subtracted below 0; the new 101 counts in full: 3 ticks in 0.5 s = 6%. */
    assert_float_equal(s.cpu_percent, 6, 1e-9);

    /* Counters that go backwards never give negative rates. */
    r.ut = 10;
    put(&r);
    struct lc_proctree back;
    memset(&back, 0, sizeof(back));
    scan(100, &back, 3500000000ULL, 1250);
    lc_proctree_derive(&next, &back, 100, &s);
    assert_true(s.cpu_percent >= 0);
    assert_float_equal(s.cpu_percent, 0, 1e-9);

    /* No time passed, or the root died: levels only / nothing. */
    lc_proctree_derive(&back, &back, 100, &s);
    assert_false(s.has_rates);
    lc_proctree_free(&prev);
    lc_proctree_free(&cur);
    lc_proctree_free(&next);
    lc_proctree_free(&back);
}

/* The real /proc: this test process and two children. */
static void test_real_proc(void **state)
{
    (void)state;
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            pause();
            _exit(0);
        }
    }
    int fd = open("/proc", O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    struct lc_proctree t;
    memset(&t, 0, sizeof(t));
    struct lc_error err = {0};
    assert_int_equal(lc_proctree_scan(fd, getpid(), 0, 0, &t, &err), 0);
    assert_true(t.root_alive);
    assert_int_equal(t.n, 3);
    const struct lc_proc *me = lc_proctree_find(&t, getpid());
    assert_non_null(me);
    assert_true(me->rss_bytes > 0);
    assert_true(me->fds >= 3);
    assert_true(me->has_ctx);
    assert_non_null(lc_proctree_find(&t, kids[0]));
    assert_int_equal(lc_proctree_find(&t, kids[1])->ppid, getpid());
    for (int i = 0; i < 2; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    assert_int_equal(lc_proctree_scan(fd, getpid(), 0, 0, &t, &err), 0);
    assert_int_equal(t.n, 1);
    close(fd);
    lc_proctree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mark),
        cmocka_unit_test_setup_teardown(test_scan_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rates, setup, teardown),
        cmocka_unit_test(test_real_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
