"""The Files calls (libtfy 1.2): upload, retrieve, delete and download,
streamed by the library (a path on each side, never the whole file in
Python's memory); and since libtfy 1.3, listing files: one page, or every
page with an iterator."""

from __future__ import annotations

import json
import os
from ctypes import POINTER, byref, c_void_p
from dataclasses import dataclass, field
from typing import Any, Optional

from . import _ffi
from ._ffi import encode, lib, text
from .iterator import CIterator
from .request import NONE, RequestOptions, check, options


@dataclass(frozen=True)
class File:
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


class Files:
    """``client.files``: the Files calls on a client.  Request options are
    ``request=RequestOptions(...)`` and/or its fields as keyword arguments,
    as for Client.list().  An upload or a download has no timeout per
    attempt unless ``timeout=`` is given (the stall check, ``deadline=`` and
    ``cancel=`` still apply)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def upload(self, path: str | os.PathLike, *, purpose: Optional[str] = None,
               filename: Optional[str] = None, content_type: Optional[str] = None,
               request: Optional[RequestOptions] = None, **request_options: Any) -> File:
        """``POST /files`` of a local file, streamed.  Raises
        ``OutcomeUnknownError`` when it was sent and no answer came (a file
        may have been uploaded: it is not sent again)."""
        c_request = options(request, request_options)
        opts = _ffi.UploadOptions()
        check(lib.tfy_files_upload_options_init(byref(opts),
                                                _ffi.TFY_FILES_UPLOAD_OPTIONS_VERSION), None)
        opts.path = encode(os.fsdecode(path))
        opts.purpose = encode(purpose)
        opts.filename = encode(filename)
        opts.content_type = encode(content_type)
        if c_request is not None:
            opts.request = POINTER(_ffi.RequestOptions)(c_request.struct)
        out = POINTER(_ffi.File)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_files_upload(self._client._require(), byref(opts), byref(out),
                                    byref(err))
        del c_request
        return _take_file(code, out, err)

    def create(self, file: str | os.PathLike, *, purpose: Optional[str] = None,
               **kwargs: Any) -> File:
        """openai-python's name for upload(): ``client.files.create(file=path,
        purpose="batch")``."""
        return self.upload(file, purpose=purpose, **kwargs)

    def retrieve(self, file_id: str, *, request: Optional[RequestOptions] = None,
                 **request_options: Any) -> File:
        """``GET /files/{id}``."""
        c_request = options(request, request_options)
        out = POINTER(_ffi.File)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_files_retrieve(self._client._require(), encode(file_id),
                                      _request_ptr(c_request), byref(out), byref(err))
        return _take_file(code, out, err)

    def delete(self, file_id: str, *, request: Optional[RequestOptions] = None,
               **request_options: Any) -> None:
        """``DELETE /files/{id}``; raises DeclinedError when the answer says
        ``"deleted": false`` and DecodeError when it says neither."""
        c_request = options(request, request_options)
        err = POINTER(_ffi.Error)()
        code = lib.tfy_files_delete(self._client._require(), encode(file_id),
                                    _request_ptr(c_request), byref(err))
        check(code, err)

    def download(self, file_id: str, path: str | os.PathLike, *, overwrite: bool = False,
                 expected_bytes: int = 0, request: Optional[RequestOptions] = None,
                 **request_options: Any) -> None:
        """``GET /files/{id}/content`` into ``path``: written to a temporary
        file beside it, renamed into place only when complete; on any
        failure ``path`` is left as it was.  An existing ``path`` is refused
        (TfyIOError) unless ``overwrite``.  With ``expected_bytes``, content
        that would pass it (counted after decoding) is stopped before it is
        written (ResponseTooLargeError); shorter content is a NetworkError."""
        c_request = options(request, request_options)
        opts = _ffi.DownloadOptions()
        check(lib.tfy_files_download_options_init(
            byref(opts), _ffi.TFY_FILES_DOWNLOAD_OPTIONS_VERSION), None)
        opts.path = encode(os.fsdecode(path))
        opts.overwrite = 1 if overwrite else 0
        opts.expected_bytes = int(expected_bytes)
        if c_request is not None:
            opts.request = POINTER(_ffi.RequestOptions)(c_request.struct)
        err = POINTER(_ffi.Error)()
        code = lib.tfy_files_download(self._client._require(), encode(file_id), byref(opts),
                                      byref(err))
        del c_request
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
        opts, keep = _list_options(limit, after, order, purpose, request, request_options)
        out = POINTER(_ffi.FilePage)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_files_list(self._client._require(), byref(opts), byref(out), byref(err))
        del keep
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
        opts, keep = _list_options(limit, after, order, purpose, request, request_options)
        opts.max_items = int(max_items)
        opts.max_pages = int(max_pages)
        opts.prefetch = 0 if prefetch and prefetch != NONE else NONE
        opts.missing_has_more = _missing_has_more(missing_has_more)
        it = c_void_p()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_file_iter_new(self._client._require(), byref(opts), byref(it), byref(err))
        check(code, err)
        iterator = FileIterator(self._client, it, keep)
        self._client._iters.add(iterator)  # closed with the client, as its batch iterators
        return iterator


def _list_options(limit, after, order, purpose, request, request_options):
    """A tfy_files_list_options, and what its pointers reach."""
    if not hasattr(lib, "tfy_files_list"):
        raise NotImplementedError("the loaded libtfy is older than 1.3: no listing of files")
    opts = _ffi.FilesListOptions()
    check(lib.tfy_files_list_options_init(byref(opts), _ffi.TFY_FILES_LIST_OPTIONS_VERSION),
          None)
    c_request = options(request, request_options)
    keep = (c_request, encode(after), encode(order), encode(purpose))
    opts.limit = int(limit)
    opts.after, opts.order, opts.purpose = keep[1:]
    if c_request is not None:
        opts.request = c_request.pointer
    return opts, keep


@dataclass(frozen=True)
class FilePage:
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


class FileIterator(CIterator):
    """Iterates over files, one page in memory at a time (from
    ``client.files.iter()``); ``next_page()`` gives the rest of the current
    page or the next one.  A failure other than PaginationError leaves it
    where it was: calling next() again retries the same page."""

    _c_next = staticmethod(lambda *a: lib.tfy_file_iter_next(*a))
    _c_next_page = staticmethod(lambda *a: lib.tfy_file_iter_next_page(*a))
    _c_free = staticmethod(lambda *a: lib.tfy_file_iter_free(*a))
    _c_item = _ffi.File
    _convert = staticmethod(file_from_c)

    def __next__(self) -> File:
        return super().__next__()
