/* Base64 (RFC 4648, standard alphabet, '=' padding): encode and strict decode. */
#ifndef LC_CORE_BASE64_H
#define LC_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Length of the base64 text for n bytes, padding included, NUL excluded. */
size_t lc_base64_encoded_len(size_t n);

/* Upper bound of the bytes that len characters of base64 decode to. */
size_t lc_base64_decoded_max(size_t len);

/*
 * Encode n bytes of src into dst, which must have room for
 * lc_base64_encoded_len(n) + 1 characters; writes a NUL and returns the text
 * length. src may be NULL when n is 0.
 */
size_t lc_base64_encode_buf(const void *src, size_t n, char *dst);

/*
 * Encode n bytes of src into a new NUL-terminated string. *out is malloc'd and
 * owned by the caller; *out_len (if not NULL) gets its length.
 * Returns 0, LC_ENOMEM, or LC_ERANGE when n is too large to encode.
 */
int lc_base64_encode(const void *src, size_t n, char **out, size_t *out_len) LC_WARN_UNUSED;

/*
 * Decode len characters of text into dst, which must have room for
 * lc_base64_decoded_max(len) bytes; *out_len gets the decoded length.
 * Strict: only the standard alphabet, padding optional but correct when
 * present, nothing after it, unused trailing bits zero. No whitespace.
 * Returns 0 or LC_EFORMAT (dst may be partly written then).
 */
int lc_base64_decode_buf(const char *text, size_t len, uint8_t *dst,
                         size_t *out_len) LC_WARN_UNUSED;

/*
 * Decode len characters of text into a new buffer (*out malloc'd, owned by the
 * caller, never NULL on success even when empty). Same rules as
 * lc_base64_decode_buf. Returns 0, LC_EFORMAT or LC_ENOMEM; *out is NULL on
 * failure.
 */
int lc_base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len) LC_WARN_UNUSED;

#endif
