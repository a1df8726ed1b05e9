"""Tests of the Python binding against tfy-mock-gateway."""

import ctypes
import dataclasses
import gc
import json
import os
import re
import subprocess
import unittest

import tfy
from tfy import _ffi

from mockgw import API_KEY, WithGateway

HEADERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "include", "tfy")


class ListTest(WithGateway):
    def test_one_page(self):
        page = self.client.list(limit=5)
        self.assertIsInstance(page, tfy.Page)
        self.assertIs(tfy.BatchList, tfy.Page)
        self.assertEqual(len(page.data), 5)
        self.assertTrue(page.has_more)
        self.assertEqual(page.first_id, page.data[0].id)
        self.assertEqual(page.last_id, page.data[-1].id)
        self.assertTrue(page.request_id)
        b = page.data[0]
        self.assertIsInstance(b, tfy.Batch)
        self.assertEqual(b.object, "batch")
        self.assertIsInstance(b.status, str)
        self.assertIsInstance(b.created_at, int)
        # same values as the raw JSON the server sent
        raw = b.raw()
        for name in ("id", "endpoint", "model", "input_file_id", "completion_window",
                     "status", "output_file_id", "error_file_id", "created_at",
                     "completed_at", "cancelled_at"):
            self.assertEqual(getattr(b, name), raw.get(name), name)
        self.assertEqual(b.metadata, raw.get("metadata"))
        if raw.get("request_counts") is not None:
            self.assertEqual(b.request_counts.total, raw["request_counts"]["total"])
        with self.assertRaises(dataclasses.FrozenInstanceError):
            b.id = "x"  # type: ignore[misc]

    def test_after_continues(self):
        first = self.client.list(limit=3)
        second = self.client.list(limit=3, after=first.last_id)
        self.assertNotIn(second.data[0].id, [b.id for b in first.data])

    def test_last_page(self):
        page = self.client.list(limit=100)
        self.assertEqual(len(page.data), 42)
        self.assertFalse(page.has_more)

    def test_base_url(self):
        self.assertEqual(self.client.base_url, self.gw.base_url)


class IterTest(WithGateway):
    def test_iterates_everything(self):
        ids = [b.id for b in self.client.iter(limit=10)]
        self.assertEqual(len(ids), 42)
        self.assertEqual(len(set(ids)), 42)
        paged = []
        after = None
        while True:
            page = self.client.list(limit=7, after=after)
            paged += [b.id for b in page.data]
            if not page.has_more:
                break
            after = page.last_id
        self.assertEqual(ids, paged)

    def test_max_items(self):
        self.assertEqual(len(list(self.client.iter(limit=10, max_items=13))), 13)

    def test_early_close_frees(self):
        for _ in range(50):
            gen = self.client.iter(limit=5)
            next(gen)
            gen.close()
        gen = self.client.iter(limit=5)
        next(gen)
        del gen
        gc.collect()

    def test_close_client_closes_iterators(self):
        gen = self.client.iter(limit=5)
        next(gen)
        done = self.client.iter(limit=100)
        self.assertEqual(len(list(done)), 42)
        self.client.close()
        # Never an early end: the client's close is an error...
        with self.assertRaises(tfy.ClosedError) as cm:
            next(gen)
        self.assertIsInstance(cm.exception, ValueError)
        with self.assertRaises(tfy.ClosedError):
            list(gen)
        self.assertEqual(gen.items, 1)
        # ...but an iterator that had ended stays ended.
        self.assertEqual(list(done), [])
        with self.assertRaises(tfy.ClosedError):
            self.client.list()

    def test_bad_argument_raises(self):
        # tfy_batch_iter_new() checks every option, so iter() itself raises.
        with self.assertRaises(tfy.InvalidArgumentError) as cm:
            self.client.iter(limit=101)
        self.assertEqual(cm.exception.attempts, 0)

    def test_pagination_error(self):
        gen = self.client.iter(limit=10, headers={"x-mock-fault": "ignore-after"})
        with self.assertRaises(tfy.PaginationError) as cm:
            list(gen)
        self.assertIsInstance(cm.exception, tfy.TfyError)


class ErrorTest(WithGateway):
    def test_authentication(self):
        with tfy.Client(self.gw.base_url, "wrong-key", max_retries=0) as c:
            with self.assertRaises(tfy.AuthenticationError) as cm:
                c.list()
        e = cm.exception
        self.assertEqual(e.code, 9)
        self.assertEqual(e.http_status, 401)
        self.assertTrue(e.request_id)
        self.assertEqual(e.attempts, 1)
        self.assertTrue(str(e))

    def test_limit_out_of_range(self):
        with self.assertRaises(tfy.InvalidArgumentError) as cm:
            self.client.list(limit=101)
        self.assertEqual(cm.exception.attempts, 0)
        self.assertEqual(cm.exception.http_status, 0)
        self.assertIn("limit", str(cm.exception))

    def test_server_error(self):
        with self.assertRaises(tfy.ServerError) as cm:
            self.client.list(headers={"x-mock-fault": "status:code=503,times=0"})
        self.assertEqual(cm.exception.http_status, 503)
        self.assertEqual(cm.exception.attempts, 1)
        self.assertEqual(cm.exception.api_type, "server_error")

    def test_rate_limit_retry_after(self):
        with self.assertRaises(tfy.RateLimitError) as cm:
            self.client.list(headers={"x-mock-fault": "retry-after:seconds=2"})
        self.assertEqual(cm.exception.http_status, 429)

    def test_decode_error(self):
        with self.assertRaises(tfy.DecodeError):
            self.client.list(headers={"x-mock-fault": "non-json"})

    def test_client_without_key(self):
        env = os.environ.pop("TFY_API_KEY", None)
        try:
            with self.assertRaises(tfy.InvalidArgumentError):
                tfy.Client(self.gw.base_url, None)
        finally:
            if env is not None:
                os.environ["TFY_API_KEY"] = env

    def test_every_code_has_a_class(self):
        for code in range(1, 26):
            cls = tfy.ERROR_CLASSES[code]
            self.assertTrue(issubclass(cls, tfy.TfyError))
            self.assertEqual(cls.code, code)


class HeadersTest(WithGateway):
    def test_provider_headers_arrive(self):
        self.client.list(limit=2, provider_name="openai-main", provider_model="gpt-4o",
                         metadata_header={"team": "search"}, headers={"X-Extra": "1"})
        seen = self.last_request()
        headers = seen["headers"]
        self.assertEqual(headers["x-tfy-provider-name"], "openai-main")
        self.assertEqual(headers["x-tfy-provider-model"], "gpt-4o")
        self.assertEqual(json.loads(headers["x-tfy-metadata"]), {"team": "search"})
        self.assertEqual(headers["x-extra"], "1")
        self.assertEqual(seen["query"].get("limit"), "2")
        self.assertTrue(seen["authorized"])


class AzureTest(WithGateway):
    def test_azure_style(self):
        with tfy.Client(self.gw.root + "/openai", API_KEY, auth_header="api-key",
                        query_params={"api-version": "2024-10-21"}, max_retries=0) as c:
            page = c.list(limit=4)
            self.assertEqual(len(page.data), 4)
            self.assertEqual(len(list(c.iter(limit=20))), 42)
        seen = self.gw.get_json("/_mock/last-request")
        self.assertEqual(seen["path"], "/openai/batches")
        self.assertEqual(seen["query"].get("api-version"), "2024-10-21")
        names = [k.lower() for k, _ in seen["headers"]]
        self.assertIn("api-key", names)
        self.assertNotIn("authorization", names)

    def test_azure_missing_api_version(self):
        with tfy.Client(self.gw.root + "/openai", API_KEY, auth_header="api-key",
                        max_retries=0) as c:
            with self.assertRaises(tfy.NotFoundError):
                c.list()


class LayoutTest(unittest.TestCase):
    """The ctypes structs have the C compiler's sizes and offsets, for every
    field (padding included) of every struct of the public headers."""

    MAP = {
        "tfy_opt_int64": _ffi.OptInt64, "tfy_error": _ffi.Error,
        "tfy_batch_error": _ffi.BatchError, "tfy_metadata_entry": _ffi.MetadataEntry,
        "tfy_batch_request_counts": _ffi.RequestCounts, "tfy_batch_usage": _ffi.Usage,
        "tfy_batch": _ffi.Batch, "tfy_batch_page": _ffi.Page, "tfy_pair": _ffi.Pair,
        "tfy_request_options": _ffi.RequestOptions,
        "tfy_client_options": _ffi.ClientOptions, "tfy_retry_info": _ffi.RetryInfo,
        "tfy_batches_list_options": _ffi.ListOptions,
        "tfy_batches_create_options": _ffi.CreateOptions,
        "tfy_batch_wait_options": _ffi.WaitOptions,
        "tfy_file": _ffi.File,
        "tfy_files_upload_options": _ffi.UploadOptions,
        "tfy_files_download_options": _ffi.DownloadOptions,
        "tfy_files_list_options": _ffi.FilesListOptions, "tfy_file_page": _ffi.FilePage,
        "tfy_result_reader_options": _ffi.ResultReaderOptions, "tfy_result": _ffi.Result,
        "tfy_input_check_options": _ffi.InputCheckOptions,
        "tfy_input_problem": _ffi.InputProblem, "tfy_input_report": _ffi.InputReport,
        "tfy_webhook_verify_options": _ffi.WebhookVerifyOptions,
        "tfy_webhook_event": _ffi.WebhookEvent,
        "tfy_transfer_progress": _ffi.TransferProgress,
        "tfy_async_hooks": _ffi.AsyncHooks,
    }

    def test_layout(self):
        exe = os.environ.get("TFY_LAYOUT")
        if not exe:
            self.skipTest("TFY_LAYOUT is not set")
        c = json.loads(subprocess.run([exe], check=True, capture_output=True,
                                      text=True).stdout)
        self.assertEqual(set(c), set(self.MAP))
        for cname, cls in self.MAP.items():
            with self.subTest(struct=cname):
                self.assertEqual(ctypes.sizeof(cls), c[cname]["size"])
                py_fields = {n: getattr(cls, n).offset for n, *_ in cls._fields_}
                self.assertEqual(py_fields, c[cname]["fields"])

    # Public structs the binding does not wrap (none since 1.2's result
    # records and input checks are).
    NOT_BOUND: set = set()

    def test_every_public_struct_is_mirrored(self):
        names = set()
        for h in os.listdir(HEADERS):
            if h.endswith(".h") or h.endswith(".h.in"):
                with open(os.path.join(HEADERS, h), encoding="utf-8") as f:
                    names |= set(re.findall(r"typedef struct (tfy_\w+) \{", f.read()))
        self.assertTrue(names)
        self.assertEqual(names - self.NOT_BOUND, set(self.MAP))


if __name__ == "__main__":
    unittest.main()
