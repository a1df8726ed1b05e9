/* The custom_ids starting with "flaky" that a batch has run, remembered for
 * the life of the mock: such a request fails with 429 the first time it is
 * seen and succeeds afterwards, whichever batch carries it. */
#ifndef TFY_MOCK_FLAKY_H
#define TFY_MOCK_FLAKY_H

#include <stdbool.h>
#include <stddef.h>

#define MGW_FLAKY_PREFIX "flaky"

struct mgw_flaky;

/* Returns NULL on allocation failure. */
struct mgw_flaky *mgw_flaky_new(void);
void mgw_flaky_free(struct mgw_flaky *f);

/* True when `custom_id` (`len` bytes, may hold NUL) starts with "flaky". */
bool mgw_flaky_is(const char *custom_id, size_t len);

/* Remembers `custom_id`; true when it was not remembered before (or memory
 * ran out, which makes it fail once more, never succeed unseen). */
bool mgw_flaky_first_time(struct mgw_flaky *f, const char *custom_id, size_t len);

/* How many custom_ids are remembered. */
size_t mgw_flaky_count(struct mgw_flaky *f);

#endif
