"""Batches and pages as Python objects: every typed field against the JSON
the server sent, Batch.parse / Page.parse, page.extra, and the iterator's
cursor, counters and next_page()."""

import gc

import tfy

from mockgw import WithGateway

COUNTS = ("total", "completed", "failed")


def expected_usage(raw):
    u = raw.get("usage")
    if not isinstance(u, dict):
        return None
    return tfy.Usage(u.get("input_tokens"),
                     (u.get("input_tokens_details") or {}).get("cached_tokens"),
                     u.get("output_tokens"),
                     (u.get("output_tokens_details") or {}).get("reasoning_tokens"),
                     u.get("total_tokens"))


def ints(d):
    """The int values of a dict, others as None (the binding's rule)."""
    return {k: (v if isinstance(v, int) and not isinstance(v, bool) else None)
            for k, v in d.items()}


class BatchObjectTest(WithGateway):
    def test_parts_reached_through_pointers(self):
        batches = list(self.client.iter(limit=100))
        gc.collect()  # the pages are gone; the batches are copies
        seen_counts = seen_usage = seen_errors = 0
        for b in batches:
            raw = b.raw()
            with self.subTest(id=b.id):
                rc = raw.get("request_counts")
                if isinstance(rc, dict):
                    seen_counts += 1
                    self.assertEqual(ints({k: rc.get(k) for k in COUNTS}),
                                     {k: getattr(b.request_counts, k) for k in COUNTS})
                else:
                    self.assertIsNone(b.request_counts)
                if expected_usage(raw) is not None:
                    seen_usage += 1
                self.assertEqual(b.usage, expected_usage(raw))
                errors = raw.get("errors")
                if isinstance(errors, dict):
                    data = errors.get("data") or []
                    seen_errors += bool(data)
                    self.assertEqual(b.errors.object, errors.get("object"))
                    self.assertEqual([e.message for e in b.errors.data],
                                     [e.get("message") for e in data])
                    self.assertEqual([e.line for e in b.errors.data],
                                     [e.get("line") for e in data])
                else:
                    self.assertIsNone(b.errors)
        # the data set has each kind of part
        self.assertTrue(seen_counts and seen_usage and seen_errors)

    def test_batch_parse_round_trip(self):
        for b in self.client.list(limit=30).data:
            with self.subTest(id=b.id):
                self.assertEqual(tfy.Batch.parse(b.raw_json), b)
                self.assertEqual(tfy.Batch.parse(b.raw_json.encode()), b)

    def test_batch_parse(self):
        b = tfy.Batch.parse(' {"id": "batch_1", "status": "completed",'
                            ' "request_counts": {"total": 3, "completed": 2, "failed": 1},'
                            ' "metadata": {"k": "v"}} ')
        self.assertEqual(b.id, "batch_1")
        self.assertEqual(b.status, "completed")
        self.assertEqual(b.request_counts, tfy.RequestCounts(3, 2, 1))
        self.assertIsNone(b.usage)
        self.assertIsNone(b.errors)
        self.assertEqual(b.metadata, {"k": "v"})
        self.assertEqual(b.raw_json[0], "{")
        self.assertIsNone(tfy.Batch.parse("{}").id)
        for bad in ("[1]", "not json", ""):
            with self.subTest(text=bad), self.assertRaises(tfy.DecodeError):
                tfy.Batch.parse(bad)
        with self.assertRaises(TypeError):
            tfy.Batch.parse(None)

    def test_page_parse_and_extra(self):
        page = tfy.Page.parse('{"object": "list", "data": [{"id": "b1"}, {"id": "b2"}],'
                              ' "first_id": "b1", "last_id": "b2", "has_more": true,'
                              ' "next_page_token": "t", "total": 7}')
        self.assertEqual([b.id for b in page.data], ["b1", "b2"])
        self.assertTrue(page.has_more)
        self.assertIsNone(page.request_id)
        self.assertEqual(page.extra, {"next_page_token": "t", "total": 7})
        self.assertEqual(tfy.Page.parse('{"data": []}').extra, {})
        self.assertFalse(tfy.Page.parse('{"data": []}').has_more_present)
        with self.assertRaises(tfy.DecodeError):
            tfy.Page.parse('{"object": "list"}')

    def test_listed_page_has_no_extra(self):
        self.assertEqual(self.client.list(limit=2).extra, {})


class IteratorTest(WithGateway):
    def test_cursor_resumes(self):
        everything = [b.id for b in self.client.iter(limit=100)]
        it = self.client.iter(limit=10)
        self.assertIsNone(it.cursor)
        first = [next(it).id for _ in range(5)]
        self.assertEqual(first, everything[:5])
        self.assertEqual(it.cursor, everything[4])
        self.assertEqual((it.pages, it.items), (1, 5))
        it.close()
        self.assertEqual(it.cursor, everything[4])  # readable after close
        self.assertEqual(it.items, 5)
        rest = [b.id for b in self.client.iter(limit=10, after=it.cursor)]
        self.assertEqual(first + rest, everything)

    def test_next_page(self):
        with self.client.iter(limit=10) as it:
            next(it)
            self.assertEqual(len(it.next_page()), 9)   # the rest of the first page
            self.assertEqual(len(it.next_page()), 10)  # the second page
            while it.next_page():
                pass
            self.assertEqual(it.items, 42)
            self.assertEqual(it.next_page(), ())

    def test_prefetch_off(self):
        it = self.client.iter(limit=10, prefetch=False)
        self.assertEqual(len(list(it)), 42)
        self.assertEqual(it.pages, 5)

    def test_failure_leaves_the_iterator_usable(self):
        it = self.client.iter(limit=10, prefetch=False)
        self.assertEqual(len(it.next_page()), 10)
        self.gw.set_faults("status:code=503,times=1")
        with self.assertRaises(tfy.ServerError):
            next(it)
        self.assertEqual(len(list(it)), 32)  # the same page again, then the rest

