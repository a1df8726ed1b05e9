/*
 * Benchmark 7: peak memory of decoding hostile bodies (tests/hostile_bodies.h)
 * of a given size, each in its own child process.
 *
 *   decode_memory [MIB [BODY]]
 *
 * MIB defaults to 32 (the default max_response_bytes); BODY, an index into
 * hostile_bodies, measures that body alone.  Prints one line a
 * body: its name, its size and the peak RSS growth (the body included),
 * also as a multiple of the body's size.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hostile_bodies.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 32;
	size_t bytes = mib << 20;
	size_t only = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : HOSTILE_BODIES;
	int rc = 0;
	for (size_t k = 0; k < HOSTILE_BODIES; k++) {
		if (only < HOSTILE_BODIES && k != only)
			continue;
		long kib = hostile_rss_kib(k, bytes);
		if (kib < 0) {
			printf("%-40s %4zu MiB  decode failed\n", hostile_bodies[k].name, mib);
			rc = 1;
			continue;
		}
		printf("%-40s %4zu MiB  peak RSS +%6.1f MiB  (%.1fx the body)\n",
		       hostile_bodies[k].name, mib, (double)kib / 1024,
		       (double)kib * 1024 / (double)bytes);
	}
	return rc;
}
