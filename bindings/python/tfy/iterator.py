"""Iterators over libtfy's C iterators: BatchIterator (tfy_batch_iter_*),
and the lifecycle every such iterator shares (files.FileIterator's too)."""

from __future__ import annotations

from ctypes import POINTER, byref, c_size_t, c_void_p
from typing import Any, Callable, Optional

from . import _ffi
from ._ffi import lib, text
from .errors import PaginationError
from .request import check
from .types import Batch, batch_from_c


class CIterator:
    """What an iterator over a C iterator holds and how it ends: the handle,
    the client and the request options (with the cancel callback the C
    iterator calls) that must outlive it; it is freed at the end, after a
    final (pagination) failure, on close(), on leaving a ``with`` block, or
    on garbage collection.  Any other failure leaves it where it was:
    calling next() again retries the same page.

    A subclass names its C functions: ``_c_next(handle, &item, &err)``,
    ``_c_next_page(handle, &items, &count, &err)`` and ``_c_free(handle)``,
    the C struct of an item (``_c_item``) and how one becomes Python's
    (``_convert``)."""

    _c_next: Callable[..., int]
    _c_next_page: Callable[..., int]
    _c_free: Callable[..., None]
    _c_item: Any
    _convert: Callable[[Any], Any]

    def __init__(self, client: Any, handle: c_void_p, keep: Any) -> None:
        self._client = client
        self._handle: Optional[c_void_p] = handle
        self._keep = keep

    def __iter__(self):
        return self

    def __next__(self):
        handle = self._live()
        item = POINTER(self._c_item)()
        err = POINTER(_ffi.Error)()
        code = type(self)._c_next(handle, byref(item), byref(err))
        got = type(self)._convert(item.contents) if not code and item else None
        if self._finish(code, err, got is None):
            raise StopIteration
        return got

    def next_page(self) -> tuple:
        """The next run of items: the rest of the current page, or the next
        page (cut short by max_items); an empty tuple at the end."""
        if not self._handle:
            return ()
        items = POINTER(POINTER(self._c_item))()
        count = c_size_t()
        err = POINTER(_ffi.Error)()
        code = type(self)._c_next_page(self._handle, byref(items), byref(count), byref(err))
        convert = type(self)._convert
        run = tuple(convert(items[i].contents) for i in range(count.value)) if not code else ()
        self._finish(code, err, not run)
        return run

    def close(self) -> None:
        """Free the C iterator."""
        if self._handle:
            self._closing()
            type(self)._c_free(self._handle)
            self._handle = None
            self._keep = self._client = None

    def _closing(self) -> None:
        """Keeps what must stay readable once the C iterator is gone."""

    def __enter__(self):
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


class BatchIterator(CIterator):
    """Iterates over batches, one page in memory at a time (from Client.iter()).

    ``cursor`` is where to resume: pass it as ``after`` to a later
    ``Client.iter()`` to go on right after the last batch handed out; it
    stays readable after close().  ``pages`` and ``items`` count what was
    fetched and handed out.  A failure other than PaginationError leaves the
    iterator where it was: calling next() again retries the same page.
    """

    _c_next = staticmethod(lambda *a: lib.tfy_batch_iter_next(*a))
    _c_next_page = staticmethod(lambda *a: lib.tfy_batch_iter_next_page(*a))
    _c_free = staticmethod(lambda *a: lib.tfy_batch_iter_free(*a))
    _c_item = _ffi.Batch
    _convert = staticmethod(batch_from_c)

    def __init__(self, client: Any, handle: c_void_p, keep: Any) -> None:
        super().__init__(client, handle, keep)
        self._cursor: Optional[str] = None
        self._pages = 0
        self._items = 0

    def __iter__(self) -> "BatchIterator":
        return self

    def __next__(self) -> Batch:
        return super().__next__()

    def next_page(self) -> "tuple[Batch, ...]":
        """The next run of batches: the rest of the current page, or the next
        page (cut short by max_items); an empty tuple at the end."""
        return super().next_page()

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
        super().close()

    def _closing(self) -> None:
        self._cursor, self._pages, self._items = self.cursor, self.pages, self.items

    def __enter__(self) -> "BatchIterator":
        return self
