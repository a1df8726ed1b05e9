"""Iterators over libtfy's C iterators: what every one of them does
(CIterator), and BatchIterator (tfy_batch_iter_*); files.FileIterator
(tfy_file_iter_*) is the other kind."""

from __future__ import annotations

import collections
import threading
from ctypes import POINTER, byref, c_size_t, c_void_p
from typing import Any, Callable, Generic, Optional, TypeVar

from . import _ffi
from ._call import ClosedError, Handle, Interrupt, run
from ._ffi import lib, text
from .errors import PaginationError
from .request import check
from .types import Batch, batch_from_c

#: Why an iterator gives nothing more.
_OPEN, _DONE, _CLIENT_CLOSED, _FORKED = "open", "done", "client closed", "forked"

#: What an iterator hands out.
T = TypeVar("T")


class CIterator(Generic[T]):
    """Iterates over a C iterator's items, one page in memory at a time.

    ``cursor`` is where to resume: pass it as ``after`` to a later call of
    the same listing to go on right after the last item handed out; it
    stays readable after close().  ``pages`` and ``items`` count what was
    fetched and handed out.  A failure other than PaginationError leaves the
    iterator where it was: calling next() again retries the same page.

    A subclass names its kind's C functions (``_c_next_page(it, &items,
    &count, &err)``, ``_c_free(it)``), the C struct of an item
    (``_c_item``), how one becomes Python's (``_convert``), and, where the C
    iterator has them, its cursor and page count (``_c_cursor``,
    ``_c_pages``).

    Threads: one step (next(), next_page()) runs at a time; a thread that
    asks while another one's step runs waits for it, and each item is
    handed out once.  A step asked from inside one of the iterator's own
    callbacks raises RuntimeError; close() from there takes effect when
    the step returns.  Once its client is closed, a step raises
    ClosedError (a subclass of ValueError), never an early end.  A step
    stopped by Ctrl-C closes the iterator (resume from ``cursor``).
    """

    _c_next_page: Callable[..., int]
    _c_free: Callable[[c_void_p], None]
    _c_item: Any
    _convert: Callable[[Any], T]

    def __init__(self, client: Any, handle: Handle, it: c_void_p, keep: Any,
                 interrupt: Interrupt, after: Optional[str] = None) -> None:
        # The client (its callbacks), the request options (with the cancel
        # callback the C iterator calls) and the interrupt (its cancel
        # token) must outlive the C iterator.
        self._client = client
        self._state = handle
        self._handle: Optional[c_void_p] = it
        self._keep = keep
        self._interrupt = interrupt
        # The items are taken from C a run at a time (*_iter_next_page) and
        # handed out from here, one by one: the C cursor and counter hold
        # for the end of the run, these for what was handed out.
        self._run: collections.deque = collections.deque()
        self._run_cursor: Optional[str] = None
        self._cursor: Optional[str] = self._c_cursor(it, after)
        self._pages = 0
        self._items = 0
        self._end = _OPEN
        self._lock = threading.Lock()
        self._owner: Optional[int] = None  # the thread whose step runs
        self._close_pending: Optional[str] = None
        handle.add_iterator(self)

    def __iter__(self) -> "CIterator[T]":
        return self

    def __next__(self) -> T:
        if self._owner != threading.get_ident():
            with self._lock:  # from the run in hand: no C call
                if self._run and self._end == _OPEN:
                    return self._hand_out()

        def step() -> Optional[T]:
            if not self._run and not self._fetch():
                return None
            return self._hand_out()
        item = self._step(step)
        if item is None:
            raise StopIteration
        return item

    def _hand_out(self) -> T:
        """The next item of the run (lock held)."""
        b = self._run.popleft()
        self._items += 1
        # As libtfy moves its cursor: the run's end is the C cursor.
        if not self._run:
            self._cursor = self._run_cursor
        elif b.id:
            self._cursor = b.id
        return b

    def next_page(self) -> "tuple[T, ...]":
        """The next run of items: the rest of the current page, or the next
        page (cut short by max_items); an empty tuple at the end."""
        def step() -> "tuple[T, ...]":
            if not self._run:
                self._fetch()
            found = tuple(self._run)
            self._run.clear()
            self._items += len(found)
            if found:
                self._cursor = self._run_cursor
            return found
        return self._step(step) or ()

    @property
    def cursor(self) -> Optional[str]:
        """The ``after`` that continues right after the last item handed out
        (the starting ``after`` before any); None at the very start."""
        return self._cursor

    @property
    def pages(self) -> int:
        """Pages fetched so far."""
        return self._pages

    @property
    def items(self) -> int:
        """Items handed out so far."""
        return self._items

    def close(self) -> None:
        """Free the C iterator (the counters and cursor stay readable);
        waits for a step that another thread is taking."""
        self._close(_DONE)

    def __enter__(self) -> "CIterator[T]":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _fetch(self) -> bool:
        """The next run from C into self._run (a step, lock held); False at
        the end, which frees the C iterator when the step returns."""
        h = self._handle
        kind = type(self)
        items = POINTER(POINTER(kind._c_item))()
        count = c_size_t()
        err = POINTER(_ffi.Error)()
        code = run(lambda: kind._c_next_page(h, byref(items), byref(count), byref(err)),
                   self._interrupt)
        if not code:
            self._run.extend(kind._convert(items[i].contents) for i in range(count.value))
            self._run_cursor = self._c_cursor(h, self._cursor)
        self._pages = self._c_pages(h)
        try:
            check(code, err)
        except PaginationError:
            self._close_pending = _DONE  # final
            raise
        if not self._run:
            self._close_pending = _DONE
        return bool(self._run)

    def _step(self, step: Callable[[], Any]) -> Any:
        """step() under the lock, counted as a call on the client; None once
        the iterator has ended."""
        if self._owner == threading.get_ident():
            raise RuntimeError(f"a {type(self).__name__} was stepped from inside one of its "
                               "own callbacks")
        if not self._still_open():
            return None
        self._state.enter()  # ClosedError once the client is closed
        freed = False
        try:
            with self._lock:
                if not self._still_open():
                    return None
                self._owner = threading.get_ident()
                try:
                    return step()
                except KeyboardInterrupt:
                    self._close_pending = self._close_pending or _DONE
                    raise
                finally:
                    self._owner = None
                    if self._close_pending:
                        freed = self._free(self._close_pending)
        finally:
            self._state.leave()
            if freed:
                self._state.drop_iterator()

    def _still_open(self) -> bool:
        """False once ended; raises when that was the client's close or a fork."""
        if self._end == _CLIENT_CLOSED:
            raise ClosedError("the client of this iterator was closed")
        if self._end == _FORKED:
            raise RuntimeError("this iterator was in use on another thread when the "
                               "process forked: it cannot be used in the child")
        return self._end == _OPEN

    def _close(self, why: str) -> None:
        if self._owner == threading.get_ident():
            self._close_pending = why  # inside a callback: when the step returns
            return
        with self._lock:
            freed = self._free(why)
        if freed:
            self._state.drop_iterator()

    def _client_closed(self) -> None:
        """The client is closed (Handle._finish)."""
        self._close(_CLIENT_CLOSED)

    def _free(self, why: str) -> bool:
        """Frees the C iterator, with the lock held; True when it did (then
        call self._state.drop_iterator(), without the lock)."""
        self._close_pending = None
        if not self._handle:
            return False
        h, self._handle = self._handle, None
        self._end = why
        self._run.clear()
        self._state.iterators.discard(self)
        type(self)._c_free(h)
        self._keep = self._client = self._interrupt = None
        return True

    def _after_fork(self, me: int) -> None:
        """In a forked child (Handle._after_fork): a step that another
        thread was taking cannot finish here; the lock may be held."""
        if self._owner == me:
            return  # forked from a callback of this thread's own step: it goes on
        self._lock = threading.Lock()  # may have been held by a thread now gone
        if self._owner is not None and self._handle:
            self._owner = None
            self._handle = None  # in the middle of a step: neither freed nor used
            self._end = _FORKED
            self._run.clear()
            self._state.iterators.discard(self)
            self._state.drop_iterator()

    def _c_cursor(self, it: c_void_p, before: Optional[str]) -> Optional[str]:
        """The cursor at the end of the run just fetched (at the start:
        ``before`` is the ``after`` asked for).  Without a C cursor: the id
        of the run's last item that has one, else ``before``."""
        return next((x.id for x in reversed(self._run) if x.id), before)

    def _c_pages(self, it: c_void_p) -> int:
        """Pages fetched.  Without a C counter: the runs with items."""
        return self._pages + (1 if self._run else 0)


class BatchIterator(CIterator[Batch]):
    """Iterates over batches, one page in memory at a time (from
    Client.iter(), whose ``after`` takes its ``cursor``); see CIterator."""

    _c_next_page = staticmethod(lambda *a: lib.tfy_batch_iter_next_page(*a))
    _c_free = staticmethod(lambda it: lib.tfy_batch_iter_free(it))
    _c_item = _ffi.Batch
    _convert = staticmethod(batch_from_c)

    def _c_cursor(self, it: c_void_p, before: Optional[str]) -> Optional[str]:
        return text(lib.tfy_batch_iter_cursor(it))

    def _c_pages(self, it: c_void_p) -> int:
        return lib.tfy_batch_iter_pages(it)
