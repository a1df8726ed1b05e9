"""A client shared by threads: close() while another thread is in a call
waits for it; close() from inside a callback takes effect when the call
returns; an iterator is stepped by one thread at a time and never ends
early because its client was closed; a client and its iterator collected
together in a cycle, in either order."""

import gc
import io
import threading
import time
import unittest

import tfy

from mockgw import API_KEY, WithGateway, slowdown

DELAY = {"x-mock-fault": "delay:ms=1000"}


class CloseTest(WithGateway):
    def in_thread(self, fn):
        """Runs fn on a thread; (thread, box) with box["value"] or box["error"]."""
        box = {}

        def target():
            try:
                box["value"] = fn()
            except BaseException as e:  # noqa: B036 - checked by the test
                box["error"] = e
        t = threading.Thread(target=target)
        t.start()
        return t, box

    def test_close_waits_for_a_call_of_another_thread(self):
        started = threading.Event()
        t, box = self.in_thread(lambda: self.client.list(limit=3, headers=DELAY,
                                                         cancel=started.set))
        self.assertTrue(started.wait(10 * slowdown()))
        t0 = time.monotonic()
        self.client.close()
        waited = time.monotonic() - t0
        t.join(10 * slowdown())
        self.assertNotIn("error", box)
        self.assertEqual(len(box["value"].data), 3)
        self.assertGreater(waited, 0.3)  # the rest of the delayed answer
        self.assertTrue(self.client.closed)
        with self.assertRaises(tfy.ClosedError):
            self.client.list()
        self.client.close()  # idempotent

    def test_close_from_inside_a_callback(self):
        # From the call's cancel callback, on this (main) thread and on another.
        def run():
            with tfy.Client(self.gw.base_url, API_KEY, max_retries=0) as c:
                def cancel():
                    c.close()
                    return False
                page = c.list(limit=2, headers={"x-mock-fault": "delay:ms=200"}, cancel=cancel)
                self.assertTrue(c.closed)
                with self.assertRaises(tfy.ClosedError):
                    c.list()
                return page
        self.assertEqual(len(run().data), 2)
        t, box = self.in_thread(run)
        t.join(10 * slowdown())
        self.assertNotIn("error", box)
        self.assertEqual(len(box["value"].data), 2)
        # From a credential callback, before the request is sent.
        calls = []

        def credential(refresh):
            calls.append(refresh)
            c.close()
            return API_KEY
        c = tfy.Client(self.gw.base_url, credential=credential, max_retries=0)
        self.assertEqual(len(c.list(limit=1).data), 1)
        self.assertEqual(calls, [False])
        self.assertTrue(c.closed)

    def test_iterator_closed_from_its_own_callback(self):
        holder = []

        def cancel():
            holder[0].close()  # takes effect when this step returns
            return False
        it = self.client.iter(limit=5, prefetch=False, headers={"x-mock-fault": "delay:ms=200"},
                              cancel=cancel)
        holder.append(it)
        self.assertIsInstance(next(it), tfy.Batch)
        self.assertEqual(list(it), [])
        self.assertEqual(it.items, 1)

        def step_again():
            next(holder[1])
        it2 = self.client.iter(limit=5, headers={"x-mock-fault": "delay:ms=200"},
                               cancel=step_again)
        holder.append(it2)
        with self.assertRaises(RuntimeError) as cm:
            next(it2)
        self.assertIn("own callbacks", str(cm.exception))


class IteratorThreadsTest(WithGateway):
    def test_two_threads_share_one_iterator(self):
        everything = [b.id for b in self.client.iter(limit=100)]
        for _ in range(5):
            it = self.client.iter(limit=3)
            got = [[], [], []]

            def drain(mine):
                for b in it:
                    mine.append(b.id)
            threads = [threading.Thread(target=drain, args=(g,)) for g in got]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30 * slowdown())
            ids = got[0] + got[1] + got[2]
            self.assertEqual(sorted(ids), sorted(everything))
            self.assertEqual(it.items, 42)

    def test_close_while_another_thread_iterates(self):
        it = self.client.iter(limit=2, prefetch=False, headers={"x-mock-fault": "delay:ms=50"})
        seen, box = [], {}
        some = threading.Event()

        def drain():
            try:
                for b in it:
                    seen.append(b.id)
                    if len(seen) == 3:
                        some.set()
                box["ended"] = True
            except tfy.ClosedError as e:
                box["error"] = e
        t = threading.Thread(target=drain)
        t.start()
        self.assertTrue(some.wait(10 * slowdown()))
        self.client.close()
        t.join(10 * slowdown())
        # Closed before the end: an error, never a quiet end.
        self.assertIn("error", box)
        self.assertLess(len(seen), 42)
        self.assertEqual(it.items, len(seen))

    def test_file_iterator(self):
        # Files: shared by threads, each file handed out once; then, closed
        # with its client before its end, an error, never a quiet end.
        ids = [self.client.files.upload(io.BytesIO(b"{}\n"), filename=f"{i}.jsonl").id
               for i in range(7)]
        it = self.client.files.iter(limit=2)
        got = [[], []]
        threads = [threading.Thread(target=lambda mine: mine.extend(f.id for f in it),
                                    args=(g,)) for g in got]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30 * slowdown())
        self.assertEqual(sorted(got[0] + got[1]), sorted(ids))
        self.assertEqual(it.items, 7)
        it = self.client.files.iter(limit=2)
        self.assertIsInstance(next(it), tfy.File)
        self.client.close()
        with self.assertRaises(tfy.ClosedError):
            next(it)
        with self.assertRaises(tfy.ClosedError):
            it.next_page()
        self.assertEqual(it.items, 1)

    def test_collected_in_a_cycle(self):
        for order in range(20):
            c = tfy.Client(self.gw.base_url, API_KEY, max_retries=0)
            its = [c.iter(limit=5) for _ in range(3)]
            for it in its:
                next(it)
                it.cycle = c  # client <-> iterators
            c.cycle = its if order % 2 else list(reversed(its))
            del c, its, it
            gc.collect()


if __name__ == "__main__":
    unittest.main()
