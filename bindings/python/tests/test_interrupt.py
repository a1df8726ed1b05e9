"""Ctrl-C stops a blocking call at once: a child interpreter makes a call
that would block for long (a wait without timeout on a slow batch, an
answer that stalls, an upload from a pipe that never ends), SIGINT is sent
to it, and KeyboardInterrupt comes out of the call within a generous
bound, never a TfyError, with or without a ``cancel=`` callable; a SIGINT
handler of the program's own is left in charge."""

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

import tfy

from mockgw import API_KEY, MockGateway, slowdown

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(tfy.__file__)))
BOUND = 5.0  # seconds from SIGINT to the child's end (the call stops within 100 ms)

PRELUDE = """
import os, sys, threading, time
import tfy
c = tfy.Client(sys.argv[1], sys.argv[2], max_retries=0)
STALL = {"x-mock-fault": "stall:seconds=60"}
def ready():
    print("ready", flush=True)
"""


class InterruptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Batches stay in progress for an hour.
        cls.gw = MockGateway("--count", "5", "--batch-seconds", "3600")
        with tfy.Client(cls.gw.base_url, API_KEY) as c:
            line = ('{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", '
                    '"body": {"model": "m"}}\n').encode()
            f = c.files.upload(io.BytesIO(line))
            cls.batch_id = c.create(f.id, "/v1/chat/completions").id

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def child(self, body: str, *, interrupt: bool = True):
        """Runs PRELUDE + body in a child interpreter; once it prints
        "ready" and a little later, sends SIGINT.  (returncode, stdout
        lines after "ready", stderr, seconds from SIGINT to the end)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = PACKAGE + os.pathsep + env.get("PYTHONPATH", "")
        code = PRELUDE + textwrap.dedent(body)
        p = subprocess.Popen([sys.executable, "-c", code, self.gw.base_url, API_KEY,
                              self.batch_id], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
        try:
            self.assertEqual(p.stdout.readline().strip(), "ready", p.stderr.read()
                             if p.poll() is not None else "")
            time.sleep(0.5)  # well inside the blocking call
            t0 = time.monotonic()
            if interrupt:
                p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30 * slowdown())
            took = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        return p.returncode, out.split(), err, took

    def assertInterrupted(self, result):
        returncode, out, err, took = result
        self.assertEqual(returncode, -signal.SIGINT, err)
        self.assertIn("KeyboardInterrupt", err)
        self.assertNotIn("CancelledError", err)
        self.assertLess(took, BOUND * slowdown())
        return out

    def test_wait_without_timeout(self):
        self.assertInterrupted(self.child("""
            ready()
            c.wait(sys.argv[3])
        """))

    def test_wait_through_a_cancel_callback(self):
        # As with a libtfy older than 1.3, which has no cancel token.
        self.assertInterrupted(self.child("""
            import tfy._call, tfy.request
            tfy._call.HAVE_TOKEN = tfy.request.HAVE_TOKEN = False
            ready()
            c.wait(sys.argv[3])
        """))

    def test_not_swallowed_by_except_tfy_error(self):
        out = self.assertInterrupted(self.child("""
            try:
                ready()
                c.wait(sys.argv[3], cancel=lambda: False,
                       on_progress=lambda b: print(threading.current_thread()
                                                   is threading.main_thread()))
            except tfy.TfyError as e:
                print("swallowed", type(e).__name__)
        """))
        self.assertEqual(out, ["True"])  # on_progress ran on the calling thread

    def test_stalled_answer_and_iterator(self):
        self.assertInterrupted(self.child("""
            ready()
            c.list(headers=STALL)
        """))
        out = self.assertInterrupted(self.child("""
            it = c.iter(limit=2, prefetch=False, headers=STALL)
            try:
                ready()
                next(it)
            except KeyboardInterrupt:
                print(list(it), it.items, it.cursor)  # closed: resume from the cursor
                raise
        """))
        self.assertEqual(out, ["[]", "0", "None"])

    def test_call_made_by_a_callback(self):
        self.assertInterrupted(self.child("""
            other = tfy.Client(sys.argv[1], sys.argv[2], max_retries=0)
            ready()
            c.wait(sys.argv[3], on_progress=lambda b: other.list(headers=STALL))
        """))

    def test_upload_from_a_pipe_that_never_ends(self):
        self.assertInterrupted(self.child("""
            r, w = os.pipe()
            os.write(w, b'{"custom_id": "a"}\\n')  # and nothing more, never closed
            ready()
            c.files.upload(os.fdopen(r, "rb"))
        """))

    def test_a_handler_of_the_program_stays_in_charge(self):
        returncode, out, err, _ = self.child("""
            import signal
            seen = []
            signal.signal(signal.SIGINT, lambda *a: seen.append(time.monotonic()))
            ready()
            page = c.list(limit=2, headers={"x-mock-fault": "delay:ms=1500"})
            print(len(page.data), len(seen))
        """)
        self.assertEqual(returncode, 0, err)
        self.assertEqual(out, ["2", "1"])

    def test_other_threads_are_not_affected(self):
        # A call on another thread is not interrupted; the main thread gets
        # the KeyboardInterrupt where it waits.
        returncode, out, err, _ = self.child("""
            box, done = [], threading.Event()
            def other():
                box.append(c.list(limit=1, headers={"x-mock-fault": "delay:ms=1500"}))
                done.set()
            threading.Thread(target=other).start()
            try:
                ready()
                done.wait()
            except KeyboardInterrupt:
                done.wait()  # (not Thread.join(), unreliable after an interrupt)
                print(len(box[0].data))
        """)
        self.assertEqual(returncode, 0, err)
        self.assertEqual(out, ["1"])


if __name__ == "__main__":
    unittest.main()
