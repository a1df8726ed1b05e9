"""Batch files on disk (libtfy 1.2): read an output or error file record by
record (tfy_result_reader), and check an input file before uploading it
(tfy_input_check_path).  Both stream the file: memory follows the longest
line, not the file."""

from __future__ import annotations

import json
import os
from ctypes import POINTER, byref, c_void_p, string_at
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional

from . import _ffi
from ._ffi import lib, text
from .request import check
from .types import Record


@dataclass(frozen=True)
class Result(Record):
    """One line of an output or error file (tfy_result).  Absent members are
    None; status_code is 0 when there is no response status."""
    line: int
    id: Optional[str]
    custom_id: Optional[str]
    status_code: int
    request_id: Optional[str]
    body_json: Optional[str]
    error_code: Optional[str]
    error_message: Optional[str]
    line_json: str

    def body(self) -> Any:
        """`response.body` decoded, or None when there is none."""
        return None if self.body_json is None else json.loads(self.body_json)


def _exact(ptr: Optional[int], n: int) -> Optional[str]:
    return None if not ptr else string_at(ptr, n).decode("utf-8", errors="replace")


def _result_from_c(r: _ffi.Result) -> Result:
    return Result(line=r.line, id=text(r.id), custom_id=text(r.custom_id),
                  status_code=r.status_code, request_id=text(r.request_id),
                  body_json=_exact(r.body_json, r.body_json_len),
                  error_code=text(r.error_code), error_message=text(r.error_message),
                  line_json=_exact(r.line_json, r.line_len) or "")


def read_results(path: str | os.PathLike, *, max_line_bytes: int = 0) -> Iterator[Result]:
    """Yield the records of a batch output or error file at path, in file
    order, blank lines skipped.  A line that is not one JSON object raises
    tfy.DecodeError ("line N: ..."), ending the iteration; a file that
    cannot be opened or read raises tfy.TfyIOError.  The file is closed when
    the generator ends or is closed."""
    opts = _ffi.ResultReaderOptions(version=_ffi.TFY_RESULT_READER_OPTIONS_VERSION,
                                    max_line_bytes=max_line_bytes)
    reader = c_void_p()
    err = POINTER(_ffi.Error)()
    c_path = _ffi.encode(os.fsdecode(path))
    check(lib.tfy_result_reader_open(c_path, byref(opts), byref(reader), byref(err)), err)
    try:
        out = POINTER(_ffi.Result)()
        while True:
            code = lib.tfy_result_reader_next(reader, byref(out), byref(err))
            check(code, err)
            if not out:
                return
            yield _result_from_c(out.contents)
    finally:
        lib.tfy_result_reader_free(reader)


@dataclass(frozen=True)
class Problem(Record):
    """One problem of an input file (tfy_input_problem): its line (from 1;
    0 for the whole file), kind (a TFY_INPUT_PROBLEM_* number), name
    ("duplicate_custom_id", ...) and a sentence for people."""
    line: int
    kind: int
    name: str
    message: str


@dataclass(frozen=True)
class InputReport(Record):
    """What check_input() found (tfy_input_report).  problems holds the first
    max_problems; problems_total counts them all: 0 means the file is clean."""
    lines: int
    requests: int
    bytes: int
    endpoint: Optional[str]
    problems: List[Problem]
    problems_total: int

    @property
    def ok(self) -> bool:
        return self.problems_total == 0


def _problem_from_c(p: _ffi.InputProblem) -> Problem:
    return Problem(line=p.line, kind=p.kind, name=lib.tfy_input_problem_name(p.kind).decode(),
                   message=text(p.message) or "")


def check_input(path: str | os.PathLike, *, endpoint: Optional[str] = None,
                max_requests: int = 0, max_bytes: int = 0, max_problems: int = 0,
                max_line_bytes: int = 0, provider_kind: str = "openai") -> InputReport:
    """Check a batch input file before uploading it, as the Batch API would:
    each line a JSON object with a unique non-empty custom_id, method POST,
    url equal to endpoint (None: the first line's url) and an object body
    with the same model on every line (a chat completion's messages an
    array); at most max_requests requests and max_bytes bytes (0: the API's
    50,000 and 200 MiB; tfy.NONE: no limit), and 50,000 embedding inputs.
    provider_kind ("openai", "azure", "bedrock" or "vertex") adds that
    provider's rules: Bedrock takes 100 requests at least, Vertex lets a
    line omit method, url and body.model.  A Problem's name is the code the
    Batch API gives the fault ("invalid_request", "mismatched_url", ...).
    Sends nothing.  Raises tfy.TfyIOError when the file cannot be read,
    ValueError for another provider_kind."""
    if provider_kind not in _ffi.TFY_PROVIDER_KINDS:
        raise ValueError("provider_kind must be one of " + ", ".join(_ffi.TFY_PROVIDER_KINDS))
    opts = _ffi.InputCheckOptions(version=_ffi.TFY_INPUT_CHECK_OPTIONS_VERSION,
                                  endpoint=_ffi.encode(endpoint), max_requests=max_requests,
                                  max_bytes=max_bytes, max_problems=max_problems,
                                  max_line_bytes=max_line_bytes,
                                  provider_kind=_ffi.TFY_PROVIDER_KINDS[provider_kind])
    out = POINTER(_ffi.InputReport)()
    err = POINTER(_ffi.Error)()
    c_path = _ffi.encode(os.fsdecode(path))
    check(lib.tfy_input_check_path(c_path, byref(opts), byref(out), byref(err)), err)
    try:
        r = out.contents
        return InputReport(lines=r.lines, requests=r.requests, bytes=r.bytes,
                           endpoint=text(r.endpoint),
                           problems=[_problem_from_c(r.problems[i].contents)
                                     for i in range(r.problems_count)],
                           problems_total=r.problems_total)
    finally:
        lib.tfy_input_report_free(out)
