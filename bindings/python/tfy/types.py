"""Frozen dataclasses for the API's objects, copied out of C memory, so they
live on after the page or iterator they came from is freed."""

from __future__ import annotations

import enum
import json
from ctypes import POINTER, byref
from dataclasses import dataclass, field, fields
from typing import Any, Optional, Union

from . import _ffi
from ._ffi import lib, text
from .errors import raise_error


class Record:
    """Base of the binding's frozen dataclasses: pickled and copied from their
    fields by name, so that they cross process boundaries (multiprocessing,
    concurrent.futures) and load in another version of the binding (a field
    added since takes its default; one removed since is dropped)."""

    def __reduce__(self):
        return _rebuild, (type(self), {f.name: getattr(self, f.name) for f in fields(self)})


def _rebuild(cls: type, values: dict) -> Any:
    known = {f.name for f in fields(cls) if f.init}
    return cls(**{name: value for name, value in values.items() if name in known})


class Status(enum.IntEnum):
    """A batch's status as libtfy reads it (tfy_batch_status): OpenAI's
    names, and the job states gateways pass through from Bedrock
    ("InProgress", "PartiallyCompleted"...) and Vertex ("JOB_STATE_RUNNING",
    "JOB_STATE_PARTIALLY_SUCCEEDED"...).  UNKNOWN: absent, or a value this
    libtfy does not know (Batch.status keeps the text as sent)."""
    UNKNOWN = 0
    VALIDATING = 1
    FAILED = 2
    IN_PROGRESS = 3
    FINALIZING = 4
    COMPLETED = 5
    EXPIRED = 6
    CANCELLING = 7
    CANCELLED = 8
    #: Finished with only some requests done: Bedrock's PartiallyCompleted,
    #: Vertex's JOB_STATE_PARTIALLY_SUCCEEDED (libtfy 1.1).
    PARTIALLY_COMPLETED = 9

    @property
    def api_name(self) -> str:
        """The API's name ("in_progress", "partially_completed"...);
        tfy_batch_status_name()."""
        return lib.tfy_batch_status_name(self.value).decode()

    @classmethod
    def parse(cls, text: Optional[str]) -> "Status":
        """The status a string names, without regard to case, UNKNOWN when it
        names none (tfy_batch_status_parse())."""
        return cls._of(lib.tfy_batch_status_parse(_ffi.encode(text)))

    @classmethod
    def _of(cls, value: int) -> "Status":
        try:
            return cls(value)
        except ValueError:  # a later libtfy's status
            return cls.UNKNOWN


@dataclass(frozen=True)
class RequestCounts(Record):
    total: Optional[int]
    completed: Optional[int]
    failed: Optional[int]


@dataclass(frozen=True)
class Usage(Record):
    """``usage``; cached_tokens is input_tokens_details.cached_tokens and
    reasoning_tokens is output_tokens_details.reasoning_tokens."""
    input_tokens: Optional[int]
    cached_tokens: Optional[int]
    output_tokens: Optional[int]
    reasoning_tokens: Optional[int]
    total_tokens: Optional[int]


@dataclass(frozen=True)
class BatchError(Record):
    code: Optional[str]
    message: Optional[str]
    param: Optional[str]
    line: Optional[int]


@dataclass(frozen=True)
class Errors(Record):
    """``errors``: ``object`` (normally "list") and ``data``."""
    object: Optional[str]
    data: tuple[BatchError, ...]


#: The time fields of a Batch, in the order of the C struct.
TIME_FIELDS = ("created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at",
               "failed_at", "expired_at", "cancelling_at", "cancelled_at")


@dataclass(frozen=True)
class Batch(Record):
    """One batch.  Field names are the API's; absent or null fields are None.
    ``status`` is the string as sent (unknown values kept as they are);
    ``status_enum`` is what libtfy read it as, a Status.

    Times are Unix seconds.  Other providers' times are converted by libtfy:
    milliseconds (Bedrock's, through a gateway) and ISO-8601 text such as
    "2025-01-31T23:59:44Z" (Vertex's; fractions of a second dropped).
    ``times_converted`` names the time fields that were converted (a
    frozenset, empty for OpenAI's batches); ``converted(name)`` asks about
    one field; ``raw()`` keeps what was sent."""
    id: Optional[str]
    object: Optional[str]
    endpoint: Optional[str]
    model: Optional[str]
    input_file_id: Optional[str]
    completion_window: Optional[str]
    status: Optional[str]
    output_file_id: Optional[str]
    error_file_id: Optional[str]
    created_at: Optional[int]
    in_progress_at: Optional[int]
    expires_at: Optional[int]
    finalizing_at: Optional[int]
    completed_at: Optional[int]
    failed_at: Optional[int]
    expired_at: Optional[int]
    cancelling_at: Optional[int]
    cancelled_at: Optional[int]
    request_counts: Optional[RequestCounts]
    usage: Optional[Usage]
    errors: Optional[Errors]
    metadata: Any
    #: The whole item as JSON text, exactly as the server sent it.
    raw_json: str = field(default="{}", repr=False, compare=False)
    #: The names of the time fields converted to Unix seconds from what the
    #: server sent (tfy_batch_time_converted()).
    times_converted: frozenset = field(default=frozenset())
    #: ``status`` as a Status (other providers' job states mapped).
    status_enum: Status = Status.UNKNOWN

    def converted(self, name: str) -> bool:
        """Whether the time field ``name`` ("created_at" ... "cancelled_at")
        was converted to Unix seconds from milliseconds or ISO-8601 text;
        False when it was read as sent or is absent."""
        if name not in TIME_FIELDS:
            raise ValueError(f"not a time field of a batch: {name!r}")
        return name in self.times_converted

    def raw(self) -> dict:
        """The item as the server sent it, parsed."""
        return json.loads(self.raw_json)

    @classmethod
    def parse(cls, json_text: Union[str, bytes]) -> "Batch":
        """Decode one Batch object from JSON text (tfy_batch_parse), with the
        same rules as a response; raises DecodeError unless it is one object."""
        data = _utf8(json_text)
        out = POINTER(_ffi.Batch)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batch_parse(data, len(data), byref(out), byref(err))
        if code:
            raise_error(code, err)
        try:
            return batch_from_c(out.contents)
        finally:
            lib.tfy_batch_free(out)


@dataclass(frozen=True)
class Page(Record):
    """One page of ``GET /batches``."""
    data: tuple[Batch, ...]
    first_id: Optional[str]
    last_id: Optional[str]
    has_more: bool
    #: The response's x-request-id (None for a parsed page).
    request_id: Optional[str]
    #: False when the server left has_more out (then has_more is False).
    has_more_present: bool = True
    object: Optional[str] = "list"
    #: The list object's members that libtfy does not model (a gateway's
    #: next_page_token, say), parsed; empty when there are none.
    extra: dict = field(default_factory=dict, compare=False)
    #: The HTTP status of the response (0 for a parsed page).
    http_status: int = 0
    _headers: Any = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> Optional[str]:
        """A kept response header by name, compared without case
        (tfy_batch_page_header): x-request-id, retry-after, retry-after-ms,
        server-timing, x-ratelimit-*, x-tfy-* and the client's keep_headers;
        None when absent, not kept, or for a parsed page.  A pickled page
        carries x-request-id, retry-after, retry-after-ms, server-timing and
        OpenAI's x-ratelimit-* headers only (see TfyError)."""
        return self._headers.get(name) if self._headers is not None else None

    @classmethod
    def parse(cls, json_text: Union[str, bytes]) -> "Page":
        """Decode a List batches response body (tfy_batch_page_parse); raises
        DecodeError unless it is an object with a ``data`` array."""
        data = _utf8(json_text)
        out = POINTER(_ffi.Page)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batch_page_parse(data, len(data), byref(out), byref(err))
        if code:
            raise_error(code, err)
        try:
            return page_from_c(out.contents)
        finally:
            lib.tfy_batch_page_free(out)


#: The name of Page before libtfy 1.0.
BatchList = Page


def _utf8(json_text: Union[str, bytes]) -> bytes:
    if isinstance(json_text, str):
        return json_text.encode("utf-8")
    if isinstance(json_text, (bytes, bytearray, memoryview)):
        return bytes(json_text)
    raise TypeError(f"expected str or bytes, got {type(json_text).__name__}")


def _opt(o: _ffi.OptInt64) -> Optional[int]:
    return o.value if o.present else None


def _errors(b: _ffi.Batch) -> Optional[Errors]:
    if b.errors_object is None and not b.errors_count:
        return None
    data = []
    for i in range(b.errors_count):
        e = b.errors[i].contents
        data.append(BatchError(code=text(e.code), message=text(e.message),
                               param=text(e.param), line=_opt(e.line)))
    return Errors(object=text(b.errors_object), data=tuple(data))


def _times_converted(b: _ffi.Batch) -> frozenset:
    """The time fields the library converted.  Asked of the C batch itself:
    tfy_batch_time_converted() knows a field by its address in that batch
    (a nested Structure read from b shares b's memory)."""
    return frozenset(name for name in TIME_FIELDS
                     if lib.tfy_batch_time_converted(byref(b), byref(getattr(b, name))))


def batch_from_c(b: _ffi.Batch) -> Batch:
    """Copy a C batch into Python objects (nothing borrowed survives)."""
    rc = b.request_counts.contents if b.request_counts else None
    us = b.usage.contents if b.usage else None
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
        request_counts=None if rc is None else
        RequestCounts(_opt(rc.total), _opt(rc.completed), _opt(rc.failed)),
        usage=None if us is None else
        Usage(_opt(us.input_tokens), _opt(us.cached_tokens), _opt(us.output_tokens),
              _opt(us.reasoning_tokens), _opt(us.total_tokens)),
        errors=_errors(b),
        metadata=None if mj is None else json.loads(mj),
        raw_json=text(b.raw_json) or "{}",
        times_converted=_times_converted(b),
        status_enum=Status._of(b.status),
    )


def page_from_c(p: _ffi.Page, headers: Any = None) -> Page:
    """Copy a C page and its batches into Python objects; ``headers`` (a
    KeptHeaders owning the C page, or None) answers Page.header()."""
    extra = text(p.extra_json)
    return Page(data=tuple(batch_from_c(p.items[i].contents) for i in range(p.count)),
                first_id=text(p.first_id), last_id=text(p.last_id),
                has_more=bool(p.has_more), request_id=text(p.request_id),
                has_more_present=bool(p.has_more_present), object=text(p.object),
                extra={} if extra is None else json.loads(extra),
                http_status=p.http_status, _headers=headers)
