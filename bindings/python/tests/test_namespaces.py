"""client.batches and client.files under openai-python's names, against
tfy-mock-gateway; the flat names stay the same calls."""

import json
import os
import tempfile
import unittest

import tfy

from mockgw import API_KEY, MockGateway, slowdown

ENDPOINT = "/v1/chat/completions"
LINE = {"custom_id": "r-1", "method": "POST", "url": ENDPOINT,
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}


class NamespacesTest(unittest.TestCase):
    def start(self, batch_seconds):
        self.gw = MockGateway("--count", "2", "--batch-seconds", str(batch_seconds))
        self.addCleanup(self.gw.stop)
        self.client = tfy.Client(self.gw.base_url, API_KEY, timeout=10)
        self.addCleanup(self.client.close)
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        self.path = os.path.join(d.name, "input.jsonl")
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(json.dumps(LINE) + "\n")

    def test_a_job_through_the_namespaces(self):
        self.start(0.2 * slowdown())
        c = self.client
        self.assertIsInstance(c.batches, tfy.Batches)
        self.assertIsInstance(c.files, tfy.Files)
        f = c.files.create(file=self.path, purpose="batch")
        self.assertEqual(f.purpose, "batch")
        self.assertEqual(c.files.retrieve(f.id).bytes, os.path.getsize(self.path))
        b = c.batches.create(input_file_id=f.id, endpoint=ENDPOINT, completion_window="24h",
                             metadata={"k": "v"})
        self.assertEqual(c.batches.retrieve(b.id).id, b.id)
        done = c.batches.wait(b.id, poll_initial=0.02, poll_max=0.05, timeout=30 * slowdown())
        self.assertEqual(done.status_enum, tfy.Status.COMPLETED)
        self.assertEqual(done.metadata, {"k": "v"})
        # Created batches lead the list, newest first.
        self.assertEqual(c.batches.list(limit=1).data[0].id, b.id)
        self.assertIn(b.id, [x.id for x in c.batches.iter(limit=2)])
        # The flat names are the same calls.
        self.assertEqual(c.retrieve(b.id).status, done.status)
        self.assertEqual(c.list(limit=1).data[0].id, b.id)

    def test_cancel_and_errors(self):
        self.start(60 * slowdown())
        c = self.client
        f = c.files.upload(self.path)
        b = c.batches.create(f.id, ENDPOINT)
        self.assertEqual(c.batches.cancel(b.id).status, "cancelling")
        self.assertEqual(c.retrieve(b.id).status, "cancelling")
        with self.assertRaises(tfy.NotFoundError):
            c.batches.retrieve("batch_nope")
        with self.assertRaises(tfy.TfyIOError):
            c.files.create(os.path.join(os.path.dirname(self.path), "absent.jsonl"))


if __name__ == "__main__":
    unittest.main()
