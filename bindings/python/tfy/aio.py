"""``tfy.aio``: the calls of ``tfy.Client`` for asyncio (libtfy 1.3's
event-loop API, include/tfy/async.h)::

    async with tfy.aio.Client() as client:
        batch = await client.batches.retrieve("batch_abc")
        async for b in client.batches.iter():
            ...

The same C calls as the blocking client (deadlines, retries, Retry-After,
reconcile, credential refresh, masking), driven from the running event
loop: libtfy asks for its sockets to be watched (``loop.add_reader`` /
``add_writer``) and for one timer (``loop.call_later``), and no thread is
started.  Everything runs on the loop's thread: the client is bound to
the loop of its first call and used only from coroutines on it.

Cancelling the task that awaits a call (``task.cancel()``,
``asyncio.wait_for``'s timeout) cancels the call (tfy_async_call_cancel):
its transfer stops at once.  A create or upload already sent may still
take effect: it is not reconciled.

Needs a selector event loop (the default on Unix; uvloop too), which has
``add_reader``.
"""

from __future__ import annotations

import asyncio
import collections
import io
import itertools
import os
from ctypes import POINTER, byref, c_void_p
from typing import Any, Callable, Dict, Optional

from . import _ffi
from ._ffi import encode, lib
from ._kept import KeptHeaders
from .client import Client as _BlockingClient
from .client import _list_options, _missing_has_more, _one_batch, create_options, wait_options
from .files import (File, FilePage, Source, Target, TransferProgress, _is_stream,
                    _list_options as _files_list_options, _progress_trampoline, _take_file,
                    _write_trampoline, download_options, file_from_c, file_page_from_c,
                    upload_options)
from .request import NONE, Pairs, RequestOptions, check, options
from .types import Batch, Page, batch_from_c, page_from_c

__all__ = ["Client", "AsyncBatches", "AsyncFiles", "AsyncBatchIterator"]

_READ, _WRITE = _ffi.TFY_ASYNC_WATCH_READ, _ffi.TFY_ASYNC_WATCH_WRITE


class _Call:
    """One C call under way: how its callback's arguments become the
    future's result, what the C side reads until then, and its handle."""

    __slots__ = ("future", "handle", "keep", "convert")

    def __init__(self, future: Optional[asyncio.Future], keep: Any,
                 convert: Callable[..., Any]) -> None:
        self.future = future
        self.handle = c_void_p()
        self.keep = keep
        self.convert = convert


class Client:
    """An asyncio client: ``tfy.aio.Client(...)`` takes the arguments of
    ``tfy.Client`` (base URL, key, timeouts, retries, request defaults...).
    Use ``async with``, or call ``await client.aclose()``: calls still under
    way then end with tfy.CancelledError (tfy.OutcomeUnknownError for a
    create or an upload already sent)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _ffi.HAVE_ASYNC:
            raise NotImplementedError("the loaded libtfy has no event-loop API (libtfy 1.3)")
        self._async = c_void_p()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._calls: Dict[int, _Call] = {}
        self._ids = itertools.count(1)
        self._fds: Dict[int, int] = {}
        self._timer: Optional[asyncio.TimerHandle] = None
        self._closed = False
        # The C side calls these for the client's whole life: kept here.
        self._hooks_c = (_ffi.ASYNC_WATCH_FN(self._watch), _ffi.ASYNC_TIMER_FN(self._arm))
        self._done_c = {
            "batch": _ffi.ASYNC_BATCH_FN(self._finish),
            "page": _ffi.ASYNC_BATCH_PAGE_FN(self._finish),
            "file": _ffi.ASYNC_FILE_FN(self._finish),
            "file_page": _ffi.ASYNC_FILE_PAGE_FN(self._finish),
            "done": _ffi.ASYNC_DONE_FN(self._finish),
            "batches": _ffi.ASYNC_BATCHES_FN(self._on_page),
            "files": _ffi.ASYNC_FILES_FN(self._on_page),
        }
        self._client = _BlockingClient(*args, **kwargs)

    # ---- the loop's side ----------------------------------------------

    def _attach(self) -> None:
        """Binds the client to the running loop on its first call."""
        loop = asyncio.get_running_loop()
        if self._closed:
            raise ValueError("the client is closed")
        if self._loop is not None:
            if loop is not self._loop:
                raise RuntimeError("tfy.aio.Client is bound to another event loop")
            return
        hooks = _ffi.AsyncHooks()
        hooks.version = _ffi.TFY_ASYNC_HOOKS_VERSION
        hooks.watch, hooks.timer = self._hooks_c
        err = POINTER(_ffi.Error)()
        self._loop = loop
        code = self._client._live().call(
            lambda ptr: lib.tfy_async_new(ptr, byref(hooks), byref(self._async), byref(err)))
        if code:
            self._loop = None
            check(code, err)

    def _watch(self, _userdata: Any, fd: int, what: int) -> int:
        """The watch hook: the loop's readers and writers of fd."""
        try:
            loop, old = self._loop, self._fds.get(fd, 0)
            assert loop is not None
            for bit, add, remove in ((_READ, loop.add_reader, loop.remove_reader),
                                     (_WRITE, loop.add_writer, loop.remove_writer)):
                if old & bit and not what & bit:
                    remove(fd)
                elif what & bit and not old & bit:
                    add(fd, self._ready, fd, bit)
            if what & (_READ | _WRITE):
                self._fds[fd] = what & (_READ | _WRITE)
            else:
                self._fds.pop(fd, None)
            return 0
        except Exception:  # a closed loop: the calls on fd fail
            return -1

    def _ready(self, fd: int, what: int) -> None:
        if self._async:
            lib.tfy_async_socket_ready(self._async, fd, what)

    def _arm(self, _userdata: Any, delay_ms: int) -> int:
        """The timer hook: one call_later, replaced or cancelled."""
        try:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if delay_ms >= 0:
                assert self._loop is not None
                self._timer = self._loop.call_later(delay_ms / 1000.0, self._fire)
            return 0
        except Exception:
            return -1

    def _fire(self) -> None:
        self._timer = None
        if self._async:
            lib.tfy_async_timer_fired(self._async)

    # ---- calls --------------------------------------------------------

    def _start(self, start: Callable[..., int], args: tuple, kind: str, keep: Any,
               convert: Callable[..., Any]) -> "asyncio.Future[Any]":
        """start(async, *args, callback, userdata, &call, &err) as a future
        that convert(*callback arguments) completes."""
        self._attach()
        assert self._loop is not None
        call = _Call(self._loop.create_future(), keep, convert)
        cid = next(self._ids)
        err = POINTER(_ffi.Error)()
        self._calls[cid] = call
        code = start(self._async, *args, self._done_c[kind], c_void_p(cid), byref(call.handle),
                     byref(err))
        if code:
            del self._calls[cid]
            check(code, err)
        call.future.add_done_callback(lambda f: self._abandoned(cid, f))
        return call.future

    def _abandoned(self, cid: int, future: asyncio.Future) -> None:
        """The future was cancelled (its task was): so is the C call, unless
        its callback already ran."""
        call = self._calls.get(cid)
        if future.cancelled() and call is not None and self._async:
            lib.tfy_async_call_cancel(call.handle)

    def _finish(self, userdata: Optional[int], *args: Any) -> None:
        """Every completion callback: the C result becomes the future's
        (converted and freed even when nobody awaits it any more)."""
        call = self._calls.pop(userdata or 0, None)
        if call is None:
            return
        try:
            result, exc = call.convert(*args), None
        except BaseException as e:  # noqa: B036 - handed to the awaiting task
            result, exc = None, e
        future = call.future
        if future is not None and not future.done():
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _on_page(self, userdata: Optional[int], rc: int, items, count: int, err) -> int:
        """The page callback of an iteration: its _AsyncIterator's."""
        call = self._calls.get(userdata or 0)
        if call is None:
            return 1
        go_on = call.convert(rc, items, count, err)
        if not go_on or rc or not count:  # the last call of this iteration
            del self._calls[userdata or 0]
        return 0 if go_on else 1

    async def aclose(self) -> None:
        """Cancel what is under way (the futures end with the calls'
        errors), stop watching, free the C client.  Idempotent."""
        self.close()

    def close(self) -> None:
        """aclose() for synchronous code, on the loop's thread."""
        if self._closed:
            return
        self._closed = True
        if self._async:
            lib.tfy_async_free(self._async)  # runs every callback still due
            self._async = c_void_p()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for fd in list(self._fds):
            self._watch(None, fd, 0)
        self._client.close()

    def __del__(self) -> None:
        # Unreachable: nothing of the loop refers to it (a watched socket
        # or the timer would), so no call is under way and no callback of
        # its own is running; the driver and its client reference go.
        try:
            if self._async:
                lib.tfy_async_free(self._async)
                self._async = c_void_p()
        except Exception:
            pass

    async def __aenter__(self) -> "Client":
        self._attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def pending(self) -> int:
        """The calls under way (tfy_async_pending)."""
        return int(lib.tfy_async_pending(self._async)) if self._async else 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def base_url(self) -> str:
        return self._client.base_url

    @property
    def batches(self) -> "AsyncBatches":
        """``await client.batches.retrieve(id)``, ``.create()``, ``.cancel()``,
        ``.list()``, ``.wait()``, and ``async for b in .iter()``."""
        return AsyncBatches(self)

    @property
    def files(self) -> "AsyncFiles":
        """``await client.files.upload(path)``, ``.retrieve()``, ``.delete()``,
        ``.download()``, ``.list()``."""
        return AsyncFiles(self)

    def _request(self, request: Optional[RequestOptions], request_options: dict):
        """A call's C request options (no Ctrl-C token: asyncio cancels)."""
        return options(request, request_options, None, self._client._default_cancel)


def _page(rc: int, out, err) -> Page:
    if rc:
        check(rc, err)
    # The C page stays alive, with the Python page, for Page.header().
    return page_from_c(out.contents, KeptHeaders(out, lib.tfy_batch_page_header,
                                                 lib.tfy_batch_page_free))


def _file_page(rc: int, out, err) -> FilePage:
    if rc:
        check(rc, err)
    try:
        return file_page_from_c(out.contents)
    finally:
        lib.tfy_file_page_free(out)


def _nothing(rc: int, err) -> None:
    check(rc, err)


class AsyncBatches:
    """``client.batches`` of a tfy.aio.Client: the arguments and results of
    tfy.Client's calls of the same names, awaited."""

    def __init__(self, client: Client) -> None:
        self._c = client

    async def retrieve(self, batch_id: str, *, request: Optional[RequestOptions] = None,
                       **request_options: Any) -> Batch:
        """``GET /batches/{id}``."""
        return await self._by_id(lib.tfy_batches_retrieve_start, batch_id, request,
                                 request_options)

    async def cancel(self, batch_id: str, *, request: Optional[RequestOptions] = None,
                     **request_options: Any) -> Batch:
        """``POST /batches/{id}/cancel``."""
        return await self._by_id(lib.tfy_batches_cancel_start, batch_id, request,
                                 request_options)

    def _by_id(self, start, batch_id: str, request, request_options) -> asyncio.Future:
        creq = self._c._request(request, request_options)
        return self._c._start(start, (encode(batch_id), creq.pointer if creq else None),
                              "batch", creq, _one_batch)

    async def create(self, input_file_id: str, endpoint: str, *,
                     completion_window: Optional[str] = None, metadata: Optional[Pairs] = None,
                     output_expires_after: Optional[int] = None, reconcile: bool = True,
                     request: Optional[RequestOptions] = None, **request_options: Any) -> Batch:
        """``POST /batches``, reconciled as tfy.Client.create() is."""
        creq = self._c._request(request, request_options)
        opts, keep = create_options(input_file_id, endpoint, completion_window, metadata,
                                    output_expires_after, reconcile, creq)
        return await self._c._start(lib.tfy_batches_create_start, (byref(opts),), "batch",
                                    (opts, keep), _one_batch)

    async def wait(self, batch_id: str, *, timeout: Optional[float] = None,
                   on_progress: Optional[Callable[[Batch], Any]] = None,
                   poll_initial: Optional[float] = None, poll_max: Optional[float] = None,
                   request: Optional[RequestOptions] = None, **request_options: Any) -> Batch:
        """Polls on the loop's timer until the batch ends, as
        tfy.Client.wait(); ``on_progress`` runs on the loop's thread."""
        creq = self._c._request(request, request_options)
        opts, keep = wait_options(timeout, on_progress, poll_initial, poll_max, creq)
        return await self._c._start(lib.tfy_batch_wait_start, (encode(batch_id), byref(opts)),
                                    "batch", (opts, keep), _one_batch)

    async def list(self, *, limit: int = 0, after: Optional[str] = None,
                   request: Optional[RequestOptions] = None, **request_options: Any) -> Page:
        """One page of ``GET /batches``."""
        opts, keep = _list_options(limit, after, self._c._request(request, request_options))
        return await self._c._start(lib.tfy_batches_list_start, (byref(opts),), "page",
                                    (opts, keep), _page)

    def iter(self, *, limit: int = 0, after: Optional[str] = None, max_items: int = 0,
             max_pages: int = 0, prefetch: bool = True, missing_has_more: Optional[str] = None,
             buffer: int = 200, request: Optional[RequestOptions] = None,
             **request_options: Any) -> "AsyncBatchIterator":
        """Every batch from ``after`` on (``async for``), following pages
        with the guards of tfy.Client.iter() (tfy_batch_iter_start).  At
        most about ``buffer`` batches wait in memory: past that the walk
        pauses, and goes on after the last one handed out when they are
        taken."""
        settings = _iter_settings(limit, max_items, max_pages, prefetch, missing_has_more,
                                  request, request_options)
        return AsyncBatchIterator(self._c, after, settings, max(int(buffer), 1))


class _AsyncIterator:
    """A walk of every page of a listing by its start form (a subclass
    says which), with a bounded buffer.  ``aclose()`` (or leaving the loop
    early, once the iterator is collected) stops the walk.  ``cursor`` is
    the id of the last item handed out."""

    _start = ""  # the start form's name in libtfy
    _done = ""  # its on_page's key in Client._done_c
    _convert: Callable[[Any], Any] = staticmethod(lambda item: item)

    def _options(self, after: Optional[str], creq):
        """The list options of a walk from after (the caps are set after)."""
        raise NotImplementedError

    def __init__(self, client: Client, after: Optional[str], settings: dict,
                 buffer: int) -> None:
        self._c = client
        self.cursor = after
        self._s = settings
        self._buffer = buffer
        self._items: collections.deque = collections.deque()
        self._error: Optional[BaseException] = None
        self._state = "idle"  # idle (start on demand), running, paused, over
        self._waiter: Optional[asyncio.Future] = None
        self._call: Optional[_Call] = None
        self._seen_items = 0
        self._seen_pages = 0

    def __aiter__(self) -> "_AsyncIterator":
        return self

    async def __anext__(self) -> Any:
        while not self._items:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._state == "over":
                raise StopAsyncIteration
            if self._state in ("idle", "paused"):
                self._run()
            assert self._c._loop is not None
            self._waiter = self._c._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        self.cursor = item.id
        return item

    def _run(self) -> None:
        """A walk from the cursor, with what is left of the caps."""
        s = self._s
        left = {}
        for cap, seen in (("max_items", self._seen_items), ("max_pages", self._seen_pages)):
            left[cap] = s[cap] - seen if s[cap] > 0 else s[cap]
            if s[cap] > 0 and left[cap] <= 0:
                self._state = "over"
                return
        opts, keep = self._options(self.cursor,
                                   self._c._request(s["request"], s["request_options"]))
        opts.max_items, opts.max_pages = left["max_items"], left["max_pages"]
        opts.prefetch, opts.missing_has_more = s["prefetch"], s["missing_has_more"]
        self._c._attach()
        self._call = _Call(None, (opts, keep), self._page)
        cid = next(self._c._ids)
        self._c._calls[cid] = self._call
        err = POINTER(_ffi.Error)()
        start = getattr(lib, self._start)
        code = start(self._c._async, byref(opts), self._c._done_c[self._done], c_void_p(cid),
                     byref(self._call.handle), byref(err))
        if code:
            del self._c._calls[cid]
            self._call = None
            self._state = "over"
            check(code, err)
        self._state = "running"

    def _page(self, rc: int, items, count: int, err) -> bool:
        """One page (or the end, or the error): whether to go on."""
        if self._state == "over":  # closed: an error from the cancel, or a late page
            if err:
                lib.tfy_error_free(err)
            return False
        go_on = True
        if rc:
            try:
                check(rc, err)
            except BaseException as e:  # noqa: B036 - raised by __anext__
                self._error = e
            self._state = "over"
        elif not count:
            self._state = "over"
        else:
            self._seen_pages += 1
            self._seen_items += count
            self._items.extend(self._convert(items[i].contents) for i in range(count))
            if len(self._items) >= self._buffer:
                self._state, go_on = "paused", False
        if not go_on or self._state == "over":
            self._call = None
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return go_on

    async def aclose(self) -> None:
        """Stop the walk (its request is cancelled) and drop what waits."""
        self._state = "over"
        self._items.clear()
        if self._call is not None and self._c._async:
            lib.tfy_async_call_cancel(self._call.handle)
        self._call = None


class AsyncBatchIterator(_AsyncIterator):
    """``async for batch in client.batches.iter()`` (tfy_batch_iter_start)."""

    _start = "tfy_batch_iter_start"
    _done = "batches"
    _convert = staticmethod(batch_from_c)

    def _options(self, after: Optional[str], creq):
        return _list_options(self._s["limit"], after, creq)


class AsyncFileIterator(_AsyncIterator):
    """``async for file in client.files.iter()`` (tfy_file_iter_start)."""

    _start = "tfy_file_iter_start"
    _done = "files"
    _convert = staticmethod(file_from_c)

    def _options(self, after: Optional[str], creq):
        s = self._s
        return _files_list_options(s["limit"], after, s["order"], s["purpose"], creq)


def _iter_settings(limit: int, max_items: int, max_pages: int, prefetch: bool,
                   missing_has_more: Optional[str], request: Optional[RequestOptions],
                   request_options: Dict[str, Any], **own: Any) -> dict:
    """What every walk of a listing keeps to start again from its cursor."""
    return dict(limit=limit, max_items=int(max_items), max_pages=int(max_pages),
                prefetch=0 if prefetch and prefetch != NONE else NONE,
                missing_has_more=_missing_has_more(missing_has_more), request=request,
                request_options=request_options, **own)


class AsyncFiles:
    """``client.files`` of a tfy.aio.Client: the arguments and results of
    tfy.Client.files' calls of the same names, awaited; a file object given
    to upload() or download() is read or written on the loop's thread."""

    def __init__(self, client: Client) -> None:
        self._c = client

    async def upload(self, path: Source, *, purpose: Optional[str] = None,
                     filename: Optional[str] = None, content_type: Optional[str] = None,
                     progress: Optional[Callable[[TransferProgress], Any]] = None,
                     request: Optional[RequestOptions] = None, **request_options: Any) -> File:
        """``POST /files`` of a path or a binary file object, streamed."""
        creq = self._c._request(request, request_options)
        opts, keep = upload_options(path, purpose, filename, content_type, progress, creq)
        return await self._c._start(lib.tfy_files_upload_start, (byref(opts),), "file",
                                    (opts, keep), _take_file)

    async def create(self, file: str | os.PathLike, *, purpose: Optional[str] = None,
                     **kwargs: Any) -> File:
        """openai-python's name for upload()."""
        return await self.upload(file, purpose=purpose, **kwargs)

    async def retrieve(self, file_id: str, *, request: Optional[RequestOptions] = None,
                       **request_options: Any) -> File:
        """``GET /files/{id}``."""
        creq = self._c._request(request, request_options)
        return await self._c._start(lib.tfy_files_retrieve_start,
                                    (encode(file_id), creq.pointer if creq else None), "file",
                                    creq, _take_file)

    async def delete(self, file_id: str, *, request: Optional[RequestOptions] = None,
                     **request_options: Any) -> None:
        """``DELETE /files/{id}``."""
        creq = self._c._request(request, request_options)
        await self._c._start(lib.tfy_files_delete_start,
                             (encode(file_id), creq.pointer if creq else None), "done", creq,
                             _nothing)

    async def download(self, file_id: str, path: Target, *, overwrite: bool = False,
                       expected_bytes: int = 0,
                       progress: Optional[Callable[[TransferProgress], Any]] = None,
                       request: Optional[RequestOptions] = None,
                       **request_options: Any) -> None:
        """``GET /files/{id}/content`` into a path (renamed into place when
        whole) or a binary file object, as tfy.Client.files.download()."""
        tracker = _progress_trampoline(progress) if progress is not None else None
        if _is_stream(path, "write"):
            if overwrite:
                raise ValueError("overwrite applies to a path, not to a file object")
            target: Any = _write_trampoline(path.write, isinstance(path, io.RawIOBase))
        else:
            target = os.fsdecode(path)
        creq = self._c._request(request, request_options)
        opts = download_options(target, expected_bytes, overwrite, tracker, creq)
        await self._c._start(lib.tfy_files_download_start, (encode(file_id), byref(opts)),
                             "done", (opts, target, tracker, creq), _nothing)

    async def list(self, *, limit: int = 0, after: Optional[str] = None,
                   order: Optional[str] = None, purpose: Optional[str] = None,
                   request: Optional[RequestOptions] = None,
                   **request_options: Any) -> FilePage:
        """One page of ``GET /files``."""
        opts, keep = _files_list_options(limit, after, order, purpose,
                                         self._c._request(request, request_options))
        return await self._c._start(lib.tfy_files_list_start, (byref(opts),), "file_page",
                                    (opts, keep), _file_page)

    def iter(self, *, limit: int = 0, after: Optional[str] = None, order: Optional[str] = None,
             purpose: Optional[str] = None, max_items: int = 0, max_pages: int = 0,
             prefetch: bool = True, missing_has_more: Optional[str] = None, buffer: int = 200,
             request: Optional[RequestOptions] = None,
             **request_options: Any) -> AsyncFileIterator:
        """Every file from ``after`` on (``async for``), following pages
        with the guards of tfy.Client.files.iter() (tfy_file_iter_start);
        ``buffer`` as in batches.iter()."""
        settings = _iter_settings(limit, max_items, max_pages, prefetch, missing_has_more,
                                  request, request_options, order=order, purpose=purpose)
        return AsyncFileIterator(self._c, after, settings, max(int(buffer), 1))
