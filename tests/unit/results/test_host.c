/* Unit tests for results/host: this machine's facts, and parsing of a fake /proc and /etc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "results/host.h"

static void test_probe_this_machine(void **state)
{
    (void)state;
    struct lc_host h;
    struct lc_error err = {0};
    assert_int_equal(lc_host_probe(&h, &err), 0);
    assert_non_null(h.hostname);
    assert_non_null(h.kernel_release);
    assert_non_null(h.arch);
    assert_non_null(h.os_name);
    assert_true(h.logical_cores >= 1);
    assert_true(h.logical_cores == (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
    /* /proc/meminfo exists on every Linux; its MemTotal agrees with sysconf within a page. */
    uint64_t pages = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    assert_true(h.mem_total_bytes > 0);
    assert_true(h.mem_total_bytes + 4096 >= pages && h.mem_total_bytes <= pages + 4096);
    if (access("/proc/cpuinfo", R_OK) == 0)
        assert_non_null(h.cpu_model);
    lc_host_free(&h);
    assert_null(h.hostname);
}

/* Write `text` to root/rel, creating the directories on the way. */
static void put_file(const char *root, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(const char *root)
{
    const char *files[] = {"/proc/cpuinfo", "/proc/meminfo", "/etc/os-release",
                           "/usr/lib/os-release"};
    const char *dirs[] = {"/proc", "/etc", "/usr/lib", "/usr", ""};
    char path[512];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", root, files[i]);
        unlink(path);
    }
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
        rmdir(path);
    }
}

static void test_fake_root(void **state)
{
    (void)state;
    char root[] = "/tmp/lc-host-XXXXXX";
    assert_non_null(mkdtemp(root));
    put_file(root, "/proc/cpuinfo",
             "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) "
             "Platinum 8480+  \nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n");
    put_file(root, "/proc/meminfo", "MemTotal:       16318040 kB\nMemFree:  1 kB\n");
    put_file(
        root, "/etc/os-release",
        "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian \\\"12\\\" (bookworm)\"\nID=debian\n");
    struct lc_host h;
    assert_int_equal(lc_host_probe_root(&h, root, NULL), 0);
    assert_string_equal(h.cpu_model, "Intel(R) Xeon(R) Platinum 8480+");
    assert_int_equal(h.mem_total_bytes, 16318040ULL * 1024);
    assert_string_equal(h.os_name, "Debian \"12\" (bookworm)");

    struct lc_host copy;
    assert_int_equal(lc_host_copy(&copy, &h), 0);
    assert_string_equal(copy.cpu_model, h.cpu_model);
    assert_string_equal(copy.hostname, h.hostname);
    assert_int_equal(copy.mem_total_bytes, h.mem_total_bytes);
    lc_host_free(&copy);
    lc_host_free(&h);

    /* ARM-style cpuinfo, single-quoted NAME only, os-release under /usr/lib. */
    remove_tree(root);
    assert_int_equal(mkdir(root, 0700), 0);
    put_file(root, "/proc/cpuinfo", "processor : 0\nBogoMIPS : 50.00\nHardware : BCM2835\n");
    put_file(root, "/usr/lib/os-release", "NAME='Alpine Linux'\n");
    assert_int_equal(lc_host_probe_root(&h, root, NULL), 0);
    assert_string_equal(h.cpu_model, "BCM2835");
    assert_int_equal(h.mem_total_bytes, 0);
    assert_string_equal(h.os_name, "Alpine Linux");
    lc_host_free(&h);

    /* Nothing there: facts are missing, not invented; the OS falls back to uname. */
    remove_tree(root);
    assert_int_equal(mkdir(root, 0700), 0);
    assert_int_equal(lc_host_probe_root(&h, root, NULL), 0);
    assert_null(h.cpu_model);
    assert_int_equal(h.mem_total_bytes, 0);
    assert_string_equal(h.os_name, "Linux");
    assert_non_null(h.hostname);
    lc_host_free(&h);
    remove_tree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_this_machine),
        cmocka_unit_test(test_fake_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
