/* Reading JSONL files one line at a time, so memory follows the longest
 * line rather than the file. */
#ifndef TFY_MOCK_JSONL_H
#define TFY_MOCK_JSONL_H

#include <stdbool.h>
#include <stddef.h>

/* Calls `fn` for each line of `path` that is not blank (newline removed,
 * NUL-terminated), numbered from 1, until it returns false. Blank lines
 * (spaces, tabs and a carriage return only) are counted but skipped, as
 * libtfy's input checker skips them. A final line without a newline counts;
 * an empty file has none. Returns false when the file cannot be opened or
 * read. */
bool mgw_jsonl_each(const char *path,
                    bool (*fn)(const char *line, size_t len, long long lineno, void *ctx), void *ctx);

#endif
