"""client.files with Python file objects against tfy-mock-gateway: upload
from one (seekable: sized and rewound for a retry; a pipe: chunked, not
sent again), download into one, content() as bounded bytes, and exceptions
raised by the file object coming out of the call."""

import io
import json
import os
import tempfile
import threading
import unittest

import tfy

from mockgw import API_KEY, MockGateway

LINE = {"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}
CONTENT = (json.dumps(LINE) + "\n").encode() * 500  # ~60 KiB: several reads


class Broken(io.RawIOBase):
    """A readable, writable stream that fails after `good` bytes."""

    def __init__(self, good):
        self.good = good

    def readable(self):
        return True

    def writable(self):
        return True

    def readinto(self, b):
        if self.good <= 0:
            raise OSError("the disk went away")
        n = min(len(b), self.good)
        b[:n] = CONTENT[:n]
        self.good -= n
        return n

    def write(self, b):
        raise OSError("the disk is full")


class Pipe:
    """A read end that cannot seek (os.pipe fed by a thread)."""

    def __init__(self, data):
        r, w = os.pipe()
        self.reader = os.fdopen(r, "rb")

        def feed():
            with os.fdopen(w, "wb") as f:
                f.write(data)
        self.thread = threading.Thread(target=feed, daemon=True)
        self.thread.start()

    def close(self):
        self.reader.close()
        self.thread.join()


class FileObjectTest(unittest.TestCase):
    def setUp(self):
        self.gw = MockGateway("--count", "3")
        self.client = tfy.Client(self.gw.base_url, API_KEY, timeout=10, max_retries=2,
                                 retry_initial_backoff=0.01)
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.client.close()
        self.gw.stop()
        self.dir.cleanup()

    def stats(self):
        return self.gw.get_json("/_mock/stats")

    def test_upload_seekable_and_download(self):
        src = io.BytesIO(b"skipped" + CONTENT)
        src.seek(7)  # from where it is
        f = self.client.files.upload(src, filename="mine.jsonl")
        self.assertEqual((f.bytes, f.filename), (len(CONTENT), "mine.jsonl"))
        seen = self.gw.get_json("/_mock/last-request")
        lengths = [v for k, v in seen["headers"] if k.lower() == "content-length"]
        self.assertEqual(len(lengths), 1)  # sized, not chunked
        out = io.BytesIO()
        self.assertIsNone(self.client.files.download(f.id, out))
        self.assertEqual(out.getvalue(), CONTENT)
        self.assertEqual(self.client.files.content(f.id), CONTENT)
        self.assertEqual(self.client.files.content(f), CONTENT)
        # A real file: its name by default.
        p = os.path.join(self.dir.name, "requests.jsonl")
        with open(p, "wb") as w:
            w.write(CONTENT)
        with open(p, "rb") as r:
            self.assertEqual(self.client.files.upload(r).filename, "requests.jsonl")
        with open(os.path.join(self.dir.name, "copy.jsonl"), "wb") as w:
            self.client.files.download(f.id, w, expected_bytes=len(CONTENT))
        with open(os.path.join(self.dir.name, "copy.jsonl"), "rb") as r:
            self.assertEqual(r.read(), CONTENT)

    def test_retry_rewinds_a_seekable_stream(self):
        self.gw.set_faults("status:code=503,times=1,route=upload")
        f = self.client.files.upload(io.BytesIO(CONTENT))
        self.assertEqual(self.stats()["faults_served"], 1)
        self.assertEqual(self.client.files.content(f.id), CONTENT)

    def test_pipe_is_chunked_and_not_sent_again(self):
        pipe = Pipe(CONTENT)
        try:
            f = self.client.files.upload(pipe.reader)
        finally:
            pipe.close()
        self.assertEqual(f.filename, "input.jsonl")
        seen = self.gw.get_json("/_mock/last-request")
        self.assertIn(["transfer-encoding", "chunked"],
                      [[k.lower(), v.lower()] for k, v in seen["headers"]])
        self.assertEqual(self.client.files.content(f.id), CONTENT)
        self.gw.set_faults("status:code=503,times=1,route=upload")
        pipe = Pipe(CONTENT)
        try:
            with self.assertRaises(tfy.ServerError):
                self.client.files.upload(pipe.reader)
        finally:
            pipe.close()
        self.assertEqual(self.stats()["files_uploaded"], 1)

    def test_exceptions_of_the_file_object_come_out(self):
        with self.assertRaises(OSError) as cm:
            self.client.files.upload(Broken(20000))
        self.assertEqual(str(cm.exception), "the disk went away")
        self.assertNotIsInstance(cm.exception, tfy.TfyError)
        f = self.client.files.upload(io.BytesIO(CONTENT))
        with self.assertRaises(OSError) as cm:
            self.client.files.download(f.id, Broken(0))
        self.assertEqual(str(cm.exception), "the disk is full")
        with self.assertRaises(TypeError):
            self.client.files.upload(io.StringIO("text"))
        with self.assertRaises(TypeError):
            self.client.files.download(f.id, io.StringIO())
        with self.assertRaises(ValueError):
            self.client.files.download(f.id, io.BytesIO(), overwrite=True)
        self.assertEqual(self.stats()["files_uploaded"], 1)

    def test_content_is_bounded(self):
        f = self.client.files.upload(io.BytesIO(CONTENT))
        before = self.stats()["requests"]
        with self.assertRaises(tfy.ResponseTooLargeError) as cm:
            self.client.files.content(f, max_bytes=1000)
        self.assertIn("max_bytes", str(cm.exception))
        self.assertEqual(self.stats()["requests"], before)  # refused before asking
        # Without a known size, stopped once past the bound.
        unsized = tfy.File(id=f.id, object="file", bytes=None, created_at=None,
                           expires_at=None, filename=None, purpose=None, status=None,
                           status_details=None, raw_json="{}")
        with self.assertRaises(tfy.ResponseTooLargeError):
            self.client.files.content(unsized, max_bytes=1000)
        self.assertEqual(self.client.files.content(unsized), CONTENT)
        with self.assertRaises(tfy.NotFoundError):
            self.client.files.content("file-absent")
        with self.assertRaises(ValueError):
            self.client.files.content(f, max_bytes=0)


if __name__ == "__main__":
    unittest.main()
