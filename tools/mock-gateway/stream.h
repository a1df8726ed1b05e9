/* Response bodies produced piece by piece by libmicrohttpd content readers:
 * for faults that must control exactly what reaches the wire, and when. */
#ifndef TFY_MOCK_STREAM_H
#define TFY_MOCK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "sleeper.h"

/* How a drip stream paces itself. */
struct mgw_drip {
	size_t piece;              /* bytes per piece, at least 1 */
	unsigned long interval_ms; /* pause before each piece after the first */
	struct mgw_sleeper *sleeper;
	int fd; /* the client's socket, so a hang-up ends the pauses */
};

/* Sends `len` bytes of `buf` (taken over, freed by the response) as paced by
 * `drip`. NULL on failure, `buf` freed. */
struct MHD_Response *mgw_stream_drip(char *buf, size_t len, const struct mgw_drip *drip);

/* Announces all `len` bytes of `buf` (taken over) in Content-Length but
 * sends only the first `keep` (< len), then closes the connection. */
struct MHD_Response *mgw_stream_drop(char *buf, size_t len, size_t keep);

/* A valid JSON list body of `size` bytes (or its bare envelope, if larger),
 * generated as it is sent; `chunked` leaves the size unannounced. */
struct MHD_Response *mgw_stream_huge(uint64_t size, bool chunked);

/* The `size` bytes of the open file `fd` (taken over, closed with the
 * response), announced in full in Content-Length; only the first `keep`
 * are sent before the connection closes when keep < size. */
struct MHD_Response *mgw_stream_file(int fd, uint64_t size, uint64_t keep);

#endif
