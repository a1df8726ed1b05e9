"""Page, Batch, File, Result and every TfyError pickle and deepcopy from their
fields, so that they cross process boundaries: a ProcessPoolExecutor's
workers (started with 'spawn' and with 'fork') hand them back to the caller
as the same classes with the same fields."""

import concurrent.futures
import copy
import json
import multiprocessing
import os
import pickle
import tempfile
import unittest

import tfy

from mockgw import API_KEY, MockGateway, slowdown

ENDPOINT = "/v1/chat/completions"
LINE = {"custom_id": "req-1", "method": "POST", "url": ENDPOINT,
        "body": {"model": "gpt-4o-mini", "messages": []}}


# What the workers run: module-level functions, found by name in the child.

def worker_missing(base_url):
    with tfy.Client(base_url, API_KEY, max_retries=0, timeout=10) as c:
        c.retrieve("batch_does_not_exist")


def worker_page(base_url):
    with tfy.Client(base_url, API_KEY, max_retries=0, timeout=10) as c:
        return c.list(limit=3)


def worker_upload(base_url, path):
    with tfy.Client(base_url, API_KEY, max_retries=0, timeout=10) as c:
        return c.files.upload(path)


def worker_results(path):
    return list(tfy.read_results(path))


def every_error():
    """One instance of each error class, every field set."""
    for code, cls in sorted(tfy.ERROR_CLASSES.items()):
        e = cls(f"message {code}", code=code, http_status=400 + code, attempts=2,
                api_type="t", api_code="c", api_param="p", api_message="m",
                request_id=f"req-{code}", detail="d", body='{"error": {}}',
                retry_after_ms=1500)
        e.batch = tfy.Batch.parse('{"id": "batch_1", "status": "failed"}')
        yield e


FIELDS = ("message", "code", "http_status", "attempts", "api_type", "api_code", "api_param",
          "api_message", "request_id", "detail", "body", "retry_after_ms", "batch")


class PickleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = MockGateway("--count", "10")
        cls.dir = tempfile.TemporaryDirectory()
        cls.input = os.path.join(cls.dir.name, "in.jsonl")
        with open(cls.input, "w", encoding="utf-8") as f:
            f.write(json.dumps(LINE) + "\n")
        cls.output = os.path.join(cls.dir.name, "out.jsonl")
        with open(cls.output, "w", encoding="utf-8") as f:
            f.write('{"id": "r1", "custom_id": "req-1", "response": {"status_code": 200, '
                    '"request_id": "q", "body": {"ok": true}}, "error": null}\n')
        cls.client = tfy.Client(cls.gw.base_url, API_KEY, max_retries=0, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.gw.stop()
        cls.dir.cleanup()

    def round_trips(self, obj):
        """obj through pickle (each protocol) and deepcopy."""
        out = [pickle.loads(pickle.dumps(obj, p)) for p in range(2, pickle.HIGHEST_PROTOCOL + 1)]
        return out + [copy.deepcopy(obj), copy.copy(obj)]

    def assertSameError(self, got, want):
        self.assertIs(type(got), type(want))
        self.assertIsInstance(got, tfy.TfyError)
        self.assertEqual(str(got), str(want))
        for name in FIELDS:
            self.assertEqual(getattr(got, name, None), getattr(want, name, None), name)

    def test_objects(self):
        page = self.client.list(limit=4)
        uploaded = self.client.files.upload(self.input)
        result = next(tfy.read_results(self.output))
        for obj in (page, page.data[0], uploaded, result):
            for got in self.round_trips(obj):
                with self.subTest(cls=type(obj).__name__):
                    self.assertIs(type(got), type(obj))
                    self.assertEqual(got, obj)
        for got in self.round_trips(page):
            self.assertEqual(got.data[1].raw_json, page.data[1].raw_json)
            self.assertEqual(got.extra, page.extra)
            self.assertEqual(got.http_status, 200)
            self.assertEqual(got.header("X-Request-Id"), page.request_id)
        self.assertEqual(pickle.loads(pickle.dumps(page.data[0])).status_enum,
                         page.data[0].status_enum)

    def test_errors(self):
        for e in every_error():
            for got in self.round_trips(e):
                with self.subTest(cls=type(e).__name__):
                    self.assertSameError(got, e)
        with self.assertRaises(tfy.NotFoundError) as cm:
            self.client.retrieve("batch_does_not_exist")
        for got in self.round_trips(cm.exception):
            self.assertSameError(got, cm.exception)
            self.assertEqual(got.header("x-request-id"), cm.exception.request_id)
            self.assertIsNotNone(got.request_id)

    def across(self, method):
        ctx = multiprocessing.get_context(method)
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
            with self.assertRaises(tfy.NotFoundError) as cm:
                pool.submit(worker_missing, self.gw.base_url).result(30 * slowdown())
            e = cm.exception
            self.assertEqual((e.code, e.http_status, e.attempts), (11, 404, 1))
            self.assertTrue(e.request_id)
            self.assertEqual(e.header("X-Request-Id"), e.request_id)
            page = pool.submit(worker_page, self.gw.base_url).result(30 * slowdown())
            self.assertIsInstance(page, tfy.Page)
            self.assertEqual([b.id for b in page.data],
                             [b.id for b in self.client.list(limit=3).data])
            self.assertIsInstance(page.data[0].status_enum, tfy.Status)
            f = pool.submit(worker_upload, self.gw.base_url, self.input).result(30 * slowdown())
            self.assertIsInstance(f, tfy.File)
            self.assertEqual(self.client.files.retrieve(f.id), f)
            results = pool.submit(worker_results, self.output).result(30 * slowdown())
            self.assertEqual(results, list(tfy.read_results(self.output)))

    def test_process_pool_spawn(self):
        self.across("spawn")

    def test_process_pool_fork(self):
        self.across("fork")


if __name__ == "__main__":
    unittest.main()
