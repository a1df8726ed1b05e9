"""Client.iter(missing_has_more=...): what the iterator does after a page
that has no has_more member (tfy_batches_list_options version 2)."""

import tfy

from mockgw import WithGateway

NO_HAS_MORE = {"x-mock-fault": "no-has-more"}


class MissingHasMoreTest(WithGateway):
    """The openai shape, every page stripped of has_more by a fault."""

    def test_default_continues_to_the_end(self):
        ids = [b.id for b in self.client.iter(limit=10, headers=NO_HAS_MORE)]
        self.assertEqual(len(ids), 42)
        self.assertEqual(len(set(ids)), 42)
        self.assertEqual(ids, [b.id for b in self.client.iter(limit=10)])

    def test_continue_is_the_default(self):
        it = self.client.iter(limit=10, headers=NO_HAS_MORE,
                              missing_has_more=tfy.MISSING_HAS_MORE_CONTINUE)
        self.assertEqual(len(list(it)), 42)
        # 5 pages of data, then the empty page that ends the listing
        self.assertEqual(it.pages, 6)

    def test_stop_ends_after_the_page(self):
        it = self.client.iter(limit=10, headers=NO_HAS_MORE, missing_has_more="stop")
        self.assertEqual(len(list(it)), 10)
        self.assertEqual(it.pages, 1)

    def test_stop_changes_nothing_when_has_more_is_sent(self):
        self.assertEqual(len(list(self.client.iter(limit=10, missing_has_more="stop"))), 42)

    def test_bad_value(self):
        for bad in ("Stop", "", 2, True):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                self.client.iter(limit=10, missing_has_more=bad)


class BedrockPagesTest(WithGateway):
    """A Bedrock account behind the gateway sends its lists without has_more."""
    gateway_args = ("--count", "42", "--provider", "bedrock-main=bedrock")

    def test_page_has_no_has_more(self):
        page = self.client.list(limit=10, provider_name="bedrock-main")
        self.assertFalse(page.has_more_present)
        self.assertEqual(len(page.data), 10)

    def test_every_batch_by_default(self):
        ids = [b.id for b in self.client.iter(limit=10, provider_name="bedrock-main")]
        self.assertEqual(len(ids), 42)
        self.assertEqual(len(set(ids)), 42)
        self.assertTrue(all(i.startswith("arn:aws:bedrock:") for i in ids))

    def test_stop(self):
        it = self.client.iter(limit=10, provider_name="bedrock-main", missing_has_more="stop")
        self.assertEqual(len(list(it)), 10)

    def test_stop_with_next_page(self):
        it = self.client.iter(limit=10, provider_name="bedrock-main", missing_has_more="stop")
        self.assertEqual(len(it.next_page()), 10)
        self.assertEqual(it.next_page(), ())


    def test_repeat_ends_quietly(self):
        # A gateway that ignores `after` while sending no has_more: the next
        # page repeats the batch asked to start after, which ends iterating
        # quietly (no more pages were promised), not with PaginationError.
        it = self.client.iter(limit=10, provider_name="bedrock-main",
                              headers={"x-mock-fault": "ignore-after"})
        self.assertEqual(len(list(it)), 10)
        self.assertEqual(it.pages, 2)

    def test_repeat_with_has_more_is_an_error(self):
        with self.assertRaises(tfy.PaginationError):
            list(self.client.iter(limit=10, headers={"x-mock-fault": "ignore-after"}))
