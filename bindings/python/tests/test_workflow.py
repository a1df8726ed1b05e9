"""The whole batch job through the binding against tfy-mock-gateway:
check_input -> files.upload -> create -> wait(on_progress) -> files.download
-> read_results, and check_input's problems by line on a bad file."""

import json
import os
import tempfile
import unittest

import tfy

from mockgw import API_KEY, MockGateway, slowdown

ENDPOINT = "/v1/chat/completions"


def request(custom_id, url=ENDPOINT):
    return {"custom_id": custom_id, "method": "POST", "url": url,
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        self.gw = MockGateway("--count", "3", "--batch-seconds", str(0.2 * slowdown()))
        self.client = tfy.Client(self.gw.base_url, API_KEY, timeout=10)
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.client.close()
        self.gw.stop()
        self.dir.cleanup()

    def write(self, name, lines):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in lines)
        return path

    def test_whole_job(self):
        ids = ["req-0", "fail-1", "req-2", "fail-3", "req-4"]
        path = self.write("input.jsonl", [json.dumps(request(i)) for i in ids])
        report = tfy.check_input(path, endpoint=ENDPOINT)
        self.assertTrue(report.ok)
        self.assertEqual(report.requests, 5)

        uploaded = self.client.files.upload(path)
        batch = self.client.create(uploaded.id, ENDPOINT)
        seen = []
        done = self.client.wait(batch.id, on_progress=seen.append, poll_initial=0.02,
                                poll_max=0.04, timeout=30 * slowdown())
        self.assertEqual(done.status_enum, tfy.Status.COMPLETED)
        order = [tfy.Status.VALIDATING, tfy.Status.IN_PROGRESS, tfy.Status.FINALIZING,
                 tfy.Status.COMPLETED]
        ranks = [order.index(b.status_enum) for b in seen]
        self.assertEqual(ranks, sorted(ranks))
        self.assertEqual(seen[-1].status_enum, tfy.Status.COMPLETED)
        counts = [b.request_counts.completed + b.request_counts.failed for b in seen]
        self.assertEqual(counts, sorted(counts))
        self.assertEqual(counts[-1], 5)

        out = os.path.join(self.dir.name, "output.jsonl")
        errs = os.path.join(self.dir.name, "errors.jsonl")
        self.client.files.download(done.output_file_id, out)
        self.client.files.download(done.error_file_id, errs)
        results = list(tfy.read_results(out))
        self.assertEqual([r.custom_id for r in results], ["req-0", "req-2", "req-4"])
        for r in results:
            self.assertEqual(r.status_code, 200)
            self.assertEqual(r.body()["model"], "gpt-4o-mini")
            self.assertEqual(json.loads(r.line_json)["custom_id"], r.custom_id)
        failed = list(tfy.read_results(errs))
        self.assertEqual([r.custom_id for r in failed], ["fail-1", "fail-3"])
        self.assertTrue(all(r.status_code == 400 and "error" in r.body() for r in failed))

    def test_check_input_problems_by_line(self):
        path = self.write("bad.jsonl", [
            json.dumps(request("a")), "not json", json.dumps(request("a")),
            json.dumps(request("b", "/v1/embeddings"))])
        report = tfy.check_input(path, endpoint=ENDPOINT)
        self.assertFalse(report.ok)
        self.assertEqual(report.problems_total, 3)
        self.assertEqual([(p.line, p.name) for p in report.problems],
                         [(2, "invalid_json_line"), (3, "duplicate_custom_id"),
                          (4, "mismatched_url")])
        self.assertIn('"a"', report.problems[1].message)

    def test_check_input_provider_kind(self):
        line = {"custom_id": "a", "body": {"messages": []}}
        path = self.write("vertex.jsonl", [json.dumps(line)])
        report = tfy.check_input(path, endpoint=ENDPOINT, provider_kind="vertex")
        self.assertTrue(report.ok)
        report = tfy.check_input(path, endpoint=ENDPOINT)
        self.assertEqual([p.name for p in report.problems],
                         ["invalid_request", "mismatched_url", "missing_required_parameter"])
        path = self.write("few.jsonl", [json.dumps(request("r%d" % i)) for i in range(3)])
        report = tfy.check_input(path, provider_kind="bedrock")
        self.assertEqual([(p.line, p.name) for p in report.problems], [(0, "too_few_requests")])
        with self.assertRaises(ValueError):
            tfy.check_input(path, provider_kind="gcp")

    def test_read_results_bad_line_and_missing_file(self):
        path = self.write("out.jsonl", ['{"custom_id": "x", "response": null}', "{broken"])
        records = tfy.read_results(path)
        self.assertEqual(next(records).custom_id, "x")
        with self.assertRaises(tfy.DecodeError) as cm:
            next(records)
        self.assertIn("line 2", str(cm.exception))
        with self.assertRaises(tfy.TfyIOError):
            next(tfy.read_results(os.path.join(self.dir.name, "absent.jsonl")))


if __name__ == "__main__":
    unittest.main()
