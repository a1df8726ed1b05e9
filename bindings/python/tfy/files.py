"""The Files calls (libtfy 1.2): upload, retrieve, delete and download,
streamed by the library from and to a path or a binary file object, never
the whole file in Python's memory (but for content(), bounded); and since
libtfy 1.3, listing files: one page, or every page with an iterator."""

from __future__ import annotations

import ctypes
import io
import json
import os
from ctypes import POINTER, byref
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, List, Optional, Union

from . import _ffi
from ._ffi import encode, lib, text
from .errors import ResponseTooLargeError
from ._call import Interrupt, on_caller, pending_error
from .iterator import CIterator
from .request import NONE, CRequest, RequestOptions, check, options
from .types import Record


@dataclass(frozen=True)
class File(Record):
    """A File object (tfy_file): an uploaded input file, or a batch's output
    or error file.  Absent members are None; times are Unix seconds."""
    id: Optional[str]
    object: Optional[str]
    bytes: Optional[int]
    created_at: Optional[int]
    expires_at: Optional[int]
    filename: Optional[str]
    purpose: Optional[str]
    status: Optional[str]
    status_details: Optional[str]
    raw_json: str

    def raw(self) -> dict:
        """The object as the server sent it."""
        return json.loads(self.raw_json)


@dataclass(frozen=True)
class TransferProgress(Record):
    """How far an upload or a download got (tfy_transfer_progress, libtfy
    1.3), given to the ``progress=`` callable of Files.upload() and
    Files.download()."""
    #: "sending" (an upload), "receiving" (a download), or "done": the last
    #: call, once the call succeeded (a download to a path: once the file
    #: is in place).
    phase: str
    #: Bytes of the file sent, or of the content received, so far; back to
    #: 0 when an attempt is repeated.
    bytes_done: int
    #: The whole size (the file's; a download's expected_bytes, else its
    #: Content-Length), None when not known.  Equal to bytes_done when done.
    bytes_total: Optional[int]
    #: Seconds since the call started.
    elapsed: float


def _progress_trampoline(progress: Callable[[TransferProgress], Any]):
    """A tfy_transfer_progress_fn over progress(), run on the calling
    thread: a true result stops the transfer (as cancel= does), an exception
    stops it and is raised from the call."""
    if not callable(progress):
        raise TypeError("progress must be callable")
    if not _ffi.HAVE_TRANSFER_PROGRESS:
        raise NotImplementedError("the loaded libtfy has no progress callback (libtfy 1.3)")

    def call(_userdata, p) -> int:
        try:
            c = p.contents
            info = TransferProgress(
                phase=_ffi.TFY_TRANSFER_PHASES.get(c.phase, str(c.phase)),
                bytes_done=c.bytes_done,
                bytes_total=None if c.bytes_total < 0 else c.bytes_total,
                elapsed=c.elapsed_ms / 1000)
            return 1 if on_caller(progress, info) else 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.TRANSFER_PROGRESS_FN(call)


def _opt(o: _ffi.OptInt64) -> Optional[int]:
    return o.value if o.present else None


def file_from_c(f: _ffi.File) -> File:
    return File(id=text(f.id), object=text(f.object), bytes=_opt(f.bytes),
                created_at=_opt(f.created_at), expires_at=_opt(f.expires_at),
                filename=text(f.filename), purpose=text(f.purpose), status=text(f.status),
                status_details=text(f.status_details), raw_json=text(f.raw_json) or "{}")


def _take_file(code: int, out, err) -> File:
    result = None
    if not code:
        try:
            result = file_from_c(out.contents)
        finally:
            lib.tfy_file_free(out)
    check(code, err)
    return result


def _request_ptr(c_request):
    return byref(c_request.struct) if c_request is not None else None


#: What upload() reads: a path, or a binary file object.
Source = Union[str, os.PathLike, BinaryIO]
#: Where download() writes: a path, or a binary file object.
Target = Union[str, os.PathLike, BinaryIO]
#: The default bound of Files.content(): 64 MiB.
CONTENT_MAX_BYTES = 64 << 20


def _is_stream(obj: Any, method: str) -> bool:
    """Whether obj is a file object (has the method) rather than a path."""
    if isinstance(obj, (str, bytes, os.PathLike)):
        return False
    if not callable(getattr(obj, method, None)):
        raise TypeError(f"expected a path or a binary file object with {method}(), "
                        f"got {type(obj).__name__}")
    if isinstance(obj, io.TextIOBase):
        raise TypeError("a text file object: open the file in binary mode ('rb', 'wb')")
    return True


def _read_trampoline(stream: BinaryIO):
    """A tfy_read_fn over stream.readinto() (or read()).  An exception stops
    the upload and is raised from the call."""
    readinto = getattr(stream, "readinto", None)

    def call(_userdata, buf, size) -> int:
        try:
            if readinto is not None:
                n = on_caller(readinto, (ctypes.c_char * size).from_address(buf))
            else:
                data = on_caller(stream.read, size)
                if not isinstance(data, (bytes, bytearray)):
                    raise TypeError(f"read() returned {type(data).__name__}, not bytes")
                n = len(data)
                if n <= size:
                    ctypes.memmove(buf, bytes(data), n)
            if n is None:
                raise BlockingIOError("the file object has no data now (non-blocking)")
            if not 0 <= n <= size:
                raise ValueError(f"the file object read {n} bytes into {size}")
            return n
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return -1
    return _ffi.READ_FN(call)


def _rewind_trampoline(stream: BinaryIO, start: int):
    def call(_userdata) -> int:
        try:
            on_caller(stream.seek, start)
            return 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.REWIND_FN(call)


def _write_trampoline(write: Callable[[memoryview], Optional[int]], raw: bool = False, *,
                      internal: bool = False):
    """A tfy_write_fn over write(), a file object's (repeated while it
    writes less than it was given; None counts as all of it, but from a raw
    stream, where it means a non-blocking one is full), run on the calling
    thread unless ``internal``.  An exception stops the download and is
    raised from the call."""
    def call(_userdata, data, size) -> int:
        try:
            view = memoryview(ctypes.string_at(data, size))
            while view:
                n = write(view) if internal else on_caller(write, view)
                if n is None and raw:
                    raise BlockingIOError("the file object cannot take data now (non-blocking)")
                n = len(view) if n is None else n
                if not 0 < n <= len(view):
                    raise ValueError(f"the file object wrote {n} bytes of {len(view)}")
                view = view[n:]
            return 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.WRITE_FN(call)


def _stream_span(stream: BinaryIO):
    """(start, size) of a seekable stream, from where it is to its end; None
    when it cannot seek (then the upload cannot be sent again, nor its size
    be told)."""
    try:
        if not stream.seekable():
            return None
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return start, max(end - start, 0)


def _stream_name(stream: BinaryIO) -> Optional[str]:
    """The last component of the file object's name ("<stdin>" and the like
    are not names)."""
    name = getattr(stream, "name", None)
    if isinstance(name, str) and name and not name.startswith("<"):
        return os.path.basename(name) or None
    return None


def upload_options(path: Source, purpose: Optional[str], filename: Optional[str],
                   content_type: Optional[str],
                   progress: Optional[Callable[[TransferProgress], Any]],
                   c_request: Optional[CRequest]):
    """A tfy_files_upload_options (Files.upload()'s arguments), and what its
    pointers reach."""
    keep: List[Any] = [c_request]
    opts = _ffi.UploadOptions()
    check(lib.tfy_files_upload_options_init(byref(opts), _ffi.TRANSFER_OPTIONS_VERSION), None)
    if progress is not None:
        keep.append(_progress_trampoline(progress))
        opts.progress = keep[-1]
    if _is_stream(path, "read"):
        keep.append(_read_trampoline(path))
        opts.read = keep[-1]
        span = _stream_span(path)
        if span is not None:
            keep.append(_rewind_trampoline(path, span[0]))
            opts.rewind = keep[-1]
            opts.size = span[1]
        if filename is None:
            filename = _stream_name(path)
    else:
        opts.path = encode(os.fsdecode(path))
    opts.purpose = encode(purpose)
    opts.filename = encode(filename)
    opts.content_type = encode(content_type)
    if c_request is not None:
        opts.request = POINTER(_ffi.RequestOptions)(c_request.struct)
    return opts, keep


def download_options(target: Any, expected_bytes: int, overwrite: bool, progress: Any,
                     c_request: Optional[CRequest]) -> _ffi.DownloadOptions:
    """A tfy_files_download_options to a path (str) or through a write
    trampoline, with a progress trampoline when given; the caller keeps
    target, progress and c_request alive while the call runs."""
    opts = _ffi.DownloadOptions()
    check(lib.tfy_files_download_options_init(byref(opts), _ffi.TRANSFER_OPTIONS_VERSION), None)
    if progress is not None:
        opts.progress = progress
    if isinstance(target, str):
        opts.path = encode(target)
    else:
        opts.write = target
    opts.overwrite = 1 if overwrite else 0
    opts.expected_bytes = int(expected_bytes)
    if c_request is not None:
        opts.request = POINTER(_ffi.RequestOptions)(c_request.struct)
    return opts


class Files:
    """``client.files``: the Files calls on a client.  Request options are
    ``request=RequestOptions(...)`` and/or its fields as keyword arguments,
    as for Client.list().  An upload or a download has no timeout per
    attempt unless ``timeout=`` is given (the stall check, ``deadline=`` and
    ``cancel=`` still apply)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def upload(self, path: Source, *, purpose: Optional[str] = None,
               filename: Optional[str] = None, content_type: Optional[str] = None,
               progress: Optional[Callable[[TransferProgress], Any]] = None,
               request: Optional[RequestOptions] = None, **request_options: Any) -> File:
        """``POST /files`` of a local file, streamed.  Raises
        ``OutcomeUnknownError`` when it was sent and no answer came (a file
        may have been uploaded: it is not sent again).

        ``path`` may also be a binary file object (``open(p, "rb")``,
        ``io.BytesIO``, a pipe...): read from where it is to its end with
        ``readinto()`` (or ``read()``).  A seekable one is sent with its size
        and put back with ``seek()`` when an attempt is repeated; one that
        cannot seek is sent chunked, and not sent again once a byte of it
        was read.  ``filename`` defaults to the last component of its
        ``name``, else "input.jsonl".  An exception raised by the file
        object stops the upload and is raised here.

        ``progress`` (libtfy 1.3), when given, is called on this thread with
        a TransferProgress at most every 0.1 s while the file goes out, then
        once with phase "done"; a true result stops the upload as
        ``cancel=`` does, an exception stops it and is raised here."""
        c_request, interrupt = self._client._options(request, request_options)
        opts, keep = upload_options(path, purpose, filename, content_type, progress, c_request)
        out = POINTER(_ffi.File)()
        err = POINTER(_ffi.Error)()
        code = self._client._run(interrupt, lib.tfy_files_upload, byref(opts), byref(out),
                                 byref(err))
        del c_request, keep
        return _take_file(code, out, err)

    def create(self, file: str | os.PathLike, *, purpose: Optional[str] = None,
               **kwargs: Any) -> File:
        """openai-python's name for upload(): ``client.files.create(file=path,
        purpose="batch")``."""
        return self.upload(file, purpose=purpose, **kwargs)

    def retrieve(self, file_id: str, *, request: Optional[RequestOptions] = None,
                 **request_options: Any) -> File:
        """``GET /files/{id}``."""
        c_request, interrupt = self._client._options(request, request_options)
        out = POINTER(_ffi.File)()
        err = POINTER(_ffi.Error)()
        code = self._client._run(interrupt, lib.tfy_files_retrieve, encode(file_id),
                                 _request_ptr(c_request), byref(out), byref(err))
        return _take_file(code, out, err)

    def delete(self, file_id: str, *, request: Optional[RequestOptions] = None,
               **request_options: Any) -> None:
        """``DELETE /files/{id}``; raises DeclinedError when the answer says
        ``"deleted": false`` and DecodeError when it says neither."""
        c_request, interrupt = self._client._options(request, request_options)
        err = POINTER(_ffi.Error)()
        code = self._client._run(interrupt, lib.tfy_files_delete, encode(file_id),
                                 _request_ptr(c_request), byref(err))
        check(code, err)

    def download(self, file_id: str, path: Target, *, overwrite: bool = False,
                 expected_bytes: int = 0,
                 progress: Optional[Callable[[TransferProgress], Any]] = None,
                 request: Optional[RequestOptions] = None, **request_options: Any) -> None:
        """``GET /files/{id}/content`` into ``path``: written to a temporary
        file beside it, renamed into place only when complete; on any
        failure ``path`` is left as it was.  An existing ``path`` is refused
        (TfyIOError) unless ``overwrite``.  With ``expected_bytes``, content
        that would pass it (counted after decoding) is stopped before it is
        written (ResponseTooLargeError); shorter content is a NetworkError.

        ``path`` may also be a binary file object (``open(p, "wb")``,
        ``io.BytesIO``, a pipe...): the content is written to it with
        ``write()`` as it arrives (``overwrite`` does not apply).  On a
        failure it may hold part of the content: nothing is sent again once
        it was given a byte.  An exception raised by the file object stops
        the download and is raised here.

        ``progress`` (libtfy 1.3), when given, is called on this thread with
        a TransferProgress at most every 0.1 s while the content arrives,
        then once with phase "done" (a path: once it is in place); a true
        result stops the download as ``cancel=`` does (CancelledError, no
        file left), an exception stops it and is raised here."""
        tracker = _progress_trampoline(progress) if progress is not None else None
        if _is_stream(path, "write"):
            if overwrite:
                raise ValueError("overwrite applies to a path, not to a file object")
            writer = _write_trampoline(path.write, isinstance(path, io.RawIOBase))
            self._download(file_id, writer, expected_bytes, request, request_options,
                           progress=tracker)
        else:
            self._download(file_id, os.fsdecode(path), expected_bytes, request,
                           request_options, overwrite=overwrite, progress=tracker)

    def content(self, file: Union[str, File], *, max_bytes: int = CONTENT_MAX_BYTES,
                request: Optional[RequestOptions] = None, **request_options: Any) -> bytes:
        """The content of a small file as bytes (``GET /files/{id}/content``).

        ``file`` is a File or an id (then its File object is retrieved
        first, for its size).  A file whose ``bytes`` is more than
        ``max_bytes`` (default CONTENT_MAX_BYTES, 64 MiB) is refused with
        ResponseTooLargeError before its content is asked for, and content
        that runs past ``max_bytes`` or the file's ``bytes`` is stopped
        there with the same error: memory stays bounded.  Larger files:
        download() to a path or a file object."""
        max_bytes = int(max_bytes)
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if not isinstance(file, File):
            file = self.retrieve(file, request=request, **request_options)
        if file.bytes is not None and file.bytes > max_bytes:
            raise ResponseTooLargeError(
                f"{file.id} is {file.bytes} bytes, more than max_bytes ({max_bytes}): "
                "download it to a path or a file object", code=ResponseTooLargeError.code)
        chunks: List[bytes] = []
        got = [0]

        def take(view: memoryview) -> int:
            got[0] += len(view)
            if got[0] > max_bytes:
                raise ResponseTooLargeError(
                    f"{file.id}: content past max_bytes ({max_bytes}): download it to a "
                    "path or a file object", code=ResponseTooLargeError.code)
            chunks.append(bytes(view))
            return len(view)

        self._download(file.id or "", _write_trampoline(take, internal=True), file.bytes or 0,
                       request, request_options)
        return b"".join(chunks)

    def _download(self, file_id: str, target: Any, expected_bytes: int,
                  request: Optional[RequestOptions], request_options: dict, *,
                  overwrite: bool = False, progress: Any = None) -> None:
        """tfy_files_download to a path (str) or through a write trampoline,
        with a progress trampoline when given."""
        c_request, interrupt = self._client._options(request, request_options)
        opts = download_options(target, expected_bytes, overwrite, progress, c_request)
        err = POINTER(_ffi.Error)()
        code = self._client._run(interrupt, lib.tfy_files_download, encode(file_id),
                                 byref(opts), byref(err))
        del c_request, target, progress
        check(code, err)

    # ---- listing (libtfy 1.3) ----------------------------------------------

    def list(self, *, limit: int = 0, after: Optional[str] = None,
             order: Optional[str] = None, purpose: Optional[str] = None,
             request: Optional[RequestOptions] = None, **request_options: Any) -> "FilePage":
        """One page of ``GET /files`` (tfy_files_list): ``limit`` 1..10000 (0
        lets the server choose, 10000 on OpenAI), ``after`` the id of the
        last file of the previous page, ``order`` "asc" or "desc" (None: the
        server's, desc), ``purpose`` only the files of that purpose.  A bad
        value raises InvalidArgumentError before anything is sent."""
        _require_listing()
        c_request, interrupt = self._client._options(request, request_options)
        opts, keep = _list_options(limit, after, order, purpose, c_request)
        out = POINTER(_ffi.FilePage)()
        err = POINTER(_ffi.Error)()
        code = self._client._run(interrupt, lib.tfy_files_list, byref(opts), byref(out),
                                 byref(err))
        del keep  # the call is over: nothing reads the options any more
        page = None
        if not code:
            try:
                page = file_page_from_c(out.contents)
            finally:
                lib.tfy_file_page_free(out)
        check(code, err)
        return page

    def iter(self, *, limit: int = 0, after: Optional[str] = None,
             order: Optional[str] = None, purpose: Optional[str] = None,
             max_items: int = 0, max_pages: int = 0, prefetch: bool = True,
             missing_has_more: Optional[str] = None,
             request: Optional[RequestOptions] = None, **request_options: Any) -> "FileIterator":
        """Every file from ``after`` on, following pages (tfy_file_iter_*), as
        a FileIterator: the arguments of list(), and those of Client.iter()
        (caps, prefetch, missing_has_more; ``deadline`` bounds the whole
        walk).  A server that repeats a cursor or returns the file it was
        asked to start after raises PaginationError, and the walk ends."""
        from .client import _missing_has_more  # client.py imports this module
        _require_listing()
        # Always interruptible: its steps may be taken on the main thread.
        interrupt = Interrupt()
        opts, keep = _list_options(limit, after, order, purpose,
                                   options(request, request_options, interrupt,
                                           self._client._default_cancel))
        opts.max_items = int(max_items)
        opts.max_pages = int(max_pages)
        opts.prefetch = 0 if prefetch and prefetch != NONE else NONE
        opts.missing_has_more = _missing_has_more(missing_has_more)
        return self._client._iterator(FileIterator, lib.tfy_file_iter_new, opts, keep,
                                      interrupt, after)


def _require_listing() -> None:
    if not hasattr(lib, "tfy_files_list"):
        raise NotImplementedError("the loaded libtfy is older than 1.3: no listing of files")


def _list_options(limit: int, after: Optional[str], order: Optional[str],
                  purpose: Optional[str], c_request: Optional[CRequest]):
    """A tfy_files_list_options, and what its pointers reach."""
    opts = _ffi.FilesListOptions()
    check(lib.tfy_files_list_options_init(byref(opts), _ffi.TFY_FILES_LIST_OPTIONS_VERSION),
          None)
    keep = (c_request, encode(after), encode(order), encode(purpose))
    opts.limit = int(limit)
    opts.after, opts.order, opts.purpose = keep[1:]
    if c_request is not None:
        opts.request = c_request.pointer
    return opts, keep


@dataclass(frozen=True)
class FilePage(Record):
    """One page of ``GET /files`` (tfy_file_page): ``data`` the files, the
    envelope's members, and those libtfy does not model in ``extra``."""
    data: tuple[File, ...]
    first_id: Optional[str]
    last_id: Optional[str]
    has_more: bool
    #: The response's x-request-id.
    request_id: Optional[str]
    #: False when the server left has_more out (then has_more is False).
    has_more_present: bool = True
    object: Optional[str] = "list"
    extra: dict = field(default_factory=dict, compare=False)
    #: The HTTP status of the response.
    http_status: int = 0


def file_page_from_c(p: _ffi.FilePage) -> FilePage:
    extra = text(p.extra_json)
    return FilePage(data=tuple(file_from_c(p.items[i].contents) for i in range(p.count)),
                    first_id=text(p.first_id), last_id=text(p.last_id),
                    has_more=bool(p.has_more), request_id=text(p.request_id),
                    has_more_present=bool(p.has_more_present), object=text(p.object),
                    extra={} if extra is None else json.loads(extra),
                    http_status=p.http_status)


class FileIterator(CIterator[File]):
    """Iterates over files, one page in memory at a time (from
    ``client.files.iter()``, whose ``after`` takes its ``cursor``); see
    CIterator.  libtfy keeps no cursor or page count for files that it
    shows: ``cursor`` is the id of the last file handed out (the starting
    ``after`` before any), ``pages`` counts the pages that had files."""

    _c_next_page = staticmethod(lambda *a: lib.tfy_file_iter_next_page(*a))
    _c_free = staticmethod(lambda it: lib.tfy_file_iter_free(it))
    _c_item = _ffi.File
    _convert = staticmethod(file_from_c)
