/* Unit tests for bench/artifact: the size of a file or a folder tree. */
#include <errno.h>
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

#include "bench/artifact.h"

static char dir[] = "/tmp/lc-artifact-test-XXXXXX";

static void write_file(const char *rel, size_t bytes)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < bytes; i++)
        fputc('x', f);
    fclose(f);
}

static void test_sizes(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    char path[512];
    write_file("a.txt", 1000);
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/sub/deeper", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file("sub/b.bin", 234);
    write_file("sub/deeper/c.bin", 66);
    write_file("sub/empty", 0);
    /* A link inside the tree is not followed (it would count a.txt twice, or loop). */
    char target[512];
    snprintf(path, sizeof(path), "%s/sub/link", dir);
    snprintf(target, sizeof(target), "%s", dir);
    assert_int_equal(symlink(target, path), 0);

    int64_t bytes = -1;
    struct lc_error err = {0};
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    assert_int_equal(lc_bench_path_size(path, &bytes, &err), 0);
    assert_int_equal(bytes, 1000);
    assert_int_equal(lc_bench_path_size(dir, &bytes, &err), 0);
    assert_int_equal(bytes, 1300);
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(lc_bench_path_size(path, &bytes, &err), 0);
    assert_int_equal(bytes, 300);
    /* The path itself may be a link: it is followed. */
    char top[512];
    snprintf(top, sizeof(top), "%s/top-link", dir);
    assert_int_equal(symlink(path, top), 0);
    assert_int_equal(lc_bench_path_size(top, &bytes, &err), 0);
    assert_int_equal(bytes, 300);
    /* Missing. */
    snprintf(path, sizeof(path), "%s/nope", dir);
    assert_int_equal(lc_bench_path_size(path, &bytes, &err), LC_ESYS);
    assert_int_equal(err.sys_errno, ENOENT);
    assert_non_null(strstr(err.msg, "nope"));
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
