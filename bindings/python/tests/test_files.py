"""client.files: upload, retrieve, delete and download against a small HTTP
server on loopback in this process (ctypes releases the GIL during calls)."""

import http.server
import io
import json
import os
import tempfile
import threading
import unittest

import tfy

KEY = "sk-test-files-0123456789"
FILE = {"id": "file-abc", "object": "file", "bytes": 11, "created_at": 1700000000,
        "filename": "in.jsonl", "purpose": "batch", "status": "uploaded"}
CONTENT = b'{"a": 1}\n' * 1000


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def log_message(self, *args):
        pass

    def _answer(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        Handler.seen.append((self.command, self.path, dict(self.headers), body))

    def do_POST(self):
        self._record()
        self._answer(200, json.dumps(FILE).encode())

    def do_GET(self):
        self._record()
        if self.path == "/v1/files/file-abc/content":
            self._answer(200, CONTENT, "application/octet-stream")
        elif self.path == "/v1/files/file-abc":
            self._answer(200, json.dumps(FILE).encode())
        else:
            self._answer(404, b'{"error": {"message": "no such file"}}')

    def do_DELETE(self):
        self._record()
        self._answer(200, b'{"id": "file-abc", "object": "file", "deleted": true}')


class FilesTest(unittest.TestCase):
    def setUp(self):
        Handler.seen = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.client = tfy.Client(base, KEY, routing_from_env=False)
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.client.close()
        self.server.shutdown()
        self.server.server_close()
        self.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_upload(self):
        p = self.path("requests.jsonl")
        with open(p, "wb") as f:
            f.write(CONTENT)
        got = self.client.files.upload(p)
        self.assertIsInstance(got, tfy.File)
        self.assertEqual(got.id, "file-abc")
        self.assertEqual(got.bytes, 11)
        self.assertEqual(got.raw()["purpose"], "batch")
        method, path, headers, body = Handler.seen[-1]
        self.assertEqual((method, path), ("POST", "/v1/files"))
        self.assertTrue(headers["Content-Type"].startswith("multipart/form-data; boundary="))
        self.assertIn(b'name="purpose"\r\n\r\nbatch\r\n', body)
        self.assertIn(b'filename="requests.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n'
                      + CONTENT + b"\r\n", body)

    def test_upload_missing_path(self):
        with self.assertRaises(tfy.TfyIOError) as cm:
            self.client.files.upload(self.path("absent.jsonl"))
        self.assertIn("No such file or directory", cm.exception.detail)
        self.assertEqual(Handler.seen, [])

    def test_retrieve_and_delete(self):
        f = self.client.files.retrieve("file-abc")
        self.assertEqual(f.filename, "in.jsonl")
        self.client.files.delete("file-abc")
        self.assertEqual(Handler.seen[-1][:2], ("DELETE", "/v1/files/file-abc"))
        with self.assertRaises(tfy.NotFoundError):
            self.client.files.retrieve("file-other")
        with self.assertRaises(tfy.InvalidArgumentError):
            self.client.files.retrieve("bad\nid")

    def test_download(self):
        p = self.path("out.jsonl")
        self.client.files.download("file-abc", p, expected_bytes=len(CONTENT))
        with open(p, "rb") as f:
            self.assertEqual(f.read(), CONTENT)
        with self.assertRaises(tfy.TfyIOError):
            self.client.files.download("file-abc", p)
        self.client.files.download("file-abc", p, overwrite=True)
        # Longer than expected_bytes: stopped before the excess is written.
        with self.assertRaises(tfy.ResponseTooLargeError):
            self.client.files.download("file-abc", p, overwrite=True, expected_bytes=5)
        with self.assertRaises(tfy.NetworkError):
            self.client.files.download("file-abc", p, overwrite=True,
                                       expected_bytes=len(CONTENT) + 5)
        with open(p, "rb") as f:
            self.assertEqual(f.read(), CONTENT)
        self.assertEqual(sorted(os.listdir(self.dir.name)), ["out.jsonl"])


    @unittest.skipUnless(tfy._ffi.HAVE_TRANSFER_PROGRESS, "libtfy without the progress callback")
    def test_progress(self):
        """progress= gets TransferProgress values: bytes that never go back,
        the total from Content-Length or the file object, a last "done"
        call with every byte; a true result stops the transfer and leaves
        no file; an exception is raised from the call."""
        seen = []
        p = self.path("out.jsonl")
        self.client.files.download("file-abc", p, progress=seen.append)
        self.assertEqual([s.phase for s in seen[:-1]], ["receiving"] * (len(seen) - 1))
        self.assertEqual(seen[-1], tfy.TransferProgress("done", len(CONTENT), len(CONTENT),
                                                        seen[-1].elapsed))
        self.assertTrue(all(s.bytes_total == len(CONTENT) for s in seen))
        done = [s.bytes_done for s in seen]
        self.assertEqual(done, sorted(done))
        self.assertTrue(seen[0].elapsed >= 0)

        seen.clear()
        self.client.files.upload(io.BytesIO(CONTENT), progress=seen.append)
        self.assertEqual(seen[0].phase, "sending")
        self.assertEqual(seen[0].bytes_total, len(CONTENT))
        self.assertEqual((seen[-1].phase, seen[-1].bytes_done), ("done", len(CONTENT)))

        os.remove(p)
        with self.assertRaises(tfy.CancelledError):
            self.client.files.download("file-abc", p, progress=lambda s: True)
        self.assertEqual(os.listdir(self.dir.name), [])

        def broken(_):
            raise ZeroDivisionError("from progress")
        with self.assertRaises(ZeroDivisionError):
            self.client.files.download("file-abc", io.BytesIO(), progress=broken)
        with self.assertRaises(TypeError):
            self.client.files.download("file-abc", io.BytesIO(), progress=3)


if __name__ == "__main__":
    unittest.main()
