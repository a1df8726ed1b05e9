"""Frozen dataclasses for the API's objects, copied out of C memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class RequestCounts:
    total: Optional[int]
    completed: Optional[int]
    failed: Optional[int]


@dataclass(frozen=True)
class Usage:
    """``usage``; cached_tokens is input_tokens_details.cached_tokens and
    reasoning_tokens is output_tokens_details.reasoning_tokens."""
    input_tokens: Optional[int]
    cached_tokens: Optional[int]
    output_tokens: Optional[int]
    reasoning_tokens: Optional[int]
    total_tokens: Optional[int]


@dataclass(frozen=True)
class BatchError:
    code: Optional[str]
    message: Optional[str]
    param: Optional[str]
    line: Optional[int]


@dataclass(frozen=True)
class Errors:
    """``errors``: ``object`` (normally "list") and ``data``."""
    object: Optional[str]
    data: tuple[BatchError, ...]


@dataclass(frozen=True)
class Batch:
    """One batch.  Field names are the API's; absent or null fields are None.
    ``status`` is the string as sent (unknown values kept as they are)."""
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

    def raw(self) -> dict:
        """The item as the server sent it, parsed."""
        return json.loads(self.raw_json)


@dataclass(frozen=True)
class BatchList:
    """One page of ``GET /batches``."""
    data: tuple[Batch, ...]
    first_id: Optional[str]
    last_id: Optional[str]
    has_more: bool
    request_id: Optional[str]
    #: False when the server left has_more out (then has_more is False).
    has_more_present: bool = True
    object: Optional[str] = "list"
