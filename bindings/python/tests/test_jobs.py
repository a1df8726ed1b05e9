"""Client.create, .retrieve, .cancel and .wait against a scripted server on
loopback: what is sent, what comes back, and the wait's progress, timeout
and cancellation with the last state seen."""

import http.server
import json
import threading
import time
import unittest

import tfy

from mockgw import slowdown


def batch(status, completed=0, batch_id="b1"):
    return {"id": batch_id, "object": "batch", "endpoint": "/v1/chat/completions",
            "input_file_id": "file-in", "completion_window": "24h", "status": status,
            "created_at": int(time.time()),
            "request_counts": {"total": 2, "completed": completed, "failed": 0}}


class Scripted(http.server.ThreadingHTTPServer):
    """Answers each request with the next (status, body) of `script`, the
    last one repeating; `seen` keeps (method, path, body)."""

    def __init__(self, script):
        self.script = list(script)
        self.seen = []
        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}/v1"

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        self.server.seen.append((self.command, self.path, body))
        i = min(len(self.server.seen), len(self.server.script)) - 1
        status, reply = self.server.script[i]
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer


class JobsTest(unittest.TestCase):
    def serve(self, *script):
        self.srv = Scripted(script)
        self.addCleanup(self.srv.stop)
        client = tfy.Client(self.srv.base_url, "k", max_retries=0, timeout=10)
        self.addCleanup(client.close)
        return client

    def test_create_sends_the_body(self):
        c = self.serve((200, batch("validating")))
        b = c.create("file-in", "/v1/chat/completions", metadata={"run": "7"},
                     output_expires_after=3600, provider_name="openai-main")
        self.assertIsInstance(b, tfy.Batch)
        self.assertEqual(b.status, "validating")
        method, path, body = self.srv.seen[0]
        self.assertEqual((method, path), ("POST", "/v1/batches"))
        self.assertEqual(json.loads(body), {
            "input_file_id": "file-in", "endpoint": "/v1/chat/completions",
            "completion_window": "24h", "metadata": {"run": "7"},
            "output_expires_after": {"anchor": "created_at", "seconds": 3600}})
        with self.assertRaises(tfy.InvalidArgumentError):
            c.create("file-in", "v1/chat/completions")
        with self.assertRaises(tfy.InvalidArgumentError):
            c.create("file-in", "/v1/embeddings", output_expires_after=60)
        self.assertEqual(len(self.srv.seen), 1)

    def test_create_outcome_unknown(self):
        c = self.serve((500, {"error": {"message": "boom"}}),
                       (200, {"object": "list", "data": [], "has_more": False}))
        with self.assertRaises(tfy.OutcomeUnknownError) as cm:
            c.create("file-in", "/v1/chat/completions")
        self.assertIn("file-in", str(cm.exception))
        self.assertEqual([s[0] for s in self.srv.seen], ["POST", "GET"])

    def test_retrieve_and_cancel(self):
        c = self.serve((200, batch("in_progress", batch_id="a/b")),
                       (200, batch("cancelling", batch_id="a/b")))
        self.assertEqual(c.retrieve("a/b").id, "a/b")
        self.assertEqual(c.cancel("a/b").status, "cancelling")
        self.assertEqual([s[:2] for s in self.srv.seen],
                         [("GET", "/v1/batches/a%2Fb"), ("POST", "/v1/batches/a%2Fb/cancel")])
        with self.assertRaises(tfy.InvalidArgumentError):
            c.retrieve("")

    def test_wait_with_progress(self):
        c = self.serve((200, batch("validating")), (200, batch("in_progress", 1)),
                       (200, batch("in_progress", 1)), (200, batch("completed", 2)))
        seen = []
        b = c.wait("b1", poll_initial=0.01, poll_max=0.02,
                   on_progress=lambda x: seen.append((x.status, x.request_counts.completed)))
        self.assertEqual(b.status, "completed")
        self.assertEqual(seen, [("validating", 0), ("in_progress", 1), ("completed", 2)])

    def test_wait_timeout_and_cancel_keep_the_last_state(self):
        c = self.serve((200, batch("in_progress", 1)))
        t0 = time.monotonic()
        with self.assertRaises(tfy.TfyTimeoutError) as cm:
            c.wait("b1", timeout=0.3, poll_initial=0.01)
        self.assertLess(time.monotonic() - t0, 5 * slowdown())
        self.assertEqual(cm.exception.batch.status, "in_progress")
        with self.assertRaises(tfy.CancelledError) as cm:
            c.wait("b1", on_progress=lambda b: True)
        self.assertEqual(cm.exception.batch.request_counts.completed, 1)
        shown = []
        with self.assertRaises(tfy.CancelledError) as cm:
            c.wait("b1", poll_initial=60, on_progress=shown.append, cancel=lambda: bool(shown))
        self.assertEqual(cm.exception.batch.status, "in_progress")

        def boom(_b):
            raise KeyError("from on_progress")
        with self.assertRaises(KeyError):
            c.wait("b1", on_progress=boom)


if __name__ == "__main__":
    unittest.main()
