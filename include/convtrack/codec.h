/*
 * Codecs of bytes as text: hex digits, base64 (RFC 4648, standard
 * alphabet) and strict UTF-8 (RFC 3629, Unicode table 3-7).  Pure: no I/O,
 * no allocation, no global mutable state; every caller owns its buffers.
 *
 * They are in core, apart from any one user, because the event parser,
 * the HMAC names, the redaction placeholders and the ct-kafka tool all
 * need the same answers: one implementation means one notion of "valid
 * UTF-8" and one base64 across the program and its tools.
 */
#ifndef CONVTRACK_CODEC_H
#define CONVTRACK_CODEC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Value of the hex digit c ('0'..'9', 'a'..'f', 'A'..'F'): 0..15, or -1
 * for any other c, negative or above 255 included (a plain char may be
 * passed as it is).
 */
int ct_hex_value(int c);

/*
 * Writes the 2 * n lower-case hex digits of in[0..n) and a NUL to out
 * (2 * n + 1 bytes).
 */
void ct_hex_encode(const unsigned char *in, size_t n, char *out);

/* Characters of the base64 text of n bytes, padding included, no NUL. */
#define CT_BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/* Room that ct_base64_decode() needs for text of n characters. */
#define CT_BASE64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

/*
 * Writes the base64 text of in[0..n) (standard alphabet, '=' padding) and
 * a NUL to out, which has room for CT_BASE64_ENCODED_LEN(n) + 1 bytes.
 */
void ct_base64_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decodes the base64 text in[0..n) (standard alphabet) into out, which has
 * room for CT_BASE64_DECODED_MAX(n) bytes, and sets *out_len.  Lenient the
 * way ct-kafka has always been: padding is optional (trailing '=' are
 * ignored, however many), and the unused low bits of the last character
 * are not checked.  White space, a NUL or any other character outside the
 * alphabet, or a length that leaves a single character in the last
 * quantum, is an error.  Returns 0, or -1 (out and *out_len are then
 * unspecified).
 */
int ct_base64_decode(const char *in, size_t n, unsigned char *out,
		     size_t *out_len) __attribute__((warn_unused_result));

/*
 * Length (1..4) of the well-formed UTF-8 sequence at the start of s, which
 * has n > 0 bytes, or 0 when it does not start with one: an overlong
 * form, a surrogate (U+D800..U+DFFF), a code point above U+10FFFF, a stray
 * continuation byte, or a sequence cut short by the end of s.  A NUL byte
 * is a sequence of length 1.
 */
size_t ct_utf8_seq_len(const unsigned char *s, size_t n);

/* True when s[0..n) is well-formed UTF-8 (see above); NUL bytes allowed. */
bool ct_utf8_valid(const unsigned char *s, size_t n);

/* Number of code points in s[0..n), which must be well-formed UTF-8. */
size_t ct_utf8_chars(const char *s, size_t n);

/* Room for a score written by ct_format_score(). */
#define CT_SCORE_LEN 32

/*
 * Writes v with at most 4 decimals and no trailing zeros ("0.25", "1",
 * never "-0"): the scores of `convtrack classify` and the caller API.
 */
void ct_format_score(double v, char out[CT_SCORE_LEN]);

#endif
