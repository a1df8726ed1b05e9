"""Python binding (ctypes, standard library only) for libtfy, the C client of
the OpenAI-compatible Batch API of the TrueFoundry AI Gateway (and of OpenAI
and Azure OpenAI): check an input file, upload it, create the batch, wait,
download the output and read its results; list batches and files.

The shared library is $TFY_LIBRARY (a path) when set; else libtfy.so.1 where
the dynamic loader finds it (LD_LIBRARY_PATH, ldconfig, the system
directories); else in the library directory of the prefix that meson
installed this package with (-Dpython=enabled).  Importing fails with ImportError when it is
missing or incompatible (this binding needs libtfy 1.2 or a later 1.x).

A Client without a base URL reads $TFY_BASE_URL (TrueFoundry's platform URL,
no path; the API is under /api/llm) with $TFY_API_KEY, else
$OPENAI_BASE_URL (the API base) with $OPENAI_API_KEY; see tfy.Client.

tfy.aio.Client is the asyncio client: the same calls, awaited, driven from
the running event loop without a thread (libtfy 1.3).
"""

from ._call import ClosedError
from ._ffi import lib as _lib
from .batches import Batches
from .client import MISSING_HAS_MORE_CONTINUE, MISSING_HAS_MORE_STOP, Client, RetryInfo
from .errors import *  # noqa: F401,F403
from .errors import ERROR_CLASSES, TfyError
from .files import File, FileIterator, FilePage, Files, TransferProgress
from .iterator import BatchIterator
from .jobs import JobProgress, Jobs, JobShard, JobSummary, JobUsage
from .request import NONE, RequestOptions
from .results import InputReport, Problem, Result, check_input, read_results
from .types import Batch, BatchError, BatchList, Errors, Page, RequestCounts, Status, Usage
from . import webhooks
from . import aio
from .webhooks import WebhookEvent

__version__ = "1.3.0"


def library_version() -> str:
    """Version of the loaded libtfy (tfy_version())."""
    return _lib.tfy_version().decode()


__all__ = ["Client", "ClosedError", "RetryInfo", "MISSING_HAS_MORE_CONTINUE",
           "MISSING_HAS_MORE_STOP", "RequestOptions", "NONE", "Batch", "Page", "BatchList",
           "BatchIterator", "BatchError", "Errors", "RequestCounts", "Status", "Usage",
           "TfyError", "library_version", "Batches", "File", "Files", "FilePage",
           "TransferProgress", "FileIterator", "Result", "read_results", "InputReport", "Problem",
           "check_input", "webhooks", "WebhookEvent", "Jobs", "JobSummary", "JobShard",
           "JobUsage", "JobProgress", "aio"] + [c.__name__ for c in ERROR_CLASSES.values()]
