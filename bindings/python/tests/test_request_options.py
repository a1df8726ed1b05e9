"""Request options per call and as client defaults: routing headers,
x-tfy-metadata, headers, query parameters, deadline, timeout, retries and
the cancel callback."""

import gc
import json
import time

import tfy

from mockgw import API_KEY, WithGateway, slowdown

STALL = {"x-mock-fault": "stall:seconds=20"}


class PerCallTest(WithGateway):
    def test_query_params(self):
        self.client.list(limit=2, query_params={"x-q": "a b", "other": "1"})
        self.assertEqual(self.last_request()["query"],
                         {"x-q": "a b", "other": "1", "limit": "2"})

    def test_every_routing_header(self):
        routing = {"provider_name": "p", "provider_model": "m", "azure_api_version": "v",
                   "vertex_region": "r", "vertex_storage_bucket_name": "b",
                   "aws_s3_bucket": "s", "aws_bedrock_model": "bm"}
        self.client.list(limit=1, **routing)
        headers = self.last_request()["headers"]
        for name, value in routing.items():
            self.assertEqual(headers["x-tfy-" + name.replace("_", "-")], value, name)

    def test_metadata_header_pairs_and_json(self):
        self.client.list(limit=1, metadata_header=[("team", "search"), ("env", "é")])
        sent = self.last_request()["headers"]["x-tfy-metadata"]
        self.assertTrue(sent.isascii())
        self.assertEqual(json.loads(sent), {"team": "search", "env": "é"})
        self.client.list(limit=1, metadata_header_json='{"team": "ads"}')
        self.assertEqual(json.loads(self.last_request()["headers"]["x-tfy-metadata"]),
                         {"team": "ads"})
        with self.assertRaises(tfy.InvalidArgumentError):
            self.client.list(metadata_header={"a": "b"}, metadata_header_json='{"a": "b"}')

    def test_request_object_and_keywords(self):
        req = tfy.RequestOptions(provider_name="from-object", headers={"X-A": "1"})
        self.client.list(limit=1, request=req, provider_name="from-keyword")
        headers = self.last_request()["headers"]
        self.assertEqual(headers["x-tfy-provider-name"], "from-keyword")
        self.assertEqual(headers["x-a"], "1")
        with self.assertRaises(TypeError):
            self.client.list(provider="typo")

    def test_deadline(self):
        start = time.monotonic()
        with self.assertRaises(tfy.TfyTimeoutError):
            self.client.list(headers=STALL, deadline=0.3)
        self.assertLess(time.monotonic() - start, 10 * slowdown())

    def test_timeout(self):
        with self.assertRaises(tfy.TfyTimeoutError) as cm:
            self.client.list(headers=STALL, timeout=0.3)
        self.assertEqual(cm.exception.attempts, 1)

    def test_max_retries(self):
        fault = {"x-mock-fault": "status:code=503,times=0"}
        with self.assertRaises(tfy.ServerError) as cm:
            self.client.list(headers=fault, max_retries=1)
        self.assertEqual(cm.exception.attempts, 2)
        with tfy.Client(self.gw.base_url, API_KEY) as c:  # the library's default: 2
            with self.assertRaises(tfy.ServerError) as cm:
                c.list(headers=fault)
            self.assertEqual(cm.exception.attempts, 3)
            with self.assertRaises(tfy.ServerError) as cm:
                c.list(headers=fault, max_retries=0)  # 0 is none, sent as TFY_NONE
            self.assertEqual(cm.exception.attempts, 1)

    def test_bad_values_refused_before_sending(self):
        for kwargs in ({"deadline": -1}, {"timeout": -1}, {"max_retries": 101},
                       {"headers": {"Bad Name": "x"}}, {"headers": {"Authorization": "x"}}):
            with self.subTest(**{k: str(v) for k, v in kwargs.items()}):
                with self.assertRaises(tfy.InvalidArgumentError) as cm:
                    self.client.list(**kwargs)
                self.assertEqual(cm.exception.attempts, 0)


class CancelTest(WithGateway):
    def test_cancel_stops_the_call(self):
        calls = []

        def cancel():
            calls.append(1)
            return len(calls) >= 3

        start = time.monotonic()
        with self.assertRaises(tfy.CancelledError):
            self.client.list(headers=STALL, cancel=cancel)
        self.assertGreaterEqual(len(calls), 3)
        self.assertLess(time.monotonic() - start, 10 * slowdown())

    def test_false_goes_on(self):
        calls = []
        page = self.client.list(limit=3, headers={"x-mock-fault": "delay:ms=200"},
                                cancel=lambda: calls.append(1))
        self.assertEqual(len(page.data), 3)
        self.assertTrue(calls)

    def test_exception_in_cancel_is_raised(self):
        class Stop(Exception):
            pass

        def cancel():
            raise Stop("from the callback")

        with self.assertRaises(Stop):
            self.client.list(headers=STALL, cancel=cancel)
        # nothing is left pending for the next call
        self.assertEqual(len(self.client.list(limit=2).data), 2)

    def test_not_callable(self):
        with self.assertRaises(TypeError):
            self.client.list(cancel=1)

    def test_iterator_keeps_its_callback(self):
        calls = []
        it = self.client.iter(limit=10, headers={"x-mock-fault": "delay:ms=100"},
                              cancel=lambda: calls.append(1))
        gc.collect()  # only the iterator holds the callback now
        self.assertEqual(len(list(it)), 42)
        self.assertTrue(calls)

    def test_iterator_cancel(self):
        it = self.client.iter(limit=10, headers=STALL, cancel=lambda: True)
        with self.assertRaises(tfy.CancelledError):
            next(it)
        it.close()


class ClientDefaultsTest(WithGateway):
    def test_defaults_are_sent_and_merged(self):
        with tfy.Client(self.gw.base_url, API_KEY, max_retries=0,
                        provider_name="default-provider",
                        default_headers={"X-A": "client", "X-B": "client"},
                        query_params={"x-q": "client"},
                        metadata_header={"team": "default"}) as c:
            c.list(limit=1)
            seen = self.last_request()
            self.assertEqual(seen["headers"]["x-tfy-provider-name"], "default-provider")
            self.assertEqual(seen["headers"]["x-a"], "client")
            self.assertEqual(json.loads(seen["headers"]["x-tfy-metadata"]), {"team": "default"})
            self.assertEqual(seen["query"]["x-q"], "client")

            c.list(limit=1, provider_name="call", headers={"x-b": "call"},
                   query_params={"x-q": "call"})
            seen = self.last_request()
            self.assertEqual(seen["headers"]["x-tfy-provider-name"], "call")
            self.assertEqual(seen["headers"]["x-a"], "client")
            self.assertEqual(seen["headers"]["x-b"], "call")
            self.assertEqual(seen["query"]["x-q"], "call")
            self.assertEqual(len(list(c.iter(limit=20))), 42)
            self.assertEqual(self.last_request()["headers"]["x-a"], "client")

    def test_default_cancel_lives_with_the_client(self):
        stop = []
        c = tfy.Client(self.gw.base_url, API_KEY, max_retries=0, cancel=lambda: bool(stop))
        gc.collect()
        try:
            self.assertEqual(len(c.list(limit=2).data), 2)
            stop.append(1)
            with self.assertRaises(tfy.CancelledError):
                c.list(headers=STALL)
        finally:
            c.close()

    def test_default_deadline(self):
        with tfy.Client(self.gw.base_url, API_KEY, max_retries=0, deadline=0.3) as c:
            with self.assertRaises(tfy.TfyTimeoutError):
                c.list(headers=STALL)

    def test_stall_timeout_none_and_headers_name(self):
        with tfy.Client(self.gw.base_url, API_KEY, stall_timeout=tfy.NONE) as c:
            self.assertEqual(len(c.list(limit=1).data), 1)
        with self.assertRaises(TypeError):
            tfy.Client(self.gw.base_url, API_KEY, headers={"X-A": "1"})
        # refused before anything is sent (by tfy_client_new or by the call)
        with self.assertRaises(tfy.InvalidArgumentError) as cm:
            with tfy.Client(self.gw.base_url, API_KEY,
                            default_headers={"Authorization": "x"}) as c:
                c.list()
        self.assertEqual(cm.exception.attempts, 0)
