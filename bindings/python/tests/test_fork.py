"""A client across os.fork(): the child can use and close a client that
another thread of the parent was in a call on, or iterating with, when the
process forked; and (libtfy 1.3) the child never reuses a connection the
parent opened."""

import os
import threading
import time
import unittest

import tfy
from tfy import _ffi

from mockgw import WithGateway, slowdown

DELAY = {"x-mock-fault": "delay:ms=1500"}


class ForkTest(WithGateway):
    def fork(self, child) -> int:
        """Runs child() in a forked child; its exit status (1 for an
        exception, 3 when it did not end within a generous bound)."""
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                status = child()
            finally:
                os._exit(status)
        deadline = time.monotonic() + 20 * slowdown()
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return 3

    def busy_thread(self, fn):
        """fn(started) on a thread, once it has begun."""
        started = threading.Event()
        t = threading.Thread(target=fn, args=(started,))
        t.start()
        self.assertTrue(started.wait(10 * slowdown()))
        return t

    def test_call_in_flight_on_another_thread(self):
        t = self.busy_thread(lambda started: self.client.list(limit=1, headers=DELAY,
                                                              cancel=started.set))

        def child():
            page = self.client.list(limit=2)
            self.client.close()  # does not wait for the parent's thread
            return 0 if len(page.data) == 2 else 2
        self.assertEqual(self.fork(child), 0)
        t.join()

    def test_iterator_stepped_by_another_thread(self):
        it = self.client.iter(limit=2, prefetch=False, headers=DELAY)

        def step(started):
            holder = it  # keeps it alive in this thread
            started.set()
            next(holder)
        t = self.busy_thread(step)
        time.sleep(0.2)

        def child():
            try:
                next(it)
                return 2
            except RuntimeError as e:
                if "forked" not in str(e):
                    return 4
            self.client.close()
            return 0
        self.assertEqual(self.fork(child), 0)
        t.join()
        self.assertIsInstance(next(it), tfy.Batch)

    @unittest.skipUnless(_ffi.HAVE_TOKEN, "libtfy before 1.3 shares connections with a child")
    def test_child_opens_its_own_connections(self):
        for _ in range(3):
            self.client.list(limit=1)
        before = self.gw.get_json("/_mock/stats")["api_connections"]

        def child():
            ids = [b.id for b in self.client.list(limit=3).data]
            return 0 if len(ids) == 3 else 2
        self.assertEqual(self.fork(child), 0)
        self.assertEqual(self.gw.get_json("/_mock/stats")["api_connections"], before + 1)
        self.assertEqual(len(self.client.list(limit=4).data), 4)


if __name__ == "__main__":
    unittest.main()
