"""tfy.Status mirrors tfy_batch_status (PARTIALLY_COMPLETED since 1.1), and
Batch.status_enum maps other providers' job states."""

import os
import re
import unittest

import tfy

from mockgw import WithGateway

BATCH_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "include", "tfy", "batch.h")


class StatusEnumTest(unittest.TestCase):
    def test_mirrors_the_header(self):
        with open(BATCH_H, encoding="utf-8") as f:
            c = {name: int(v) for name, v in
                 re.findall(r"TFY_BATCH_STATUS_(\w+) = (\d+)", f.read())}
        self.assertIn("PARTIALLY_COMPLETED", c)
        self.assertEqual({s.name: s.value for s in tfy.Status}, c)

    def test_api_names(self):
        for s in tfy.Status:
            with self.subTest(status=s.name):
                self.assertEqual(s.api_name, s.name.lower())
        self.assertEqual(tfy.Status.PARTIALLY_COMPLETED, 9)
        self.assertEqual(tfy.Status.PARTIALLY_COMPLETED.api_name, "partially_completed")

    def test_parse(self):
        cases = {"partially_completed": "PARTIALLY_COMPLETED",
                 "PartiallyCompleted": "PARTIALLY_COMPLETED",
                 "JOB_STATE_PARTIALLY_SUCCEEDED": "PARTIALLY_COMPLETED",
                 "InProgress": "IN_PROGRESS", "completed": "COMPLETED",
                 "frozen": "UNKNOWN", "": "UNKNOWN", None: "UNKNOWN"}
        for text, name in cases.items():
            with self.subTest(text=text):
                self.assertIs(tfy.Status.parse(text), tfy.Status[name])

    def test_batch_parse(self):
        b = tfy.Batch.parse('{"id": "b", "status": "PartiallyCompleted"}')
        self.assertEqual(b.status, "PartiallyCompleted")
        self.assertIs(b.status_enum, tfy.Status.PARTIALLY_COMPLETED)
        self.assertIs(tfy.Batch.parse('{"id": "b"}').status_enum, tfy.Status.UNKNOWN)


class ProviderStatusTest(WithGateway):
    gateway_args = ("--count", "200", "--provider", "bedrock-main=bedrock",
                    "--provider", "vertex-main=vertex")

    def test_every_batch(self):
        # (the openai shape also sends values seen in the wild, e.g. "queued")
        partial = {}
        for provider, raw_partial in (("openai-main", None),
                                      ("bedrock-main", "PartiallyCompleted"),
                                      ("vertex-main", "JOB_STATE_PARTIALLY_SUCCEEDED")):
            for b in self.client.iter(limit=100, provider_name=provider):
                with self.subTest(provider=provider, status=b.status):
                    self.assertIs(b.status_enum, tfy.Status.parse(b.status))
                    if raw_partial:  # every Bedrock or Vertex state is known
                        self.assertIsNot(b.status_enum, tfy.Status.UNKNOWN)
                    if b.status == raw_partial:
                        partial[provider] = b.status_enum
        self.assertEqual(partial, {"bedrock-main": tfy.Status.PARTIALLY_COMPLETED,
                                   "vertex-main": tfy.Status.PARTIALLY_COMPLETED})
