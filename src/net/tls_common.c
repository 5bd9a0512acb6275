/* OpenSSL set-up and error text shared by the TLS client and server. */
#include "net/tls_common.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

int lc_tls_init(struct lc_error *err)
{
    /* Thread-safe and idempotent in OpenSSL >= 1.1.0. */
    if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) !=
        1)
        return lc_error_set(err, LC_ENOMEM, "cannot initialise OpenSSL");
    return 0;
}

const char *lc_tls_error_text(char *buf, size_t size, const char *fallback)
{
    size_t len = 0;
    unsigned long e;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        const char *reason = ERR_reason_error_string(e);
        char code[32];
        if (!reason) {
            snprintf(code, sizeof(code), "error %d", ERR_GET_REASON(e));
            reason = code;
        }
        /* Repeated reasons (one per stack frame) add nothing. */
        if (strstr(buf, reason))
            continue;
        int n = snprintf(buf + len, size - len, "%s%s", len ? "; " : "", reason);
        if (n < 0 || (size_t)n >= size - len) {
            ERR_clear_error();
            break;
        }
        len += (size_t)n;
    }
    if (len == 0)
        snprintf(buf, size, "%s", fallback ? fallback : "unknown TLS error");
    return buf;
}

const char *lc_tls_library_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION_STRING);
}
