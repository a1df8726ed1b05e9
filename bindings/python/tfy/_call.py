"""How the binding makes its C calls: counted on their client, so that
close() waits for them and the C client outlives them (and its iterators)."""

from __future__ import annotations

import collections
import os
import threading
import weakref
from ctypes import c_void_p
from typing import Any, Callable, Optional

from ._ffi import lib


class ClosedError(ValueError):
    """Used a closed client, or an iterator whose client was closed."""


class Handle:
    """A C client and what uses it: the calls in flight (by calling
    thread) and the open iterators.  It is freed once the client is closed
    and the last of them is done, whatever order a garbage collector
    finalizes them in.  close() waits for the calls of other threads; from
    inside a call's callback it cannot, and the free waits for that call."""

    def __init__(self, ptr: c_void_p) -> None:
        self._ptr = ptr
        self._init_locks()
        self._calls: collections.Counter = collections.Counter()
        self._iterators = 0
        self._closed = False
        #: The open iterators, for close() (the count above outlives them).
        self.iterators: "weakref.WeakSet[Any]" = weakref.WeakSet()
        _handles.add(self)

    def _init_locks(self) -> None:
        # Reentrant: a finalizer that the garbage collector runs while this
        # thread holds it may come back here.
        self._cond = threading.Condition(threading.RLock())

    @property
    def closed(self) -> bool:
        return self._closed

    def enter(self) -> c_void_p:
        """Counts a call of this thread in; its client pointer."""
        with self._cond:
            if self._closed:
                raise ClosedError("the client is closed")
            self._calls[threading.get_ident()] += 1
            return self._ptr

    def leave(self) -> None:
        me = threading.get_ident()
        with self._cond:
            self._calls[me] -= 1
            if self._calls[me] <= 0:
                del self._calls[me]
            self._cond.notify_all()
            last = not self._calls
        if last and self._closed:
            self._finish()

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(client pointer, *args), counted."""
        ptr = self.enter()
        try:
            return fn(ptr, *args)
        finally:
            self.leave()

    def add_iterator(self, it: Any) -> None:
        """Counts an iterator in (while a call is counted: the client is open)."""
        with self._cond:
            self._iterators += 1
            self.iterators.add(it)

    def drop_iterator(self) -> None:
        """An iterator freed its C iterator."""
        with self._cond:
            self._iterators -= 1
        if self._closed:
            self._finish()

    def close(self) -> None:
        """No new call; waits for those of other threads (not when this one
        is in a call: inside a callback), closes the iterators, and frees
        the C client when nothing uses it any more."""
        me = threading.get_ident()
        with self._cond:
            self._closed = True
            if me in self._calls:
                return  # inside a callback: the call's end finishes the close
            while self._calls:
                self._cond.wait()
        self._finish()

    def _finish(self) -> None:
        """Closed, no call in flight: close the iterators, then free."""
        for it in list(self.iterators):
            it._client_closed()
        with self._cond:
            if self._calls or self._iterators or not self._ptr:
                return
            ptr, self._ptr = self._ptr, None
        lib.tfy_client_free(ptr)

    def _after_fork(self) -> None:
        """In a forked child: only this thread exists, and it may be inside
        a call of its own; other threads' calls and locks are gone."""
        me = threading.get_ident()
        self._init_locks()
        mine = self._calls.get(me, 0)
        self._calls = collections.Counter({me: mine} if mine else {})
        for it in list(self.iterators):
            it._after_fork(me)


#: Every Handle alive, for the fork handler.
_handles: "weakref.WeakSet[Handle]" = weakref.WeakSet()


_local = threading.local()


def pending_error(e: BaseException) -> None:
    """From a callback: keeps the first exception it raised, for check() to
    raise once the call returns."""
    if getattr(_local, "pending", None) is None:
        _local.pending = e


def take_pending() -> Optional[BaseException]:
    """The exception kept on this thread (cleared)."""
    e = getattr(_local, "pending", None)
    _local.pending = None
    return e


def set_pending(e: Optional[BaseException]) -> None:
    _local.pending = e


def run(job: Callable[[], int]) -> int:
    """job() (a C call, returning its code); a callback's exception is left
    pending for check()."""
    take_pending()
    return job()


def _after_fork_in_child() -> None:
    for handle in list(_handles):
        handle._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
