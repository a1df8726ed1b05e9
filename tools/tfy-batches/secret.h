/*
 * tfy-batches: secrets read from files (a key's passphrase, proxy
 * credentials, a webhook signing secret), held no longer than needed and
 * overwritten before their memory goes back.
 */
#ifndef TFY_BATCHES_SECRET_H
#define TFY_BATCHES_SECRET_H

#include <stddef.h>

/* A secret file is one short line. */
#define SECRET_FILE_MAX 4096

/*
 * The first line of the file at path, without its line end (malloc'd; free
 * with secret_free); NULL with *why set when it cannot be read or is empty.
 */
char *secret_first_line(const char *path, const char **why);

/* Overwrites size bytes at s (may be NULL); the stores are kept. */
void secret_scrub(char *s, size_t size);

/* Overwrites a secret up to its NUL, then frees it; NULL is ignored. */
void secret_free(char *s);

#endif
