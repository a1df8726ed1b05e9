#include "mask.h"

#include "alloc.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define REDACTED "[REDACTED]"

/* The run of secret's leading characters that s[0..n) starts with, when it is masked; else 0. */
static size_t run_of(const char *s, size_t n, const char *secret)
{
	size_t k = 0;
	while (k < n && secret[k] && s[k] == secret[k])
		k++;
	return k >= TFY__SECRET_RUN_MIN || (k && !secret[k]) ? k : 0;
}

size_t tfy__secret_run_at(const char *s, size_t n, tfy__secrets secrets)
{
	size_t longest = 0;
	for (size_t i = 0; n && secrets && secrets[i]; i++) {
		size_t k = secrets[i][0] == s[0] ? run_of(s, n, secrets[i]) : 0;
		longest = k > longest ? k : longest;
	}
	return longest;
}

size_t tfy__mask_secrets(const char *s, tfy__secrets secrets, char *out, size_t size, size_t *hits)
{
	size_t n = strlen(s), w = 0;
	for (size_t i = 0; i < n;) {
		size_t k = tfy__secret_run_at(s + i, n - i, secrets);
		const char *from = k ? REDACTED : s + i;
		size_t len = k ? sizeof(REDACTED) - 1 : 1;
		for (size_t j = 0; j < len; j++, w++)
			if (w + 1 < size)
				out[w] = from[j];
		i += k ? k : 1;
		if (k && hits)
			(*hits)++;
	}
	if (size)
		out[w < size ? w : size - 1] = '\0';
	return w;
}

/* Masks every run of a secret in *slot (owned, replaced when anything was masked). */
static int mask_field(const char **slot, tfy__secrets secrets)
{
	size_t hits = 0;
	if (!*slot || !secrets)
		return 0;
	size_t n = tfy__mask_secrets(*slot, secrets, NULL, 0, &hits);
	if (!hits)
		return 0;
	char *out = tfy__malloc(n + 1);
	if (!out)
		return -1;
	tfy__mask_secrets(*slot, secrets, out, n + 1, NULL);
	tfy__free((char *)*slot);
	*slot = out;
	return 0;
}

/* Length of the longest end of s[0..n) that is a proper beginning of secret. */
static size_t key_prefix_at_end(const char *s, size_t n, const char *secret, size_t min)
{
	size_t slen = strlen(secret);
	for (size_t k = slen - 1 < n ? slen - 1 : n; k >= min && k > 0; k--)
		if (memcmp(s + n - k, secret, k) == 0)
			return k;
	return 0;
}

size_t tfy__secret_prefix_at_end(const char *s, size_t n, tfy__secrets secrets, size_t min)
{
	size_t longest = 0;
	for (size_t i = 0; secrets && secrets[i]; i++) {
		size_t k = *secrets[i] ? key_prefix_at_end(s, n, secrets[i], min) : 0;
		longest = k > longest ? k : longest;
	}
	return longest;
}

/* Where a cut of s (len bytes) at n would split a "[REDACTED]": its start; else n. */
static size_t marker_start(const char *s, size_t len, size_t n)
{
	const size_t m = sizeof(REDACTED) - 1;
	for (size_t p = n >= m ? n - m + 1 : 0; p < n; p++)
		if (p + m <= len && memcmp(s + p, REDACTED, m) == 0)
			return p;
	return n;
}

/*
 * Cuts a field to max bytes on a character boundary; when the cut leaves the
 * beginning of a secret at its end, that end is masked as well, and a mask
 * the cut would split is kept whole.
 */
static int cut_field(const char **slot, size_t max, tfy__secrets secrets)
{
	const char *s = *slot;
	size_t len = s ? strlen(s) : 0;
	if (len <= max)
		return 0;
	size_t n = tfy__utf8_cut(s, len, max), at = marker_start(s, len, n);
	size_t k = at < n ? n - at : tfy__secret_prefix_at_end(s, n, secrets, TFY__SECRET_PREFIX_MIN);
	char *out = tfy__malloc(n - k + sizeof(REDACTED));
	if (!out)
		return -1;
	memcpy(out, s, n - k);
	strcpy(out + n - k, k ? REDACTED : "");
	tfy__free((char *)*slot);
	*slot = out;
	return 0;
}

int tfy__text_is_control(uint32_t cp, int allow_lf)
{
	return (cp < 0x20 && cp != '\t' && !(allow_lf && cp == '\n')) || (cp >= 0x7f && cp < 0xA0);
}

/* Makes a field valid UTF-8 without control characters: each bad byte becomes U+FFFD. */
static int clean_field(const char **slot, int allow_lf)
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const char *s = *slot;
	if (!s)
		return 0;
	size_t n = strlen(s);
	char *out = tfy__malloc(3 * n + 1), *w = out;
	if (!out)
		return -1;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = tfy__utf8_decode(s + i, n - i, &cp);
		if (!len || tfy__text_is_control(cp, allow_lf)) {
			memcpy(w, replacement, 3);
			w += 3;
			i += len ? len : 1;
		} else {
			memcpy(w, s + i, len);
			w += len;
			i += len;
		}
	}
	*w = '\0';
	tfy__free((char *)*slot);
	*slot = out;
	return 0;
}

char *tfy__text_dup(const char *s, size_t n)
{
	char *copy = tfy__malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++)
		copy[i] = s[i] ? s[i] : '\x1a';
	copy[n] = '\0';
	return copy;
}

int tfy__text_finish(const char **slot, size_t max, int allow_lf, tfy__secrets secrets)
{
	if (mask_field(slot, secrets) < 0 || cut_field(slot, max, secrets) < 0 ||
	    clean_field(slot, allow_lf) < 0)
		return -1;
	return 0;
}
