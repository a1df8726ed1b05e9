"""One exception class per libtfy result code (include/tfy/common.h)."""

from __future__ import annotations

from typing import Optional


class TfyError(Exception):
    """A failed libtfy call.  ``str(e)`` is the library's one-line message.

    Attributes mirror ``tfy_error``: ``code`` (the tfy_code), ``http_status``
    (0 when no response), ``attempts`` (HTTP requests made; 0 if none was
    sent), ``api_type``/``api_code``/``api_param``/``api_message`` (the
    API's error body), ``request_id`` (x-request-id), ``detail``, ``body``
    and ``retry_after_ms`` (-1 when the server asked for no delay).
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


ERROR_CLASSES: dict[int, type[TfyError]] = {
    cls.code: cls for cls in (
        InvalidArgumentError, OutOfMemoryError, ConnectError, DNSError, TLSError,
        TfyTimeoutError, NetworkError, BadRequestError, AuthenticationError,
        PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError,
        RateLimitError, ClientError, ServerError, HTTPError, DecodeError,
        ResponseTooLargeError, CancelledError, PaginationError)
}
