/*
 * Prints the size and the offset of every field (padding fields included) of
 * every public struct as JSON, so that the Python binding's test can check
 * its ctypes mirror against the C compiler's layout.
 */
#include <stddef.h>
#include <stdio.h>
#include <tfy/async.h>
#include <tfy/job.h>
#include <tfy/tfy.h>

static int first_struct = 1, first_field;

static void begin(const char *name, size_t size)
{
	printf("%s\"%s\": {\"size\": %zu, \"fields\": {", first_struct ? "" : ", ", name, size);
	first_struct = 0;
	first_field = 1;
}

static void field(const char *name, size_t offset)
{
	printf("%s\"%s\": %zu", first_field ? "" : ", ", name, offset);
	first_field = 0;
}

#define S(T) begin(#T, sizeof(T))
#define F(T, f) field(#f, offsetof(T, f))
#define E() printf("}}")

/* The tables: several fields a line, one struct after another. */
/* clang-format off */
static void request_options(void)
{
	S(tfy_request_options); F(tfy_request_options, version);
	F(tfy_request_options, reserved_); F(tfy_request_options, provider_name);
	F(tfy_request_options, provider_model); F(tfy_request_options, azure_api_version);
	F(tfy_request_options, vertex_region);
	F(tfy_request_options, vertex_storage_bucket_name);
	F(tfy_request_options, aws_s3_bucket); F(tfy_request_options, aws_bedrock_model);
	F(tfy_request_options, metadata_header_json); F(tfy_request_options, metadata_header);
	F(tfy_request_options, metadata_header_count); F(tfy_request_options, headers);
	F(tfy_request_options, headers_count); F(tfy_request_options, query_params);
	F(tfy_request_options, query_params_count); F(tfy_request_options, deadline_ms);
	F(tfy_request_options, cancel); F(tfy_request_options, cancel_userdata);
	F(tfy_request_options, max_retries); F(tfy_request_options, reserved2_);
	F(tfy_request_options, timeout_ms); F(tfy_request_options, cancel_token); E();
}

static void client_options(void)
{
	S(tfy_client_options); F(tfy_client_options, version); F(tfy_client_options, reserved_);
	F(tfy_client_options, base_url); F(tfy_client_options, api_key);
	F(tfy_client_options, connect_timeout_ms); F(tfy_client_options, timeout_ms);
	F(tfy_client_options, stall_timeout_ms); F(tfy_client_options, retry_after_max_ms);
	F(tfy_client_options, max_response_bytes); F(tfy_client_options, max_retries);
	F(tfy_client_options, tls_insecure); F(tfy_client_options, follow_redirects);
	F(tfy_client_options, log_level); F(tfy_client_options, ca_file);
	F(tfy_client_options, ca_path); F(tfy_client_options, log);
	F(tfy_client_options, log_userdata); F(tfy_client_options, auth_header);
	F(tfy_client_options, request_defaults); F(tfy_client_options, proxy);
	F(tfy_client_options, no_proxy); F(tfy_client_options, proxy_credentials);
	F(tfy_client_options, tls_client_cert); F(tfy_client_options, tls_client_key);
	F(tfy_client_options, tls_client_key_password); F(tfy_client_options, credential);
	F(tfy_client_options, credential_userdata); F(tfy_client_options, on_retry);
	F(tfy_client_options, on_retry_userdata); F(tfy_client_options, retry_initial_backoff_ms);
	F(tfy_client_options, retry_max_backoff_ms); F(tfy_client_options, retry_after_policy);
	F(tfy_client_options, proxy_env); F(tfy_client_options, keep_headers);
	F(tfy_client_options, keep_headers_count); E();
	S(tfy_retry_info); F(tfy_retry_info, attempt); F(tfy_retry_info, http_status);
	F(tfy_retry_info, code); F(tfy_retry_info, reserved_); F(tfy_retry_info, delay_ms);
	F(tfy_retry_info, reason); E();
}

static void list_options(void)
{
	S(tfy_batches_list_options); F(tfy_batches_list_options, version);
	F(tfy_batches_list_options, limit); F(tfy_batches_list_options, after);
	F(tfy_batches_list_options, request); F(tfy_batches_list_options, max_items);
	F(tfy_batches_list_options, max_pages); F(tfy_batches_list_options, prefetch);
	F(tfy_batches_list_options, reserved_); F(tfy_batches_list_options, missing_has_more);
	F(tfy_batches_list_options, reserved2_); E();
}

static void batch(void)
{
	S(tfy_batch); F(tfy_batch, id); F(tfy_batch, object); F(tfy_batch, endpoint);
	F(tfy_batch, model); F(tfy_batch, input_file_id); F(tfy_batch, completion_window);
	F(tfy_batch, status); F(tfy_batch, reserved_); F(tfy_batch, status_raw);
	F(tfy_batch, output_file_id); F(tfy_batch, error_file_id); F(tfy_batch, created_at);
	F(tfy_batch, in_progress_at); F(tfy_batch, expires_at); F(tfy_batch, finalizing_at);
	F(tfy_batch, completed_at); F(tfy_batch, failed_at); F(tfy_batch, expired_at);
	F(tfy_batch, cancelling_at); F(tfy_batch, cancelled_at); F(tfy_batch, request_counts);
	F(tfy_batch, usage); F(tfy_batch, errors_object); F(tfy_batch, errors_count);
	F(tfy_batch, errors); F(tfy_batch, metadata_count); F(tfy_batch, metadata);
	F(tfy_batch, metadata_json); F(tfy_batch, raw_json); E();
}

static void batch_parts(void)
{
	S(tfy_opt_int64); F(tfy_opt_int64, value); F(tfy_opt_int64, present);
	F(tfy_opt_int64, reserved_); E();
	S(tfy_batch_error); F(tfy_batch_error, code); F(tfy_batch_error, message);
	F(tfy_batch_error, param); F(tfy_batch_error, line); E();
	S(tfy_metadata_entry); F(tfy_metadata_entry, key); F(tfy_metadata_entry, value); E();
	S(tfy_batch_request_counts); F(tfy_batch_request_counts, total);
	F(tfy_batch_request_counts, completed); F(tfy_batch_request_counts, failed); E();
	S(tfy_batch_usage); F(tfy_batch_usage, input_tokens); F(tfy_batch_usage, cached_tokens);
	F(tfy_batch_usage, output_tokens); F(tfy_batch_usage, reasoning_tokens);
	F(tfy_batch_usage, total_tokens); E();
}

static void page_error_pair(void)
{
	S(tfy_batch_page); F(tfy_batch_page, object); F(tfy_batch_page, count);
	F(tfy_batch_page, items); F(tfy_batch_page, first_id); F(tfy_batch_page, last_id);
	F(tfy_batch_page, has_more); F(tfy_batch_page, has_more_present);
	F(tfy_batch_page, request_id); F(tfy_batch_page, extra_json);
	F(tfy_batch_page, http_status); F(tfy_batch_page, reserved_); E();
	S(tfy_error); F(tfy_error, code); F(tfy_error, http_status); F(tfy_error, attempts);
	F(tfy_error, reserved_); F(tfy_error, message); F(tfy_error, api_type);
	F(tfy_error, api_code); F(tfy_error, api_param); F(tfy_error, api_message);
	F(tfy_error, request_id); F(tfy_error, detail); F(tfy_error, body);
	F(tfy_error, retry_after_ms); E();
	S(tfy_pair); F(tfy_pair, name); F(tfy_pair, value); E();
}

static void job_options(void)
{
	S(tfy_batches_create_options); F(tfy_batches_create_options, version);
	F(tfy_batches_create_options, reserved_); F(tfy_batches_create_options, input_file_id);
	F(tfy_batches_create_options, endpoint); F(tfy_batches_create_options, completion_window);
	F(tfy_batches_create_options, metadata); F(tfy_batches_create_options, metadata_count);
	F(tfy_batches_create_options, output_expires_after_seconds);
	F(tfy_batches_create_options, request); F(tfy_batches_create_options, reconcile);
	F(tfy_batches_create_options, reserved2_); E();
	S(tfy_batch_wait_options); F(tfy_batch_wait_options, version);
	F(tfy_batch_wait_options, reserved_); F(tfy_batch_wait_options, timeout_ms);
	F(tfy_batch_wait_options, poll_initial_ms); F(tfy_batch_wait_options, poll_max_ms);
	F(tfy_batch_wait_options, on_progress); F(tfy_batch_wait_options, progress_userdata);
	F(tfy_batch_wait_options, request); E();
}

static void files(void)
{
	S(tfy_file); F(tfy_file, id); F(tfy_file, object); F(tfy_file, bytes);
	F(tfy_file, created_at); F(tfy_file, expires_at); F(tfy_file, filename);
	F(tfy_file, purpose); F(tfy_file, status); F(tfy_file, status_details);
	F(tfy_file, raw_json); E();
	S(tfy_files_upload_options); F(tfy_files_upload_options, version);
	F(tfy_files_upload_options, reserved_); F(tfy_files_upload_options, path);
	F(tfy_files_upload_options, read); F(tfy_files_upload_options, read_userdata);
	F(tfy_files_upload_options, rewind); F(tfy_files_upload_options, size);
	F(tfy_files_upload_options, filename); F(tfy_files_upload_options, purpose);
	F(tfy_files_upload_options, content_type); F(tfy_files_upload_options, request);
	F(tfy_files_upload_options, progress); F(tfy_files_upload_options, progress_userdata); E();
	S(tfy_files_download_options); F(tfy_files_download_options, version);
	F(tfy_files_download_options, reserved_); F(tfy_files_download_options, path);
	F(tfy_files_download_options, write); F(tfy_files_download_options, write_userdata);
	F(tfy_files_download_options, expected_bytes); F(tfy_files_download_options, request);
	F(tfy_files_download_options, overwrite); F(tfy_files_download_options, reserved2_);
	F(tfy_files_download_options, progress); F(tfy_files_download_options, progress_userdata); E();
	S(tfy_transfer_progress); F(tfy_transfer_progress, phase);
	F(tfy_transfer_progress, reserved_); F(tfy_transfer_progress, bytes_done);
	F(tfy_transfer_progress, bytes_total); F(tfy_transfer_progress, elapsed_ms); E();
	S(tfy_files_list_options); F(tfy_files_list_options, version);
	F(tfy_files_list_options, limit); F(tfy_files_list_options, after);
	F(tfy_files_list_options, order); F(tfy_files_list_options, purpose);
	F(tfy_files_list_options, request); F(tfy_files_list_options, max_items);
	F(tfy_files_list_options, max_pages); F(tfy_files_list_options, prefetch);
	F(tfy_files_list_options, missing_has_more); E();
	S(tfy_file_page); F(tfy_file_page, object); F(tfy_file_page, count);
	F(tfy_file_page, items); F(tfy_file_page, first_id); F(tfy_file_page, last_id);
	F(tfy_file_page, has_more); F(tfy_file_page, has_more_present);
	F(tfy_file_page, request_id); F(tfy_file_page, extra_json);
	F(tfy_file_page, http_status); F(tfy_file_page, reserved_); E();
}

static void results_and_checks(void)
{
	S(tfy_result_reader_options); F(tfy_result_reader_options, version);
	F(tfy_result_reader_options, reserved_); F(tfy_result_reader_options, max_line_bytes); E();
	S(tfy_result); F(tfy_result, line); F(tfy_result, id); F(tfy_result, custom_id);
	F(tfy_result, status_code); F(tfy_result, reserved_); F(tfy_result, request_id);
	F(tfy_result, body_json); F(tfy_result, body_json_len); F(tfy_result, error_code);
	F(tfy_result, error_message); F(tfy_result, line_json); F(tfy_result, line_len); E();
	S(tfy_input_check_options); F(tfy_input_check_options, version);
	F(tfy_input_check_options, reserved_); F(tfy_input_check_options, endpoint);
	F(tfy_input_check_options, max_requests); F(tfy_input_check_options, max_bytes);
	F(tfy_input_check_options, max_problems); F(tfy_input_check_options, max_line_bytes);
	F(tfy_input_check_options, provider_kind); F(tfy_input_check_options, reserved2_); E();
	S(tfy_input_problem); F(tfy_input_problem, line); F(tfy_input_problem, kind);
	F(tfy_input_problem, reserved_); F(tfy_input_problem, message); E();
	S(tfy_input_report); F(tfy_input_report, lines); F(tfy_input_report, requests);
	F(tfy_input_report, bytes); F(tfy_input_report, endpoint);
	F(tfy_input_report, problems_count); F(tfy_input_report, problems);
	F(tfy_input_report, problems_total); E();
}

static void webhooks(void)
{
	S(tfy_webhook_verify_options); F(tfy_webhook_verify_options, version);
	F(tfy_webhook_verify_options, reserved_); F(tfy_webhook_verify_options, tolerance_seconds);
	F(tfy_webhook_verify_options, now); E();
	S(tfy_webhook_event); F(tfy_webhook_event, type); F(tfy_webhook_event, id);
	F(tfy_webhook_event, object); F(tfy_webhook_event, created_at);
	F(tfy_webhook_event, data_id); F(tfy_webhook_event, batch_status);
	F(tfy_webhook_event, reserved_); F(tfy_webhook_event, timestamp);
	F(tfy_webhook_event, webhook_id); F(tfy_webhook_event, raw_json); E();
}
static void jobs(void)
{
	S(tfy_job_usage); F(tfy_job_usage, requests); F(tfy_job_usage, failed);
	F(tfy_job_usage, prompt_tokens); F(tfy_job_usage, completion_tokens);
	F(tfy_job_usage, cached_tokens); F(tfy_job_usage, reasoning_tokens);
	F(tfy_job_usage, cost); F(tfy_job_usage, has_cost); F(tfy_job_usage, reserved_); E();
	S(tfy_job_shard); F(tfy_job_shard, round); F(tfy_job_shard, index);
	F(tfy_job_shard, requests); F(tfy_job_shard, bytes); F(tfy_job_shard, file_id);
	F(tfy_job_shard, batch_id); F(tfy_job_shard, status); F(tfy_job_shard, usage); E();
	S(tfy_job_summary); F(tfy_job_summary, job_id); F(tfy_job_summary, directory);
	F(tfy_job_summary, state); F(tfy_job_summary, rounds); F(tfy_job_summary, requests);
	F(tfy_job_summary, succeeded); F(tfy_job_summary, failed);
	F(tfy_job_summary, shards_count); F(tfy_job_summary, shards); F(tfy_job_summary, usage);
	F(tfy_job_summary, output_path); F(tfy_job_summary, errors_path); E();
	S(tfy_job_progress); F(tfy_job_progress, phase); F(tfy_job_progress, round);
	F(tfy_job_progress, shards); F(tfy_job_progress, shards_live);
	F(tfy_job_progress, shards_ended); F(tfy_job_progress, requests);
	F(tfy_job_progress, completed); F(tfy_job_progress, failed);
	F(tfy_job_progress, message); E();
	S(tfy_job_options); F(tfy_job_options, version); F(tfy_job_options, reserved_);
	F(tfy_job_options, directory); F(tfy_job_options, input_path);
	F(tfy_job_options, endpoint); F(tfy_job_options, completion_window);
	F(tfy_job_options, max_requests); F(tfy_job_options, max_bytes);
	F(tfy_job_options, max_enqueued_tokens); F(tfy_job_options, concurrency);
	F(tfy_job_options, retries); F(tfy_job_options, provider_kind);
	F(tfy_job_options, reserved2_); F(tfy_job_options, estimate);
	F(tfy_job_options, estimate_userdata); F(tfy_job_options, price_path);
	F(tfy_job_options, progress); F(tfy_job_options, progress_userdata);
	F(tfy_job_options, request); E();
}

static void async_hooks(void)
{
	S(tfy_async_hooks); F(tfy_async_hooks, version); F(tfy_async_hooks, reserved_);
	F(tfy_async_hooks, watch); F(tfy_async_hooks, timer); F(tfy_async_hooks, userdata); E();
}
/* clang-format on */

int main(void)
{
	printf("{");
	batch_parts();
	batch();
	page_error_pair();
	request_options();
	client_options();
	list_options();
	job_options();
	files();
	results_and_checks();
	webhooks();
	jobs();
	async_hooks();
	printf("}\n");
	return 0;
}
