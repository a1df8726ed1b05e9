"""tfy.webhooks.unwrap over tfy_webhook_verify: deliveries signed here with
Python's hmac, and each way one is refused."""

import base64
import hashlib
import hmac
import json
import time
import unittest

import tfy

KEY = b"python-webhook-secret-0123456789"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
EVENT = {"id": "evt_py", "object": "event", "created_at": 1750000000,
         "type": "batch.completed", "data": {"id": "batch_py"}}


def sign(body: bytes, wid: str, ts: str, key: bytes = KEY) -> str:
    mac = hmac.new(key, wid.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def delivery(event=EVENT, ts=None, key=KEY):
    body = json.dumps(event).encode()
    ts = str(int(time.time()) if ts is None else ts)
    return body, {"Webhook-Id": "wh_py", "Webhook-Timestamp": ts,
                  "Webhook-Signature": sign(body, "wh_py", ts, key),
                  "Content-Type": "application/json"}


class Unwrap(unittest.TestCase):
    def test_verified(self):
        body, headers = delivery()
        e = tfy.webhooks.unwrap(body, headers, SECRET)
        self.assertEqual(e.type, "batch.completed")
        self.assertEqual(e.id, "evt_py")
        self.assertEqual(e.object, "event")
        self.assertEqual(e.created_at, 1750000000)
        self.assertEqual(e.data_id, "batch_py")
        self.assertEqual(e.batch_status, tfy.Status.COMPLETED)
        self.assertEqual(e.webhook_id, "wh_py")
        self.assertEqual(e.timestamp, int(headers["Webhook-Timestamp"]))
        self.assertEqual(e.raw(), EVENT)
        self.assertIsInstance(e, tfy.WebhookEvent)
        # (name, value) pairs, a str body, several signatures
        pairs = [(k.lower(), v) for k, v in headers.items()]
        pairs[2] = ("webhook-signature", "v1,bm9wZQ== " + headers["Webhook-Signature"])
        self.assertEqual(tfy.webhooks.unwrap(body.decode(), pairs, SECRET).data_id, "batch_py")

    def test_other_events(self):
        body, headers = delivery({"type": "response.completed", "data": {"id": "resp_1"}})
        e = tfy.webhooks.unwrap(body, headers, SECRET)
        self.assertIsNone(e.batch_status)
        self.assertIsNone(e.created_at)
        for kind, status in [("failed", tfy.Status.FAILED), ("expired", tfy.Status.EXPIRED),
                             ("cancelled", tfy.Status.CANCELLED)]:
            body, headers = delivery(dict(EVENT, type="batch." + kind))
            self.assertEqual(tfy.webhooks.unwrap(body, headers, SECRET).batch_status, status)

    def refused(self, body, headers, says, secret=SECRET, **kw):
        with self.assertRaises(tfy.WebhookInvalidError) as cm:
            tfy.webhooks.unwrap(body, headers, secret, **kw)
        self.assertIn(says, str(cm.exception))
        self.assertEqual(cm.exception.code, 25)
        self.assertNotIn(base64.b64encode(KEY).decode(), str(cm.exception))
        self.assertIsInstance(cm.exception, tfy.TfyError)

    def test_refused(self):
        body, headers = delivery()
        self.refused(body + b" ", headers, "no signature in webhook-signature matches")
        self.refused(body, headers, "no signature",
                     secret="whsec_" + base64.b64encode(b"another key").decode())
        for name in ("Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"):
            partial = {k: v for k, v in headers.items() if k != name}
            self.refused(body, partial, f"the {name.lower()} header is missing")
        old, old_headers = delivery(ts=int(time.time()) - 400)
        self.refused(old, old_headers, "(too old)")
        new, new_headers = delivery(ts=int(time.time()) + 400)
        self.refused(new, new_headers, "(too new)")
        # the options: a wider tolerance, another clock
        self.assertEqual(tfy.webhooks.unwrap(old, old_headers, SECRET, tolerance=600).id, "evt_py")
        stored, stored_headers = delivery(ts=1600000000)
        self.refused(stored, stored_headers, "(too old)")
        self.assertEqual(tfy.webhooks.unwrap(stored, stored_headers, SECRET,
                                             now=1600000100).id, "evt_py")
        self.refused(stored, stored_headers, "(too old)", now=1600000400)

    def test_bad_arguments(self):
        body, headers = delivery()
        for secret in ("", "whsec_", base64.b64encode(KEY).decode(), "whsec_!!!!"):
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                tfy.webhooks.unwrap(body, headers, secret)
            self.assertIn("the webhook secret must", str(cm.exception))
        with self.assertRaises(ValueError):
            tfy.webhooks.unwrap(body, headers, SECRET, tolerance=0)
        not_event, not_headers = b"[1, 2]", {}
        ts = str(int(time.time()))
        not_headers = {"webhook-id": "x", "webhook-timestamp": ts,
                       "webhook-signature": sign(not_event, "x", ts)}
        with self.assertRaises(tfy.DecodeError):
            tfy.webhooks.unwrap(not_event, not_headers, SECRET)


if __name__ == "__main__":
    unittest.main()
