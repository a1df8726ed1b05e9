"""Start and stop tfy-mock-gateway ($TFY_MOCK_GATEWAY) on loopback for a test,
and the TestCase base that gives each test its own gateway and client."""

import json
import os
import re
import subprocess
import time
import unittest
import urllib.request

import tfy

API_KEY = "tfy-local-key"


def slowdown() -> float:
    """How much slower than native the tests run ($TFY_TEST_SLOWDOWN, else 1):
    upper time bounds are multiplied by it."""
    return float(os.environ.get("TFY_TEST_SLOWDOWN") or 1)


class MockGateway:
    def __init__(self, *args: str) -> None:
        exe = os.environ.get("TFY_MOCK_GATEWAY")
        if not exe:
            raise RuntimeError("TFY_MOCK_GATEWAY is not set")
        self.proc = subprocess.Popen([exe, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 10
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(r"listening on (https?://127\.0\.0\.1:(\d+))", line)
            if m:
                self.root = m.group(1)
                self.port = int(m.group(2))
                self.base_url = self.root + "/v1"
                return
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"tfy-mock-gateway did not start: {line!r}")

    def get_json(self, path: str):
        with urllib.request.urlopen(self.root + path, timeout=10) as r:
            return json.load(r)

    def set_faults(self, *specs: str) -> None:
        """Replace the run-level faults (POST /_mock/faults)."""
        req = urllib.request.Request(self.root + "/_mock/faults", method="POST",
                                     data="\n".join(specs).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class WithGateway(unittest.TestCase):
    """A gateway with 42 batches and a client of it without retries."""
    gateway_args: tuple = ("--count", "42")

    def setUp(self) -> None:
        self.gw = MockGateway(*self.gateway_args)
        self.client = tfy.Client(self.gw.base_url, API_KEY, timeout=10, max_retries=0)

    def tearDown(self) -> None:
        self.client.close()
        self.gw.stop()

    def last_request(self) -> dict:
        """What the gateway received last, with lower-cased header names."""
        seen = self.gw.get_json("/_mock/last-request")
        seen["headers"] = {k.lower(): v for k, v in seen["headers"]}
        return seen


class Environ:
    """Sets environment variables for a with block (None or "" as given),
    restoring every one afterwards; libtfy's getenv() sees them."""

    def __init__(self, **values) -> None:
        self.values = values
        self.saved: dict = {}

    def __enter__(self) -> "Environ":
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return self

    def __exit__(self, *exc) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
