/* Unit tests for net/http1_parse: heads, framing, body decoder, every split point, guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/http1_parse.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ----------------------------------------------------------------- */

static int parse_resp(const char *s, size_t len, struct lc_http1_response_head *h)
{
    struct lc_http1_header hdrs[8];
    return lc_http1_parse_response_head(s, len, h, hdrs, COUNT(hdrs), NULL);
}

static int parse_req(const char *s, size_t len, struct lc_http1_request_head *h)
{
    struct lc_http1_header hdrs[8];
    return lc_http1_parse_request_head(s, len, h, hdrs, COUNT(hdrs), NULL);
}

/* Response error for a whole NUL-terminated message. */
static int resp_error(const char *s)
{
    struct lc_http1_response_head h;
    int r = parse_resp(s, strlen(s), &h);
    if (r != -1)
        return 1000 + r; /* an impossible error code that shows the return value */
    return h.error;
}

static int req_error(const char *s)
{
    struct lc_http1_request_head h;
    int r = parse_req(s, strlen(s), &h);
    if (r != -1)
        return 1000 + r;
    return h.error;
}

static int slice_eq(const char *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* Feed a whole buffer once; returns consumed (or -1). */
static ssize_t feed_all(struct lc_http1_body *b, const char *s, size_t len)
{
    return lc_http1_body_feed(b, s, len);
}

/*
 * Feed buf[0..len) split into two at every position and byte by byte,
 * checking each way gives `consumed`, `bytes` and `done` (or the error).
 */
static void check_body_splits(const struct lc_http1_body *init, const char *buf, size_t len,
                              ssize_t consumed, uint64_t bytes, int done, int error)
{
    for (size_t i = 0; i <= len; i++) {
        struct lc_http1_body b = *init;
        ssize_t c1 = lc_http1_body_feed(&b, buf, i);
        ssize_t total;
        if (c1 < 0) {
            total = -1;
        } else {
            assert_true((size_t)c1 <= i);
            if ((size_t)c1 < i)
                assert_int_equal(b.done, 1); /* only a complete body leaves bytes behind */
            ssize_t c2 = lc_http1_body_feed(&b, buf + c1, len - (size_t)c1);
            total = c2 < 0 ? -1 : c1 + c2;
        }
        if (consumed < 0) {
            assert_int_equal(total, -1);
            assert_int_equal(b.error, error);
            continue;
        }
        assert_int_equal(total, consumed);
        assert_int_equal(b.bytes, bytes);
        assert_int_equal(b.done, done);
    }
    /* Byte by byte. */
    struct lc_http1_body b = *init;
    ssize_t total = 0;
    for (size_t i = 0; i < len && !b.done; i++) {
        ssize_t c = lc_http1_body_feed(&b, buf + i, 1);
        if (c < 0) {
            total = -1;
            break;
        }
        assert_true(c <= 1);
        if (c == 0)
            assert_int_equal(b.done, 1);
        total += c;
    }
    if (consumed < 0) {
        assert_int_equal(total, -1);
        assert_int_equal(b.error, error);
        return;
    }
    assert_int_equal(total, consumed);
    assert_int_equal(b.bytes, bytes);
    assert_int_equal(b.done, done);
}

/* ---- known responses ----------------------------------------------------------- */

struct resp_case {
    const char *head;     /* the head exactly */
    const char *body;     /* the body's framing and data (all of it when until-close) */
    const char *next;     /* a pipelined next message ("" for none; not with until-close) */
    int request_was_head; /* HEAD request */
    int status;
    int minor;
    int mode;
    uint64_t bytes; /* payload bytes */
    int done;       /* complete without EOF */
};

static const struct resp_case resp_cases[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: t\r\n\r\n", "hello",
     "HTTP/1.1 204 No Content\r\n\r\n", 0, 200, 1, LC_HTTP1_BODY_LENGTH, 5, 1},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     "5;name=value;x\r\nhello\r\n6 ; q=\"a b\"\r\n world\r\nA\r\n0123456789\r\n0;last\r\n"
     "X-Checksum: abc\r\nX-Other:\r\n\r\n",
     "HTTP/1.1 200 OK\r\n", 0, 200, 1, LC_HTTP1_BODY_CHUNKED, 21, 1},
    {"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\nContent-Length: 3\r\n\r\n",
     "1\r\na\r\n0\r\n\r\n", "xyz", 0, 200, 1, LC_HTTP1_BODY_CHUNKED, 1, 1},
    {"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "3\nabc\n0\n\n", "HTTP", 0, 200, 1,
     LC_HTTP1_BODY_CHUNKED, 3, 1},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     "000000000000000f\r\n0123456789abcde\r\n0\r\n\r\n", "", 0, 200, 1, LC_HTTP1_BODY_CHUNKED, 15,
     1},
    {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", "", "HTTP/1.1 200 OK\r\n", 0, 204, 1,
     LC_HTTP1_BODY_NONE, 0, 1},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n", "",
     "0\r\n\r\n", 0, 304, 1, LC_HTTP1_BODY_NONE, 0, 1},
    {"HTTP/1.1 100 Continue\r\n\r\n", "", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 100, 1,
     LC_HTTP1_BODY_NONE, 0, 1},
    {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n", "", "", 0,
     101, 1, LC_HTTP1_BODY_NONE, 0, 1},
    {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "", "HTTP/1.1 200 OK\r\n", 1, 200, 1,
     LC_HTTP1_BODY_NONE, 0, 1},
    {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", "HTTP/1.1 200 OK\r\n", 0, 200, 1,
     LC_HTTP1_BODY_LENGTH, 0, 1},
    {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "until the end\r\n\r\n0\r\n", "", 0, 200, 1,
     LC_HTTP1_BODY_UNTIL_CLOSE, 20, 0},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 2\r\n\r\n",
     "gzipped bytes", "", 0, 200, 1, LC_HTTP1_BODY_UNTIL_CLOSE, 13, 0},
    {"HTTP/1.0 200 OK\r\n\r\n", "old", "", 0, 200, 0, LC_HTTP1_BODY_UNTIL_CLOSE, 3, 0},
    {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n", "ok", "next", 0, 200,
     0, LC_HTTP1_BODY_LENGTH, 2, 1},
    {"HTTP/1.1 404 Not Found Here\r\nContent-Length: 1\r\n\r\n", "x", "", 0, 404, 1,
     LC_HTTP1_BODY_LENGTH, 1, 1},
    {"HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n", "x", "", 0, 200, 1, LC_HTTP1_BODY_LENGTH, 1, 1},
    {"HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", "x", "", 0, 200, 1, LC_HTTP1_BODY_LENGTH, 1, 1},
    {"HTTP/1.1 999 Whatever\nContent-Length:  2 , 2 \nContent-Length: 2\n\n", "ab", "", 0, 999, 1,
     LC_HTTP1_BODY_LENGTH, 2, 1},
    {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nX-Empty:\r\nX-Tab:\tv\tw\t\r\n"
     "Content-Length: 4\r\n\r\n",
     "busy", "", 0, 503, 1, LC_HTTP1_BODY_LENGTH, 4, 1},
};

/* Build head+body+next of a case into a malloc'd buffer; *len gets its length. */
static char *resp_case_buf(const struct resp_case *c, size_t *len)
{
    size_t hl = strlen(c->head), bl = strlen(c->body), nl = strlen(c->next);
    char *buf = malloc(hl + bl + nl + 1);
    assert_non_null(buf);
    memcpy(buf, c->head, hl);
    memcpy(buf + hl, c->body, bl);
    memcpy(buf + hl + bl, c->next, nl);
    *len = hl + bl + nl;
    return buf;
}

static void check_resp_case(const struct resp_case *c, const char *buf, size_t len)
{
    struct lc_http1_response_head h;
    size_t hl = strlen(c->head), bl = strlen(c->body);
    int r = parse_resp(buf, len, &h);
    assert_int_equal(r, (int)hl);
    assert_int_equal(h.status, c->status);
    assert_int_equal(h.minor_version, c->minor);
    struct lc_http1_body b;
    lc_http1_body_init_response(&b, &h, c->request_was_head);
    assert_int_equal(b.mode, c->mode);
    ssize_t n = feed_all(&b, buf + hl, len - hl);
    assert_int_equal(n, (ssize_t)bl);
    assert_int_equal(b.bytes, c->bytes);
    assert_int_equal(b.done, c->done);
    assert_int_equal(lc_http1_body_eof(&b), 0);
    assert_int_equal(b.done, 1);
}

static void test_response_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(resp_cases); i++) {
        size_t len;
        char *buf = resp_case_buf(&resp_cases[i], &len);
        check_resp_case(&resp_cases[i], buf, len);
        free(buf);
    }
}

static void test_response_fields(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK Fine\r\nServer:  loadcell \r\nContent-Length: 5\r\n"
                    "Connection: keep-alive, Close\r\nX-A: 1\r\n\r\nhello";
    struct lc_http1_response_head h;
    struct lc_http1_header hd[2];
    int r = lc_http1_parse_response_head(s, strlen(s), &h, hd, COUNT(hd), NULL);
    assert_int_equal(r, (int)(strstr(s, "hello") - s));
    assert_int_equal(h.header_count, 4); /* all counted, only 2 stored */
    assert_true(slice_eq(h.reason, h.reason_len, "OK Fine"));
    assert_true(slice_eq(hd[0].name, hd[0].name_len, "Server"));
    assert_true(slice_eq(hd[0].value, hd[0].value_len, "loadcell"));
    assert_true(slice_eq(hd[1].name, hd[1].name_len, "Content-Length"));
    assert_true(slice_eq(hd[1].value, hd[1].value_len, "5"));
    assert_int_equal(h.framing.content_length, 5);
    assert_int_equal(h.framing.conn_close, 1);
    assert_int_equal(h.framing.conn_keep_alive, 1);
    assert_int_equal(h.framing.chunked, 0);
    assert_int_equal(h.framing.transfer_encoding, 0);
    assert_int_equal(lc_http1_keep_alive(h.minor_version, &h.framing), 0);

    /* NULL headers and NULL limits work. */
    r = lc_http1_parse_response_head(s, strlen(s), &h, NULL, 0, NULL);
    assert_int_equal(r, (int)(strstr(s, "hello") - s));
    assert_int_equal(h.header_count, 4);

    /* Empty reason, with and without the space. */
    assert_int_equal(parse_resp("HTTP/1.1 200 \r\n\r\n", 17, &h), 17);
    assert_int_equal(h.reason_len, 0);
    assert_int_equal(parse_resp("HTTP/1.1 200\r\n\r\n", 16, &h), 16);
    assert_int_equal(h.reason_len, 0);
    assert_int_equal(h.framing.content_length, -1);
}

static void test_keep_alive(void **state)
{
    (void)state;
    struct lc_http1_response_head h;
    const char *a = "HTTP/1.0 200 OK\r\n\r\n";
    assert_true(parse_resp(a, strlen(a), &h) > 0);
    assert_int_equal(lc_http1_keep_alive(h.minor_version, &h.framing), 0);
    const char *b = "HTTP/1.0 200 OK\r\nconnection: KEEP-ALIVE\r\n\r\n";
    assert_true(parse_resp(b, strlen(b), &h) > 0);
    assert_int_equal(h.framing.conn_keep_alive, 1);
    assert_int_equal(lc_http1_keep_alive(h.minor_version, &h.framing), 1);
    const char *c = "HTTP/1.1 200 OK\r\n\r\n";
    assert_true(parse_resp(c, strlen(c), &h) > 0);
    assert_int_equal(lc_http1_keep_alive(h.minor_version, &h.framing), 1);
    const char *d = "HTTP/1.1 200 OK\r\nConnection: foo,,close\r\n\r\n";
    assert_true(parse_resp(d, strlen(d), &h) > 0);
    assert_int_equal(h.framing.conn_close, 1);
    assert_int_equal(lc_http1_keep_alive(h.minor_version, &h.framing), 0);
    const char *e = "HTTP/1.1 200 OK\r\nConnection: closed, keep-alives\r\n\r\n";
    assert_true(parse_resp(e, strlen(e), &h) > 0);
    assert_int_equal(h.framing.conn_close, 0);
    assert_int_equal(h.framing.conn_keep_alive, 0);
}

/* ---- known requests ------------------------------------------------------------- */

struct req_case {
    const char *head;
    const char *body;
    const char *next;
    const char *method;
    const char *target;
    int minor;
    int mode;
    uint64_t bytes;
    int expect_continue;
};

static const struct req_case req_cases[] = {
    {"GET /index.html?q=1&x=%20 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n", "",
     "GET /next HTTP/1.1\r\n\r\n", "GET", "/index.html?q=1&x=%20", 1, LC_HTTP1_BODY_NONE, 0, 0},
    {"POST /api HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", "{\"a\":[1,2]}",
     "GET / HTTP/1.1\r\n\r\n", "POST", "/api", 1, LC_HTTP1_BODY_LENGTH, 11, 0},
    {"PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
     "4\r\nabcd\r\n2;e\r\nef\r\n0\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "PUT", "/up", 1,
     LC_HTTP1_BODY_CHUNKED, 6, 0},
    {"POST /big HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", "abc", "", "POST",
     "/big", 1, LC_HTTP1_BODY_LENGTH, 3, 1},
    {"\r\n\nOPTIONS * HTTP/1.0\nX: y\n\n", "", "", "OPTIONS", "*", 0, LC_HTTP1_BODY_NONE, 0, 0},
    {"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "", "", "CONNECT",
     "example.com:443", 1, LC_HTTP1_BODY_NONE, 0, 0},
    {"DELETE http://h/x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "", "DELETE", "DELETE",
     "http://h/x", 1, LC_HTTP1_BODY_LENGTH, 0, 0},
};

static char *req_case_buf(const struct req_case *c, size_t *len)
{
    size_t hl = strlen(c->head), bl = strlen(c->body), nl = strlen(c->next);
    char *buf = malloc(hl + bl + nl + 1);
    assert_non_null(buf);
    memcpy(buf, c->head, hl);
    memcpy(buf + hl, c->body, bl);
    memcpy(buf + hl + bl, c->next, nl);
    *len = hl + bl + nl;
    return buf;
}

static void check_req_case(const struct req_case *c, const char *buf, size_t len)
{
    struct lc_http1_request_head h;
    size_t hl = strlen(c->head), bl = strlen(c->body);
    int r = parse_req(buf, len, &h);
    assert_int_equal(r, (int)hl);
    assert_true(slice_eq(h.method, h.method_len, c->method));
    assert_true(slice_eq(h.target, h.target_len, c->target));
    assert_int_equal(h.minor_version, c->minor);
    assert_int_equal(h.framing.expect_continue, c->expect_continue);
    struct lc_http1_body b;
    lc_http1_body_init_request(&b, &h);
    assert_int_equal(b.mode, c->mode);
    ssize_t n = feed_all(&b, buf + hl, len - hl);
    assert_int_equal(n, (ssize_t)bl);
    assert_int_equal(b.bytes, c->bytes);
    assert_int_equal(b.done, 1);
}

static void test_request_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(req_cases); i++) {
        size_t len;
        char *buf = req_case_buf(&req_cases[i], &len);
        check_req_case(&req_cases[i], buf, len);
        free(buf);
    }
}

/* ---- malformed heads ------------------------------------------------------------ */

struct bad_case {
    const char *msg;
    int error;
};

static const struct bad_case bad_responses[] = {
    {"HTTX/1.1 200 OK\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"hello", LC_HTTP1_E_START_LINE},
    {"HT", 1000 - 2}, /* could still become HTTP/: incomplete */
    {"H\r\n", LC_HTTP1_E_START_LINE},
    {"<html>", LC_HTTP1_E_START_LINE},
    {"HTTP/\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"HTTP/2 200 OK\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/2.0 200 OK\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/1.2 200 OK\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/1.10 200 OK\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/1.1x 200 OK\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"HTTP/0.9 200 OK\r\n\r\n", LC_HTTP1_E_VERSION},
    {"HTTP/1.1 20 OK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 20\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 2000 OK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 099 Low\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 abc OK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1  200 OK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 -20 OK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 200\tOK\r\n\r\n", LC_HTTP1_E_STATUS},
    {"HTTP/1.1 200 O\x01K\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"HTTP/1.1 200 O\rK\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nName : v\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nName\t: v\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\n: v\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nNa(me: v\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nA: 0123456789\x1b"
     "0123456789\r\n\r\n",
     LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\n\r\r\n", LC_HTTP1_E_HEADER},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
     LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: ,5\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 1 0\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
     LC_HTTP1_E_CONTENT_LENGTH},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     LC_HTTP1_E_TRANSFER_CODING},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip chunked\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
};

static const struct bad_case bad_requests[] = {
    {"GET / HTTP/1.1 \r\n\r\n", LC_HTTP1_E_VERSION},
    {"GET /  HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET  / HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET /\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET\r\n\r\n", LC_HTTP1_E_START_LINE},
    {" GET / HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"G(T / HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET /a b HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET /\x7f HTTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET / FTP/1.1\r\n\r\n", LC_HTTP1_E_START_LINE},
    {"GET / HTTP/2.0\r\n\r\n", LC_HTTP1_E_VERSION},
    {"GET / HTTP/1.1x\r\n\r\n", LC_HTTP1_E_VERSION},
    {"GET / HTTP/1\r\n\r\n", LC_HTTP1_E_VERSION},
    {"GET / HTTP/1.1\r\nHost example.com\r\n\r\n", LC_HTTP1_E_HEADER},
    {"GET / HTTP/1.1\r\nHost : example.com\r\n\r\n", LC_HTTP1_E_HEADER},
    {"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", LC_HTTP1_E_HEADER},
    {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
     LC_HTTP1_E_CONTENT_LENGTH},
    {"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", LC_HTTP1_E_CONTENT_LENGTH},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
     LC_HTTP1_E_TRANSFER_CODING},
    {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", LC_HTTP1_E_TRANSFER_CODING},
};

static void test_bad_heads(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(bad_responses); i++) {
        int e = resp_error(bad_responses[i].msg);
        if (e != bad_responses[i].error)
            fprintf(stderr, "response case %zu: %s\n", i, bad_responses[i].msg);
        assert_int_equal(e, bad_responses[i].error);
    }
    for (size_t i = 0; i < COUNT(bad_requests); i++) {
        int e = req_error(bad_requests[i].msg);
        if (e != bad_requests[i].error)
            fprintf(stderr, "request case %zu: %s\n", i, bad_requests[i].msg);
        assert_int_equal(e, bad_requests[i].error);
    }
}

static void test_nul_in_value(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n";
    struct lc_http1_response_head h;
    assert_int_equal(parse_resp(msg, sizeof(msg) - 1, &h), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEADER);
    static const char req[] = "GET /\0 HTTP/1.1\r\n\r\n";
    struct lc_http1_request_head rh;
    assert_int_equal(parse_req(req, sizeof(req) - 1, &rh), -1);
    assert_int_equal(rh.error, LC_HTTP1_E_START_LINE);
}

static void test_content_length_values(void **state)
{
    (void)state;
    struct lc_http1_response_head h;
    const char *max = "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n";
    assert_int_equal(parse_resp(max, strlen(max), &h), (int)strlen(max));
    assert_int_equal(h.framing.content_length, INT64_MAX);
    const char *zeros = "HTTP/1.1 200 OK\r\nContent-Length: 007\r\ncontent-length: 7\r\n\r\n";
    assert_int_equal(parse_resp(zeros, strlen(zeros), &h), (int)strlen(zeros));
    assert_int_equal(h.framing.content_length, 7);
    const char *list = "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 42,42,\t42\r\n\r\n";
    assert_int_equal(parse_resp(list, strlen(list), &h), (int)strlen(list));
    assert_int_equal(h.framing.content_length, 42);
    /* A name that only resembles Content-Length is an ordinary header. */
    const char *other = "HTTP/1.1 200 OK\r\nContent-Lengths: -1\r\nX-Content-Length: z\r\n\r\n";
    assert_int_equal(parse_resp(other, strlen(other), &h), (int)strlen(other));
    assert_int_equal(h.framing.content_length, -1);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    struct lc_http1_response_head h;
    struct lc_http1_request_head rq;
    struct lc_http1_body b;
    const char *a =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(parse_resp(a, strlen(a), &h), (int)strlen(a));
    assert_int_equal(h.framing.chunked, 1);
    const char *c = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;p=1 , \r\n\r\n";
    assert_int_equal(parse_resp(c, strlen(c), &h), (int)strlen(c));
    assert_int_equal(h.framing.chunked, 1);
    const char *d = "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\n";
    assert_int_equal(parse_resp(d, strlen(d), &h), (int)strlen(d));
    assert_int_equal(h.framing.chunked, 0);
    assert_int_equal(h.framing.transfer_encoding, 1);
    lc_http1_body_init_response(&b, &h, 0);
    assert_int_equal(b.mode, LC_HTTP1_BODY_UNTIL_CLOSE);
    /* Request with chunked and Content-Length: chunked wins. */
    const char *r = "POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: Chunked\r\n\r\n";
    assert_int_equal(parse_req(r, strlen(r), &rq), (int)strlen(r));
    lc_http1_body_init_request(&b, &rq);
    assert_int_equal(b.mode, LC_HTTP1_BODY_CHUNKED);
    assert_int_equal(feed_all(&b, "0\r\n\r\n", 5), 5);
    assert_int_equal(b.done, 1);
}

/* ---- limits --------------------------------------------------------------------- */

static void test_limits(void **state)
{
    (void)state;
    struct lc_http1_limits lim = {.max_head_bytes = 64, .max_header_line = 24, .max_headers = 2};
    struct lc_http1_response_head h;
    struct lc_http1_request_head rq;

    /* Exactly at each limit is fine. */
    const char *ok = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 012345678901234567890\r\n\r\n";
    assert_int_equal(strlen("B: 012345678901234567890"), 24);
    assert_int_equal(lc_http1_parse_response_head(ok, strlen(ok), &h, NULL, 0, &lim),
                     (int)strlen(ok));

    /* One byte too many in a line: complete or not. */
    const char *longl = "HTTP/1.1 200 OK\r\nB: 0123456789012345678901\r\n\r\n";
    assert_int_equal(lc_http1_parse_response_head(longl, strlen(longl), &h, NULL, 0, &lim), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEADER_TOO_LONG);
    for (size_t n = 17; n <= strlen(longl); n++) {
        int r = lc_http1_parse_response_head(longl, n, &h, NULL, 0, &lim);
        /* Incomplete until the line holds 25 content bytes (17 + 25 = 42). */
        if (n < 42) {
            assert_int_equal(r, -2);
        } else {
            assert_int_equal(r, -1);
            assert_int_equal(h.error, LC_HTTP1_E_HEADER_TOO_LONG);
        }
    }
    /* A line exactly at the limit with only its CR so far is still incomplete. */
    assert_int_equal(lc_http1_parse_response_head(ok, 23 + 24, &h, NULL, 0, &lim), -2);
    assert_int_equal(lc_http1_parse_response_head(ok, 23 + 25, &h, NULL, 0, &lim), -2);

    /* A long status line is cut off too. */
    const char *longs = "HTTP/1.1 200 OKOKOKOKOKOKOKOKOKOK";
    assert_int_equal(lc_http1_parse_response_head(longs, strlen(longs), &h, NULL, 0, &lim), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEADER_TOO_LONG);

    /* Too many headers, even before the head ends. */
    const char *many = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
    assert_int_equal(lc_http1_parse_response_head(many, strlen(many), &h, NULL, 0, &lim), -1);
    assert_int_equal(h.error, LC_HTTP1_E_TOO_MANY_HEADERS);
    assert_int_equal(lc_http1_parse_response_head(many, strlen(many) - 1, &h, NULL, 0, &lim), -2);

    /* Head too large: complete at 65 bytes, or never ending. */
    const char *big = "HTTP/1.1 200 OK\r\nA: 01234567890123456789\r\nB: 0123456789012345\r\n\r\n";
    assert_int_equal(strlen(big), 65);
    assert_int_equal(lc_http1_parse_response_head(big, strlen(big), &h, NULL, 0, &lim), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEAD_TOO_LARGE);
    assert_int_equal(lc_http1_parse_response_head(big, 64, &h, NULL, 0, &lim), -2);
    lim.max_head_bytes = 65;
    assert_int_equal(lc_http1_parse_response_head(big, strlen(big), &h, NULL, 0, &lim), 65);
    lim.max_head_bytes = 64;
    const char *req = "GET / HTTP/1.1\r\nA: 01234567890123456789\r\nB: 0123456789012345678\r\n";
    assert_int_equal(lc_http1_parse_request_head(req, strlen(req), &rq, NULL, 0, &lim), -1);
    assert_int_equal(rq.error, LC_HTTP1_E_HEAD_TOO_LARGE);

    /* Defaults: a never-ending head is cut off at 300 KB; one line at 100 KB. */
    size_t n = 400 * 1024;
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, "HTTP/1.1 200 OK\r\n", 17);
    size_t pos = 17;
    while (pos + 1000 < n) {
        memcpy(buf + pos, "X-Pad: ", 7);
        memset(buf + pos + 7, 'p', 1000 - 9);
        memcpy(buf + pos + 998, "\r\n", 2);
        pos += 1000;
    }
    memset(buf + pos, 'q', n - pos);
    assert_int_equal(lc_http1_parse_response_head(buf, n, &h, NULL, 0, NULL), -1);
    assert_int_equal(h.error, LC_HTTP1_E_TOO_MANY_HEADERS);
    struct lc_http1_limits many_ok = lc_http1_default_limits;
    many_ok.max_headers = 100000;
    assert_int_equal(lc_http1_parse_response_head(buf, n, &h, NULL, 0, &many_ok), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEAD_TOO_LARGE);
    assert_int_equal(lc_http1_parse_response_head(buf, 300 * 1024, &h, NULL, 0, &many_ok), -2);
    memset(buf + 17, 'x', n - 17);
    memcpy(buf + 17, "X-Long: ", 8);
    assert_int_equal(lc_http1_parse_response_head(buf, 17 + 100 * 1024, &h, NULL, 0, NULL), -2);
    assert_int_equal(lc_http1_parse_response_head(buf, 17 + 100 * 1024 + 1, &h, NULL, 0, NULL), -1);
    assert_int_equal(h.error, LC_HTTP1_E_HEADER_TOO_LONG);
    free(buf);
}

/* ---- body decoder errors ------------------------------------------------------------ */

struct chunk_case {
    const char *body;
    ssize_t consumed; /* -1: error */
    uint64_t bytes;
    int done;
    int error;
};

static const struct chunk_case chunk_cases[] = {
    {"0\r\n\r\n", 5, 0, 1, 0},
    {"0\n\n", 3, 0, 1, 0},
    {"1\r\nx\r\n0\r\nA: b\r\nC:d\n\r\n", 21, 1, 1, 0},
    {"1 \t;a=b;c\t\r\nx\r\n0 \r\n\r\n", 21, 1, 1, 0},
    {"ffffffffffffffff\r\nabc", 21, 3, 0, 0},
    {"FfFf\r\nabc", 9, 3, 0, 0},
    {"2\r\nab\r\n", 7, 2, 0, 0},
    {"", 0, 0, 0, 0},
    {"10000000000000000\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_TOO_LONG},
    {"00000000000000001\r\nx\r\n0\r\n\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_TOO_LONG},
    {"g\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"1g\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {";ext\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {" 1\r\nx\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"-1\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"0x1\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"1 2\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"1\rx", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"1;a\x01\r\n", -1, 0, 0, LC_HTTP1_E_CHUNK_SIZE},
    {"1\r\nxy\r\n", -1, 1, 0, LC_HTTP1_E_CHUNK_DATA},
    {"1\r\nx\rz", -1, 1, 0, LC_HTTP1_E_CHUNK_DATA},
    {"3\r\nabc0\r\n\r\n", -1, 3, 0, LC_HTTP1_E_CHUNK_DATA},
    {"0\r\nbad trailer\r\n\r\n", -1, 0, 0, LC_HTTP1_E_TRAILER},
    {"0\r\n folded: x\r\n\r\n", -1, 0, 0, LC_HTTP1_E_TRAILER},
    {"0\r\nA: b\rc\r\n\r\n", -1, 0, 0, LC_HTTP1_E_TRAILER},
    {"0\r\n\rx", -1, 0, 0, LC_HTTP1_E_TRAILER},
    {"0\r\nA: b\r\r\n", -1, 0, 0, LC_HTTP1_E_TRAILER},
};

static void chunked_init(struct lc_http1_body *b)
{
    struct lc_http1_request_head rq;
    const char *h = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(parse_req(h, strlen(h), &rq), (int)strlen(h));
    lc_http1_body_init_request(b, &rq);
    assert_int_equal(b->mode, LC_HTTP1_BODY_CHUNKED);
}

static void test_chunked_cases(void **state)
{
    (void)state;
    struct lc_http1_body init;
    chunked_init(&init);
    for (size_t i = 0; i < COUNT(chunk_cases); i++) {
        const struct chunk_case *c = &chunk_cases[i];
        struct lc_http1_body b = init;
        ssize_t n = feed_all(&b, c->body, strlen(c->body));
        if (n != c->consumed)
            fprintf(stderr, "chunk case %zu\n", i);
        assert_int_equal(n, c->consumed);
        if (n < 0) {
            assert_int_equal(b.error, c->error);
            assert_int_equal(lc_http1_body_feed(&b, "0\r\n\r\n", 5), -1); /* sticky */
            assert_int_equal(lc_http1_body_eof(&b), -1);
        } else {
            assert_int_equal(b.bytes, c->bytes);
            assert_int_equal(b.done, c->done);
        }
        check_body_splits(&init, c->body, strlen(c->body), c->consumed, c->bytes, c->done,
                          c->error);
    }
}

static void test_chunked_line_limits(void **state)
{
    (void)state;
    struct lc_http1_body init, b;
    chunked_init(&init);
    size_t n = 400 * 1024;
    char *buf = calloc(1, n);
    assert_non_null(buf);
    /* An extension without end is cut off at the line limit. */
    memcpy(buf, "1;", 2);
    memset(buf + 2, 'e', n - 2);
    b = init;
    assert_int_equal(lc_http1_body_feed(&b, buf, 100 * 1024), 100 * 1024);
    assert_int_equal(lc_http1_body_feed(&b, buf + 100 * 1024, 1), -1);
    assert_int_equal(b.error, LC_HTTP1_E_CHUNK_SIZE);
    /* An endless trailer line is cut off at the line limit. */
    memcpy(buf, "0\r\nX:", 5);
    memset(buf + 5, 'v', n - 5);
    b = init;
    assert_int_equal(lc_http1_body_feed(&b, buf, n), -1);
    assert_int_equal(b.error, LC_HTTP1_E_TRAILER);
    /* Many short trailer lines are cut off at the head limit. */
    memcpy(buf, "0\r\n", 3);
    for (size_t i = 3; i + 6 <= n; i += 6)
        memcpy(buf + i, "X: y\r\n", 6);
    b = init;
    assert_int_equal(lc_http1_body_feed(&b, buf, n), -1);
    assert_int_equal(b.error, LC_HTTP1_E_TRAILER);
    assert_true(b.trailer_bytes > 300 * 1024 - 8);
    free(buf);
}

static void test_truncation(void **state)
{
    (void)state;
    struct lc_http1_response_head h;
    struct lc_http1_body b;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    assert_true(parse_resp(cl, strlen(cl), &h) > 0);
    lc_http1_body_init_response(&b, &h, 0);
    assert_int_equal(lc_http1_body_feed(&b, "12345", 5), 5);
    assert_int_equal(b.done, 0);
    assert_int_equal(lc_http1_body_eof(&b), -1);
    assert_int_equal(b.error, LC_HTTP1_E_TRUNCATED);
    assert_int_equal(lc_http1_body_feed(&b, "67890", 5), -1);

    const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const char *parts[] = {"",
                           "5",
                           "5\r",
                           "5\r\nab",
                           "5\r\nabcde",
                           "5\r\nabcde\r\n",
                           "5\r\nabcde\r\n0\r\n",
                           "5\r\nabcde\r\n0\r\nX: y\r\n"};
    for (size_t i = 0; i < COUNT(parts); i++) {
        assert_true(parse_resp(ch, strlen(ch), &h) > 0);
        lc_http1_body_init_response(&b, &h, 0);
        assert_int_equal(lc_http1_body_feed(&b, parts[i], strlen(parts[i])),
                         (ssize_t)strlen(parts[i]));
        assert_int_equal(lc_http1_body_eof(&b), -1);
        assert_int_equal(b.error, LC_HTTP1_E_TRUNCATED);
    }
    /* A complete body is not truncated by EOF. */
    lc_http1_body_init_response(&b, &h, 0);
    assert_int_equal(lc_http1_body_feed(&b, "0\r\n\r\n", 5), 5);
    assert_int_equal(lc_http1_body_eof(&b), 0);
}

/* ---- every split point ------------------------------------------------------------ */

static void check_resp_prefixes(const struct resp_case *c, const char *buf, size_t len)
{
    size_t hl = strlen(c->head);
    struct lc_http1_response_head full;
    assert_int_equal(parse_resp(buf, len, &full), (int)hl);
    for (size_t n = 0; n <= len; n++) {
        struct lc_http1_response_head h;
        int r = parse_resp(buf, n, &h);
        if (n < hl) {
            assert_int_equal(r, -2);
            continue;
        }
        assert_int_equal(r, (int)hl);
        assert_int_equal(h.status, full.status);
        assert_int_equal(h.minor_version, full.minor_version);
        assert_int_equal(h.header_count, full.header_count);
        assert_int_equal(h.reason_len, full.reason_len);
        assert_memory_equal(&h.framing, &full.framing, sizeof(h.framing));
    }
}

static void test_response_splits(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(resp_cases); i++) {
        const struct resp_case *c = &resp_cases[i];
        size_t len;
        char *buf = resp_case_buf(c, &len);
        check_resp_prefixes(c, buf, len);
        struct lc_http1_response_head h;
        size_t hl = (size_t)parse_resp(buf, len, &h);
        struct lc_http1_body init;
        lc_http1_body_init_response(&init, &h, c->request_was_head);
        check_body_splits(&init, buf + hl, len - hl, (ssize_t)strlen(c->body), c->bytes, c->done,
                          0);
        free(buf);
    }
}

static void test_request_splits(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(req_cases); i++) {
        const struct req_case *c = &req_cases[i];
        size_t len;
        char *buf = req_case_buf(c, &len);
        size_t hl = strlen(c->head);
        struct lc_http1_request_head full, h;
        assert_int_equal(parse_req(buf, len, &full), (int)hl);
        for (size_t n = 0; n <= len; n++) {
            int r = parse_req(buf, n, &h);
            if (n < hl) {
                assert_int_equal(r, -2);
                continue;
            }
            assert_int_equal(r, (int)hl);
            assert_int_equal(h.method_len, full.method_len);
            assert_int_equal(h.target_len, full.target_len);
            assert_int_equal(h.header_count, full.header_count);
            assert_memory_equal(&h.framing, &full.framing, sizeof(h.framing));
        }
        struct lc_http1_body init;
        lc_http1_body_init_request(&init, &full);
        check_body_splits(&init, buf + hl, len - hl, (ssize_t)strlen(c->body), c->bytes, 1, 0);
        free(buf);
    }
}

/* ---- guard page --------------------------------------------------------------------- */

struct guard {
    char *map;
    size_t page;
};

static void guard_open(struct guard *g)
{
    g->page = (size_t)sysconf(_SC_PAGESIZE);
    g->map = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    assert_int_equal(mprotect(g->map + g->page, g->page, PROT_NONE), 0);
}

/* Copy s[0..n) so that its last byte is the last readable one; returns the copy. */
static const char *guard_place(struct guard *g, const char *s, size_t n)
{
    assert_true(n <= g->page);
    char *dst = g->map + g->page - n;
    memcpy(dst, s, n);
    return dst;
}

static void guard_close(struct guard *g)
{
    assert_int_equal(munmap(g->map, 2 * g->page), 0);
}

static void test_guard_page(void **state)
{
    (void)state;
    struct guard g;
    guard_open(&g);
    for (size_t i = 0; i < COUNT(resp_cases); i++) {
        const struct resp_case *c = &resp_cases[i];
        size_t len;
        char *buf = resp_case_buf(c, &len);
        /* Every prefix ends at the guard: incomplete parses read nothing beyond it. */
        for (size_t n = 0; n <= len; n++) {
            struct lc_http1_response_head h;
            const char *p = guard_place(&g, buf, n);
            int r = parse_resp(p, n, &h);
            if (r > 0) {
                struct lc_http1_body b;
                lc_http1_body_init_response(&b, &h, c->request_was_head);
                assert_true(lc_http1_body_feed(&b, p + r, n - (size_t)r) >= 0);
            }
        }
        /* The whole message (without the pipelined rest) at the guard. */
        size_t ml = strlen(c->head) + strlen(c->body);
        const char *p = guard_place(&g, buf, ml);
        check_resp_case(c, p, ml);
        free(buf);
    }
    for (size_t i = 0; i < COUNT(req_cases); i++) {
        size_t len;
        char *buf = req_case_buf(&req_cases[i], &len);
        for (size_t n = 0; n <= len; n++) {
            struct lc_http1_request_head h;
            const char *p = guard_place(&g, buf, n);
            int r = parse_req(p, n, &h);
            if (r > 0) {
                struct lc_http1_body b;
                lc_http1_body_init_request(&b, &h);
                assert_true(lc_http1_body_feed(&b, p + r, n - (size_t)r) >= 0);
            }
        }
        size_t ml = strlen(req_cases[i].head) + strlen(req_cases[i].body);
        check_req_case(&req_cases[i], guard_place(&g, buf, ml), ml);
        free(buf);
    }
    for (size_t i = 0; i < COUNT(bad_responses); i++) {
        const char *s = bad_responses[i].msg;
        for (size_t n = 0; n <= strlen(s); n++) {
            struct lc_http1_response_head h;
            int r = parse_resp(guard_place(&g, s, n), n, &h);
            assert_true(r == -1 || r == -2);
        }
    }
    for (size_t i = 0; i < COUNT(bad_requests); i++) {
        const char *s = bad_requests[i].msg;
        for (size_t n = 0; n <= strlen(s); n++) {
            struct lc_http1_request_head h;
            int r = parse_req(guard_place(&g, s, n), n, &h);
            assert_true(r == -1 || r == -2);
        }
    }
    struct lc_http1_body init;
    chunked_init(&init);
    for (size_t i = 0; i < COUNT(chunk_cases); i++) {
        const char *s = chunk_cases[i].body;
        struct lc_http1_body b = init;
        ssize_t n = lc_http1_body_feed(&b, guard_place(&g, s, strlen(s)), strlen(s));
        assert_int_equal(n, chunk_cases[i].consumed);
    }
    guard_close(&g);
}

/* ---- pipelining ------------------------------------------------------------------- */

static void test_pipelining(void **state)
{
    (void)state;
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                      "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nf";
    const uint64_t want_bytes[] = {3, 2, 0, 1};
    const int want_status[] = {200, 200, 304, 200};
    size_t len = strlen(two), pos = 0, k = 0;
    while (pos < len) {
        struct lc_http1_response_head h;
        int r = parse_resp(two + pos, len - pos, &h);
        assert_true(r > 0);
        assert_true(k < COUNT(want_bytes));
        assert_int_equal(h.status, want_status[k]);
        pos += (size_t)r;
        struct lc_http1_body b;
        lc_http1_body_init_response(&b, &h, 0);
        ssize_t n = lc_http1_body_feed(&b, two + pos, len - pos);
        assert_true(n >= 0);
        assert_int_equal(b.done, 1);
        assert_int_equal(b.bytes, want_bytes[k]);
        pos += (size_t)n;
        k++;
    }
    assert_int_equal(pos, len);
    assert_int_equal(k, 4);

    /* Pipelined requests, with a stray CRLF after a body. */
    const char *reqs = "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nxy\r\n"
                       "GET /b HTTP/1.1\r\n\r\n";
    struct lc_http1_request_head rq;
    struct lc_http1_body b;
    int r = parse_req(reqs, strlen(reqs), &rq);
    assert_true(r > 0);
    lc_http1_body_init_request(&b, &rq);
    ssize_t n = lc_http1_body_feed(&b, reqs + r, strlen(reqs) - (size_t)r);
    assert_int_equal(n, 2);
    pos = (size_t)r + 2;
    r = parse_req(reqs + pos, strlen(reqs) - pos, &rq);
    assert_int_equal(r, (int)(strlen(reqs) - pos));
    assert_true(slice_eq(rq.target, rq.target_len, "/b"));
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = 0; e < LC_HTTP1_E_COUNT; e++) {
        const char *s = lc_http1_strerror(e);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (int f = 0; f < e; f++)
            assert_string_not_equal(s, lc_http1_strerror(f));
    }
    assert_non_null(lc_http1_strerror(-1));
    assert_non_null(lc_http1_strerror(LC_HTTP1_E_COUNT));
    assert_string_equal(lc_http1_strerror(-1), lc_http1_strerror(9999));
    assert_int_equal(lc_http1_default_limits.max_head_bytes, 300 * 1024);
    assert_int_equal(lc_http1_default_limits.max_header_line, 100 * 1024);
    assert_int_equal(lc_http1_default_limits.max_headers, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_cases),
        cmocka_unit_test(test_response_fields),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_request_cases),
        cmocka_unit_test(test_bad_heads),
        cmocka_unit_test(test_nul_in_value),
        cmocka_unit_test(test_content_length_values),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_chunked_cases),
        cmocka_unit_test(test_chunked_line_limits),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_response_splits),
        cmocka_unit_test(test_request_splits),
        cmocka_unit_test(test_guard_page),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
