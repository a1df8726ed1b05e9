"""The Files calls (libtfy 1.2): upload, retrieve, delete and download,
streamed by the library (a path on each side, never the whole file in
Python's memory)."""

from __future__ import annotations

import json
import os
from ctypes import POINTER, byref
from dataclasses import dataclass
from typing import Any, Optional

from . import _ffi
from ._ffi import encode, lib, text
from .request import RequestOptions, check, options
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
