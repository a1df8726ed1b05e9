"""BatchIterator: every batch of a listing, over tfy_batch_iter_*."""

from __future__ import annotations

from ctypes import POINTER, byref, c_size_t, c_void_p
from typing import Any, Optional

from . import _ffi
from ._ffi import lib, text
from .errors import PaginationError
from .request import check
from .types import Batch, batch_from_c


class BatchIterator:
    """Iterates over batches, one page in memory at a time (from Client.iter()).

    ``cursor`` is where to resume: pass it as ``after`` to a later
    ``Client.iter()`` to go on right after the last batch handed out; it
    stays readable after close().  ``pages`` and ``items`` count what was
    fetched and handed out.  A failure other than PaginationError leaves the
    iterator where it was: calling next() again retries the same page.
    """

    def __init__(self, client: Any, handle: c_void_p, keep: Any) -> None:
        # The client and the request options (with the cancel callback the C
        # iterator calls) must outlive the C iterator.
        self._client = client
        self._handle: Optional[c_void_p] = handle
        self._keep = keep
        self._cursor: Optional[str] = None
        self._pages = 0
        self._items = 0

    def __iter__(self) -> "BatchIterator":
        return self

    def __next__(self) -> Batch:
        handle = self._live()
        b = POINTER(_ffi.Batch)()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batch_iter_next(handle, byref(b), byref(err))
        batch = batch_from_c(b.contents) if not code and b else None
        if self._finish(code, err, batch is None):
            raise StopIteration
        return batch

    def next_page(self) -> "tuple[Batch, ...]":
        """The next run of batches: the rest of the current page, or the next
        page (cut short by max_items); an empty tuple at the end."""
        if not self._handle:
            return ()
        handle = self._handle
        batches = POINTER(POINTER(_ffi.Batch))()
        count = c_size_t()
        err = POINTER(_ffi.Error)()
        code = lib.tfy_batch_iter_next_page(handle, byref(batches), byref(count), byref(err))
        run = tuple(batch_from_c(batches[i].contents) for i in range(count.value)) \
            if not code else ()
        self._finish(code, err, not run)
        return run

    @property
    def cursor(self) -> Optional[str]:
        """The ``after`` that continues right after the last batch handed out
        (the starting ``after`` before any); None at the very start."""
        return text(lib.tfy_batch_iter_cursor(self._handle)) if self._handle else self._cursor

    @property
    def pages(self) -> int:
        """Pages fetched so far."""
        return lib.tfy_batch_iter_pages(self._handle) if self._handle else self._pages

    @property
    def items(self) -> int:
        """Batches handed out so far."""
        return lib.tfy_batch_iter_items(self._handle) if self._handle else self._items

    def close(self) -> None:
        """Free the C iterator (the counters and cursor stay readable)."""
        if self._handle:
            self._cursor, self._pages, self._items = self.cursor, self.pages, self.items
            lib.tfy_batch_iter_free(self._handle)
            self._handle = None
            self._keep = self._client = None

    def __enter__(self) -> "BatchIterator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _live(self) -> c_void_p:
        if not self._handle:
            raise StopIteration
        return self._handle

    def _finish(self, code: int, err, at_end: bool) -> bool:
        """After a step: raise its error (closing the iterator when that
        failure is final), else close at the end; True at the end."""
        try:
            check(code, err)
        except PaginationError:
            self.close()
            raise
        if at_end:
            self.close()
        return at_end
