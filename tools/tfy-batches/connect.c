/*
 * tfy-batches: the client every command that calls the API opens, from the
 * connection options.
 */
#include "connect.h"

#include "diag.h"

/* NULL strings make the library read TFY_BASE_URL and TFY_API_KEY itself. */
tfy_client *cli_open_client(const cli_args *args, int *rc)
{
	tfy_client_options opts = TFY_CLIENT_OPTIONS_INIT;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	opts.base_url = args->base_url;
	opts.api_key = args->api_key;
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
	return client;
}
