/*
 * A job's journal: DIR/journal, the crash-safe record of every step of a
 * job (job.h), written before and after the step happens, from which the
 * job's state is rebuilt when it is opened again.
 *
 * Format (version 1).  Text, append-only, one record per line:
 *
 *     TYPE KEY=VALUE KEY=VALUE ...<TAB>CRC\n
 *
 * TYPE and KEY are lower-case words; a VALUE is percent-encoded (every
 * byte below 0x21, 0x7f, '%' and '='), so a line holds no blank but the
 * separators; CRC is the CRC-32 (IEEE) of the bytes before the tab, as 8
 * lower-case hex digits.  A key the reader does not know is ignored, so
 * later versions may add keys; a record type it does not know fails the
 * open (an older library does not run a job it cannot read).  The records:
 *
 *   job v=1 id= input= endpoint= window= max_requests= max_bytes=
 *       max_tokens= min_requests= retries= provider= started=
 *                                 the job, always the first record
 *   shard r= i= offset= bytes= requests= tokens=
 *                                 a shard of round r planned
 *   round r= shards= requests= [size= mtime=]
 *                                 every shard of round r is recorded (round
 *                                 0: the input's size and mtime in ns)
 *   upload r= i=                  the shard's upload is about to be sent
 *   uploaded r= i= file=          ... and the server stored it as file
 *   create r= i=                  the shard's batch create is about to be sent
 *   created r= i= batch=          ... and the batch exists
 *   ended r= i= status= output= error= total= completed= failed= why=
 *                                 a poll saw the batch in a terminal state
 *   downloaded r= i= kind=(output|error) path= bytes=
 *                                 the file is in DIR/results, complete
 *   settled r= i= ok= failed= retry= requests= prompt= completion=
 *       cached= reasoning= cost= has_cost=
 *                                 DIR/settled/r<r>-s<i>.jsonl is written
 *   rounddone r= retry=           every shard of round r is settled
 *   merged succeeded= failed=     output.jsonl and errors.jsonl are written
 *   cancelled                     the job was cancelled (by any process)
 *   done                          the job ended
 *
 * Each append is one write(2) of whole lines under an exclusive flock on
 * the journal, then fdatasync; files and directories the job creates are
 * fsync'd with their directory.  On replay a line that does not end in a
 * line feed or whose CRC does not match ends the journal: it and anything
 * after it are what a crash tore, ignored, and cut off by the next append.
 * Applying a record twice leaves the state as applying it once.
 *
 * A second lock, a non-blocking flock on DIR/lock (which holds the pid of
 * its holder), is held by the process running the job.  Internal to libtfy.
 */
#ifndef TFY_JOB_JOURNAL_H
#define TFY_JOB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "job_data.h"
#include "tfy/job.h"

/* Rounds a journal holds: the first and the retries. */
#define TFY__JOURNAL_ROUNDS (TFY_JOB_RETRIES_MAX + 1)

/* The length of a job id: 128 random bits in hex. */
#define TFY__JOB_ID_LEN 32

/* One shard of one round, as the journal has it. */
typedef struct tfy__jshard {
	int32_t round;
	int32_t index;
	tfy__shard_plan plan;
	int upload_intent; /* an upload was sent (maybe) */
	int create_intent; /* a create was sent (maybe) */
	char *file_id;     /* uploaded; NULL before */
	char *batch_id;    /* created; NULL before */
	/* ended: the batch's terminal state */
	int ended;
	char *status;
	char *output_file_id;
	char *error_file_id;
	char *why; /* the batch's own error, or NULL */
	int64_t total, completed, failed;
	/* downloaded */
	char *output_path;
	char *error_path;
	/* settled */
	int settled;
	int64_t ok, lost, retry; /* lines: succeeded, failed for good, sent to the next round */
	tfy_job_usage usage;
} tfy__jshard;

typedef struct tfy__jround {
	int planned;      /* its "round" record is there: shards holds all its shards */
	size_t first;     /* index of its shard 0 in the state's shards */
	int64_t shards;   /* shards recorded so far (all of them once planned) */
	int64_t requests; /* lines of its input */
	int done;         /* every shard settled ("rounddone") */
	int64_t retry;    /* lines it sends to the next round */
} tfy__jround;

/* What a journal says. */
typedef struct tfy__jstate {
	int has_job;
	char id[TFY__JOB_ID_LEN + 1];
	char *input;   /* absolute path */
	int64_t size;  /* of the input when planned */
	int64_t mtime; /* its modification time, ns */
	char *endpoint;
	char *window;
	int64_t max_requests, max_bytes, max_tokens, min_requests;
	int32_t retries;
	int32_t provider_kind;
	int64_t started; /* Unix seconds the job was made */
	tfy__jround rounds[TFY__JOURNAL_ROUNDS];
	int32_t rounds_count; /* rounds with a shard or round record */
	tfy__jshard *shards;  /* round then index order */
	size_t shards_count;
	size_t shards_cap;
	int merged;
	int64_t succeeded, failed;
	int cancelled;
	int done;
} tfy__jstate;

typedef struct tfy__journal tfy__journal;

/*
 * Opens the journal of dir, creating dir (mode 0700 when new) and an empty
 * journal when `create`, and replays it.  TFY_ERROR_IO when the directory
 * or journal cannot be made or read (or is missing without `create`), a
 * record is of an unknown type or does not fit the state (TFY_ERROR_IO,
 * "journal ... line N"); TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__journal_open(const char *dir, int create, tfy__journal **out, tfy_error **err);
void tfy__journal_close(tfy__journal *j);

/* The state replayed so far; valid until the next call on j. */
const tfy__jstate *tfy__journal_state(const tfy__journal *j);
const char *tfy__journal_dir(const tfy__journal *j);

/* The shard (round, index), or NULL when not recorded. */
tfy__jshard *tfy__journal_shard(const tfy__journal *j, int32_t round, int32_t index);

/* Reads the records other processes appended since (a cancel); TFY_OK or TFY_ERROR_IO. */
tfy_code tfy__journal_refresh(tfy__journal *j, tfy_error **err);

/*
 * A record being built: begin with its type, add keys, then append.  Keys
 * with a NULL text are left out.  Memory running out while it is built
 * marks it failed, and the append then refuses it: a record is written
 * whole or not at all.  A record over 64 KiB is refused.
 */
typedef struct tfy__jrec {
	tfy__buf buf;
	int failed;
} tfy__jrec;
#define TFY__JREC_INIT \
	{ \
		TFY__BUF_INIT, 0 \
	}
void tfy__jrec_begin(tfy__jrec *r, const char *type);
void tfy__jrec_str(tfy__jrec *r, const char *key, const char *value);
void tfy__jrec_int(tfy__jrec *r, const char *key, int64_t value);
void tfy__jrec_double(tfy__jrec *r, const char *key, double value);
void tfy__jrec_clear(tfy__jrec *r);

/*
 * Appends the record r (emptied after, its memory kept): under the journal's lock, the
 * records others appended are read first and a torn tail is cut; the line
 * is written, fdatasync'd and applied.  TFY_ERROR_IO (nothing applied),
 * TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__journal_append(tfy__journal *j, tfy__jrec *r, tfy_error **err);

/*
 * Takes the run lock of the job's directory (DIR/lock), without waiting:
 * TFY_ERROR_IO "... is being run by process PID" when another holds it.
 * Held until tfy__journal_unlock or the journal is closed.
 */
tfy_code tfy__journal_lock(tfy__journal *j, tfy_error **err);
void tfy__journal_unlock(tfy__journal *j);

/* A new job id: 128 bits from getrandom(2) in hex.  0, or -1 (errno set). */
int tfy__job_id_new(char id[TFY__JOB_ID_LEN + 1]);

/* fsync of a directory, after a name in it was created or renamed: 0 or -1. */
int tfy__dir_sync(const char *dir);

/* The CRC-32 (IEEE 802.3, as zlib's crc32) of n bytes. */
uint32_t tfy__crc32(const char *s, size_t n);

#endif
