"""What a Client reads from the environment: routing defaults (as the
tfy-batches CLI does) and the base URL with its key."""

import json

import tfy

from mockgw import API_KEY, Environ, WithGateway

ROUTING = {
    "TFY_PROVIDER_NAME": ("x-tfy-provider-name", "openai-main"),
    "TFY_PROVIDER_MODEL": ("x-tfy-provider-model", "gpt-4o"),
    "TFY_AZURE_API_VERSION": ("x-tfy-azure-api-version", "2024-10-21"),
    "TFY_VERTEX_REGION": ("x-tfy-vertex-region", "us-central1"),
    "TFY_VERTEX_STORAGE_BUCKET_NAME": ("x-tfy-vertex-storage-bucket-name", "gs-bucket"),
    "TFY_AWS_S3_BUCKET": ("x-tfy-aws-s3-bucket", "s3-bucket"),
    "TFY_AWS_BEDROCK_MODEL": ("x-tfy-aws-bedrock-model", "anthropic.claude"),
    "TFY_METADATA": ("x-tfy-metadata", '{"team":"search"}'),
}
ALL = {var: value for var, (_, value) in ROUTING.items()}


class RoutingFromEnvTest(WithGateway):
    def sent(self, client, **call):
        client.list(limit=1, **call)
        headers = self.last_request()["headers"]
        return {h: headers.get(h) for h, _ in ROUTING.values()}

    def make_client(self, **kwargs):
        return tfy.Client(self.gw.base_url, API_KEY, max_retries=0, **kwargs)

    def test_every_variable(self):
        with Environ(**ALL):
            c = self.make_client()
        with c:
            sent = self.sent(c)
        for var, (header, value) in ROUTING.items():
            with self.subTest(var=var):
                if var == "TFY_METADATA":
                    self.assertEqual(json.loads(sent[header]), json.loads(value))
                else:
                    self.assertEqual(sent[header], value)

    def test_read_when_the_client_is_created(self):
        with self.make_client() as c, Environ(**ALL):
            self.assertEqual(set(self.sent(c).values()), {None})

    def test_explicit_argument_wins(self):
        with Environ(**ALL):
            c = self.make_client(provider_name="azure-main", metadata_header={"team": "ads"})
        with c:
            sent = self.sent(c)
            self.assertEqual(sent["x-tfy-provider-name"], "azure-main")
            self.assertEqual(json.loads(sent["x-tfy-metadata"]), {"team": "ads"})
            self.assertEqual(sent["x-tfy-aws-s3-bucket"], "s3-bucket")
            # and a call's own argument wins over the client's default
            sent = self.sent(c, provider_name="vertex-main", metadata_header_json='{"a":"b"}')
            self.assertEqual(sent["x-tfy-provider-name"], "vertex-main")
            self.assertEqual(json.loads(sent["x-tfy-metadata"]), {"a": "b"})

    def test_metadata_header_json_argument_wins(self):
        with Environ(**ALL):
            c = self.make_client(metadata_header_json='{"x":"y"}')
        with c:
            self.assertEqual(json.loads(self.sent(c)["x-tfy-metadata"]), {"x": "y"})

    def test_empty_is_unset(self):
        with Environ(**{var: "" for var in ROUTING}):
            c = self.make_client()
        with c:
            self.assertEqual(set(self.sent(c).values()), {None})

    def test_routing_from_env_false(self):
        with Environ(**ALL):
            c = self.make_client(routing_from_env=False)
        with c:
            self.assertEqual(set(self.sent(c).values()), {None})

    def test_iterator_too(self):
        with Environ(TFY_PROVIDER_NAME="bedrock-main"):
            c = self.make_client()
        with c:
            self.assertEqual(len(list(c.iter(limit=20))), 42)
            self.assertEqual(self.last_request()["headers"]["x-tfy-provider-name"],
                             "bedrock-main")

    def test_bad_metadata_is_refused(self):
        with Environ(TFY_METADATA="not json"), self.assertRaises(tfy.InvalidArgumentError):
            self.make_client()


class BaseUrlFromEnvTest(WithGateway):
    """base_url None: $TFY_BASE_URL is TrueFoundry's platform URL (no path;
    the API base is it plus /api/llm) with $TFY_API_KEY, else
    $OPENAI_BASE_URL (the API base) with $OPENAI_API_KEY."""

    def make_client(self):
        return tfy.Client(max_retries=0)

    def test_tfy_base_url_is_the_platform_url(self):
        with Environ(TFY_BASE_URL=self.gw.root, TFY_API_KEY=API_KEY,
                     OPENAI_BASE_URL=self.gw.root + "/elsewhere", OPENAI_API_KEY="other"):
            c = self.make_client()
        with c:
            self.assertEqual(c.base_url, self.gw.root + "/api/llm")
            self.assertEqual(len(c.list(limit=3).data), 3)
        seen = self.last_request()
        self.assertEqual(seen["path"], "/api/llm/batches")
        self.assertTrue(seen["authorized"])

    def test_tfy_base_url_takes_no_path(self):
        # what was the API base before 1.1 is refused, not silently extended
        with Environ(TFY_BASE_URL=self.gw.base_url, TFY_API_KEY=API_KEY):
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                self.make_client()
        self.assertIn("TFY_BASE_URL", str(cm.exception))
        self.assertNotIn(API_KEY, str(cm.exception))

    def test_openai_base_url_is_the_api_base(self):
        with Environ(TFY_BASE_URL=None, OPENAI_BASE_URL=self.gw.base_url,
                     OPENAI_API_KEY=API_KEY, TFY_API_KEY="not-this-one"):
            c = self.make_client()
        with c:
            self.assertEqual(c.base_url, self.gw.base_url)
            self.assertEqual(len(c.list(limit=3).data), 3)

    def test_key_only_from_its_pair(self):
        # TFY_API_KEY is never sent to OPENAI_BASE_URL
        with Environ(TFY_BASE_URL="", OPENAI_BASE_URL=self.gw.base_url, OPENAI_API_KEY="",
                     TFY_API_KEY=API_KEY):
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                self.make_client()
        self.assertIn("OPENAI_API_KEY", str(cm.exception))
        with Environ(TFY_BASE_URL=self.gw.root, TFY_API_KEY="", OPENAI_API_KEY=API_KEY):
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                self.make_client()
        self.assertIn("TFY_API_KEY", str(cm.exception))

    def test_base_url_argument_with_tfy_api_key(self):
        with Environ(TFY_BASE_URL=self.gw.root + "/unused", TFY_API_KEY=API_KEY,
                     OPENAI_API_KEY="other"):
            c = tfy.Client(self.gw.base_url, max_retries=0)
        with c:
            self.assertEqual(c.base_url, self.gw.base_url)
            self.assertEqual(len(c.list(limit=2).data), 2)

    def test_no_base_url(self):
        with Environ(TFY_BASE_URL="", OPENAI_BASE_URL=""):
            with self.assertRaises(tfy.InvalidArgumentError) as cm:
                self.make_client()
        self.assertIn("TFY_BASE_URL", str(cm.exception))
