#include "headers.h"

#include "alloc.h"

#include <string.h>
#include <strings.h>

#include "mask.h"

typedef struct entry {
	char *name; /* lower case */
	char *value;
} entry;

struct tfy__headers {
	size_t count;
	size_t bytes; /* of names and values as received, against TFY__HEADERS_BYTES_MAX */
	entry items[TFY__HEADERS_MAX];
};

static const char *const default_names[] = { "x-request-id", "retry-after", "retry-after-ms",
	                                     "server-timing" };
static const char *const default_prefixes[] = { "x-ratelimit-", "x-tfy-" };

static int name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int tfy__headers_wanted(const tfy__keep *keep, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++)
		if (name_is(name, len, default_names[i]))
			return 1;
	for (size_t i = 0; i < sizeof(default_prefixes) / sizeof(default_prefixes[0]); i++) {
		size_t n = strlen(default_prefixes[i]);
		if (len > n && strncasecmp(name, default_prefixes[i], n) == 0)
			return 1;
	}
	for (size_t i = 0; keep && i < keep->count; i++)
		if (name_is(name, len, keep->names[i]))
			return 1;
	return 0;
}

static entry *find(const tfy__headers *h, const char *name, size_t len)
{
	for (size_t i = 0; h && i < h->count; i++)
		if (name_is(name, len, h->items[i].name))
			return (entry *)&h->items[i];
	return NULL;
}

static char *lower_dup(const char *s, size_t n)
{
	char *copy = tfy__text_dup(s, n);
	for (size_t i = 0; copy && i < n; i++)
		if (copy[i] >= 'A' && copy[i] <= 'Z')
			copy[i] = (char)(copy[i] - 'A' + 'a');
	return copy;
}

int tfy__headers_add(tfy__headers **h, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
	if (name_len == 0 || name_len > TFY__HEADER_NAME_MAX)
		return 0;
	if (!*h && !(*h = tfy__calloc(1, sizeof(**h))))
		return -1;
	tfy__headers *k = *h;
	entry *e = find(k, name, name_len);
	size_t old = e ? strlen(e->value) : 0, extra = e ? 0 : name_len;
	if (k->bytes - old + value_len + extra > TFY__HEADERS_BYTES_MAX ||
	    (!e && k->count == TFY__HEADERS_MAX))
		return 0; /* bounded: dropped */
	char *v = tfy__text_dup(value, value_len);
	if (!v)
		return -1;
	if (!e) {
		char *n = lower_dup(name, name_len);
		if (!n) {
			tfy__free(v);
			return -1;
		}
		e = &k->items[k->count++];
		e->name = n;
		e->value = NULL;
	}
	tfy__free(e->value);
	e->value = v;
	k->bytes = k->bytes - old + value_len + extra;
	return 0;
}

int tfy__headers_finish(tfy__headers *h, tfy__secrets secrets)
{
	for (size_t i = 0; h && i < h->count; i++)
		if (tfy__text_finish((const char **)&h->items[i].value, TFY__HEADER_VALUE_MAX, 0,
		                     secrets) < 0)
			return -1;
	return 0;
}

int tfy__headers_dup(const tfy__headers *h, tfy__headers **out)
{
	*out = NULL;
	if (!h || !h->count)
		return 0;
	tfy__headers *c = tfy__calloc(1, sizeof(*c));
	if (!c)
		return -1;
	for (size_t i = 0; i < h->count; i++) {
		entry *e = &c->items[i];
		if (!(e->name = tfy__strdup(h->items[i].name)) ||
		    !(e->value = tfy__strdup(h->items[i].value))) {
			tfy__free(e->name);
			tfy__headers_free(c);
			return -1;
		}
		c->count++;
	}
	c->bytes = h->bytes;
	*out = c;
	return 0;
}

const char *tfy__headers_get(const tfy__headers *h, const char *name)
{
	const entry *e = name ? find(h, name, strlen(name)) : NULL;
	return e ? e->value : NULL;
}

size_t tfy__headers_count(const tfy__headers *h)
{
	return h ? h->count : 0;
}

void tfy__headers_free(tfy__headers *h)
{
	for (size_t i = 0; h && i < h->count; i++) {
		tfy__free(h->items[i].name);
		tfy__free(h->items[i].value);
	}
	tfy__free(h);
}
