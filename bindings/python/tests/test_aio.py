"""tfy.aio against tfy-mock-gateway: every call awaited on one asyncio loop,
many at once with gather, async iteration, cancellation of the awaiting
task, faults (429 with Retry-After, a stall) and closing with calls under
way; no thread is started."""

import asyncio
import io
import os
import tempfile
import time
import unittest

import tfy
from tfy import _ffi

from mockgw import API_KEY, MockGateway, slowdown

ENDPOINT = "/v1/chat/completions"
LINE = ('{"custom_id":"req-%d","method":"POST","url":"/v1/chat/completions",'
        '"body":{"model":"gpt-4o-mini","messages":[]}}\n')


def threads() -> int:
    """The process's thread count, as the kernel has it."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads: line")


def needs(*names):
    """Skips a test when the loaded library lacks one of these start forms."""
    missing = [n for n in names if not hasattr(_ffi.lib, n)]
    return unittest.skipIf(missing, f"the loaded libtfy has no {', '.join(missing)}")


@unittest.skipUnless(_ffi.HAVE_ASYNC, "the loaded libtfy has no event-loop API")
class AioTest(unittest.TestCase):
    def setUp(self):
        self.gw = MockGateway("--count", "42", "--batch-seconds", str(0.2 * slowdown()))
        with tfy.Client(self.gw.base_url, API_KEY) as blocking:
            self.ids = [b.id for b in blocking.iter()]

    def tearDown(self):
        self.gw.stop()

    def client(self, **kwargs):
        kwargs.setdefault("timeout", 10 * slowdown())
        return tfy.aio.Client(self.gw.base_url, API_KEY, **kwargs)

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 60 * slowdown()))

    def test_exported(self):
        self.assertIs(tfy.aio.Client, tfy.aio.Client)
        self.assertIn("aio", tfy.__all__)

    def test_many_retrieves_at_once_on_one_thread(self):
        ids = self.ids
        self.assertEqual(len(ids), 42)
        before = threads()

        async def main():
            async with self.client() as client:
                got = await asyncio.gather(*(client.batches.retrieve(i) for i in ids * 3))
                self.assertEqual(client.pending(), 0)
                return got, threads()

        got, during = self.run_async(main())
        self.assertEqual([b.id for b in got], ids * 3)
        # No thread was started (one left by an earlier test may have ended).
        self.assertLessEqual(during, before)
        self.assertLessEqual(threads(), before)

    @needs("tfy_batch_iter_start")
    def test_list_and_iterate(self):
        ids = self.ids

        async def main():
            async with self.client() as client:
                page = await client.batches.list(limit=5)
                walked = [b.id async for b in client.batches.iter(limit=10)]
                # A buffer smaller than a page: the walk pauses and resumes.
                paused = [b.id async for b in client.batches.iter(limit=10, buffer=3)]
                capped = [b.id async for b in client.batches.iter(limit=10, max_items=15)]
                it = client.batches.iter(limit=10)
                first = [await it.__anext__() for _ in range(3)]
                await it.aclose()
                with self.assertRaises(StopAsyncIteration):
                    await it.__anext__()
                return page, walked, paused, capped, first

        page, walked, paused, capped, first = self.run_async(main())
        self.assertEqual([b.id for b in page.data], ids[:5])
        self.assertTrue(page.has_more)
        self.assertEqual(walked, ids)
        self.assertEqual(paused, ids)
        self.assertEqual(capped, ids[:15])
        self.assertEqual([b.id for b in first], ids[:3])

    def test_errors_are_raised_in_the_awaiting_task(self):
        async def main():
            async with self.client(max_retries=0) as client:
                with self.assertRaises(tfy.NotFoundError) as cm:
                    await client.batches.retrieve("batch_nope")
                self.assertTrue(cm.exception.request_id)
                with self.assertRaises(tfy.InvalidArgumentError):
                    await client.batches.retrieve("")  # refused before anything is sent
                self.assertEqual(client.pending(), 0)

        self.run_async(main())

    def test_retry_after_is_a_timer(self):
        self.gw.set_faults("retry-after:ms=200")

        async def main():
            async with self.client(max_retries=2) as client:
                ticks = 0

                async def ticker():
                    nonlocal ticks
                    while True:
                        await asyncio.sleep(0.01)
                        ticks += 1

                t = asyncio.ensure_future(ticker())
                start = time.monotonic()
                page = await client.batches.list(limit=2)
                elapsed = time.monotonic() - start
                t.cancel()
                return page, elapsed, ticks

        page, elapsed, ticks = self.run_async(main())
        self.assertEqual(len(page.data), 2)
        self.assertGreaterEqual(elapsed, 0.15)
        self.assertGreater(ticks, 5)  # the loop ran during the backoff

    def test_cancelling_the_task_cancels_the_call(self):
        async def main():
            async with self.client() as client:
                stalled = asyncio.ensure_future(client.batches.retrieve(
                    self.ids[0], headers={"x-mock-fault": "stall:seconds=20"}))
                await asyncio.sleep(0.2)
                start = time.monotonic()
                stalled.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await stalled
                for _ in range(100):  # the C callback runs at the loop's next event
                    if client.pending() == 0:
                        break
                    await asyncio.sleep(0.01)
                self.assertEqual(client.pending(), 0)
                # wait_for's timeout cancels the same way.
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.batches.retrieve(
                        self.ids[0], headers={"x-mock-fault": "stall:seconds=20"}), 0.2)
                after = await client.batches.retrieve(self.ids[1])
                return time.monotonic() - start, after

        elapsed, after = self.run_async(main())
        self.assertLess(elapsed, 5 * slowdown())
        self.assertEqual(after.id, self.ids[1])

    def test_close_ends_calls_under_way(self):
        async def main():
            client = self.client()
            stalled = asyncio.ensure_future(client.batches.retrieve(
                self.ids[0], headers={"x-mock-fault": "stall:seconds=20"}))
            await asyncio.sleep(0.1)
            await client.aclose()
            with self.assertRaises(tfy.CancelledError):
                await stalled
            self.assertTrue(client.closed)
            with self.assertRaises(ValueError):
                await client.batches.retrieve(self.ids[0])

        self.run_async(main())

    @needs("tfy_files_upload_start", "tfy_files_download_start", "tfy_batches_create_start",
           "tfy_batch_wait_start")
    def test_files_and_a_whole_job(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "input.jsonl")
            with open(path, "w", encoding="ascii") as f:
                f.writelines(LINE % i for i in range(4))

            async def main():
                async with self.client() as client:
                    up = await client.files.upload(path, purpose="batch")
                    self.assertEqual((await client.files.retrieve(up.id)).id, up.id)
                    listed = await client.files.list(limit=100)
                    self.assertIn(up.id, [f.id for f in listed.data])
                    sink = io.BytesIO()
                    await client.files.download(up.id, sink)
                    await client.files.download(up.id, os.path.join(d, "copy.jsonl"))
                    batch = await client.batches.create(up.id, ENDPOINT)
                    other = await client.batches.create(up.id, ENDPOINT)
                    seen = []
                    done, cancelled = await asyncio.gather(
                        client.batches.wait(batch.id, on_progress=seen.append, poll_initial=0.02,
                                            poll_max=0.05, timeout=30 * slowdown()),
                        client.batches.cancel(other.id))
                    await client.files.delete(up.id)
                    with self.assertRaises(tfy.NotFoundError):
                        await client.files.retrieve(up.id)
                    return sink.getvalue(), done, cancelled, seen

            content, done, cancelled, seen = self.run_async(main())
            with open(path, "rb") as f:
                self.assertEqual(content, f.read())
            with open(os.path.join(d, "copy.jsonl"), "rb") as f:
                self.assertEqual(f.read(), content)
        self.assertEqual(done.status_enum, tfy.Status.COMPLETED)
        self.assertEqual(seen[-1].status_enum, tfy.Status.COMPLETED)
        self.assertIn(cancelled.status_enum, (tfy.Status.CANCELLING, tfy.Status.CANCELLED))

    @needs("tfy_files_upload_start", "tfy_file_iter_start")
    def test_iterate_files(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "input.jsonl")
            with open(path, "w", encoding="ascii") as f:
                f.writelines(LINE % i for i in range(2))

            async def main():
                async with self.client() as client:
                    ups = [await client.files.upload(path, purpose="batch") for _ in range(5)]
                    listed = (await client.files.list(limit=100)).data
                    walked = [f.id async for f in client.files.iter(limit=2)]
                    # A buffer smaller than a page: the walk pauses and resumes.
                    paused = [f.id async for f in client.files.iter(limit=2, buffer=1)]
                    capped = [f.id async for f in client.files.iter(limit=2, max_items=3)]
                    it = client.files.iter(limit=2, order="asc", purpose="batch")
                    first = await it.__anext__()
                    await it.aclose()
                    with self.assertRaises(StopAsyncIteration):
                        await it.__anext__()
                    return [u.id for u in ups], [f.id for f in listed], walked, paused, \
                        capped, first

            ups, listed, walked, paused, capped, first = self.run_async(main())
        self.assertEqual(walked, listed)
        self.assertTrue(set(ups) <= set(walked))
        self.assertEqual(paused, listed)
        self.assertEqual(capped, listed[:3])
        self.assertEqual(first.id, listed[-1])

    def test_bound_to_one_loop(self):
        client = self.client()

        async def first():
            return await client.batches.retrieve(self.ids[0])

        async def second():
            with self.assertRaises(RuntimeError):
                await client.batches.retrieve(self.ids[0])
            await client.aclose()

        self.assertEqual(self.run_async(first()).id, self.ids[0])
        asyncio.run(second())


class AioExportTest(unittest.TestCase):
    def test_module(self):
        self.assertTrue(hasattr(tfy, "aio"))
        if not _ffi.HAVE_ASYNC:
            with self.assertRaises(NotImplementedError):
                tfy.aio.Client("http://127.0.0.1:9", "k")


if __name__ == "__main__":
    unittest.main()

