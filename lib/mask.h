/*
 * Secrets and server text: the list of a client's and a call's secrets,
 * masking every echo of one, and readying text a server sent (cut to a
 * bound, cleaned to valid UTF-8 without control characters) before an
 * error, a kept header or a log line shows it.  Internal to libtfy.
 */
#ifndef TFY_MASK_H
#define TFY_MASK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The secrets of a client and a call (the API key, each key a credential
 * callback gave during the call, proxy credentials in every form they are
 * sent, a key's passphrase): a NULL-terminated list, or NULL for none;
 * empty strings in it are skipped.  Their order does not matter.
 */
typedef const char *const *tfy__secrets;

/*
 * A run of at least this many leading characters of a secret is masked
 * wherever it appears (a secret shorter than this, where it appears
 * whole): an echo of the key cut short by a server is still the key.
 */
#define TFY__SECRET_RUN_MIN 8

/*
 * Text cut to a bound that ends in this many or more leading characters of
 * a secret loses that end too: the cut may have split an echo of it.
 */
#define TFY__SECRET_PREFIX_MIN 4

/*
 * The length of the masked run that s[0..n) starts with: the longest k such
 * that s[0..k) is secret[0..k) for one of the secrets, k >= TFY__SECRET_RUN_MIN
 * or k the whole secret; 0 when there is none.
 */
size_t tfy__secret_run_at(const char *s, size_t n, tfy__secrets secrets);

/*
 * Writes s with every masked run (tfy__secret_run_at, longest first, left to
 * right) replaced by "[REDACTED]" into out, cut to size bytes with its NUL as
 * snprintf does (out may be NULL when size is 0).  Returns the length of the
 * whole result; *hits (when not NULL) is increased by the runs masked.
 */
size_t tfy__mask_secrets(const char *s, tfy__secrets secrets, char *out, size_t size, size_t *hits);

/* The length of the longest end of s[0..n) that is a beginning of a secret, from min bytes; 0 if none. */
size_t tfy__secret_prefix_at_end(const char *s, size_t n, tfy__secrets secrets, size_t min);

/*
 * A NUL-terminated copy of the n bytes at s, each NUL byte in them replaced
 * by SUB (0x1A): text from a server must not be cut short silently, and as
 * a control character it becomes U+FFFD when the text is finished.  NULL on
 * OOM.
 */
char *tfy__text_dup(const char *s, size_t n);

/* A control character server text never shows: C0 but tab (and LF when allow_lf), DEL, C1. */
int tfy__text_is_control(uint32_t cp, int allow_lf);

/*
 * Readies server text for the caller (*slot, owned, replaced; NULL is left
 * alone): every run of a secret masked (tfy__mask_secrets), then cut to max
 * bytes on a character boundary (a beginning of a secret of
 * TFY__SECRET_PREFIX_MIN bytes or more left at the end by the cut is masked
 * too, and a mask is never split), then cleaned to valid UTF-8 without
 * control characters (each bad byte or control becomes U+FFFD; line feeds
 * kept when allow_lf).  Returns 0 or -1 on OOM.
 */
int tfy__text_finish(const char **slot, size_t max, int allow_lf, tfy__secrets secrets);

#endif
