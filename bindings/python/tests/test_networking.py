"""TLS, mutual TLS and proxy options of tfy.Client against tfy-mock-gateway
serving HTTPS with certificates made for the run (tests/tls-certs.sh)."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import tfy

from mockgw import API_KEY, MockGateway

PASSPHRASE = "correct horse battery staple 42"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(os.environ.get("TFY_TLS_CERTS") and shutil.which("openssl"),
                     "needs tests/tls-certs.sh and openssl")
class NetworkingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.dir = tempfile.mkdtemp(prefix="tfy-py-tls-")
        subprocess.run(["sh", os.environ["TFY_TLS_CERTS"], cls.dir], check=True,
                       stdout=subprocess.DEVNULL)
        cls.tls = MockGateway("--tls-cert", cls.file("server.pem"), "--tls-key",
                              cls.file("server.key"), "--tls-client-ca",
                              cls.file("client-ca.pem"))
        cls.plain = MockGateway()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tls.stop()
        cls.plain.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def file(cls, name: str) -> str:
        return os.path.join(cls.dir, name)

    def list_tls(self, **kw) -> None:
        with tfy.Client(self.tls.base_url, API_KEY, max_retries=0, **kw) as c:
            c.list(limit=1)

    def test_ca_file_ca_path_and_client_certificate(self):
        mtls = {"client_cert": self.file("client.pem"),
                "client_key": self.file("client-enc.key"),
                "client_key_password": PASSPHRASE}
        with self.assertRaises(tfy.TLSError) as e:
            self.list_tls(**mtls)
        self.assertIn("issuer", str(e.exception))
        self.list_tls(ca_file=self.file("ca.pem"), **mtls)
        self.list_tls(ca_path=self.file("capath"), **mtls)
        with self.assertRaises(tfy.AuthenticationError):
            self.list_tls(ca_file=self.file("ca.pem"))
        mtls["client_key_password"] = "wrong"
        with self.assertRaises(tfy.TLSError) as e:
            self.list_tls(ca_file=self.file("ca.pem"), **mtls)
        self.assertNotIn(PASSPHRASE, str(e.exception))

    def test_proxy_no_proxy_and_credentials(self):
        dead = f"http://127.0.0.1:{dead_port()}"
        with tfy.Client(self.plain.base_url, API_KEY, max_retries=0, proxy=dead) as c:
            with self.assertRaises(tfy.ConnectError) as e:
                c.list(limit=1)
            self.assertIn(dead, str(e.exception))
        with tfy.Client(self.plain.base_url, API_KEY, max_retries=0, proxy=dead,
                        no_proxy="127.0.0.1") as c:
            c.list(limit=1)
        # The password is masked where the server echoes it: in the 404 for this path.
        with tfy.Client(self.plain.root + "/pw-in-path-9f3", API_KEY, max_retries=0,
                        proxy=dead, no_proxy="*", proxy_credentials="user:pw-in-path-9f3") as c:
            with self.assertRaises(tfy.NotFoundError) as e:
                c.list(limit=1)
            self.assertNotIn("pw-in-path-9f3", str(e.exception))
            self.assertIn("[REDACTED]", str(e.exception))
        with self.assertRaises(tfy.InvalidArgumentError) as e:
            tfy.Client(self.plain.base_url, API_KEY, proxy="http://u:pw-9f3@127.0.0.1:1")
        self.assertNotIn("pw-9f3", str(e.exception))
