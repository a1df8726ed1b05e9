"""``client.jobs`` (libtfy 1.3): jobs larger than one batch.  A job runs one
JSONL input of any size to the end as many batches, in a directory that
holds its journal: run() cuts the input into shards within a batch's limits,
creates and watches their batches, retries the lines that failed for a
reason that can pass, and merges the results into ``DIRECTORY/output.jsonl``
and ``DIRECTORY/errors.jsonl``, each custom_id of the input exactly once.
Calling run() again with the same directory resumes the job (after Ctrl-C,
an exception, a crash): no batch is created twice and no request that
succeeded is sent again.  status() and cancel() take the directory alone.
The C calls are tfy_job_open, tfy_job_run, tfy_job_status and
tfy_job_cancel (include/tfy/job.h; docs/jobs.md)."""

from __future__ import annotations

import os
from ctypes import POINTER, byref, c_void_p
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, Union

from . import _ffi
from ._call import on_caller, pending_error
from ._ffi import encode, lib, text
from .request import RequestOptions, check

#: The job's state (tfy_job_summary.state) by its TFY_JOB_STATE_* value.
STATES = ("new", "running", "done", "cancelled")
#: What a job is doing when it reports progress, by TFY_JOB_PHASE_* value.
PHASES = ("planning", "uploading", "creating", "waiting", "downloading", "merging", "done")


def _name(names: Tuple[str, ...], value: int) -> str:
    return names[value] if 0 <= value < len(names) else str(value)


@dataclass(frozen=True)
class JobUsage:
    """Token and request totals, summed exactly from the output lines; cost
    is the estimate from the price table (None without one, or when it
    lacks a model used)."""
    requests: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cost: Optional[float]


@dataclass(frozen=True)
class JobShard:
    """One shard of one round: its batch, as the journal has it."""
    round: int
    index: int
    requests: int
    bytes: int
    file_id: Optional[str]
    batch_id: Optional[str]
    status: Optional[str]
    usage: JobUsage


@dataclass(frozen=True)
class JobSummary:
    """A job's state as its journal records it.  ``state`` is "new",
    "running", "done" or "cancelled"; every custom_id of the input is in
    ``output_path`` (succeeded) or ``errors_path`` (failed) once done."""
    job_id: Optional[str]
    directory: Optional[str]
    state: str
    rounds: int
    requests: int
    succeeded: int
    failed: int
    shards: List[JobShard]
    usage: JobUsage
    output_path: Optional[str]
    errors_path: Optional[str]

    @property
    def done(self) -> bool:
        return self.state == "done"


@dataclass(frozen=True)
class JobProgress:
    """What progress() is given: the phase ("planning", "uploading",
    "creating", "waiting", "downloading", "merging", "done"), the round, the
    round's shards (all, live, ended), the input's requests, those with a
    final record and of them the failed, and one line for people."""
    phase: str
    round: int
    shards: int
    shards_live: int
    shards_ended: int
    requests: int
    completed: int
    failed: int
    message: str


def _usage(u: _ffi.JobUsage) -> JobUsage:
    return JobUsage(requests=u.requests, failed=u.failed, prompt_tokens=u.prompt_tokens,
                    completion_tokens=u.completion_tokens, cached_tokens=u.cached_tokens,
                    reasoning_tokens=u.reasoning_tokens,
                    cost=u.cost if u.has_cost else None)


def _shard(s: _ffi.JobShard) -> JobShard:
    return JobShard(round=s.round, index=s.index, requests=s.requests, bytes=s.bytes,
                    file_id=text(s.file_id), batch_id=text(s.batch_id), status=text(s.status),
                    usage=_usage(s.usage))


def summary_from_c(s: _ffi.JobSummary) -> JobSummary:
    return JobSummary(job_id=text(s.job_id), directory=text(s.directory),
                      state=_name(STATES, s.state), rounds=s.rounds, requests=s.requests,
                      succeeded=s.succeeded, failed=s.failed,
                      shards=[_shard(s.shards[i]) for i in range(s.shards_count)],
                      usage=_usage(s.usage), output_path=text(s.output_path),
                      errors_path=text(s.errors_path))


def _progress_trampoline(progress: Callable[[JobProgress], Any]):
    """A tfy_job_progress_fn over progress(), run on the calling thread: a
    true result stops the run (CancelledError; the batches go on), an
    exception stops it and is raised in its place."""
    def call(_userdata, p) -> int:
        try:
            c = p.contents
            value = JobProgress(phase=_name(PHASES, c.phase), round=c.round, shards=c.shards,
                                shards_live=c.shards_live, shards_ended=c.shards_ended,
                                requests=c.requests, completed=c.completed, failed=c.failed,
                                message=text(c.message) or "")
            return 1 if on_caller(progress, value) else 0
        except BaseException as e:  # noqa: B036 - re-raised by check()
            pending_error(e)
            return 1
    return _ffi.JOB_PROGRESS_FN(call)


#: Paths may be str or os.PathLike.
Path = Union[str, "os.PathLike[str]"]


class Jobs:
    """The job calls of a client (``client.jobs``)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def _open(self, directory: Path, opts: _ffi.JobOptions, keep: list) -> c_void_p:
        """tfy_job_open of directory with opts; the job (free with tfy_job_free)."""
        keep.append(encode(os.fsdecode(directory)))
        opts.directory = keep[-1]
        job = c_void_p()
        err = POINTER(_ffi.Error)()
        code = self._client._run(None, lib.tfy_job_open, byref(opts), byref(job), byref(err))
        check(code, err)
        return job

    def _with_job(self, directory: Path, fn: Callable[[c_void_p], Any],
                  opts: Optional[_ffi.JobOptions] = None, keep: Optional[list] = None) -> Any:
        if opts is None:
            opts = _options()
        keep = keep if keep is not None else []
        job = self._open(directory, opts, keep)
        try:
            return fn(job)
        finally:
            lib.tfy_job_free(job)

    def _summary(self, job: c_void_p) -> JobSummary:
        out = POINTER(_ffi.JobSummary)()
        err = POINTER(_ffi.Error)()
        check(lib.tfy_job_status(job, byref(out), byref(err)), err)
        try:
            return summary_from_c(out.contents)
        finally:
            lib.tfy_job_summary_free(out)

    def run(self, input: Optional[Path], directory: Path, *, endpoint: Optional[str] = None,
            completion_window: Optional[str] = None, max_requests: int = 0,
            max_bytes: int = 0, max_enqueued_tokens: int = 0, concurrency: int = 0,
            retries: int = _ffi.TFY_JOB_RETRIES_DEFAULT, provider_kind: str = "openai",
            prices: Optional[Path] = None,
            progress: Optional[Callable[[JobProgress], Any]] = None,
            request: Optional[RequestOptions] = None, **request_options: Any) -> JobSummary:
        """Run the job of ``directory`` to its end, or resume it, and return
        its summary (``state`` "done"; some lines may have failed: see
        ``failed`` and ``errors_path``).  Blocks; Ctrl-C stops it with
        KeyboardInterrupt, leaving the batches running (run again to resume).

        ``input`` is the JSONL input (a path; None or the same path for a
        job the directory holds already); ``endpoint`` every request's
        ("/v1/chat/completions"), required for a new job.  The limits of a
        shard: ``max_requests`` (0: 50,000), ``max_bytes`` (0: 200 MB, the
        file as uploaded), ``max_enqueued_tokens`` (0: no budget; else no
        shard is larger and the live batches hold no more at once);
        ``concurrency`` shards in flight (0: 4); ``retries`` rounds for the
        lines that failed for a reason that can pass (0 to 10, default 2);
        ``provider_kind`` ("openai", "azure", "bedrock", "vertex") its input
        rules and least requests per batch; ``prices`` a price table (JSON,
        docs/jobs.md) for ``usage.cost``.  ``progress(JobProgress)`` is
        called on this thread as the job progresses: a true result stops the
        run with CancelledError (the batches go on), an exception stops it
        and is raised here.  A resume must give the input, endpoint and
        limits the journal has (else InvalidArgumentError).  Raises
        InputInvalidError when the input has problems (nothing was sent),
        CancelledError when the job was cancelled (job status says what
        ended), TfyIOError when another process runs the directory."""
        if provider_kind not in _ffi.TFY_PROVIDER_KINDS:
            raise ValueError("provider_kind must be one of " + ", ".join(_ffi.TFY_PROVIDER_KINDS))
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable")
        creq, interrupt = self._client._options(request, request_options)
        keep: list = [creq]
        opts = _options()
        if input is not None:
            keep.append(encode(os.fsdecode(input)))
            opts.input_path = keep[-1]
        opts.endpoint = encode(endpoint)
        opts.completion_window = encode(completion_window)
        opts.max_requests = int(max_requests)
        opts.max_bytes = int(max_bytes)
        opts.max_enqueued_tokens = int(max_enqueued_tokens)
        opts.concurrency = int(concurrency)
        opts.retries = int(retries)
        opts.provider_kind = _ffi.TFY_PROVIDER_KINDS[provider_kind]
        if prices is not None:
            keep.append(encode(os.fsdecode(prices)))
            opts.price_path = keep[-1]
        if progress is not None:
            keep.append(_progress_trampoline(progress))
            opts.progress = keep[-1]
        if creq is not None:
            opts.request = creq.pointer

        def go(job: c_void_p) -> JobSummary:
            err = POINTER(_ffi.Error)()
            code = self._client._run(interrupt, lambda _client: lib.tfy_job_run(job, byref(err)))
            check(code, err)
            return self._summary(job)
        return self._with_job(directory, go, opts, keep)

    def status(self, directory: Path) -> JobSummary:
        """What the journal of the job in ``directory`` records, without a
        request.  FileNotFoundError when it holds no job's journal."""
        _journal_of(directory)
        return self._with_job(directory, self._summary)

    def cancel(self, directory: Path, *, request: Optional[RequestOptions] = None,
               **request_options: Any) -> JobSummary:
        """Cancel every live batch of the job in ``directory`` and record
        that it is cancelled (a run going on elsewhere stops at its next
        poll; a later run merges what ended and creates nothing); the
        summary after it.  The cancel is recorded even when a batch's
        cancel fails, which is raised (cancel again to retry it).
        FileNotFoundError when ``directory`` holds no job's journal."""
        _journal_of(directory)
        creq, interrupt = self._client._options(request, request_options)
        opts = _options()
        if creq is not None:
            opts.request = creq.pointer

        def go(job: c_void_p) -> JobSummary:
            err = POINTER(_ffi.Error)()
            code = self._client._run(interrupt,
                                     lambda _client: lib.tfy_job_cancel(job, byref(err)))
            check(code, err)
            return self._summary(job)
        return self._with_job(directory, go, opts, [creq])


def _journal_of(directory: Path) -> None:
    """A job's directory holds its journal; opening one without would make a
    new, empty job there."""
    journal = os.path.join(os.fsdecode(directory), "journal")
    if not os.path.isfile(journal):
        raise FileNotFoundError(f"no job in {os.fsdecode(directory)!r}: no journal")


def _options() -> _ffi.JobOptions:
    opts = _ffi.JobOptions()
    check(lib.tfy_job_options_init(byref(opts), _ffi.TFY_JOB_OPTIONS_VERSION), None)
    return opts
