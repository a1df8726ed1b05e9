#include "credential.h"

#include "alloc.h"

#include <string.h>

#include "error_internal.h"

void tfy__call_key_init(tfy__call_key *k, const tfy_client *c)
{
	k->buf = NULL;
	k->key = c->api_key;
	k->fixed = 0;
	k->earlier = 0;
	while (c->secrets[k->fixed]) {
		k->secrets[k->fixed] = c->secrets[k->fixed];
		k->fixed++;
	}
	k->secrets[k->fixed] = NULL;
	k->log = c->log;
	k->log.secrets = k->secrets;
}

void tfy__call_key_take(tfy__call_key *k, char *buf)
{
	if (k->buf) {
		tfy__scrub(k->buf, TFY_CREDENTIAL_MAX);
		tfy__free(k->buf);
	}
	size_t at = k->fixed + k->earlier;
	k->buf = buf;
	k->key = buf;
	k->secrets[at] = buf;
	k->secrets[at + (buf != NULL)] = NULL;
}

/*
 * Before the key next replaces the current one: a copy of the current one
 * joins the earlier keys, which stay masked until the call ends (an answer
 * may echo any key the call sent).  0, or -1 on OOM.
 */
static int keep_earlier(tfy__call_key *k, const char *next)
{
	if (!k->buf || strcmp(k->buf, next) == 0)
		return 0;
	for (size_t i = k->fixed; i < k->fixed + k->earlier; i++)
		if (strcmp(k->secrets[i], k->buf) == 0)
			return 0; /* kept already */
	if (k->earlier == TFY__CALL_KEYS_MAX)
		return -1; /* never: a call makes fewer requests */
	char *copy = tfy__strdup(k->buf);
	if (!copy)
		return -1;
	k->secrets[k->fixed + k->earlier++] = copy;
	k->secrets[k->fixed + k->earlier] = NULL; /* until tfy__call_key_take puts the next key there */
	return 0;
}

void tfy__call_key_clear(tfy__call_key *k)
{
	tfy__call_key_take(k, NULL);
	for (size_t i = k->fixed; i < k->fixed + k->earlier; i++) {
		char *copy = (char *)k->secrets[i];
		tfy__scrub(copy, strlen(copy));
		tfy__free(copy);
	}
	k->earlier = 0;
	k->secrets[k->fixed] = NULL;
}

static tfy_error *credential_error(const char *why)
{
	tfy_error *e = tfy__error_new(TFY_ERROR_AUTHENTICATION, "no API key: %s", why);
	if (e && tfy__error_put(&e->detail, why, strlen(why)) < 0) {
		tfy_error_free(e);
		return NULL;
	}
	return e;
}

tfy_code tfy__call_key_ask(const tfy_client *c, tfy__call_key *k, int32_t refresh, tfy_error **e)
{
	char *buf = tfy__calloc(1, TFY_CREDENTIAL_MAX);
	if (!buf)
		return TFY_ERROR_OUT_OF_MEMORY;
	const char *why = NULL;
	if (c->credential(c->credential_userdata, refresh, buf, TFY_CREDENTIAL_MAX) != 0)
		why = "the credential callback failed";
	else if (!memchr(buf, 0, TFY_CREDENTIAL_MAX))
		why = "the credential callback's key is not NUL-terminated within TFY_CREDENTIAL_MAX bytes";
	/* The key is never quoted back, as at tfy_client_new(). */
	else if (!tfy__header_value_ok(buf))
		why = "the credential callback's key is blank or contains CR, LF or another control "
		      "character";
	if (!why && keep_earlier(k, buf) < 0) {
		tfy__scrub(buf, TFY_CREDENTIAL_MAX);
		tfy__free(buf);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	if (!why) {
		tfy__call_key_take(k, buf);
		return TFY_OK;
	}
	tfy__scrub(buf, TFY_CREDENTIAL_MAX);
	tfy__free(buf);
	*e = credential_error(why);
	return *e ? TFY_ERROR_AUTHENTICATION : TFY_ERROR_OUT_OF_MEMORY;
}

int tfy__sending_prepare(const tfy_client *c, const tfy__request *req, const tfy__call_key *k,
                         tfy__sending *s)
{
	*s = (tfy__sending){ (const char *const *)req->headers, req->count, NULL, NULL };
	if (!c->credential)
		return 0;
	const tfy__target t = tfy__client_target(c);
	if (!(s->key_line = tfy__request_key_line(&t, k->key)) ||
	    !(s->own = tfy__calloc(req->count + 1, sizeof(char *))))
		return -1;
	for (size_t i = 0, j = 0; i <= req->count; i++)
		s->own[i] = i == req->safe_count ? s->key_line : req->headers[j++];
	s->headers = s->own;
	s->count = req->count + 1;
	return 0;
}

void tfy__sending_clear(tfy__sending *s)
{
	tfy__secret_free(s->key_line);
	tfy__free(s->own);
	s->key_line = NULL;
	s->own = NULL;
}
