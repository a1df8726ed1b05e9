"""How the binding makes its C calls: counted on their client, so that
close() waits for them and the C client outlives them (and its iterators),
and, from the main thread, stopped at once by Ctrl-C.

Ctrl-C: Python runs a signal handler on the main thread only, between two
bytecodes, so it cannot run while that thread is inside a C call.  A
blocking call made on the main thread while SIGINT has Python's default
handler therefore runs on a helper thread, while the main thread waits in
short steps and runs the call's callbacks, which the helper sends it (so
callbacks still run on the calling thread).  Meanwhile SIGINT's handler
cancels the call (its tfy_cancel_token with libtfy 1.3, else a flag its
cancel callback reads) and raises nothing, but inside a callback (so that
one blocked in a read is stopped); once the C call has returned, the
default handler is back and KeyboardInterrupt is raised in place of the
call's result.  The waiting is thus never left half-way.
"""

from __future__ import annotations

import collections
import os
import signal
import threading
import weakref
from ctypes import byref, c_void_p
from typing import Any, Callable, Optional

from ._ffi import HAVE_TOKEN, lib

#: How often the waiting main thread looks for a signal handled on another
#: thread (the kernel may deliver SIGINT to any thread that does not block it).
POLL_SECONDS = 0.05


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


class Interrupt:
    """What Ctrl-C stops a call (or an iterator) with: a tfy_cancel_token
    that its request options reference (libtfy 1.3), else a flag that its
    cancel callback reads.  Freed when collected: whatever runs the C call
    holds it until the call returns."""

    def __init__(self) -> None:
        self.token = c_void_p()
        self.fired = False
        if HAVE_TOKEN:
            if lib.tfy_cancel_token_new(byref(self.token)):
                raise MemoryError("tfy_cancel_token_new failed")
            weakref.finalize(self, lib.tfy_cancel_token_free, self.token)

    def fire(self) -> None:
        self.fired = True
        if HAVE_TOKEN:
            lib.tfy_cancel_token_cancel(self.token)


class _Request:
    """A callback to run on the calling thread, sent by the helper thread."""

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self.fn, self.args = fn, args
        self.value: Any = None
        self.error: Optional[BaseException] = None
        self.done = threading.Event()


class _Relay:
    """Between the calling (main) thread and the helper running its call."""

    def __init__(self, interrupt: Interrupt) -> None:
        self.interrupt = interrupt
        self.queue: collections.deque = collections.deque()
        self.ready = threading.Event()
        self.finished = False
        self.orphaned = False  # the process forked: the helper is gone
        self.in_callback = 0   # the main thread runs one of the call's callbacks

    def send(self, fn: Callable[..., Any], args: tuple) -> Any:
        """On the helper: fn(*args) on the calling thread."""
        req = _Request(fn, args)
        self.queue.append(req)
        self.ready.set()
        req.done.wait()
        if req.error is not None:
            raise req.error
        return req.value

    def serve(self) -> None:
        """On the calling thread: runs what the helper sends until the call
        is over.  Ctrl-C raises nothing here (see _on_sigint)."""
        while not self.finished:
            self.ready.wait(POLL_SECONDS)
            self.ready.clear()
            while self.queue:
                self._run(self.queue.popleft())
            if self.orphaned:
                raise RuntimeError("the process forked during this call: it cannot go on "
                                   "in the child")

    def _run(self, req: _Request) -> None:
        self.in_callback += 1
        try:
            req.value = req.fn(*req.args)
        except BaseException as e:  # noqa: B036 - handed to the helper thread
            req.error = e
        finally:
            self.in_callback -= 1
            req.done.set()


#: The calls the main thread is serving, innermost last (a callback may
#: make a call of its own); SIGINT's handler is _on_sigint while any is.
_serving: list = []


def _on_sigint(signum: int, frame: Any) -> None:
    """SIGINT's handler while the main thread serves calls: cancels them
    all, and raises KeyboardInterrupt only inside a callback (which it
    stops: the call gets it as the callback's exception), never between
    the steps of the binding's own waiting."""
    for relay in _serving:
        relay.interrupt.fire()
    if not _serving or _serving[-1].in_callback:
        raise KeyboardInterrupt


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


_relays: "weakref.WeakSet[_Relay]" = weakref.WeakSet()


def on_caller(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) on the thread that made the call (from a callback)."""
    relay = getattr(_local, "relay", None)
    if relay is None:
        return fn(*args)
    return relay.send(fn, args)


def interruptible() -> bool:
    """Whether a call made here is to be stopped by Ctrl-C: on the main
    thread, with Python's default SIGINT handler in place (or ours, in a
    callback of such a call)."""
    return (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) in (signal.default_int_handler, _on_sigint))


def run(job: Callable[[], int], interrupt: Optional[Interrupt]) -> int:
    """job() (a C call, returning its code) with the interrupt of its
    options.  A callback's exception, or the KeyboardInterrupt that stopped
    the call, is left pending for check()."""
    take_pending()
    if interrupt is None or not interruptible():
        return job()
    relay = _Relay(interrupt)
    box: dict = {}

    def helper() -> None:
        if hasattr(signal, "pthread_sigmask"):  # SIGINT to the main thread: it wakes
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        _local.relay = relay
        try:
            box["code"] = job()
            box["pending"] = take_pending()
        except BaseException as e:  # noqa: B036 - raised on the calling thread
            box["error"] = e
        finally:
            _local.relay = None
            relay.finished = True
            relay.ready.set()

    thread = threading.Thread(target=helper, name="tfy-call", daemon=True)
    _serving.append(relay)
    _relays.add(relay)
    try:
        if len(_serving) == 1:
            signal.signal(signal.SIGINT, _on_sigint)
        try:
            thread.start()
        except RuntimeError:  # no thread now (the interpreter is exiting): here, then
            relay.finished = True
        relay.serve()
    finally:
        _serving.remove(relay)
        if not _serving and signal.getsignal(signal.SIGINT) is _on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if thread.ident is None:
        return job()
    if "error" in box:
        raise box["error"]
    pending = box.get("pending")
    if interrupt.fired and not isinstance(pending, KeyboardInterrupt):
        pending = KeyboardInterrupt()
    set_pending(pending)
    return box["code"]


def _after_fork_in_child() -> None:
    for handle in list(_handles):
        handle._after_fork()
    for relay in list(_relays):
        if not relay.finished:
            relay.orphaned = True
            relay.ready.set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
