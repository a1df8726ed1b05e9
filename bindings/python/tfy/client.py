"""The Client: a thin, deterministic-ownership wrapper over tfy_client."""

from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, byref, c_char_p, c_void_p
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Tuple, Type

from . import _ffi
from ._call import ClosedError, Handle, Interrupt, interruptible, on_caller, pending_error, run
from ._ffi import lib, text
from ._kept import KeptHeaders
from .batches import Batches
from .errors import InvalidArgumentError, TfyError
from .jobs import Jobs
from .files import Files
from .iterator import BatchIterator, CIterator
from .request import NONE, CRequest, Pairs, RequestOptions, check, ms, options, retries
from .types import Batch, Page, batch_from_c, page_from_c


@dataclass(frozen=True)
class RetryInfo:
    """What an on_retry callback is told before each retry (tfy_retry_info)."""
    attempt: int      #: the attempt that failed, from 1
    http_status: int  #: its HTTP status, 0 when no response came
    code: int         #: the tfy_code it maps to (tfy.ServerError.code, ...)
    delay: float      #: seconds to wait before the next attempt
    reason: str       #: one line, e.g. "server error (HTTP 503)"


#: Client(retry_after_policy=...): what a Retry-After above retry_after_max leads to.
RETRY_AFTER_POLICIES = {None: _ffi.TFY_RETRY_AFTER_DEFAULT, "fail": _ffi.TFY_RETRY_AFTER_FAIL,
                        "clamp": _ffi.TFY_RETRY_AFTER_CLAMP,
                        "ignore": _ffi.TFY_RETRY_AFTER_IGNORE}


def _credential_trampoline(credential: Callable[[bool], Optional[str]]):
    """credential(refresh) -> the key (str), or None to fail the call."""
    def call(_userdata, refresh, key, key_size) -> int:
        try:
            value = on_caller(credential, bool(refresh))
            b = _ffi.encode(value) if value is not None else None
            if b is not None and len(b) >= key_size:
                raise InvalidArgumentError(
                    f"the credential callable returned a key of {len(b)} bytes: libtfy "
                    f"takes at most {key_size - 1}", code=InvalidArgumentError.code)
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
        if b is None:
            return 1
        ctypes.memmove(key, b + b"\0", len(b) + 1)
        return 0
    return _ffi.CREDENTIAL_FN(call)


def _retry_trampoline(on_retry: Callable[[RetryInfo], Any]):
    """on_retry(info) -> False to stop retrying (None or True go on)."""
    def call(_userdata, info) -> int:
        i = info.contents
        try:
            go_on = on_caller(on_retry, RetryInfo(i.attempt, i.http_status, i.code,
                                                  i.delay_ms / 1000.0, text(i.reason) or ""))
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
        return 1 if go_on is False else 0
    return _ffi.RETRY_FN(call)


class Client:
    """A libtfy client.  Thread-safe: threads may share it and make calls at
    once (ctypes releases the GIL during requests); close() waits for the
    calls in flight on other threads (see close()).

    ``base_url`` is the API base, without "/batches"
    ("https://gateway.truefoundry.ai", "https://api.openai.com/v1"...).
    None means the environment, first found: $TFY_BASE_URL, TrueFoundry's
    platform URL as its own tools read it ("https://<org>.truefoundry.cloud",
    no path: the API base is that plus "/api/llm"; a path is refused), with
    $TFY_API_KEY; else $OPENAI_BASE_URL, the API base, with $OPENAI_API_KEY.
    ``api_key`` None means the key of that pair ($TFY_API_KEY when base_url
    is given): a key is never sent to a base URL from the other pair.
    Timeouts are in seconds (float); None keeps the library's default, and
    ``stall_timeout=tfy.NONE`` turns the stall check off.  ``max_retries`` is
    the number of retries after a failed first attempt (0: none; None: the
    library's default, 2).  ``auth_header`` names a header that carries the
    key as it is instead of ``Authorization: Bearer`` ("api-key" for Azure
    OpenAI).

    TLS and proxies (docs/networking.md): ``ca_file`` and ``ca_path`` replace
    the default CA store; ``client_cert``, ``client_key`` and
    ``client_key_password`` give a client certificate for mutual TLS;
    ``proxy`` ("http://host:port"; None: the environment's http_proxy,
    HTTPS_PROXY, ALL_PROXY), ``no_proxy`` (hosts that bypass it, comma-
    separated) and ``proxy_credentials`` ("user:password").  The passphrase
    and the proxy credentials are secrets: masked in every error and log line.
    Credentials that change: ``credential`` is a callable ``credential(refresh)``
    returning the key (str), asked before each request (``refresh`` False) and
    once more after a 401 (``refresh`` True; the request is then sent again
    once); None fails the call with AuthenticationError before anything is
    sent, and an exception it raises is re-raised from the call.  With it,
    ``api_key`` is not needed.  Retries: ``retry_initial_backoff`` and
    ``retry_max_backoff`` (seconds; defaults 0.5 and 8), ``retry_after_policy``
    ("fail", the default; "clamp"; "ignore": what a Retry-After above
    ``retry_after_max`` leads to), and ``on_retry``, a callable given a
    RetryInfo before each retry that returns False to stop retrying (an
    exception also stops them and is re-raised from the call).
    ``keep_headers``: names of response headers to keep beyond the default
    set, read with Page.header() and TfyError.header().  Callbacks run on the
    calling thread and must not use this client.

    Every other keyword argument is a default of every call, a field of
    RequestOptions (``default_headers`` for its ``headers``):
    ``provider_name="openai-main"``, ``query_params={"api-version":
    "2024-10-21"}`` for Azure, ``metadata_header``, ``deadline``, ``cancel``...
    A ``cancel`` default lives as long as the client.

    Routing defaults come from the environment, as the tfy-batches CLI reads
    them, for each one not given as an argument: $TFY_PROVIDER_NAME,
    $TFY_PROVIDER_MODEL, $TFY_AZURE_API_VERSION, $TFY_VERTEX_REGION,
    $TFY_VERTEX_STORAGE_BUCKET_NAME, $TFY_AWS_S3_BUCKET and
    $TFY_AWS_BEDROCK_MODEL for the fields of the same names, and
    $TFY_METADATA (a JSON object of strings) for ``metadata_header_json``
    unless ``metadata_header`` or ``metadata_header_json`` is given.  An
    empty variable counts as unset; an explicit argument always wins; they
    are read once, here.  ``routing_from_env=False`` reads none of them.

    Ctrl-C: a call made on the main thread while SIGINT has Python's
    default handler stops within 100 ms or so of Ctrl-C (with libtfy 1.3's
    cancel token; through the cancel callback with 1.2) and raises
    KeyboardInterrupt, never a TfyError, whatever it was doing: connecting,
    waiting for an answer, a retry's backoff, a wait()'s pause, an upload or
    a download.  It then runs on a helper thread while the main thread
    waits and runs its callbacks, so callbacks still run on the calling
    thread.  Calls on other threads, or under a SIGINT handler of the
    program's own, run as they are (the handler runs when the call ends).

    Use as a context manager or call close(); the C client is also freed
    when the object is garbage-collected.  In a forked child (os.fork,
    multiprocessing's "fork"), a client inherited from the parent may be
    used and closed: libtfy opens new connections there (1.3), and calls
    that other threads of the parent were making do not exist in the child.
    """

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *,
                 timeout: Optional[float] = None, connect_timeout: Optional[float] = None,
                 max_retries: Optional[int] = None,
                 retry_after_max: Optional[float] = None,
                 stall_timeout: Optional[float] = None,
                 max_response_bytes: Optional[int] = None,
                 ca_file: Optional[str] = None, ca_path: Optional[str] = None,
                 follow_redirects: bool = False, tls_insecure: bool = False,
                 auth_header: Optional[str] = None,
                 proxy: Optional[str] = None, no_proxy: Optional[str] = None,
                 proxy_credentials: Optional[str] = None,
                 client_cert: Optional[str] = None, client_key: Optional[str] = None,
                 client_key_password: Optional[str] = None,
                 credential: Optional[Callable[[bool], Optional[str]]] = None,
                 on_retry: Optional[Callable[[RetryInfo], Any]] = None,
                 retry_initial_backoff: Optional[float] = None,
                 retry_max_backoff: Optional[float] = None,
                 retry_after_policy: Optional[str] = None,
                 keep_headers: Optional[Sequence[str]] = None,
                 default_headers: Optional[Any] = None,
                 routing_from_env: bool = True,
                 **request_defaults: Any) -> None:
        self._state: Optional[Handle] = None
        if "headers" in request_defaults:
            raise TypeError("Client() takes default_headers, not headers")
        if default_headers is not None:
            request_defaults["headers"] = default_headers
        if routing_from_env:
            request_defaults.update(routing_env(request_defaults))
        # Kept for the client's life: the cancel default is called through it.
        self._defaults: Optional[CRequest] = options(None, request_defaults)
        self._default_cancel = request_defaults.get("cancel")
        opts = _ffi.ClientOptions()
        check(lib.tfy_client_options_init(byref(opts), _ffi.TFY_CLIENT_OPTIONS_VERSION), None)
        keep = [_ffi.encode(base_url), _ffi.encode(api_key), _ffi.encode(ca_file),
                _ffi.encode(ca_path), _ffi.encode(auth_header)]
        opts.base_url, opts.api_key, opts.ca_file, opts.ca_path, opts.auth_header = keep
        network = [_ffi.encode(v) for v in (proxy, no_proxy, proxy_credentials, client_cert,
                                            client_key, client_key_password)]
        (opts.proxy, opts.no_proxy, opts.proxy_credentials, opts.tls_client_cert,
         opts.tls_client_key, opts.tls_client_key_password) = network
        opts.timeout_ms = ms(timeout)
        opts.connect_timeout_ms = ms(connect_timeout)
        opts.retry_after_max_ms = ms(retry_after_max)
        opts.stall_timeout_ms = ms(stall_timeout, none_allowed=True)
        opts.max_response_bytes = int(max_response_bytes or 0)
        opts.max_retries = retries(max_retries)
        opts.follow_redirects = 1 if follow_redirects else 0
        opts.tls_insecure = 1 if tls_insecure else 0
        if self._defaults is not None:
            opts.request_defaults = self._defaults.pointer
        # Kept for the client's life: the library calls them through these.
        self._callbacks = self._set_policy(opts, credential, on_retry, retry_after_policy)
        opts.retry_initial_backoff_ms = ms(retry_initial_backoff)
        opts.retry_max_backoff_ms = ms(retry_max_backoff)
        names = [_ffi.encode(n) for n in (keep_headers or ())]
        keep.append((c_char_p * max(len(names), 1))(*names))
        opts.keep_headers = ctypes.cast(keep[-1], POINTER(c_char_p)) if names else None
        opts.keep_headers_count = len(names)
        err = POINTER(_ffi.Error)()
        handle = c_void_p()
        code = lib.tfy_client_new(byref(opts), byref(handle), byref(err))
        check(code, err)
        self._state = Handle(handle)

    @staticmethod
    def _set_policy(opts: _ffi.ClientOptions, credential, on_retry, policy) -> list:
        """Sets the callbacks and the Retry-After policy; returns what must stay alive."""
        callbacks = []
        if credential is not None:
            if not callable(credential):
                raise TypeError("credential must be callable")
            callbacks.append(_credential_trampoline(credential))
            opts.credential = callbacks[-1]
        if on_retry is not None:
            if not callable(on_retry):
                raise TypeError("on_retry must be callable")
            callbacks.append(_retry_trampoline(on_retry))
            opts.on_retry = callbacks[-1]
        if policy not in RETRY_AFTER_POLICIES:
            raise ValueError(f"retry_after_policy must be 'fail', 'clamp', 'ignore' or None, "
                             f"not {policy!r}")
        opts.retry_after_policy = RETRY_AFTER_POLICIES[policy]
        return callbacks

    @property
    def base_url(self) -> str:
        return text(self._live().call(lib.tfy_client_base_url)) or ""

    @property
    def closed(self) -> bool:
        """Whether close() was called (new calls then raise ClosedError)."""
        return self._state is None or self._state.closed

    @property
    def batches(self) -> Batches:
        """The batch calls as openai-python names them:
        ``client.batches.create(input_file_id, endpoint)``, ``.retrieve(id)``,
        ``.cancel(id)``, ``.list()``, and ``.iter()``, ``.wait(id)``.  The
        flat ``client.create()``, ``client.list()``... are the same calls."""
        return Batches(self)

    @property
    def files(self) -> Files:
        """The Files calls: ``client.files.upload(path)``, ``.retrieve(id)``,
        ``.delete(id)``, ``.download(id, path)`` (libtfy 1.2)."""
        if not hasattr(lib, "tfy_files_upload"):
            raise NotImplementedError("the loaded libtfy is older than 1.2: no Files calls")
        return Files(self)

    @property
    def jobs(self) -> Jobs:
        """Jobs larger than one batch (libtfy 1.3): ``client.jobs.run(input,
        directory, endpoint=...)``, ``.status(directory)``,
        ``.cancel(directory)``; see tfy.jobs."""
        if not hasattr(lib, "tfy_job_open"):
            raise NotImplementedError("the loaded libtfy has no jobs (1.3 or later)")
        return Jobs(self)

    def _live(self) -> Handle:
        if self._state is None:
            raise ClosedError("the client is closed")
        return self._state

    def _options(self, request: Optional[RequestOptions],
                 request_options: dict) -> Tuple[Optional[CRequest], Optional[Interrupt]]:
        """A call's C options, and the Interrupt that Ctrl-C fires when the
        call is made where it can arrive (see tfy._call)."""
        interrupt = Interrupt() if interruptible() else None
        return options(request, request_options, interrupt, self._default_cancel), interrupt

    def _run(self, interrupt: Optional[Interrupt], fn: Callable[..., int], *args: Any) -> int:
        """fn(the C client, *args), counted on the client (close() waits
        for it) and stopped by Ctrl-C (see tfy._call); its code."""
        handle = self._live()
        ptr = handle.enter()
        try:
            return run(lambda: fn(ptr, *args), interrupt)
        finally:
            handle.leave()

    def close(self) -> None:
        """Free the C client, once the calls that other threads are making
        on it have returned (this waits for them); its open iterators are
        closed (iterating one then raises ClosedError).  Called from inside
        a callback of a call on this client, it returns at once and the
        client is freed when that call returns.  New calls raise
        ClosedError.  Idempotent."""
        if self._state is not None:
            self._state.close()

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
             request: Optional[RequestOptions] = None, **request_options: Any) -> Page:
        """One page of ``GET {base_url}/batches``.  ``limit`` 0 lets the server
        choose; ``after`` is the id of the last batch of the previous page.
        The request options are ``request=RequestOptions(...)`` and/or its
        fields as keyword arguments (``provider_name=``, ``headers=``,
        ``deadline=``, ``cancel=``...), which override the client's defaults."""
        creq, interrupt = self._options(request, request_options)
        opts, keep = _list_options(limit, after, creq)
        out = POINTER(_ffi.Page)()
        err = POINTER(_ffi.Error)()
        code = self._run(interrupt, lib.tfy_batches_list, byref(opts), byref(out), byref(err))
        del keep  # the call is over: nothing reads the options any more
        page = None
        if not code:
            # The C page stays alive, with the Python page, for Page.header().
            headers = KeptHeaders(out, lib.tfy_batch_page_header, lib.tfy_batch_page_free)
            page = page_from_c(out.contents, headers)
        check(code, err)
        return page

    def iter(self, *, limit: int = 0, after: Optional[str] = None, max_items: int = 0,
             max_pages: int = 0, prefetch: bool = True,
             missing_has_more: Optional[str] = None,
             request: Optional[RequestOptions] = None,
             **request_options: Any) -> BatchIterator:
        """Every batch from ``after`` on, following pages (tfy_batch_iter_*),
        as a BatchIterator; request options as for list(), ``deadline`` then
        bounding the whole iteration.  ``prefetch`` asks for the next page as
        soon as one arrives (no thread is used).

        ``missing_has_more`` says what to do after a page without has_more
        (Bedrock's lists through a gateway, say): ``"continue"`` (the
        default, also None) asks for the next page while pages are not
        empty, ending quietly at an empty page or at a page that only
        repeats what was seen; ``"stop"`` ends after such a page.
        ``tfy.MISSING_HAS_MORE_CONTINUE`` and ``tfy.MISSING_HAS_MORE_STOP``
        name the two strings.

        Arguments are checked at once (a bad one raises here, before the first
        next()).  The C iterator is freed when iteration ends or fails, on
        close(), on leaving a ``with`` block, or on garbage collection.  The
        client must stay open while iterating (close() closes its iterators)."""
        # Always interruptible: its steps may be taken on the main thread.
        interrupt = Interrupt()
        opts, keep = _list_options(limit, after, options(request, request_options, interrupt,
                                                         self._default_cancel))
        opts.max_items = int(max_items)
        opts.max_pages = int(max_pages)
        opts.prefetch = 0 if prefetch and prefetch != NONE else NONE
        opts.missing_has_more = _missing_has_more(missing_has_more)
        return self._iterator(BatchIterator, lib.tfy_batch_iter_new, opts, keep, interrupt,
                              after)

    def _iterator(self, kind: Type[CIterator], c_new: Callable[..., int], opts: Any,
                  keep: Any, interrupt: Interrupt, after: Optional[str]) -> Any:
        """A ``kind`` over the C iterator c_new(client, &opts, &it, &err)
        makes, counted on the client like any call."""
        it = c_void_p()
        err = POINTER(_ffi.Error)()
        handle = self._live()
        ptr = handle.enter()
        try:
            code = run(lambda: c_new(ptr, byref(opts), byref(it), byref(err)), interrupt)
            # The iterator copied the options, but calls the cancel callback
            # through the pointer kept in `keep` and uses the token: they
            # live as long as the iterator.  Counted on the client while the
            # call is: a close() cannot come in between.
            iterator = kind(self, handle, it, keep, interrupt, after) if not code else None
        finally:
            handle.leave()
        check(code, err)
        return iterator

    def create(self, input_file_id: str, endpoint: str, *,
               completion_window: Optional[str] = None, metadata: Optional[Pairs] = None,
               output_expires_after: Optional[int] = None, reconcile: bool = True,
               request: Optional[RequestOptions] = None, **request_options: Any) -> Batch:
        """Create a batch (``POST {base_url}/batches``) from an uploaded JSONL
        file.  ``completion_window`` None sends "24h"; ``metadata`` is a
        mapping (or pairs) of strings, at most 16; ``output_expires_after``
        is seconds (3600 to 2592000) after creation, None sends nothing.

        Never sent twice once it may have taken effect: when no certain
        answer came (no answer, 409, a 5xx other than 503, a 2xx without a
        batch id), the newest batches are searched for it unless
        ``reconcile`` is False, and OutcomeUnknownError is raised when it is
        not found (the batch may exist: list before creating again)."""
        creq, interrupt = self._options(request, request_options)
        opts, keep = create_options(input_file_id, endpoint, completion_window, metadata,
                                    output_expires_after, reconcile, creq)
        out = POINTER(_ffi.Batch)()
        err = POINTER(_ffi.Error)()
        code = self._run(interrupt, lib.tfy_batches_create, byref(opts), byref(out), byref(err))
        del keep
        return _one_batch(code, out, err)

    def retrieve(self, batch_id: str, *, request: Optional[RequestOptions] = None,
                 **request_options: Any) -> Batch:
        """One batch (``GET {base_url}/batches/{batch_id}``)."""
        return self._by_id(lib.tfy_batches_retrieve, batch_id, request, request_options)

    def cancel(self, batch_id: str, *, request: Optional[RequestOptions] = None,
               **request_options: Any) -> Batch:
        """Ask for a batch to be cancelled (``POST /batches/{batch_id}/cancel``);
        the answer is usually the batch in "cancelling".  Safe to repeat, so
        retried like a read."""
        return self._by_id(lib.tfy_batches_cancel, batch_id, request, request_options)

    def _by_id(self, fn, batch_id: str, request: Optional[RequestOptions],
               request_options: dict) -> Batch:
        creq, interrupt = self._options(request, request_options)
        bid = _ffi.encode(batch_id)
        out = POINTER(_ffi.Batch)()
        err = POINTER(_ffi.Error)()
        code = self._run(interrupt, fn, bid, creq.pointer if creq else None, byref(out),
                         byref(err))
        del creq
        return _one_batch(code, out, err)

    def wait(self, batch_id: str, *, timeout: Optional[float] = None,
             on_progress: Optional[Callable[[Batch], Any]] = None,
             poll_initial: Optional[float] = None, poll_max: Optional[float] = None,
             request: Optional[RequestOptions] = None, **request_options: Any) -> Batch:
        """Poll a batch until it ends (completed, partially_completed, failed,
        expired, cancelled) and return its final state, whatever its status.

        Polls at once, then after ``poll_initial`` seconds (default 1),
        growing x1.5 up to ``poll_max`` (default 30); a poll answer's
        Retry-After makes the next pause at least that long.  ``on_progress``
        is called with each new state (status or request counts changed); a
        true result stops the wait with CancelledError, an exception stops it
        and is raised in its place.  ``timeout`` (seconds, None: no limit)
        raises TfyTimeoutError; ``cancel=`` (a request option) stops it with
        CancelledError.  Either exception carries the last state seen as its
        ``batch`` attribute (None when no poll answered).  Ctrl-C stops it
        with KeyboardInterrupt (see Client)."""
        creq, interrupt = self._options(request, request_options)
        opts, progress = wait_options(timeout, on_progress, poll_initial, poll_max, creq)
        bid = _ffi.encode(batch_id)
        out = POINTER(_ffi.Batch)()
        err = POINTER(_ffi.Error)()
        code = self._run(interrupt, lib.tfy_batch_wait, bid, byref(opts), byref(out), byref(err))
        del creq, progress
        return _one_batch(code, out, err)


def create_options(input_file_id: str, endpoint: str, completion_window: Optional[str],
                   metadata: Optional[Pairs], output_expires_after: Optional[int],
                   reconcile: bool, creq: Optional[CRequest]):
    """A tfy_batches_create_options (Client.create()'s arguments), and what
    its pointers reach."""
    opts = _ffi.CreateOptions()
    check(lib.tfy_batches_create_options_init(byref(opts),
                                              _ffi.TFY_BATCHES_CREATE_OPTIONS_VERSION), None)
    meta = CRequest(RequestOptions(metadata_header=metadata))  # borrows its pair array
    keep = [_ffi.encode(input_file_id), _ffi.encode(endpoint),
            _ffi.encode(completion_window), creq, meta]
    opts.input_file_id, opts.endpoint, opts.completion_window = keep[:3]
    opts.metadata = meta.struct.metadata_header
    opts.metadata_count = meta.struct.metadata_header_count
    opts.output_expires_after_seconds = int(output_expires_after or 0)
    opts.reconcile = 0 if reconcile else NONE
    if creq is not None:
        opts.request = creq.pointer
    return opts, keep


def wait_options(timeout: Optional[float], on_progress: Optional[Callable[[Batch], Any]],
                 poll_initial: Optional[float], poll_max: Optional[float],
                 creq: Optional[CRequest]):
    """A tfy_batch_wait_options (Client.wait()'s arguments), and what its
    pointers reach."""
    opts = _ffi.WaitOptions()
    check(lib.tfy_batch_wait_options_init(byref(opts), _ffi.TFY_BATCH_WAIT_OPTIONS_VERSION),
          None)
    opts.timeout_ms = ms(timeout)
    opts.poll_initial_ms = ms(poll_initial)
    opts.poll_max_ms = ms(poll_max)
    progress = None
    if on_progress is not None:
        if not callable(on_progress):
            raise TypeError("on_progress must be callable")
        progress = _progress_trampoline(on_progress)
        opts.on_progress = progress
    if creq is not None:
        opts.request = creq.pointer
    return opts, (progress, creq)


def _one_batch(code: int, out, err) -> Batch:
    """The batch a call returned (copied, then freed), or its error raised
    with the batch it handed back, if any, as the ``batch`` attribute."""
    batch = None
    if out:
        try:
            batch = batch_from_c(out.contents)
        finally:
            lib.tfy_batch_free(out)
    try:
        check(code, err)
    except TfyError as e:
        e.batch = batch
        raise
    return batch


def _progress_trampoline(on_progress: Callable[[Batch], Any]):
    def call(_userdata, b) -> int:
        try:
            return 1 if on_caller(on_progress, batch_from_c(b.contents)) else 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.PROGRESS_FN(call)


#: The routing defaults a Client reads from the environment (as tfy-batches
#: does): RequestOptions field -> variable.
ROUTING_ENV = {
    "provider_name": "TFY_PROVIDER_NAME",
    "provider_model": "TFY_PROVIDER_MODEL",
    "azure_api_version": "TFY_AZURE_API_VERSION",
    "vertex_region": "TFY_VERTEX_REGION",
    "vertex_storage_bucket_name": "TFY_VERTEX_STORAGE_BUCKET_NAME",
    "aws_s3_bucket": "TFY_AWS_S3_BUCKET",
    "aws_bedrock_model": "TFY_AWS_BEDROCK_MODEL",
    "metadata_header_json": "TFY_METADATA",
}


def routing_env(given: dict) -> dict:
    """The routing fields set (non-empty) in the environment that ``given``
    leaves unset (None); TFY_METADATA only when neither form of the
    metadata header is given."""
    skip = {name for name, value in given.items() if value is not None}
    if "metadata_header" in skip:
        skip.add("metadata_header_json")
    found = {name: os.environ.get(var) for name, var in ROUTING_ENV.items() if name not in skip}
    return {name: value for name, value in found.items() if value}


#: Client.iter(missing_has_more=...): go on after a page without has_more.
MISSING_HAS_MORE_CONTINUE = "continue"
#: Client.iter(missing_has_more=...): end after a page without has_more.
MISSING_HAS_MORE_STOP = "stop"
_MISSING_HAS_MORE = {None: _ffi.TFY_MISSING_HAS_MORE_DEFAULT,
                     MISSING_HAS_MORE_CONTINUE: _ffi.TFY_MISSING_HAS_MORE_CONTINUE,
                     MISSING_HAS_MORE_STOP: _ffi.TFY_MISSING_HAS_MORE_STOP}


def _missing_has_more(value: Optional[str]) -> int:
    try:
        return _MISSING_HAS_MORE[value]
    except (KeyError, TypeError):
        raise ValueError(f"missing_has_more must be {MISSING_HAS_MORE_CONTINUE!r}, "
                         f"{MISSING_HAS_MORE_STOP!r} or None, not {value!r}") from None


def _list_options(limit: int, after: Optional[str], creq: Optional[CRequest]):
    """A tfy_batches_list_options, and what its pointers reach."""
    opts = _ffi.ListOptions()
    check(lib.tfy_batches_list_options_init(byref(opts),
                                            _ffi.TFY_BATCHES_LIST_OPTIONS_VERSION), None)
    after_b = _ffi.encode(after)
    opts.limit = int(limit)
    opts.after = after_b
    if creq is not None:
        opts.request = creq.pointer
    return opts, (creq, after_b)
