// A Node.js program using libtfy through koffi (npm): lists every batch
// with an iterator, retrieves one, and turns a 404 into a typed error.
//
// Run against an installed libtfy (docs/ffi.md):
//   npm install --no-save koffi
//   LD_LIBRARY_PATH=PREFIX/lib/x86_64-linux-gnu node main.js BASE_URL API_KEY
// (or TFY_LIBRARY=PREFIX/lib/x86_64-linux-gnu/libtfy.so.1).
'use strict';

const koffi = require('koffi');

const lib = koffi.load(process.env.TFY_LIBRARY || 'libtfy.so.1');

// Constants and structs mirrored from the headers.  Structs the caller
// allocates mirror every field of the version named, padding included;
// structs the library allocates are read only as far as needed (they grow
// at their tail).
const TFY_OK = 0;
const TFY_ERROR_NOT_FOUND = 11;
const TFY_CLIENT_OPTIONS_VERSION = 2;
const TFY_BATCHES_LIST_OPTIONS_VERSION = 2;

koffi.opaque('tfy_client');
koffi.opaque('tfy_batch_iter');
koffi.opaque('tfy_batch');

koffi.struct('tfy_client_options', {
  version: 'uint32_t', reserved_: 'uint32_t',
  base_url: 'const char *', api_key: 'const char *',
  connect_timeout_ms: 'int64_t', timeout_ms: 'int64_t', stall_timeout_ms: 'int64_t',
  retry_after_max_ms: 'int64_t', max_response_bytes: 'int64_t',
  max_retries: 'int32_t', tls_insecure: 'int32_t', follow_redirects: 'int32_t', log_level: 'int32_t',
  ca_file: 'const char *', ca_path: 'const char *',
  log: 'void *', log_userdata: 'void *', auth_header: 'const char *', request_defaults: 'void *',
  // since version 2
  proxy: 'const char *', no_proxy: 'const char *', proxy_credentials: 'const char *',
  tls_client_cert: 'const char *', tls_client_key: 'const char *', tls_client_key_password: 'const char *',
  credential: 'void *', credential_userdata: 'void *', on_retry: 'void *', on_retry_userdata: 'void *',
  retry_initial_backoff_ms: 'int64_t', retry_max_backoff_ms: 'int64_t',
  retry_after_policy: 'int32_t', proxy_env: 'int32_t',
  keep_headers: 'void *', keep_headers_count: 'size_t',
});

koffi.struct('tfy_batches_list_options', {
  version: 'uint32_t', limit: 'int32_t', after: 'const char *', request: 'void *',
  max_items: 'int64_t', max_pages: 'int64_t', prefetch: 'int32_t', reserved_: 'int32_t',
  // since version 2
  missing_has_more: 'int32_t', reserved2_: 'int32_t',
});

const tfy_error = koffi.struct('tfy_error', {
  code: 'int32_t', http_status: 'int32_t', attempts: 'int32_t', reserved_: 'int32_t',
  message: 'const char *', api_type: 'const char *', api_code: 'const char *',
  api_param: 'const char *', api_message: 'const char *', request_id: 'const char *',
});

// The first fields of tfy_batch.
const tfy_batch_head = koffi.struct('tfy_batch_head', {
  id: 'const char *', object: 'const char *', endpoint: 'const char *', model: 'const char *',
  input_file_id: 'const char *', completion_window: 'const char *',
  status: 'int32_t', reserved_: 'int32_t', status_raw: 'const char *',
});

const tfy = {
  version_number: lib.func('int32_t tfy_version_number(void)'),
  strerror: lib.func('const char *tfy_strerror(int32_t code)'),
  error_free: lib.func('void tfy_error_free(void *err)'),
  client_options_init: lib.func('int32_t tfy_client_options_init(_Out_ tfy_client_options *opts, uint32_t version)'),
  client_new: lib.func('int32_t tfy_client_new(const tfy_client_options *opts, _Out_ tfy_client **out, _Out_ void **err)'),
  client_free: lib.func('void tfy_client_free(tfy_client *client)'),
  list_options_init: lib.func('int32_t tfy_batches_list_options_init(_Out_ tfy_batches_list_options *opts, uint32_t version)'),
  iter_new: lib.func('int32_t tfy_batch_iter_new(tfy_client *client, const tfy_batches_list_options *opts, _Out_ tfy_batch_iter **out, _Out_ void **err)'),
  iter_next: lib.func('int32_t tfy_batch_iter_next(tfy_batch_iter *iter, _Out_ tfy_batch **batch, _Out_ void **err)'),
  iter_free: lib.func('void tfy_batch_iter_free(tfy_batch_iter *iter)'),
  retrieve: lib.func('int32_t tfy_batches_retrieve(tfy_client *client, const char *batch_id, void *opts, _Out_ tfy_batch **out, _Out_ void **err)'),
  batch_free: lib.func('void tfy_batch_free(tfy_batch *batch)'),
  status_name: lib.func('const char *tfy_batch_status_name(int32_t status)'),
};

// A failed libtfy call: the fields of its tfy_error, copied.
class TfyError extends Error {
  constructor(code, e) {
    super(e ? e.message : tfy.strerror(code));
    this.name = 'TfyError';
    this.code = code;
    this.httpStatus = e ? e.http_status : 0;
    this.requestId = e ? e.request_id : null;
  }
}
class NotFoundError extends TfyError {
  constructor(code, e) { super(code, e); this.name = 'NotFoundError'; }
}

// Throws the typed error of a failed call, after freeing its tfy_error.
function check(code, err) {
  if (code === TFY_OK) return;
  const e = err[0] ? koffi.decode(err[0], tfy_error) : null;
  tfy.error_free(err[0]);
  throw code === TFY_ERROR_NOT_FOUND ? new NotFoundError(code, e) : new TfyError(code, e);
}

function batchOf(ptr) {
  const b = koffi.decode(ptr, tfy_batch_head);
  return { id: b.id, status: b.status };
}

class Client {
  constructor(baseUrl, apiKey) {
    const opts = {};
    tfy.client_options_init(opts, TFY_CLIENT_OPTIONS_VERSION);
    opts.base_url = baseUrl; // copied by koffi for the call; the library copies it again
    opts.api_key = apiKey;
    const out = [null], err = [null];
    check(tfy.client_new(opts, out, err), err);
    this.handle = out[0];
  }

  close() { tfy.client_free(this.handle); this.handle = null; }

  *batches(limit) {
    const opts = {};
    tfy.list_options_init(opts, TFY_BATCHES_LIST_OPTIONS_VERSION);
    opts.limit = limit;
    const it = [null], err = [null];
    check(tfy.iter_new(this.handle, opts, it, err), err);
    try {
      for (;;) {
        const b = [null];
        check(tfy.iter_next(it[0], b, err), err);
        if (!b[0]) return;
        yield batchOf(b[0]); // the iterator's until the next call: copied
      }
    } finally {
      tfy.iter_free(it[0]);
    }
  }

  retrieve(id) {
    const out = [null], err = [null];
    check(tfy.retrieve(this.handle, id, null, out, err), err);
    try {
      return batchOf(out[0]);
    } finally {
      tfy.batch_free(out[0]);
    }
  }
}

function main(args) {
  if (args.length !== 2) {
    console.error('usage: node main.js BASE_URL API_KEY');
    return 2;
  }
  const v = tfy.version_number(); // major * 10000 + minor * 100 + patch
  if (v < 10200 || v >= 20000) throw new Error(`libtfy 1.x from 1.2 on is needed, not ${v}`);
  const client = new Client(args[0], args[1]);
  try {
    const ids = [];
    for (const b of client.batches(10)) ids.push(b.id);
    console.log(`listed ${ids.length} batches`);
    const b = client.retrieve(ids[0]);
    console.log(`retrieved ${b.id}: ${tfy.status_name(b.status)}`);
    try {
      client.retrieve('batch_missing');
      throw new Error('batch_missing was found');
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      console.log(`not found: ${e.name} code=${e.code} http_status=${e.httpStatus}: ${e.message}`);
    }
  } finally {
    client.close();
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
