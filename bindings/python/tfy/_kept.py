"""Response headers read from a C object kept alive for them (a page or an
error), freed when the Python object that holds it is collected."""

from __future__ import annotations

import weakref
from typing import Callable, Optional

from ._ffi import encode, text


class KeptHeaders:
    """The kept response headers of one C object (tfy_batch_page_header,
    tfy_error_header): names compared without case; None when absent."""

    def __init__(self, ptr, lookup: Callable, free: Callable) -> None:
        self._ptr = ptr
        self._lookup = lookup
        weakref.finalize(self, free, ptr)

    def get(self, name: str) -> Optional[str]:
        return text(self._lookup(self._ptr, encode(name)))
