/* Uploaded and generated files, kept on disk in a private temporary
 * directory (mkdtemp under $TMPDIR) that goes away with the store. Bytes
 * stream to disk as they arrive, so memory stays flat whatever the size. */
#ifndef TFY_MOCK_STORE_H
#define TFY_MOCK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MGW_STORE_DEFAULT_MAX (1ull << 30)
#define MGW_FILE_ID_SIZE 32

struct mgw_store;
struct mgw_file_writer;

/* Creates the directory. `max_bytes` caps the total size of all files.
 * NULL with a reason in `err` on failure. */
struct mgw_store *mgw_store_new(uint64_t max_bytes, char *err, size_t err_size);

/* Removes every file and the directory, then frees. NULL is ok. */
void mgw_store_free(struct mgw_store *st);

/* The directory, for tests and messages. */
const char *mgw_store_dir(const struct mgw_store *st);

/* Starts a new file; NULL when the disk refuses or memory runs out. */
struct mgw_file_writer *mgw_store_begin(struct mgw_store *st);

/* Appends; false when the total would pass the cap (`*full` set) or on an
 * I/O error. The file is left for mgw_writer_abort either way. */
bool mgw_writer_write(struct mgw_file_writer *w, const void *data, size_t len, bool *full);

/* Makes the file visible under a new id and returns its file object (new
 * reference), or NULL on failure (the file is then removed). Frees `w`. */
json_t *mgw_writer_commit(struct mgw_file_writer *w, const char *filename, const char *purpose);

/* Removes the partial file and frees `w`. NULL is ok. */
void mgw_writer_abort(struct mgw_file_writer *w);

/* The file object of `id` (new reference), or NULL if there is none. */
json_t *mgw_store_object(struct mgw_store *st, const char *id);

/* Opens `id` for reading with its size; -1 if there is none. The file
 * stays readable through the descriptor even if deleted meanwhile. */
int mgw_store_open(struct mgw_store *st, const char *id, uint64_t *size);

/* GET /files: a list object {object, data, first_id, last_id, has_more}
 * of up to `limit` file objects in upload order (`asc`) or its reverse,
 * starting after the file `after` (NULL: at the first), only those of
 * `purpose` (NULL: every one). NULL with *unknown_after set when `after`
 * names no file, NULL alone on allocation failure. */
json_t *mgw_store_list(struct mgw_store *st, const char *after, size_t limit, bool asc,
                       const char *purpose, bool *unknown_after);

/* Deletes `id`; false if there is none. */
bool mgw_store_delete(struct mgw_store *st, const char *id);

/* Links a private copy of `id` (no bytes copied) that deletes cannot reach,
 * for a batch that must read its input later; returns its malloc'd path or
 * NULL. The caller unlinks it when done. */
char *mgw_store_keep(struct mgw_store *st, const char *id, const char *tag);

#endif
