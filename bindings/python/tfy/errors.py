"""One exception class per libtfy result code (include/tfy/common.h), and the
conversion of a tfy_error into one."""

from __future__ import annotations

from typing import Optional

from ._ffi import lib, text
from ._kept import KeptHeaders


class TfyError(Exception):
    """A failed libtfy call.  ``str(e)`` is the library's one-line message.

    Attributes mirror ``tfy_error``: ``code`` (the tfy_code), ``http_status``
    (0 when no response), ``attempts`` (HTTP requests made; 0 if none was
    sent), ``api_type``/``api_code``/``api_param``/``api_message`` (the
    API's error body), ``request_id`` (x-request-id), ``detail``, ``body``
    and ``retry_after_ms`` (-1 when the server asked for no delay).
    ``header(name)`` reads a kept header of the last response.

    Errors pickle and copy with their fields (and ``batch``, when a call set
    it), so that one raised in a process pool's worker reaches the caller as
    the same class; ``header()`` of a pickled error answers for the headers
    that travel with it (x-request-id, retry-after, retry-after-ms,
    server-timing and OpenAI's x-ratelimit-* headers), None for others.
    """

    code: int = -1

    def __init__(self, message: str, *, code: Optional[int] = None, http_status: int = 0,
                 attempts: int = 0, api_type: Optional[str] = None,
                 api_code: Optional[str] = None, api_param: Optional[str] = None,
                 api_message: Optional[str] = None, request_id: Optional[str] = None,
                 detail: Optional[str] = None, body: Optional[str] = None,
                 retry_after_ms: int = -1) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.http_status = http_status
        self.attempts = attempts
        self.api_type = api_type
        self.api_code = api_code
        self.api_param = api_param
        self.api_message = api_message
        self.request_id = request_id
        self.detail = detail
        self.body = body
        self.retry_after_ms = retry_after_ms
        self._headers = None

    def header(self, name: str) -> Optional[str]:
        """A kept header of the failed call's last response, by name compared
        without case (tfy_error_header): x-request-id, retry-after,
        retry-after-ms, server-timing, x-ratelimit-*, x-tfy-* and the
        client's keep_headers; None when absent or when no response came."""
        return self._headers.get(name) if self._headers is not None else None


class InvalidArgumentError(TfyError, ValueError):
    code = 1


class OutOfMemoryError(TfyError, MemoryError):
    code = 2


class ConnectError(TfyError):
    code = 3


class DNSError(TfyError):
    code = 4


class TLSError(TfyError):
    code = 5


class TfyTimeoutError(TfyError, TimeoutError):
    code = 6


class NetworkError(TfyError):
    code = 7


class BadRequestError(TfyError):
    code = 8


class AuthenticationError(TfyError):
    code = 9


class PermissionDeniedError(TfyError):
    code = 10


class NotFoundError(TfyError):
    code = 11


class ConflictError(TfyError):
    code = 12


class UnprocessableEntityError(TfyError):
    code = 13


class RateLimitError(TfyError):
    code = 14


class ClientError(TfyError):
    code = 15


class ServerError(TfyError):
    code = 16


class HTTPError(TfyError):
    code = 17


class DecodeError(TfyError):
    code = 18


class ResponseTooLargeError(TfyError):
    code = 19


class CancelledError(TfyError):
    code = 20


class PaginationError(TfyError):
    code = 21


class OutcomeUnknownError(TfyError):
    """A request that is not safe to repeat (creating a batch) may have
    taken effect: its message names what may exist (since libtfy 1.2)."""
    code = 22


class TfyIOError(TfyError, OSError):
    code = 23


class DeclinedError(TfyError):
    """The server answered that it did not do what was asked (a file
    delete answered "deleted": false); nothing changed (since libtfy 1.3)."""
    code = 24


class WebhookInvalidError(TfyError, ValueError):
    """A webhook delivery failed verification (tfy.webhooks.unwrap): a
    header missing, a malformed or stale timestamp, no matching signature;
    the message says which.  Do not act on it (since libtfy 1.3)."""
    code = 25


class InputInvalidError(TfyError, ValueError):
    """A job's input has problems (the message says which and where);
    nothing was sent (since libtfy 1.3)."""
    code = 26


ERROR_CLASSES: dict[int, type[TfyError]] = {
    cls.code: cls for cls in (
        InvalidArgumentError, OutOfMemoryError, ConnectError, DNSError, TLSError,
        TfyTimeoutError, NetworkError, BadRequestError, AuthenticationError,
        PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError,
        RateLimitError, ClientError, ServerError, HTTPError, DecodeError,
        ResponseTooLargeError, CancelledError, PaginationError, OutcomeUnknownError,
        TfyIOError, DeclinedError, WebhookInvalidError, InputInvalidError)
}


def raise_error(code: int, err_ptr=None) -> None:
    """Raise the exception for a failed call's code and tfy_error (a
    POINTER(_ffi.Error), owned by the exception from here on, for its
    header(); may be NULL)."""
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
    except BaseException:
        lib.tfy_error_free(err_ptr)
        raise
    exc._headers = KeptHeaders(err_ptr, lib.tfy_error_header, lib.tfy_error_free)
    raise exc


__all__ = ["TfyError", "ERROR_CLASSES"] + [c.__name__ for c in ERROR_CLASSES.values()]
