"""Request options shared by every call (tfy_request_options), seconds to
milliseconds, and the cancel callback's bridge from C to Python."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple, Union

from . import _ffi
from ._call import Interrupt, on_caller, pending_error, take_pending
from ._ffi import HAVE_TOKEN, lib
from .errors import OutcomeUnknownError, TfyError, raise_error

#: Turns a feature off: ``max_retries=NONE`` (same as 0), ``stall_timeout=NONE``,
#: ``prefetch=NONE`` (same as False).
NONE = _ffi.TFY_NONE

Pairs = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


@dataclass(frozen=True)
class RequestOptions:
    """What a call sends besides its own arguments; None keeps the client's
    default (set with ``Client(...)``'s keyword arguments of the same names,
    ``default_headers`` for ``headers``).

    Routing: ``provider_name``, ``provider_model``, ``azure_api_version``,
    ``vertex_region``, ``vertex_storage_bucket_name``, ``aws_s3_bucket`` and
    ``aws_bedrock_model`` become the x-tfy-* headers.  ``metadata_header``
    (a mapping of strings) or ``metadata_header_json`` (JSON text) becomes
    x-tfy-metadata.  ``headers`` and ``query_params`` (mappings, or sequences
    of name/value pairs) are merged with the client's, the call's winning.
    ``deadline`` and ``timeout`` are seconds: the budget of the whole call
    (every attempt and backoff sleep; for an iterator the whole iteration)
    and of each HTTP request.  ``max_retries``: retries after a failed first
    attempt, 0 for none.  ``cancel``: called with no argument every 50 ms or
    so while the call runs, on the calling thread; a true result stops the
    call with CancelledError, an exception stops it and is raised in its
    place.  (Ctrl-C needs no ``cancel``: see Client.)
    """
    provider_name: Optional[str] = None
    provider_model: Optional[str] = None
    azure_api_version: Optional[str] = None
    vertex_region: Optional[str] = None
    vertex_storage_bucket_name: Optional[str] = None
    aws_s3_bucket: Optional[str] = None
    aws_bedrock_model: Optional[str] = None
    metadata_header: Optional[Pairs] = None
    metadata_header_json: Optional[str] = None
    headers: Optional[Pairs] = None
    query_params: Optional[Pairs] = None
    deadline: Optional[float] = None
    cancel: Optional[Callable[[], Any]] = None
    max_retries: Optional[int] = None
    timeout: Optional[float] = None


_STRINGS = ("provider_name", "provider_model", "azure_api_version", "vertex_region",
            "vertex_storage_bucket_name", "aws_s3_bucket", "aws_bedrock_model",
            "metadata_header_json")
_PAIRS = ("metadata_header", "headers", "query_params")
NAMES = frozenset(f.name for f in fields(RequestOptions))


def ms(seconds: Optional[float], *, none_allowed: bool = False) -> int:
    """Seconds as the library's milliseconds: None is 0 (the default), NONE
    (when allowed) stays -1, a positive value is at least 1 ms; other
    negative values are passed on for the library to refuse."""
    if seconds is None:
        return 0
    if none_allowed and seconds == NONE:
        return NONE
    value = int(round(float(seconds) * 1000))
    return 1 if value == 0 and seconds > 0 else value


def retries(n: Optional[int]) -> int:
    """A retry count as the library's field: None is 0 (the default), 0 or
    NONE is TFY_NONE (no retry)."""
    if n is None:
        return 0
    n = int(n)
    return NONE if n in (0, NONE) else n


class CRequest:
    """A tfy_request_options built from RequestOptions, with every buffer,
    array and callback its pointers reach; keep it alive as long as the
    library may read them (a call, an iterator, a client).

    With an Interrupt, Ctrl-C can stop the call: through the options'
    cancel_token (libtfy 1.3), else through a cancel callback that also
    asks ``cancel`` (or ``default_cancel``, the client's, which a call's
    callback replaces)."""

    def __init__(self, options: RequestOptions, interrupt: Optional[Interrupt] = None,
                 default_cancel: Optional[Callable[[], Any]] = None) -> None:
        self.struct = _ffi.RequestOptions()
        code = lib.tfy_request_options_init(byref(self.struct), _ffi.REQUEST_OPTIONS_VERSION)
        if code:
            raise_error(code)
        self._keep: list = []
        for name in _STRINGS:
            setattr(self.struct, name, self._encode(getattr(options, name)))
        for name in _PAIRS:
            array, count = self._pairs(getattr(options, name))
            setattr(self.struct, name, array)
            setattr(self.struct, name + "_count", count)
        self.struct.deadline_ms = ms(options.deadline)
        self.struct.timeout_ms = ms(options.timeout)
        self.struct.max_retries = retries(options.max_retries)
        cancel = options.cancel
        if cancel is not None and not callable(cancel):
            raise TypeError("cancel must be callable")
        self._keep_(interrupt)
        if interrupt is not None and HAVE_TOKEN:
            self.struct.cancel_token = interrupt.token
        elif interrupt is not None:
            cancel = _or_interrupted(cancel or default_cancel, interrupt)
        if cancel is not None:
            self.struct.cancel = self._keep_(_cancel_trampoline(cancel))

    @property
    def pointer(self):
        return ctypes.pointer(self.struct)

    def _keep_(self, obj):
        self._keep.append(obj)
        return obj

    def _encode(self, s: Optional[str]) -> Optional[bytes]:
        return self._keep_(_ffi.encode(s))

    def _pairs(self, pairs: Optional[Pairs]):
        """A tfy_pair array for a mapping or a sequence of pairs, and its length."""
        if pairs is None:
            return None, 0
        items = list(pairs.items() if isinstance(pairs, Mapping) else pairs)
        if not items:
            return None, 0
        array = (_ffi.Pair * len(items))(
            *[_ffi.Pair(self._encode(k), self._encode(v)) for k, v in items])
        self._keep_(array)
        return ctypes.cast(array, POINTER(_ffi.Pair)), len(items)


def options(request: Optional[RequestOptions], kwargs: Mapping[str, Any],
            interrupt: Optional[Interrupt] = None,
            default_cancel: Optional[Callable[[], Any]] = None) -> Optional[CRequest]:
    """The C options of a call given ``request=`` and/or keyword arguments
    (which override the fields of ``request``), and the interrupt that
    Ctrl-C fires; None when there is none of them."""
    unknown = set(kwargs) - NAMES
    if unknown:
        raise TypeError(f"unknown request option(s): {', '.join(sorted(unknown))}")
    if request is None and not kwargs and interrupt is None:
        return None
    base = {f.name: getattr(request, f.name) for f in fields(RequestOptions)} if request else {}
    base.update(kwargs)
    return CRequest(RequestOptions(**base), interrupt, default_cancel)


def _or_interrupted(cancel: Optional[Callable[[], Any]], interrupt: Interrupt):
    """A cancel callable that is also true once Ctrl-C fired (without a
    cancel token); it runs on the thread of the C call, ``cancel`` on the
    calling thread."""
    def either() -> bool:
        return interrupt.fired or bool(cancel is not None and on_caller(cancel))
    either.internal = True  # type: ignore[attr-defined]
    return either


def _cancel_trampoline(cancel: Callable[[], Any]):
    internal = getattr(cancel, "internal", False)

    def call(_userdata) -> int:
        try:
            return 1 if (cancel() if internal else on_caller(cancel)) else 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.CANCEL_FN(call)


def check(code: int, err) -> None:
    """After a call: raise the exception a callback raised during it (or
    the KeyboardInterrupt that stopped it), else the call's error (freeing
    it), else nothing.  An outcome left unknown (something may have been
    created) stays attached to the exception as its __context__."""
    exc = take_pending()
    if exc is not None:
        if code == OutcomeUnknownError.code:
            try:
                raise_error(code, err)
            except TfyError as e:
                exc.__context__ = e
        elif err:
            lib.tfy_error_free(err)
        raise exc
    if code:
        raise_error(code, err)
