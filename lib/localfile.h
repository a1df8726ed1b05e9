/*
 * Opening a local file the library reads as input: a file to upload, a
 * file to check.  Internal to libtfy.
 */
#ifndef TFY_LOCALFILE_H
#define TFY_LOCALFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opens path for reading, regular files only.  A FIFO, a device or a socket
 * has no size and may never end (a FIFO without a writer blocks open() and
 * read() past every deadline), so it is refused before anything waits on
 * it; a stream goes through a tfy_read_fn instead.  The open itself does
 * not block (O_NONBLOCK, cleared once the file is known to be regular).
 * Returns the descriptor (close-on-exec) with *size set to the file's size,
 * or -1 with the reason in why: strerror's text, or a sentence saying the
 * file is not a regular one.
 */
int tfy__open_regular(const char *path, int64_t *size, char *why, size_t why_size);

#endif
