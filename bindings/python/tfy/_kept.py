"""Response headers read from a C object kept alive for them (a page or an
error), freed when the Python object that holds it is collected."""

from __future__ import annotations

import weakref
from typing import Callable, Dict, Optional

from ._ffi import encode, text

#: The kept headers a pickled page or error carries (the C object cannot be
#: asked which headers it holds, only for one by name): the fixed ones and
#: OpenAI's rate-limit headers.
PICKLED_HEADERS = ("x-request-id", "retry-after", "retry-after-ms", "server-timing",
                   "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
                   "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
                   "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")


class KeptHeaders:
    """The kept response headers of one C object (tfy_batch_page_header,
    tfy_error_header): names compared without case; None when absent.

    A copy shares the C object (it never changes); a pickle carries the
    PICKLED_HEADERS that are present, as SavedHeaders."""

    def __init__(self, ptr, lookup: Callable, free: Callable) -> None:
        self._ptr = ptr
        self._lookup = lookup
        weakref.finalize(self, free, ptr)

    def get(self, name: str) -> Optional[str]:
        return text(self._lookup(self._ptr, encode(name)))

    def __copy__(self) -> "KeptHeaders":
        return self

    def __deepcopy__(self, memo) -> "KeptHeaders":
        return self

    def __reduce__(self):
        found = {name: self.get(name) for name in PICKLED_HEADERS}
        return SavedHeaders, ({k: v for k, v in found.items() if v is not None},)


class SavedHeaders:
    """Headers copied out of a KeptHeaders (what a pickle carries)."""

    def __init__(self, headers: Dict[str, str]) -> None:
        self._headers = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str) -> Optional[str]:
        encode(name)  # the same checks as KeptHeaders.get()
        return self._headers.get(name.lower())

    def __reduce__(self):
        return SavedHeaders, (self._headers,)
