/*
 * tfy-batches: the client every command that calls the API opens, from the
 * connection options.
 */
#include "connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "diag.h"

/* A variable's value, NULL when unset or empty (an empty one counts as unset). */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * Where the key comes from, by the library's precedence (client.h), with
 * one step of the CLI's own: with --base-url and neither --api-key nor
 * TFY_API_KEY, OPENAI_API_KEY, which *key is then set to.  The user chose
 * the server by naming it, as with OpenAI's SDKs.  NULL: none.
 */
static const char *key_source(const cli_args *args, const char **key)
{
	*key = NULL;
	if (args->api_key != NULL)
		return "--api-key";
	if (args->base_url != NULL) {
		if (env_value("TFY_API_KEY") != NULL)
			return "TFY_API_KEY";
		*key = env_value("OPENAI_API_KEY");
		return *key != NULL ? "OPENAI_API_KEY" : NULL;
	}
	if (env_value("TFY_BASE_URL") != NULL)
		return env_value("TFY_API_KEY") != NULL ? "TFY_API_KEY" : NULL;
	if (env_value("OPENAI_BASE_URL") != NULL)
		return env_value("OPENAI_API_KEY") != NULL ? "OPENAI_API_KEY" : NULL;
	return NULL;
}

/* NULL strings make the library read TFY_BASE_URL and TFY_API_KEY itself. */
tfy_client *cli_open_client(const cli_args *args, int *rc)
{
	tfy_client_options opts = TFY_CLIENT_OPTIONS_INIT;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	const char *from, *openai_key;
	tfy_code code;

	from = key_source(args, &openai_key);
	if (args->base_url != NULL && from == NULL) {
		/* the library would name TFY_API_KEY only */
		diag_error("no API key: use --api-key, TFY_API_KEY or OPENAI_API_KEY (the base URL "
		           "came from --base-url)",
		           NULL);
		*rc = CLI_EXIT_USAGE;
		return NULL;
	}
	opts.base_url = args->base_url;
	opts.api_key = args->api_key != NULL ? args->api_key : openai_key;
	opts.auth_header = args->auth_header;
	net_flags_apply(&args->net, &opts);
	opts.connect_timeout_ms = args->connect_timeout_ms;
	opts.timeout_ms = args->request.timeout_ms;
	opts.log = diag_log;
	opts.log_level = args->log_level != 0 ? args->log_level : TFY_LOG_WARN;
	/* --max-retries 0 means none; in the options 0 means the default. */
	if (args->max_retries >= 0)
		opts.max_retries = args->max_retries == 0 ? TFY_NONE : args->max_retries;
	code = tfy_client_new(&opts, &client, &err);
	if (code != TFY_OK) {
		*rc = diag_library(code, err);
		tfy_error_free(err);
		return NULL;
	}
	if (from != NULL && opts.log_level >= TFY_LOG_INFO)
		fprintf(stderr, CLI_NAME " info: the API key is from %s\n", from);
	return client;
}

int64_t cli_deadline_left(const cli_args *args)
{
	struct timespec now;
	int64_t left;

	if (args->request.deadline_ms <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = args->started_ms + args->request.deadline_ms -
	       ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	return left > 0 ? left : 1;
}

tfy_request_options cli_request(const cli_args *args)
{
	tfy_request_options request = args->request;

	request.deadline_ms = cli_deadline_left(args);
	return request;
}
