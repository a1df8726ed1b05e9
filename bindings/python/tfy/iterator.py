"""BatchIterator: every batch of a listing, over tfy_batch_iter_*."""

from __future__ import annotations

import collections
import threading
from ctypes import POINTER, byref, c_size_t, c_void_p
from typing import Any, Callable, Optional

from . import _ffi
from ._call import ClosedError, Handle, Interrupt, run
from ._ffi import lib, text
from .errors import PaginationError
from .request import check
from .types import Batch, batch_from_c

#: Why an iterator gives nothing more.
_OPEN, _DONE, _CLIENT_CLOSED, _FORKED = "open", "done", "client closed", "forked"


class BatchIterator:
    """Iterates over batches, one page in memory at a time (from Client.iter()).

    ``cursor`` is where to resume: pass it as ``after`` to a later
    ``Client.iter()`` to go on right after the last batch handed out; it
    stays readable after close().  ``pages`` and ``items`` count what was
    fetched and handed out.  A failure other than PaginationError leaves the
    iterator where it was: calling next() again retries the same page.

    Threads: one step (next(), next_page()) runs at a time; a thread that
    asks while another one's step runs waits for it, and each batch is
    handed out once.  A step asked from inside one of the iterator's own
    callbacks raises RuntimeError; close() from there takes effect when
    the step returns.  Once its client is closed, a step raises
    ClosedError (a subclass of ValueError), never an early end.  A step
    stopped by Ctrl-C closes the iterator (resume from ``cursor``).
    """

    def __init__(self, client: Any, handle: Handle, it: c_void_p, keep: Any,
                 interrupt: Interrupt) -> None:
        # The client (its callbacks), the request options (with the cancel
        # callback the C iterator calls) and the interrupt (its cancel
        # token) must outlive the C iterator.
        self._client = client
        self._state = handle
        self._handle: Optional[c_void_p] = it
        self._keep = keep
        self._interrupt = interrupt
        # The batches are taken from C a run at a time (tfy_batch_iter_next_page)
        # and handed out from here, one by one: the C cursor and counter
        # hold for the end of the run, these for what was handed out.
        self._run: collections.deque = collections.deque()
        self._run_cursor: Optional[str] = None
        self._cursor: Optional[str] = text(lib.tfy_batch_iter_cursor(it))
        self._pages = 0
        self._items = 0
        self._end = _OPEN
        self._lock = threading.Lock()
        self._owner: Optional[int] = None  # the thread whose step runs
        self._close_pending: Optional[str] = None
        handle.add_iterator(self)

    def __iter__(self) -> "BatchIterator":
        return self

    def __next__(self) -> Batch:
        if self._owner != threading.get_ident():
            with self._lock:  # from the run in hand: no C call
                if self._run and self._end == _OPEN:
                    return self._hand_out()

        def step() -> Optional[Batch]:
            if not self._run and not self._fetch():
                return None
            return self._hand_out()
        batch = self._step(step)
        if batch is None:
            raise StopIteration
        return batch

    def _hand_out(self) -> Batch:
        """The next batch of the run (lock held)."""
        b = self._run.popleft()
        self._items += 1
        # As libtfy moves its cursor: the run's end is the C cursor.
        if not self._run:
            self._cursor = self._run_cursor
        elif b.id:
            self._cursor = b.id
        return b

    def next_page(self) -> "tuple[Batch, ...]":
        """The next run of batches: the rest of the current page, or the next
        page (cut short by max_items); an empty tuple at the end."""
        def step() -> "tuple[Batch, ...]":
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
        """The ``after`` that continues right after the last batch handed out
        (the starting ``after`` before any); None at the very start."""
        return self._cursor

    @property
    def pages(self) -> int:
        """Pages fetched so far."""
        return self._pages

    @property
    def items(self) -> int:
        """Batches handed out so far."""
        return self._items

    def close(self) -> None:
        """Free the C iterator (the counters and cursor stay readable);
        waits for a step that another thread is taking."""
        self._close(_DONE)

    def __enter__(self) -> "BatchIterator":
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
        batches = POINTER(POINTER(_ffi.Batch))()
        count = c_size_t()
        err = POINTER(_ffi.Error)()
        code = run(lambda: lib.tfy_batch_iter_next_page(h, byref(batches), byref(count),
                                                        byref(err)), self._interrupt)
        if not code:
            self._run.extend(batch_from_c(batches[i].contents) for i in range(count.value))
            self._run_cursor = text(lib.tfy_batch_iter_cursor(h))
        self._pages = lib.tfy_batch_iter_pages(h)
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
            raise RuntimeError("a BatchIterator was stepped from inside one of its own "
                               "callbacks")
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
        lib.tfy_batch_iter_free(h)
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
