"""Timestamps converted to Unix seconds (milliseconds from Bedrock, ISO-8601
text from Vertex) and Batch.times_converted / Batch.converted(), captured
from the C batch before it is copied."""

import gc
from datetime import datetime

import tfy
from tfy.types import TIME_FIELDS

from mockgw import WithGateway


def iso_seconds(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class ConvertedTimesTest(WithGateway):
    gateway_args = ("--count", "42", "--provider", "bedrock-main=bedrock",
                    "--provider", "vertex-main=vertex")

    def batches(self, provider):
        batches = list(self.client.iter(limit=20, provider_name=provider))
        gc.collect()  # the C pages are gone: only the copies remain
        self.assertEqual(len(batches), 42)
        return batches

    def check(self, provider, expected):
        """Each time field: converted as `expected(raw value)` says (None:
        read as sent), and so flagged."""
        seen = 0
        for b in self.batches(provider):
            raw = b.raw()
            for name in TIME_FIELDS:
                with self.subTest(provider=provider, id=b.id, field=name):
                    value = raw.get(name)
                    if value is None:
                        self.assertIsNone(getattr(b, name))
                        self.assertFalse(b.converted(name))
                        self.assertNotIn(name, b.times_converted)
                        continue
                    want = expected(value)
                    if want is None:
                        self.assertEqual(getattr(b, name), value)
                        self.assertFalse(b.converted(name))
                    else:
                        seen += 1
                        self.assertEqual(getattr(b, name), want)
                        self.assertTrue(b.converted(name))
                        self.assertIn(name, b.times_converted)
            self.assertLessEqual(b.times_converted, set(TIME_FIELDS))
        return seen

    def test_bedrock_milliseconds(self):
        seen = self.check("bedrock-main", lambda ms: ms // 1000)
        self.assertGreater(seen, 42)  # created_at, expires_at and more

    def test_vertex_iso8601(self):
        seen = self.check("vertex-main", iso_seconds)
        self.assertGreater(seen, 42)

    def test_openai_seconds_are_not_converted(self):
        self.assertEqual(self.check("openai-main", lambda s: None), 0)
        self.assertTrue(all(b.times_converted == frozenset()
                            for b in self.batches("openai-main")))

    def test_list_page_too(self):
        page = self.client.list(limit=5, provider_name="bedrock-main")
        self.assertTrue(all(b.converted("created_at") for b in page.data))

    def test_converted_rejects_other_names(self):
        b = tfy.Batch.parse('{"id": "batch_1", "created_at": 1}')
        with self.assertRaises(ValueError):
            b.converted("id")


class ParsedTimesTest(WithGateway):
    def test_parse(self):
        b = tfy.Batch.parse('{"id": "b", "created_at": 1767225584696,'
                            ' "completed_at": "2025-01-31T23:59:44Z",'
                            ' "expires_at": 1767311984, "failed_at": null}')
        self.assertEqual(b.created_at, 1767225584)
        self.assertEqual(b.completed_at, iso_seconds("2025-01-31T23:59:44Z"))
        self.assertEqual(b.expires_at, 1767311984)
        self.assertEqual(b.times_converted, frozenset({"created_at", "completed_at"}))
        self.assertFalse(b.converted("expires_at"))
        self.assertFalse(b.converted("failed_at"))
        self.assertFalse(b.converted("cancelled_at"))

    def test_page_parse(self):
        page = tfy.Page.parse('{"object": "list", "has_more": false, "data": ['
                              '{"id": "a", "cancelled_at": 1767225584696},'
                              '{"id": "b", "cancelled_at": 1767225584}]}')
        self.assertEqual([b.times_converted for b in page.data],
                         [frozenset({"cancelled_at"}), frozenset()])
