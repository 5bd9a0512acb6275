/* Base64 (RFC 4648, standard alphabet, '=' padding): encode and strict decode. */
#include "core/base64.h"

#include <stdlib.h>

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Sextet of a base64 character, or -1 for anything outside the alphabet. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t lc_base64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

size_t lc_base64_decoded_max(size_t len)
{
    return len / 4 * 3 + (len % 4) * 3 / 4;
}

size_t lc_base64_encode_buf(const void *src, size_t n, char *dst)
{
    const uint8_t *p = src;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
        dst[o++] = alphabet[(v >> 6) & 63];
        dst[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
        dst[o++] = '=';
        dst[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        dst[o++] = alphabet[v >> 18];
        dst[o++] = alphabet[(v >> 12) & 63];
        dst[o++] = alphabet[(v >> 6) & 63];
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return o;
}

int lc_base64_encode(const void *src, size_t n, char **out, size_t *out_len)
{
    *out = NULL;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
        return LC_ERANGE;
    char *text = malloc(lc_base64_encoded_len(n) + 1);
    if (!text)
        return LC_ENOMEM;
    size_t len = lc_base64_encode_buf(src, n, text);
    if (out_len)
        *out_len = len;
    *out = text;
    return 0;
}

int lc_base64_decode_buf(const char *text, size_t len, uint8_t *dst, size_t *out_len)
{
    *out_len = 0;
    /* Padding: at most two '=' and only to complete the last quantum. */
    size_t data_len = len;
    if (len % 4 == 0 && len > 0 && text[len - 1] == '=') {
        data_len--;
        if (text[len - 2] == '=')
            data_len--;
    }
    if (data_len % 4 == 1)
        return LC_EFORMAT;
    size_t o = 0, i = 0;
    uint32_t acc = 0;
    for (; i < data_len; i++) {
        int s = sextet((unsigned char)text[i]);
        if (s < 0)
            return LC_EFORMAT;
        acc = acc << 6 | (uint32_t)s;
        if (i % 4 == 3) {
            dst[o++] = (uint8_t)(acc >> 16);
            dst[o++] = (uint8_t)(acc >> 8);
            dst[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    /* A partial quantum of 2 or 3 characters holds 1 or 2 bytes; its spare bits must be 0. */
    if (data_len % 4 == 2) {
        if (acc & 0xf)
            return LC_EFORMAT;
        dst[o++] = (uint8_t)(acc >> 4);
    } else if (data_len % 4 == 3) {
        if (acc & 0x3)
            return LC_EFORMAT;
        dst[o++] = (uint8_t)(acc >> 10);
        dst[o++] = (uint8_t)(acc >> 2);
    }
    *out_len = o;
    return 0;
}

int lc_base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    uint8_t *buf = malloc(lc_base64_decoded_max(len) + 1);
    if (!buf)
        return LC_ENOMEM;
    int rc = lc_base64_decode_buf(text, len, buf, out_len);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}
