"""``client.batches``: the batch calls under the names openai-python gives
them (``client.batches.create(...)``, ``.retrieve(id)``, ``.cancel(id)``,
``.list()``), with libtfy's ``.iter()`` and ``.wait(id)`` beside them.  Each
is the Client method of the same name; the flat names (``client.create``,
``client.list``, ...) stay as aliases."""

from __future__ import annotations

from typing import Any


class Batches:
    """The batch calls of a client.  Arguments and results are those of the
    Client method of the same name."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def create(self, input_file_id: str, endpoint: str, **kwargs: Any):
        """``POST /batches``: Client.create()."""
        return self._client.create(input_file_id, endpoint, **kwargs)

    def retrieve(self, batch_id: str, **kwargs: Any):
        """``GET /batches/{id}``: Client.retrieve()."""
        return self._client.retrieve(batch_id, **kwargs)

    def cancel(self, batch_id: str, **kwargs: Any):
        """``POST /batches/{id}/cancel``: Client.cancel()."""
        return self._client.cancel(batch_id, **kwargs)

    def list(self, **kwargs: Any):
        """One page of ``GET /batches``: Client.list().  Every page:
        iter()."""
        return self._client.list(**kwargs)

    def iter(self, **kwargs: Any):
        """Every batch, page after page: Client.iter()."""
        return self._client.iter(**kwargs)

    def wait(self, batch_id: str, **kwargs: Any):
        """Poll a batch until it ends: Client.wait()."""
        return self._client.wait(batch_id, **kwargs)
