"""client.jobs (libtfy 1.3) against tfy-mock-gateway: an input cut into
several shards run to the end, each custom_id once across output.jsonl and
errors.jsonl in input order, the progress callback on the calling thread,
run again on a done job (no batch created), status and cancel by directory,
a stop asked by the progress callback and the resume after it, and an input
with a problem (nothing sent).  Skipped when the loaded library has no jobs."""

import json
import os
import tempfile
import threading
import unittest

import tfy
from tfy import _ffi

from mockgw import API_KEY, MockGateway, slowdown

ENDPOINT = "/v1/chat/completions"


def request(custom_id):
    return {"custom_id": custom_id, "method": "POST", "url": ENDPOINT,
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}


def custom_ids(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["custom_id"] for line in f if line.strip()]


@unittest.skipUnless(hasattr(_ffi.lib, "tfy_job_open"), "the loaded libtfy has no jobs")
class JobRunTest(unittest.TestCase):
    def setUp(self):
        self.gw = MockGateway("--count", "0", "--batch-seconds", str(0.2 * slowdown()))
        self.client = tfy.Client(self.gw.base_url, API_KEY, timeout=10)
        self.tmp = tempfile.TemporaryDirectory()
        self.ids = [f"fail-{i}" if i % 4 == 1 else f"req-{i}" for i in range(10)]
        self.input = os.path.join(self.tmp.name, "input.jsonl")
        with open(self.input, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(request(i)) + "\n" for i in self.ids)
        self.dir = os.path.join(self.tmp.name, "job")

    def tearDown(self):
        self.client.close()
        self.gw.stop()
        self.tmp.cleanup()

    def batches(self):
        return list(self.client.list(limit=100).data)

    def run_job(self, **kwargs):
        return self.client.jobs.run(self.input, self.dir, endpoint=ENDPOINT, max_requests=3,
                                    retries=0, **kwargs)

    def test_run_merges_every_custom_id_once(self):
        seen, threads = [], set()

        def progress(p):
            seen.append(p)
            threads.add(threading.get_ident())

        s = self.run_job(progress=progress)
        self.assertEqual(s.state, "done")
        self.assertTrue(s.done)
        self.assertEqual(s.requests, 10)
        self.assertEqual((s.succeeded, s.failed), (7, 3))
        self.assertEqual(len(s.shards), 4)  # 3 + 3 + 3 + 1 requests, one round
        self.assertEqual([sh.requests for sh in s.shards], [3, 3, 3, 1])
        self.assertTrue(all(sh.batch_id for sh in s.shards))
        self.assertEqual(s.output_path, os.path.join(self.dir, "output.jsonl"))
        out, errs = custom_ids(s.output_path), custom_ids(s.errors_path)
        self.assertEqual(out, [i for i in self.ids if not i.startswith("fail")])
        self.assertEqual(errs, [i for i in self.ids if i.startswith("fail")])
        self.assertEqual(s.usage.requests, 7)
        self.assertGreater(s.usage.prompt_tokens, 0)
        self.assertIsNone(s.usage.cost)
        self.assertTrue(seen)
        self.assertEqual(threads, {threading.get_ident()})
        self.assertEqual(seen[-1].phase, "done")
        self.assertIn("planning", {p.phase for p in seen})
        self.assertTrue(all(isinstance(p.message, str) for p in seen))

        # Run again: done already, nothing created; status and cancel by directory agree.
        before = len(self.batches())
        self.assertEqual(self.run_job(), s)
        self.assertEqual(len(self.batches()), before)
        self.assertEqual(self.client.jobs.status(self.dir), s)
        self.assertEqual(tfy.Client(self.gw.base_url, API_KEY).jobs.status(self.dir).job_id,
                         s.job_id)

    def test_prices_give_a_cost(self):
        prices = os.path.join(self.tmp.name, "prices.json")
        with open(prices, "w", encoding="utf-8") as f:
            json.dump({"gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6}}, f)
        s = self.run_job(prices=prices)
        u = s.usage
        want = (u.prompt_tokens - u.cached_tokens) * 0.15 + u.cached_tokens * 0.075 \
            + u.completion_tokens * 0.6
        self.assertAlmostEqual(u.cost, want / 1e6)

    def test_progress_stops_and_run_resumes(self):
        stop = {"after": 2}

        def progress(p):
            stop["after"] -= 1
            return stop["after"] <= 0

        with self.assertRaises(tfy.CancelledError):
            self.run_job(progress=progress)
        self.assertNotEqual(self.client.jobs.status(self.dir).state, "done")
        s = self.run_job()
        self.assertEqual(s.state, "done")
        self.assertEqual(sorted(custom_ids(s.output_path) + custom_ids(s.errors_path)),
                         sorted(self.ids))
        # one batch per shard, never a second for the same one
        self.assertEqual(len(self.batches()), len(s.shards))

    def test_an_exception_in_progress_is_raised(self):
        def progress(p):
            raise ZeroDivisionError("from progress")

        with self.assertRaises(ZeroDivisionError):
            self.run_job(progress=progress)

    def test_cancel_a_done_job(self):
        self.run_job()
        s = self.client.jobs.cancel(self.dir)
        self.assertIn(s.state, ("done", "cancelled"))

    def test_bad_input_sends_nothing(self):
        with open(self.input, "a", encoding="utf-8") as f:
            f.write(json.dumps(request("req-0")) + "\n")  # a repeated custom_id
        with self.assertRaises(tfy.TfyError) as cm:
            self.run_job()
        self.assertEqual(cm.exception.code, 26)
        self.assertIsInstance(cm.exception, tfy.InputInvalidError)
        self.assertEqual(self.batches(), [])

    def test_no_job_in_directory(self):
        for d in (self.tmp.name, os.path.join(self.tmp.name, "missing")):
            with self.assertRaises(FileNotFoundError):
                self.client.jobs.status(d)
            with self.assertRaises(FileNotFoundError):
                self.client.jobs.cancel(d)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "journal")))

    def test_arguments_are_checked(self):
        with self.assertRaises(ValueError):
            self.run_job(provider_kind="gcp")
        with self.assertRaises(TypeError):
            self.run_job(progress=3)
        with self.assertRaises(tfy.InvalidArgumentError):
            self.client.jobs.run(self.input, self.dir, endpoint=ENDPOINT, retries=99)


if __name__ == "__main__":
    unittest.main()
