/*
 * The parse floor for benchmark 2: reads saved List batches bodies and parses
 * each with jansson's bare json_loadb + json_decref, nothing else.
 *
 *   parse_pages FILE...
 *
 * Prints "pages=P items=N bytes=B" (N: the sum of the data arrays' sizes,
 * as a check that the bodies are the listing's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int main(int argc, char **argv)
{
	size_t cap = 1 << 17, items = 0, bytes = 0;
	char *buf = malloc(cap);
	if (!buf)
		return 1;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			fprintf(stderr, "parse_pages: %s: %s\n", argv[i], strerror(errno));
			free(buf);
			return 1;
		}
		size_t n = 0;
		for (;;) {
			n += fread(buf + n, 1, cap - n, f);
			if (n < cap)
				break;
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				fclose(f);
				free(buf);
				return 1;
			}
			buf = grown;
			cap *= 2;
		}
		fclose(f);
		json_error_t jerr;
		json_t *root = json_loadb(buf, n, 0, &jerr);
		if (!root) {
			fprintf(stderr, "parse_pages: %s: %s\n", argv[i], jerr.text);
			free(buf);
			return 1;
		}
		items += json_array_size(json_object_get(root, "data"));
		bytes += n;
		json_decref(root);
	}
	free(buf);
	printf("pages=%d items=%zu bytes=%zu\n", argc - 1, items, bytes);
	return 0;
}
