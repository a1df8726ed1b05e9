/*
 * tfy-batches: sizes as people write them: "200MB", "512KiB", "1G",
 * "1048576".
 */
#ifndef TFY_BATCHES_SIZE_H
#define TFY_BATCHES_SIZE_H

#include <stdint.h>

/*
 * A decimal number of bytes with an optional unit: k/K, M, G, T (with or
 * without a trailing B) are powers of 1000, as OpenAI counts its 200 MB;
 * KiB, MiB, GiB, TiB powers of 1024; B or none: bytes.  A fraction is
 * allowed with a unit ("1.5GB") and rounded down.  0 with *out set, -1 for
 * anything else (signs, spaces, overflow past INT64_MAX).
 */
int cli_parse_size(const char *text, int64_t *out);

#endif
