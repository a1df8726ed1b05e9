/**
 * @file
 * libtfy: jobs larger than one batch.  A job runs one JSONL input of any
 * size to the end as many batches: it cuts the input into shards that each
 * respect the target's limits, uploads and creates up to `concurrency` of
 * them at once (through one thread: libcurl's multi interface inside the
 * library), watches every live batch with one poll loop, downloads what
 * they produced, sends the lines that failed for a reason that can pass
 * again in a further round, and merges everything into `DIR/output.jsonl`
 * and `DIR/errors.jsonl`, in input order, each custom_id exactly once.
 * Since 1.3.
 *
 * Every step is recorded in a journal in the job's directory before and
 * after it happens, so that a job killed at any moment (SIGKILL, a power
 * cut) resumes where it was: running it again with the same directory
 * never creates a second batch for the same shard and round (a batch
 * carries metadata `tfy_job_id`, `tfy_shard` and `tfy_round`, by which a
 * create whose answer was lost is found again), never sends again a
 * request that succeeded, and never loses a line.  docs/jobs.md has the
 * journal's format and what a job does not guarantee.
 *
 * Thread rules: a tfy_job is used by one thread at a time.  Two processes
 * never run the same directory at once (the second tfy_job_run() fails
 * with TFY_ERROR_IO at once); tfy_job_cancel() may be called from another
 * process while one runs (it records the cancel, which the running one
 * honours at its next poll).
 */
#ifndef TFY_JOB_H
#define TFY_JOB_H

#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Requests per shard when tfy_job_options.max_requests is 0 (OpenAI's limit per batch). */
#define TFY_JOB_MAX_REQUESTS_DEFAULT 50000
/** Bytes per shard file when tfy_job_options.max_bytes is 0 (OpenAI's 200 MB per file). */
#define TFY_JOB_MAX_BYTES_DEFAULT 200000000
/** Shards in flight when tfy_job_options.concurrency is 0. */
#define TFY_JOB_CONCURRENCY_DEFAULT 4
/** Retry rounds set by TFY_JOB_OPTIONS_INIT and tfy_job_options_init(). */
#define TFY_JOB_RETRIES_DEFAULT 2
/** Most retry rounds a job may be given. */
#define TFY_JOB_RETRIES_MAX 10
/** Most shards in flight a job may be given. */
#define TFY_JOB_CONCURRENCY_MAX 64

/** Where a job is.  Values are only appended. */
enum {
	/* clang-format off */
	TFY_JOB_STATE_NEW = 0,       /**< nothing recorded yet: the input is not planned */
	TFY_JOB_STATE_RUNNING = 1,   /**< planned; some shard has not ended or its results are not merged */
	TFY_JOB_STATE_DONE = 2,      /**< every custom_id has its final record in output.jsonl or errors.jsonl */
	TFY_JOB_STATE_CANCELLED = 3, /**< tfy_job_cancel() was called; what ended before is merged */
	/** Not a state, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_JOB_STATE__SIGNED = INT32_MIN
	/* clang-format on */
};

/** What a job is doing when it calls its progress callback.  Values are only appended. */
enum {
	/* clang-format off */
	TFY_JOB_PHASE_PLANNING = 0,    /**< reading and checking the input, cutting shards */
	TFY_JOB_PHASE_UPLOADING = 1,   /**< a shard's file went up */
	TFY_JOB_PHASE_CREATING = 2,    /**< a shard's batch was created */
	TFY_JOB_PHASE_WAITING = 3,     /**< a poll saw a batch change */
	TFY_JOB_PHASE_DOWNLOADING = 4, /**< a shard's output or error file came down */
	TFY_JOB_PHASE_MERGING = 5,     /**< writing output.jsonl and errors.jsonl */
	TFY_JOB_PHASE_DONE = 6,        /**< the job ended (last call) */
	/** Not a phase, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_JOB_PHASE__SIGNED = INT32_MIN
	/* clang-format on */
};

/**
 * Token and request totals, summed exactly from the output lines
 * (`response.body.usage`).  Fields are only appended in later versions.
 */
typedef struct tfy_job_usage {
	int64_t requests;      /**< output lines that succeeded (status_code 2xx) */
	int64_t failed;        /**< records in errors.jsonl (or, per shard, lines that failed) */
	int64_t prompt_tokens; /**< usage.prompt_tokens (or input_tokens) */
	int64_t completion_tokens; /**< usage.completion_tokens (or output_tokens) */
	int64_t cached_tokens;     /**< usage.prompt_tokens_details.cached_tokens */
	int64_t reasoning_tokens;  /**< usage.completion_tokens_details.reasoning_tokens */
	/** Estimated cost in the price table's currency; valid when has_cost is 1. */
	double cost;
	int32_t has_cost;  /**< 1 when a price table was given and listed every model used */
	int32_t reserved_; /**< padding, always 0 */
} tfy_job_usage;

/** One shard of one round, as the journal has it.  Owned by its summary. */
typedef struct tfy_job_shard {
	int32_t round;        /**< 0 for the input's shards, 1.. for retry rounds */
	int32_t index;        /**< its index within the round, from 0 */
	int64_t requests;     /**< lines it holds */
	int64_t bytes;        /**< bytes of its file */
	const char *file_id;  /**< its uploaded file, or NULL before the upload */
	const char *batch_id; /**< its batch, or NULL before the create */
	const char *status;   /**< the batch's last status seen ("completed", ...), or NULL */
	tfy_job_usage usage;  /**< summed from its output once downloaded */
} tfy_job_shard;

/**
 * A job's state as its journal records it.  Allocated by the library,
 * freed with tfy_job_summary_free(); every pointer in it lives until then.
 * Fields are only appended in later versions.
 */
typedef struct tfy_job_summary {
	const char *job_id;    /**< the random id every batch carries as metadata tfy_job_id */
	const char *directory; /**< the job's directory */
	int32_t state;         /**< a TFY_JOB_STATE_* value */
	int32_t rounds;        /**< rounds started (1 when no line was retried) */
	int64_t requests;      /**< requests of the input */
	int64_t succeeded;     /**< custom_ids with their final record in output.jsonl */
	int64_t failed;        /**< custom_ids with their final record in errors.jsonl */
	size_t shards_count;   /**< entries in shards */
	const tfy_job_shard *shards; /**< every shard of every round, round then index order */
	tfy_job_usage usage;         /**< the job's totals */
	const char *output_path;     /**< DIR/output.jsonl */
	const char *errors_path;     /**< DIR/errors.jsonl */
} tfy_job_summary;

/** A job's progress, given to its callback; borrowed for the callback's call only. */
typedef struct tfy_job_progress {
	int32_t phase;        /**< a TFY_JOB_PHASE_* value */
	int32_t round;        /**< the round being run */
	int64_t shards;       /**< shards of the round */
	int64_t shards_live;  /**< of them, uploaded and not yet ended */
	int64_t shards_ended; /**< of them, ended with their results downloaded */
	int64_t requests;     /**< requests of the input */
	int64_t completed;    /**< requests with a final record so far */
	int64_t failed;       /**< of them, failed */
	const char *message;  /**< one line for people on what just happened; never NULL */
} tfy_job_progress;

/**
 * Called when a job's progress changes, on the thread running it.
 *
 * @param userdata tfy_job_options.progress_userdata, untouched.
 * @param progress the state; borrowed for the call.
 * @return TFY_CANCEL_CONTINUE to go on; anything else stops tfy_job_run()
 *         with TFY_ERROR_CANCELLED, leaving the batches running (run again
 *         to resume).
 */
typedef int32_t (*tfy_job_progress_fn)(void *userdata, const tfy_job_progress *progress);

/**
 * Estimates the tokens one request line will enqueue, for
 * tfy_job_options.max_enqueued_tokens.
 *
 * @param userdata tfy_job_options.estimate_userdata, untouched.
 * @param line the line, without its line feed; borrowed for the call.
 * @param len its length in bytes.
 * @return the estimate (>= 0), or -1 to fail the planning with TFY_ERROR_INVALID_ARGUMENT.
 */
typedef int64_t (*tfy_job_estimate_fn)(void *userdata, const char *line, size_t len);

/** Current version of tfy_job_options. */
#define TFY_JOB_OPTIONS_VERSION 1

/**
 * What job to run.  Initialise with TFY_JOB_OPTIONS_INIT or
 * tfy_job_options_init() (a zeroed struct with `version` set is valid too,
 * but has `retries` 0).  Every pointer is borrowed for the duration of
 * tfy_job_open() only: the job copies what it keeps.  Fields are only
 * appended in later versions, with a new version number.
 */
typedef struct tfy_job_options {
	uint32_t version;   /**< TFY_JOB_OPTIONS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */
	/** The job's directory; required.  Created when missing.  Holds the journal and the results. */
	const char *directory;
	/**
	 * The JSONL input, a regular file; required for a new job.  For a job
	 * the directory already holds, NULL or the same path (its size and
	 * modification time must not have changed: the shards are ranges of it).
	 */
	const char *input_path;
	/** The endpoint of every request ("/v1/chat/completions"); required for a new job. */
	const char *endpoint;
	/** NULL: TFY_COMPLETION_WINDOW_DEFAULT ("24h"). */
	const char *completion_window;
	/** Requests per shard: 0 means TFY_JOB_MAX_REQUESTS_DEFAULT. */
	int64_t max_requests;
	/** Bytes per shard file as uploaded: 0 means TFY_JOB_MAX_BYTES_DEFAULT. */
	int64_t max_bytes;
	/**
	 * Most estimated tokens enqueued at once across the live batches: a
	 * shard is no larger than this, and is only created while the live ones
	 * leave room.  0: no budget.
	 */
	int64_t max_enqueued_tokens;
	/** Shards in flight (uploads, creates, downloads): 0 means TFY_JOB_CONCURRENCY_DEFAULT. */
	int32_t concurrency;
	/** Retry rounds after the first (0..TFY_JOB_RETRIES_MAX). */
	int32_t retries;
	/** A TFY_PROVIDER_KIND_* value (check.h): its input rules and least requests per batch apply. */
	int32_t provider_kind;
	int32_t reserved2_; /**< padding, leave 0 */
	/** Tokens of one line; NULL: its characters / 4.  Called during planning only. */
	tfy_job_estimate_fn estimate;
	void *estimate_userdata; /**< passed to estimate untouched; borrowed */
	/**
	 * A price table (JSON, docs/jobs.md): per model, prices per million
	 * input, cached input and output tokens.  NULL: no cost is estimated.
	 */
	const char *price_path;
	/** Called as the job progresses; NULL: none. */
	tfy_job_progress_fn progress;
	void *progress_userdata; /**< passed to progress untouched; must outlive the job */
	/**
	 * Options of every request the job makes (headers, retries, cancel
	 * token, ...); NULL: the client's defaults.  Copied by tfy_job_open();
	 * a cancel token in it is borrowed and must outlive the job.  Its
	 * timeout_ms bounds each request, not the job.
	 */
	const tfy_request_options *request;
} tfy_job_options;

/** Static initialiser for tfy_job_options: the defaults, with TFY_JOB_RETRIES_DEFAULT rounds. */
/* clang-format off */
#define TFY_JOB_OPTIONS_INIT { TFY_JOB_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0, \
                               TFY_JOB_RETRIES_DEFAULT, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL }
/* clang-format on */

/** A job: its directory, journal and client.  Opaque. */
typedef struct tfy_job tfy_job;

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_JOB_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_job_options_init(tfy_job_options *opts, uint32_t version);

/**
 * Open the job of a directory: a new one (nothing is sent or planned yet)
 * or the one its journal holds.
 *
 * @param client the client every request goes through; the job holds a
 *        reference to it, so the caller may tfy_client_free() its own at
 *        any time.
 * @param opts what to run; read during the call only.
 * @param out receives a new job owned by the caller (tfy_job_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT for a NULL argument or a bad
 *         option, or options that contradict the journal's (another input,
 *         endpoint or limits); TFY_ERROR_IO when the directory or journal
 *         cannot be made or read, or the input changed since it was
 *         planned; TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_job_open(tfy_client *client, const tfy_job_options *opts, tfy_job **out,
                                 tfy_error **err);

/**
 * Run the job, or resume it, until every custom_id of the input has its
 * final record in output.jsonl or errors.jsonl.  Blocks the calling
 * thread; transfers of up to `concurrency` shards run at once within it.
 * A job that is done returns TFY_OK at once.
 *
 * @param job the job.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK when the job is done (some lines may have failed: see
 *         tfy_job_status()); TFY_ERROR_INPUT_INVALID (new in 1.3) when
 *         the input has problems (the error says which and where; nothing
 *         was sent);
 *         TFY_ERROR_CANCELLED when the progress callback or the cancel
 *         token stopped it (the batches go on: run again to resume) or the
 *         job was cancelled; TFY_ERROR_IO when the directory cannot be
 *         written or another process is running it; any code of the calls
 *         it makes when one fails for good (run again to resume).
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_job_run(tfy_job *job, tfy_error **err);

/**
 * What the job's journal records, without a request.
 *
 * @param job the job.
 * @param out receives a new summary owned by the caller (tfy_job_summary_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT for NULL; TFY_ERROR_IO;
 *         TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_job_status(tfy_job *job, tfy_job_summary **out, tfy_error **err);

/**
 * Cancel every live batch of the job and record that the job is
 * cancelled: a later tfy_job_run() merges what ended and creates nothing.
 *
 * @param job the job.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK when every live batch was cancelled (or none was live);
 *         otherwise the code of the first cancel that failed (the cancel
 *         is recorded all the same, and run again cancels the rest).
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_job_cancel(tfy_job *job, tfy_error **err);

/**
 * Free a job (its batches go on; the directory stays).  NULL is ignored.
 *
 * @param job the job, or NULL.
 * @since 1.3
 */
TFY_EXTERN void tfy_job_free(tfy_job *job);

/**
 * Free a summary.  NULL is ignored.
 *
 * @param summary the summary, or NULL.
 * @since 1.3
 */
TFY_EXTERN void tfy_job_summary_free(tfy_job_summary *summary);

#ifdef __cplusplus
}
#endif

#endif
