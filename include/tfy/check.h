/**
 * @file
 * libtfy: checking a batch input file before it is uploaded.  Since 1.2.
 *
 * A batch input file is JSONL, one request a line:
 * `{"custom_id": "...", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`.
 * The checker streams the file and reports, with line numbers, what the
 * Batch API would reject: lines that are not JSON objects, custom_ids that
 * are missing, not strings, empty or used twice, methods other than POST,
 * urls that are missing or differ from the batch's endpoint, bodies that
 * are missing or not objects, more requests or more bytes than a batch
 * takes, an empty file, and lines too long to read; since 1.3 also a body
 * without a model or with another model than the first line's, chat
 * completions whose messages are not an array, more embedding inputs than
 * a batch takes, and the rules of the provider named by provider_kind
 * (docs/batch-workflow.md names the sources).
 *
 * Memory: one line buffer (below twice the longest line) and the set of
 * custom_ids seen, which holds each distinct custom_id's bytes plus 64 to
 * 128 bytes of hash table; never the whole file.
 */
#ifndef TFY_CHECK_H
#define TFY_CHECK_H

#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The API's limit of requests in one batch, max_requests' default. */
#define TFY_INPUT_MAX_REQUESTS_DEFAULT 50000
/** The API's limit of a batch input file's size, 200 MiB: max_bytes' default. */
#define TFY_INPUT_MAX_BYTES_DEFAULT (INT64_C(200) * 1024 * 1024)
/** How many problems a report keeps when max_problems is 0. */
#define TFY_INPUT_MAX_PROBLEMS_DEFAULT 100
/** The API's limit of inputs (body.input) over all requests of a /v1/embeddings batch.  Since 1.3. */
#define TFY_INPUT_MAX_EMBEDDING_INPUTS 50000
/** The fewest requests a Bedrock batch takes (TFY_PROVIDER_KIND_BEDROCK).  Since 1.3. */
#define TFY_INPUT_BEDROCK_MIN_REQUESTS 100

/**
 * Kinds of problem.  Values are part of the ABI and never renumbered; new
 * kinds are only appended.  tfy_input_problem_name() gives each its name:
 * since 1.3 the code OpenAI's Batch API gives the same fault in a failed
 * batch's errors.data where it has one.
 */
enum {
	/* clang-format off */
	TFY_INPUT_PROBLEM_INVALID_JSON = 1,        /**< the line is not valid JSON (or holds a NUL byte) */
	TFY_INPUT_PROBLEM_NOT_AN_OBJECT = 2,       /**< the line is JSON, but not an object */
	TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING = 3,   /**< custom_id is absent or null */
	TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING = 4,/**< custom_id is not a string */
	TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY = 5,     /**< custom_id is "" */
	TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE = 6, /**< custom_id was used on an earlier line (the message names it) */
	TFY_INPUT_PROBLEM_METHOD = 7,              /**< method is absent or not "POST" */
	TFY_INPUT_PROBLEM_URL_MISSING = 8,         /**< url is absent, null, not a string or empty */
	TFY_INPUT_PROBLEM_URL_MISMATCH = 9,        /**< url differs from the endpoint (the option, else the first line's url) */
	TFY_INPUT_PROBLEM_BODY_MISSING = 10,       /**< body is absent or null */
	TFY_INPUT_PROBLEM_BODY_NOT_OBJECT = 11,    /**< body is not an object */
	TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS = 12,  /**< the first request past max_requests */
	TFY_INPUT_PROBLEM_FILE_TOO_LARGE = 13,     /**< the file is larger than max_bytes (line 0) */
	TFY_INPUT_PROBLEM_EMPTY_FILE = 14,         /**< the file holds no request (line 0) */
	TFY_INPUT_PROBLEM_LINE_TOO_LONG = 15,      /**< the line is longer than max_line_bytes; not read further */
	TFY_INPUT_PROBLEM_MODEL_MISSING = 16,      /**< since 1.3: body.model is absent, null, not a string or empty */
	TFY_INPUT_PROBLEM_MODEL_MISMATCH = 17,     /**< since 1.3: body.model differs from the first model of the file */
	TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY = 18, /**< since 1.3: a chat completion's body.messages is absent or not an array */
	TFY_INPUT_PROBLEM_TOO_MANY_INPUTS = 19,    /**< since 1.3: the request whose body.input takes an embeddings batch past TFY_INPUT_MAX_EMBEDDING_INPUTS */
	TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS = 20,   /**< since 1.3: fewer requests than the provider takes (line 0) */
	/** Since 1.3: not a kind, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_INPUT_PROBLEM__SIGNED = INT32_MIN
	/* clang-format on */
};

/**
 * Kinds of provider behind an OpenAI-compatible gateway, whose own rules
 * the input check applies on top of OpenAI's.  Values are part of the ABI
 * and never renumbered.  Since 1.3.
 */
enum {
	/* clang-format off */
	TFY_PROVIDER_KIND_OPENAI = 0,  /**< OpenAI's rules only (the default) */
	TFY_PROVIDER_KIND_AZURE = 1,   /**< Azure OpenAI: OpenAI's rules */
	TFY_PROVIDER_KIND_BEDROCK = 2, /**< AWS Bedrock: at least TFY_INPUT_BEDROCK_MIN_REQUESTS requests */
	/**
	 * Google Vertex AI: a line may omit method, url and body.model (the
	 * gateway routes by x-tfy-provider-model); those given are checked.
	 */
	TFY_PROVIDER_KIND_VERTEX = 3,
	/** Not a kind, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_PROVIDER_KIND__SIGNED = INT32_MIN
	/* clang-format on */
};

/** Current version of tfy_input_check_options: 2 since 1.3 (provider_kind). */
#define TFY_INPUT_CHECK_OPTIONS_VERSION 2

/**
 * Options of a check.  Initialise with TFY_INPUT_CHECK_OPTIONS_INIT or
 * tfy_input_check_options_init() (or zero the struct and set `version`:
 * zero means "default" in every field).  Read during the call only.
 * Fields are only appended in later versions, with a new version number.
 */
typedef struct tfy_input_check_options {
	uint32_t version;  /**< TFY_INPUT_CHECK_OPTIONS_VERSION */
	int32_t reserved_; /**< padding, leave 0 */
	/**
	 * The batch's endpoint ("/v1/chat/completions"): every url must equal
	 * it.  NULL: every url must equal the first line's.
	 */
	const char *endpoint;
	/** Most requests: 0 means TFY_INPUT_MAX_REQUESTS_DEFAULT, TFY_NONE no limit. */
	int64_t max_requests;
	/** Largest file in bytes: 0 means TFY_INPUT_MAX_BYTES_DEFAULT, TFY_NONE no limit. */
	int64_t max_bytes;
	/** Problems kept in the report (all are counted): 0 means TFY_INPUT_MAX_PROBLEMS_DEFAULT. */
	int64_t max_problems;
	/** Longest line read, in bytes before its line feed: 0 means 64 MiB (TFY_RESULT_LINE_MAX_DEFAULT). */
	int64_t max_line_bytes;
	/**
	 * Since version 2: a TFY_PROVIDER_KIND_* value, the provider whose rules
	 * apply on top of OpenAI's; 0 means TFY_PROVIDER_KIND_OPENAI (OpenAI's
	 * only, as with version 1).
	 */
	int32_t provider_kind;
	int32_t reserved2_; /**< padding, leave 0; since version 2 */
} tfy_input_check_options;

/** Static initialiser for tfy_input_check_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_INPUT_CHECK_OPTIONS_INIT { TFY_INPUT_CHECK_OPTIONS_VERSION, 0, NULL, 0, 0, 0, 0, 0, 0 }
/* clang-format on */

/** One problem found.  Owned by its report; fields are only appended in later versions. */
typedef struct tfy_input_problem {
	int64_t line;      /**< the line it is on, from 1; 0 for the whole file */
	int32_t kind;      /**< a TFY_INPUT_PROBLEM_* value */
	int32_t reserved_; /**< padding, always 0 */
	/** One sentence for people, without the line number; never NULL. */
	const char *message;
} tfy_input_problem;

/**
 * What a check found.  Allocated by the library, freed with
 * tfy_input_report_free(); every pointer in it lives until then.  Fields
 * are only appended in later versions.
 */
typedef struct tfy_input_report {
	int64_t lines;    /**< lines in the file, blank ones included */
	int64_t requests; /**< lines that are not blank */
	int64_t bytes;    /**< bytes in the file */
	/** The endpoint urls were held to: the option, else the first line's url; NULL when neither. */
	const char *endpoint;
	/** The number of problems in problems: at most max_problems. */
	size_t problems_count;
	/** problems_count pointers to the first problems found, in file order (whole-file ones last); NULL when none. */
	const tfy_input_problem *const *problems;
	/** Every problem found, those past max_problems included: 0 means the file is clean. */
	int64_t problems_total;
} tfy_input_report;

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_INPUT_CHECK_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_input_check_options_init(tfy_input_check_options *opts, uint32_t version);

/**
 * Check the batch input file at path.
 *
 * @param path the file, a regular one; borrowed for the call.  A FIFO, a
 *        device, a socket or a directory is refused at once with
 *        TFY_ERROR_IO, without waiting on it (since 1.3; a FIFO without a
 *        writer used to block the call): check a stream with
 *        tfy_input_check_read().
 * @param opts options, or NULL for the defaults; read during the call only.
 * @param out receives a new report owned by the caller (free with
 *        tfy_input_report_free()), whatever the check found; NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK when the check ran (problems_total == 0 means the file is
 *         clean); TFY_ERROR_INVALID_ARGUMENT for a NULL path or out or a bad
 *         option; TFY_ERROR_IO when the file cannot be opened or read, or
 *         is not a regular file (detail says why); TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_input_check_path(const char *path, const tfy_input_check_options *opts,
                                         tfy_input_report **out, tfy_error **err);

/**
 * Check a batch input file that read() supplies.
 *
 * @param read the stream, called during this call only; -1 fails the call
 *        with TFY_ERROR_IO.
 * @param userdata passed to read untouched.
 * @param opts options, or NULL for the defaults; read during the call only.
 * @param out receives a new report owned by the caller; NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return as tfy_input_check_path().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_input_check_read(tfy_read_fn read, void *userdata,
                                         const tfy_input_check_options *opts,
                                         tfy_input_report **out, tfy_error **err);

/**
 * A short name of a kind of problem, for logs and machine-readable output:
 * the code OpenAI's Batch API gives the same fault in errors.data where it
 * has one ("invalid_json_line", "invalid_request", "mismatched_url",
 * "duplicate_custom_id", "empty_file", "missing_required_parameter"), else
 * the checker's own ("too_many_requests", "mismatched_model", ...).
 * Several kinds share a name (six are "invalid_request"): the kind and the
 * message tell them apart.  The names changed in 1.3 ("method_not_post"
 * became "invalid_request", "url_mismatch" "mismatched_url", ...):
 * docs/api.md has the table.
 *
 * @param kind any value.
 * @return static text, never NULL; "unknown" for a value outside the enum.
 * @since 1.2
 */
TFY_EXTERN const char *tfy_input_problem_name(int32_t kind);

/**
 * Free a report and everything in it.
 *
 * @param report the report, or NULL (then nothing happens).
 * @since 1.2
 */
TFY_EXTERN void tfy_input_report_free(tfy_input_report *report);

#ifdef __cplusplus
}
#endif

#endif
