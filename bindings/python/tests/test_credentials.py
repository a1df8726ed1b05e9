"""The credential callback, the retry policy and kept response headers."""

import threading
import time
import unittest

import tfy
from mockgw import API_KEY, MockGateway, slowdown


class CredentialTest(unittest.TestCase):
    def setUp(self) -> None:
        self.gw = MockGateway("--count", "60", "--rotate-key-after", "2")

    def tearDown(self) -> None:
        self.gw.stop()

    def test_iteration_across_rotations(self):
        generation = [1]
        asked = []

        def credential(refresh: bool) -> str:
            asked.append(refresh)
            if refresh:
                generation[0] += 1
            g = generation[0]
            return API_KEY if g == 1 else f"{API_KEY}-{g}"

        with tfy.Client(self.gw.base_url, credential=credential, max_retries=0,
                        timeout=10) as c:
            ids = [b.id for b in c.iter(limit=10)]
        self.assertEqual(len(ids), 60)
        self.assertGreaterEqual(asked.count(True), 2)

    def test_none_fails_before_sending(self):
        with tfy.Client(self.gw.base_url, credential=lambda refresh: None) as c:
            with self.assertRaises(tfy.AuthenticationError) as cm:
                c.list(limit=1)
        self.assertEqual(cm.exception.attempts, 0)
        self.assertEqual(self.gw.get_json("/_mock/stats")["requests"], 0)

    def test_exception_is_reraised(self):
        def credential(refresh):
            raise KeyError("vault unreachable")

        with tfy.Client(self.gw.base_url, credential=credential) as c:
            with self.assertRaises(KeyError):
                c.list(limit=1)

    def test_key_too_long_says_so(self):
        with tfy.Client(self.gw.base_url, credential=lambda r: "k" * 16384) as c:
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                c.list(limit=1)
        self.assertIn("16384 bytes", str(cm.exception))
        self.assertIn("at most 16383", str(cm.exception))
        self.assertNotIn("kkkk", str(cm.exception))
        self.assertEqual(self.gw.get_json("/_mock/stats")["requests"], 0)
        # The longest key passes the binding (the gateway refuses it).
        with tfy.Client(self.gw.base_url, credential=lambda r: "k" * 16383,
                        max_retries=0) as c:
            with self.assertRaises(tfy.TfyError) as cm:
                c.list(limit=1)
        self.assertNotIsInstance(cm.exception, tfy.InvalidArgumentError)

    def test_bad_key_is_never_echoed(self):
        with tfy.Client(self.gw.base_url, credential=lambda r: "sk-\r\nx-evil: 1") as c:
            with self.assertRaises(tfy.AuthenticationError) as cm:
                c.list(limit=1)
        self.assertNotIn("evil", str(cm.exception))


class RetryPolicyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.gw = MockGateway("--count", "10")

    def tearDown(self) -> None:
        self.gw.stop()

    def test_on_retry_told_and_can_stop(self):
        seen = []

        def on_retry(info: tfy.RetryInfo):
            seen.append(info)
            return len(seen) < 2  # stop before the third retry

        with tfy.Client(self.gw.base_url, API_KEY, max_retries=5, on_retry=on_retry,
                        retry_initial_backoff=0.01, retry_max_backoff=0.02) as c:
            with self.assertRaises(tfy.ServerError) as cm:
                c.list(limit=1, headers={"x-mock-fault": "status:code=503,times=0"})
        self.assertEqual(len(seen), 2)
        self.assertEqual([i.attempt for i in seen], [1, 2])
        self.assertEqual(seen[0].http_status, 503)
        self.assertEqual(seen[0].code, tfy.ServerError.code)
        self.assertTrue(0.007 <= seen[0].delay <= 0.01)  # whole ms
        self.assertTrue(0.015 <= seen[1].delay <= 0.02)
        self.assertIn("503", seen[0].reason)
        self.assertEqual(cm.exception.attempts, 2)
        self.assertIn("on_retry", str(cm.exception))

    def test_clamp(self):
        self.gw.set_faults("retry-after:seconds=120")
        delays = []
        with tfy.Client(self.gw.base_url, API_KEY, retry_after_max=0.05,
                        retry_after_policy="clamp",
                        on_retry=lambda i: delays.append(i.delay)) as c:
            start = time.monotonic()
            page = c.list(limit=2)
            took = time.monotonic() - start
        self.assertEqual(len(page.data), 2)
        self.assertEqual(delays, [0.05])
        self.assertTrue(0.05 <= took < 5 * slowdown())

    def test_policy_checked(self):
        with self.assertRaises(ValueError):
            tfy.Client(self.gw.base_url, API_KEY, retry_after_policy="sometimes")
        with self.assertRaises(tfy.InvalidArgumentError):
            tfy.Client(self.gw.base_url, API_KEY, retry_initial_backoff=10,
                       retry_max_backoff=1)


class HeadersTest(unittest.TestCase):
    def setUp(self) -> None:
        self.gw = MockGateway("--count", "10")

    def tearDown(self) -> None:
        self.gw.stop()

    def test_page_and_error_headers(self):
        with tfy.Client(self.gw.base_url, API_KEY, max_retries=0,
                        keep_headers=["Content-Type"]) as c:
            page = c.list(limit=1)
            self.assertEqual(page.http_status, 200)
            self.assertEqual(page.header("X-Request-Id"), page.request_id)
            self.assertTrue(page.header("content-type").startswith("application/json"))
            self.assertIsNone(page.header("date"))
            with self.assertRaises(tfy.RateLimitError) as cm:
                c.list(limit=1, headers={"x-mock-fault": "retry-after:seconds=120"})
            self.assertEqual(cm.exception.header("Retry-After"), "120")
            self.assertEqual(cm.exception.header("x-request-id"), cm.exception.request_id)
        # The page outlives its client; a parsed page has no headers.
        self.assertEqual(page.header("x-request-id"), page.request_id)
        self.assertIsNone(tfy.Page.parse('{"data":[]}').header("x-request-id"))


if __name__ == "__main__":
    unittest.main()
