"""client.files.list() and client.files.iter() (libtfy 1.3) against
tfy-mock-gateway: one page with its envelope, the query as sent, every page
through the iterator, its guard against a listing that ignores `after`, and
bad values refused before anything is sent."""

import os
import tempfile
import unittest

import tfy

from mockgw import WithGateway


class FilesListTest(WithGateway):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory()
        path = os.path.join(self.dir.name, "in.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write('{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
                    '"body":{"model":"m"}}\n')
        self.ids = [self.client.files.upload(path).id for _ in range(3)]

    def tearDown(self):
        self.dir.cleanup()
        super().tearDown()

    def test_one_page(self):
        page = self.client.files.list(limit=2, order="asc", purpose="batch")
        self.assertIsInstance(page, tfy.FilePage)
        self.assertEqual([f.id for f in page.data], self.ids[:2])
        self.assertIsInstance(page.data[0], tfy.File)
        self.assertEqual(page.data[0].purpose, "batch")
        self.assertEqual((page.first_id, page.last_id), (self.ids[0], self.ids[1]))
        self.assertTrue(page.has_more)
        self.assertTrue(page.has_more_present)
        self.assertEqual(page.http_status, 200)
        self.assertTrue(page.request_id)
        seen = self.last_request()
        self.assertEqual(seen["query"], {"limit": "2", "order": "asc", "purpose": "batch"})
        rest = self.client.files.list(after=page.last_id, order="asc")
        self.assertEqual([f.id for f in rest.data], self.ids[2:])
        self.assertFalse(rest.has_more)
        # Newest first by default; a purpose without files is an empty page.
        self.assertEqual([f.id for f in self.client.files.list().data], self.ids[::-1])
        empty = self.client.files.list(purpose="batch_output")
        self.assertEqual((empty.data, empty.first_id, empty.has_more), ((), None, False))

    def test_every_page(self):
        with self.client.files.iter(limit=1, order="asc") as it:
            self.assertIsInstance(it, tfy.FileIterator)
            self.assertEqual([f.id for f in it], self.ids)
        it = self.client.files.iter(limit=2, max_items=3)
        self.assertEqual([f.id for f in it.next_page()], self.ids[:0:-1])
        self.assertEqual([f.id for f in it.next_page()], self.ids[:1])
        self.assertEqual(it.next_page(), ())
        self.assertEqual(list(it), [])

    def test_ignored_after_is_a_pagination_error(self):
        it = self.client.files.iter(limit=1,
                                    headers={"x-mock-fault": "ignore-after:route=files"})
        self.assertEqual(next(it).id, self.ids[2])
        with self.assertRaises(tfy.PaginationError) as cm:
            next(it)
        self.assertIn("the file it was asked to start after", str(cm.exception))
        self.assertEqual(list(it), [])  # closed: the failure is final

    def test_bad_values_refused_before_sending(self):
        before = self.gw.get_json("/_mock/stats")["requests"]
        for kwargs in ({"limit": 10001}, {"limit": -1}, {"order": "up"}, {"purpose": ""},
                       {"after": ".."}):
            with self.subTest(**kwargs):
                with self.assertRaises(tfy.InvalidArgumentError):
                    self.client.files.list(**kwargs)
                with self.assertRaises(tfy.InvalidArgumentError):
                    self.client.files.iter(**kwargs)
        with self.assertRaises(ValueError):
            self.client.files.iter(missing_has_more="sometimes")
        self.assertEqual(self.gw.get_json("/_mock/stats")["requests"], before)
        with self.assertRaises(tfy.BadRequestError):
            self.client.files.list(after="file-none")

    def test_cursor_pages_items(self):
        it = self.client.files.iter(limit=2, order="asc", after=None)
        self.assertEqual((it.cursor, it.pages, it.items), (None, 0, 0))
        self.assertEqual(next(it).id, self.ids[0])
        self.assertEqual((it.cursor, it.pages, it.items), (self.ids[0], 1, 1))
        rest = self.client.files.iter(order="asc", after=it.cursor)
        self.assertEqual(rest.cursor, self.ids[0])
        self.assertEqual([f.id for f in rest], self.ids[1:])
        self.assertEqual([f.id for f in it], self.ids[1:])
        self.assertEqual((it.cursor, it.pages, it.items), (self.ids[2], 2, 3))

    def test_closing_the_client_closes_its_iterators(self):
        it = self.client.files.iter()
        self.client.close()
        with self.assertRaises(tfy.ClosedError):
            list(it)


if __name__ == "__main__":
    unittest.main()
