"""The Client: a thin, deterministic-ownership wrapper over tfy_client."""

from __future__ import annotations

import ctypes
import json
import threading
import weakref
from ctypes import POINTER, byref, c_void_p
from typing import Iterator, Mapping, Optional

from . import _ffi
from ._ffi import lib, text
from .errors import ERROR_CLASSES, TfyError
from .types import Batch, BatchError, BatchList, Errors, RequestCounts, Usage


def _raise(code: int, err_ptr) -> None:
    """Turn a failed call's code and tfy_error into an exception; frees the error."""
    if not err_ptr:
        cls = ERROR_CLASSES.get(code, TfyError)
        raise cls(text(lib.tfy_strerror(code)) or "unknown error", code=code)
    try:
        e = err_ptr.contents
        cls = ERROR_CLASSES.get(e.code, TfyError)
        exc = cls(text(e.message) or text(lib.tfy_strerror(e.code)) or "error",
                  code=e.code, http_status=e.http_status, attempts=e.attempts,
                  api_type=text(e.api_type), api_code=text(e.api_code),
                  api_param=text(e.api_param), api_message=text(e.api_message),
                  request_id=text(e.request_id), detail=text(e.detail), body=text(e.body),
                  retry_after_ms=e.retry_after_ms)
    finally:
        lib.tfy_error_free(err_ptr)
    raise exc


def _opt(o: _ffi.OptInt64) -> Optional[int]:
    return o.value if o.present else None


def _batch(b: _ffi.Batch) -> Batch:
    """Copy a C batch into Python objects (nothing borrowed survives)."""
    rc = b.request_counts
    us = b.usage
    errors = None
    if b.errors_object is not None or b.errors_count:
        errors = Errors(object=text(b.errors_object), data=tuple(
            BatchError(code=text(b.errors[i].code), message=text(b.errors[i].message),
                       param=text(b.errors[i].param), line=_opt(b.errors[i].line))
            for i in range(b.errors_count)))
    mj = text(b.metadata_json)
    return Batch(
        id=text(b.id), object=text(b.object), endpoint=text(b.endpoint), model=text(b.model),
        input_file_id=text(b.input_file_id), completion_window=text(b.completion_window),
        status=text(b.status_raw), output_file_id=text(b.output_file_id),
        error_file_id=text(b.error_file_id), created_at=_opt(b.created_at),
        in_progress_at=_opt(b.in_progress_at), expires_at=_opt(b.expires_at),
        finalizing_at=_opt(b.finalizing_at), completed_at=_opt(b.completed_at),
        failed_at=_opt(b.failed_at), expired_at=_opt(b.expired_at),
        cancelling_at=_opt(b.cancelling_at), cancelled_at=_opt(b.cancelled_at),
        request_counts=RequestCounts(_opt(rc.total), _opt(rc.completed), _opt(rc.failed))
        if rc.present else None,
        usage=Usage(_opt(us.input_tokens), _opt(us.cached_tokens), _opt(us.output_tokens),
                    _opt(us.reasoning_tokens), _opt(us.total_tokens)) if us.present else None,
        errors=errors,
        metadata=None if mj is None else json.loads(mj),
        raw_json=text(b.raw_json) or "{}",
    )


def _headers(pairs: Optional[Mapping[str, str]]):
    """A tfy_pair array for a mapping; returns (array, count, keepalive)."""
    if not pairs:
        return None, 0, ()
    items = [(_ffi.encode(k), _ffi.encode(v)) for k, v in pairs.items()]
    arr = (_ffi.Header * len(items))(*[_ffi.Header(k, v) for k, v in items])
    return ctypes.cast(arr, POINTER(_ffi.Header)), len(items), (arr, items)


class Client:
    """A libtfy client.  Thread-safe; ctypes releases the GIL during requests.

    ``base_url`` / ``api_key`` None mean $TFY_BASE_URL / $TFY_API_KEY.
    Timeouts are in seconds (float); None keeps the library's default.
    ``auth_header`` names a header that carries the key as it is instead of
    ``Authorization: Bearer`` ("api-key" for Azure OpenAI); ``query_params``
    are added to every request ({"api-version": "2024-10-21"} for Azure).
    Use as a context manager or call close(); the C client is also freed
    when the object is garbage-collected.
    """

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *,
                 timeout: Optional[float] = None, connect_timeout: Optional[float] = None,
                 max_retries: int = _ffi.TFY_CLIENT_DEFAULT_MAX_RETRIES,
                 retry_after_max: Optional[float] = None,
                 stall_timeout: Optional[float] = None,
                 max_response_bytes: Optional[int] = None,
                 ca_file: Optional[str] = None, ca_path: Optional[str] = None,
                 follow_redirects: bool = False, tls_insecure: bool = False,
                 auth_header: Optional[str] = None,
                 query_params: Optional[Mapping[str, str]] = None) -> None:
        self._handle = c_void_p()
        self._lock = threading.Lock()
        self._iters: "weakref.WeakSet" = weakref.WeakSet()
        opts = _ffi.ClientOptions()
        code = lib.tfy_client_options_init(byref(opts), _ffi.TFY_CLIENT_OPTIONS_VERSION)
        if code:
            _raise(code, None)
        keep = [_ffi.encode(base_url), _ffi.encode(api_key), _ffi.encode(ca_file),
                _ffi.encode(ca_path), _ffi.encode(auth_header)]
        opts.base_url, opts.api_key, opts.ca_file, opts.ca_path, opts.auth_header = keep
        opts.query_params, opts.query_params_count, k = _headers(query_params)
        keep.append(k)
        if timeout is not None:
            opts.timeout_ms = _ms(timeout)
        if connect_timeout is not None:
            opts.connect_timeout_ms = _ms(connect_timeout)
        if retry_after_max is not None:
            opts.retry_after_max_ms = _ms(retry_after_max)
        if stall_timeout is not None:
            opts.stall_timeout_ms = _ms(stall_timeout)
        if max_response_bytes is not None:
            opts.max_response_bytes = int(max_response_bytes)
        opts.max_retries = int(max_retries)
        opts.follow_redirects = 1 if follow_redirects else 0
        opts.tls_insecure = 1 if tls_insecure else 0
        err = POINTER(_ffi.Error)()
        code = lib.tfy_client_new(byref(opts), byref(self._handle), byref(err))
        if code:
            _raise(code, err)

    @property
    def base_url(self) -> str:
        return text(lib.tfy_client_base_url(self._require())) or ""

    def _require(self) -> c_void_p:
        if not self._handle:
            raise ValueError("the client is closed")
        return self._handle

    def close(self) -> None:
        """Free the C client, closing (and freeing) its open iterators first.
        No call may be running on it from another thread."""
        for gen in list(self._iters):
            gen.close()
        with self._lock:
            if self._handle:
                lib.tfy_client_free(self._handle)
                self._handle = c_void_p()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def list(self, *, limit: int = 0, after: Optional[str] = None,
             provider_name: Optional[str] = None, provider_model: Optional[str] = None,
             azure_api_version: Optional[str] = None, vertex_region: Optional[str] = None,
             vertex_storage_bucket_name: Optional[str] = None,
             aws_s3_bucket: Optional[str] = None, aws_bedrock_model: Optional[str] = None,
             metadata: Optional[Mapping[str, str]] = None,
             headers: Optional[Mapping[str, str]] = None,
             deadline: Optional[float] = None) -> BatchList:
        """One page of ``GET {base_url}/batches``.  ``limit`` 0 lets the server
        choose; ``metadata`` is sent as x-tfy-metadata; ``deadline`` (seconds)
        bounds every attempt and backoff sleep."""
        opts, keep = _list_options(locals())
        out = POINTER(_ffi.BatchList)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batches_list(self._require(), byref(opts), byref(out), byref(err))
        del keep
        if code:
            _raise(code, err)
        try:
            page = out.contents
            return BatchList(
                data=tuple(_batch(page.items[i].contents) for i in range(page.count)),
                first_id=text(page.first_id), last_id=text(page.last_id),
                has_more=bool(page.has_more), request_id=text(page.request_id),
                has_more_present=bool(page.has_more_present), object=text(page.object))
        finally:
            lib.tfy_batch_page_free(out)

    def iter(self, *, limit: int = 0, after: Optional[str] = None,
             provider_name: Optional[str] = None, provider_model: Optional[str] = None,
             azure_api_version: Optional[str] = None, vertex_region: Optional[str] = None,
             vertex_storage_bucket_name: Optional[str] = None,
             aws_s3_bucket: Optional[str] = None, aws_bedrock_model: Optional[str] = None,
             metadata: Optional[Mapping[str, str]] = None,
             headers: Optional[Mapping[str, str]] = None,
             deadline: Optional[float] = None, max_items: int = 0,
             max_pages: int = 0) -> Iterator[Batch]:
        """Every batch from ``after`` on, following pages (tfy_batch_iter_*).

        Arguments are checked at once (a bad one raises here, before the first
        next()).  The C iterator is freed when the generator finishes, raises,
        or is closed (``gen.close()``, ``with contextlib.closing(...)``, or
        garbage collection).  The client must stay open while iterating."""
        opts, keep = _list_options(locals())
        it = c_void_p()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batch_iter_new(self._require(), byref(opts), byref(it), byref(err))
        del keep  # the iterator copied the options
        if code:
            _raise(code, err)
        gen = _iterate(self, it)
        self._iters.add(gen)
        return gen


def _iterate(client: Client, it: c_void_p) -> Iterator[Batch]:
    try:
        while True:
            b = POINTER(_ffi.Batch)()
            err = POINTER(_ffi.Error)()
            code = lib.tfy_batch_iter_next(it, byref(b), byref(err))
            if code:
                _raise(code, err)
            if not b:
                return
            yield _batch(b.contents)
    finally:
        lib.tfy_batch_iter_free(it)
        del client  # kept referenced so the client outlives the iterator


def _ms(seconds: float) -> int:
    ms = int(round(float(seconds) * 1000))
    return max(ms, 1)


def _list_options(args: dict):
    opts = _ffi.ListOptions()
    code = lib.tfy_batches_list_options_init(byref(opts), _ffi.TFY_BATCHES_LIST_OPTIONS_VERSION)
    if code:
        _raise(code, None)
    keep = []
    opts.limit = int(args["limit"])
    for name in ("after", "provider_name", "provider_model", "azure_api_version",
                 "vertex_region", "vertex_storage_bucket_name", "aws_s3_bucket",
                 "aws_bedrock_model"):
        b = _ffi.encode(args[name])
        keep.append(b)
        setattr(opts, name, b)
    opts.metadata, opts.metadata_count, k1 = _headers(args["metadata"])
    opts.headers, opts.headers_count, k2 = _headers(args["headers"])
    keep += [k1, k2]
    if args["deadline"] is not None:
        opts.deadline_ms = _ms(args["deadline"])
    opts.max_items = int(args.get("max_items", 0))
    opts.max_pages = int(args.get("max_pages", 0))
    return opts, keep
