"""Verifying the webhooks OpenAI sends when a batch ends (libtfy 1.3,
tfy_webhook_verify): the Standard Webhooks headers webhook-id,
webhook-timestamp and webhook-signature over the raw body, checked with
the endpoint's secret (whsec_...) before the event is read."""

from __future__ import annotations

import json
from ctypes import POINTER, byref
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Tuple, Union

from . import _ffi
from ._ffi import encode, lib, text
from .request import check
from .types import Status

#: How far webhook-timestamp may lie from the clock by default, in seconds.
TOLERANCE_DEFAULT = 300

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event (tfy_webhook_event).  batch_status is the state a
    batch event (batch.completed, .failed, .expired, .cancelled) says its
    batch ended in, None for any other type; absent members are None."""
    type: Optional[str]
    id: Optional[str]
    object: Optional[str]
    created_at: Optional[int]
    data_id: Optional[str]
    batch_status: Optional[Status]
    webhook_id: str
    timestamp: int
    raw_json: str

    def raw(self) -> dict:
        """The event as it was sent."""
        return json.loads(self.raw_json)


def _header(headers: Headers, name: str) -> Optional[str]:
    """The value of a header, its name compared without case (the last of
    repeated ones); None when absent."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = None
    for key, value in items:
        if key.lower() == name:
            found = value.decode("latin-1") if isinstance(value, bytes) else value
    return found


def _event(e: _ffi.WebhookEvent) -> WebhookEvent:
    return WebhookEvent(type=text(e.type), id=text(e.id), object=text(e.object),
                        created_at=e.created_at.value if e.created_at.present else None,
                        data_id=text(e.data_id),
                        batch_status=Status._of(e.batch_status) if e.batch_status else None,
                        webhook_id=text(e.webhook_id) or "", timestamp=e.timestamp,
                        raw_json=text(e.raw_json) or "{}")


def unwrap(body: Union[bytes, str], headers: Headers, secret: str, *,
           tolerance: Optional[int] = None, now: Optional[int] = None) -> WebhookEvent:
    """Verify one delivery and return its event.

    body: the raw body exactly as received (bytes; a str is taken as its
    UTF-8 bytes): JSON parsed and dumped again no longer matches its
    signature.  headers: the request's headers, a mapping or (name, value)
    pairs, names compared without case.  secret: whsec_ and base64.
    tolerance: seconds webhook-timestamp may lie from now, before or after
    (default 300); now: Unix seconds to check against (default the clock).

    Raises WebhookInvalidError when a check fails (a header missing, a bad
    or stale timestamp, no matching signature: the message says which,
    never the secret), DecodeError when the delivery is verified but the
    body is not an event, InvalidArgumentError for a malformed secret or
    option, NotImplementedError with a libtfy older than 1.3.
    """
    if not hasattr(lib, "tfy_webhook_verify"):
        raise NotImplementedError("webhooks need libtfy 1.3 or later")
    if tolerance is not None and tolerance <= 0:
        raise ValueError("tolerance must be a positive number of seconds")
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    opts = _ffi.WebhookVerifyOptions()
    lib.tfy_webhook_verify_options_init(byref(opts), _ffi.TFY_WEBHOOK_VERIFY_OPTIONS_VERSION)
    opts.tolerance_seconds = tolerance if tolerance is not None else 0
    opts.now = now if now is not None else 0
    out = POINTER(_ffi.WebhookEvent)()
    err = POINTER(_ffi.Error)()
    code = lib.tfy_webhook_verify(encode(secret), encode(_header(headers, "webhook-id")),
                                  encode(_header(headers, "webhook-timestamp")),
                                  encode(_header(headers, "webhook-signature")), raw, len(raw),
                                  byref(opts), byref(out), byref(err))
    result = None
    if not code:
        try:
            result = _event(out.contents)
        finally:
            lib.tfy_webhook_event_free(out)
    check(code, err)
    return result


__all__ = ["WebhookEvent", "unwrap", "TOLERANCE_DEFAULT"]
