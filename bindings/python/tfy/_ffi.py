"""ctypes mirror of libtfy's public C ABI (include/tfy/*.h).

Every Structure here matches its C struct field for field, padding fields
included, so that sizes and offsets agree on every platform that libtfy
supports.  Nothing outside this module touches ctypes.
"""

from __future__ import annotations

import ctypes
import os
import sysconfig
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int32, c_int64,
                    c_size_t, c_uint32, c_void_p)

#: Major version of libtfy this binding was written against.
EXPECTED_MAJOR = 1
#: Oldest minor version (within EXPECTED_MAJOR) that has every symbol used here.
MINIMUM_MINOR = 2

TFY_CLIENT_OPTIONS_VERSION = 2
#: The tfy_request_options this binding mirrors (2: cancel_token, libtfy 1.3);
#: a libtfy 1.2 is given version 1 (REQUEST_OPTIONS_VERSION, below).
TFY_REQUEST_OPTIONS_VERSION = 2
TFY_BATCHES_LIST_OPTIONS_VERSION = 2
TFY_BATCHES_CREATE_OPTIONS_VERSION = 1
TFY_BATCH_WAIT_OPTIONS_VERSION = 1
#: The upload and download options this binding mirrors (2: progress, libtfy
#: 1.3); a library without the progress callback is given version 1
#: (TRANSFER_OPTIONS_VERSION, below).
TFY_FILES_UPLOAD_OPTIONS_VERSION = 2
TFY_FILES_DOWNLOAD_OPTIONS_VERSION = 2
TFY_RESULT_READER_OPTIONS_VERSION = 1
TFY_INPUT_CHECK_OPTIONS_VERSION = 2
#: tfy_input_check_options.provider_kind (since 1.3).
TFY_PROVIDER_KINDS = {"openai": 0, "azure": 1, "bedrock": 2, "vertex": 3}
#: tfy_batches_list_options.missing_has_more (since 1.1).
TFY_MISSING_HAS_MORE_DEFAULT = 0
TFY_MISSING_HAS_MORE_CONTINUE = 1
TFY_MISSING_HAS_MORE_STOP = 2
#: Turns a feature off in an options struct (max_retries, prefetch, stall_timeout_ms).
TFY_NONE = -1

TFY_RETRY_AFTER_DEFAULT = 0
TFY_RETRY_AFTER_FAIL = 1
TFY_RETRY_AFTER_CLAMP = 2
TFY_RETRY_AFTER_IGNORE = 3
TFY_CREDENTIAL_MAX = 16384


class OptInt64(Structure):
    _fields_ = [("value", c_int64), ("present", c_int32), ("reserved_", c_int32)]


class Error(Structure):
    _fields_ = [
        ("code", c_int32),
        ("http_status", c_int32),
        ("attempts", c_int32),
        ("reserved_", c_int32),
        ("message", c_char_p),
        ("api_type", c_char_p),
        ("api_code", c_char_p),
        ("api_param", c_char_p),
        ("api_message", c_char_p),
        ("request_id", c_char_p),
        ("detail", c_char_p),
        ("body", c_char_p),
        ("retry_after_ms", c_int64),
    ]


class BatchError(Structure):
    _fields_ = [("code", c_char_p), ("message", c_char_p), ("param", c_char_p),
                ("line", OptInt64)]


class MetadataEntry(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p)]


class RequestCounts(Structure):
    _fields_ = [("total", OptInt64), ("completed", OptInt64), ("failed", OptInt64)]


class Usage(Structure):
    _fields_ = [("input_tokens", OptInt64), ("cached_tokens", OptInt64),
                ("output_tokens", OptInt64), ("reasoning_tokens", OptInt64),
                ("total_tokens", OptInt64)]


class Batch(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("object", c_char_p),
        ("endpoint", c_char_p),
        ("model", c_char_p),
        ("input_file_id", c_char_p),
        ("completion_window", c_char_p),
        ("status", c_int32),
        ("reserved_", c_int32),
        ("status_raw", c_char_p),
        ("output_file_id", c_char_p),
        ("error_file_id", c_char_p),
        ("created_at", OptInt64),
        ("in_progress_at", OptInt64),
        ("expires_at", OptInt64),
        ("finalizing_at", OptInt64),
        ("completed_at", OptInt64),
        ("failed_at", OptInt64),
        ("expired_at", OptInt64),
        ("cancelling_at", OptInt64),
        ("cancelled_at", OptInt64),
        ("request_counts", POINTER(RequestCounts)),
        ("usage", POINTER(Usage)),
        ("errors_object", c_char_p),
        ("errors_count", c_size_t),
        ("errors", POINTER(POINTER(BatchError))),
        ("metadata_count", c_size_t),
        ("metadata", POINTER(POINTER(MetadataEntry))),
        ("metadata_json", c_char_p),
        ("raw_json", c_char_p),
    ]


class Page(Structure):
    _fields_ = [
        ("object", c_char_p),
        ("count", c_size_t),
        ("items", POINTER(POINTER(Batch))),
        ("first_id", c_char_p),
        ("last_id", c_char_p),
        ("has_more", c_int32),
        ("has_more_present", c_int32),
        ("request_id", c_char_p),
        ("extra_json", c_char_p),
        ("http_status", c_int32),
        ("reserved_", c_int32),
    ]


class Pair(Structure):
    _fields_ = [("name", c_char_p), ("value", c_char_p)]


LOG_FN = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)
CANCEL_FN = CFUNCTYPE(c_int32, c_void_p)


class RetryInfo(Structure):
    _fields_ = [
        ("attempt", c_int32),
        ("http_status", c_int32),
        ("code", c_int32),
        ("reserved_", c_int32),
        ("delay_ms", c_int64),
        ("reason", c_char_p),
    ]


CREDENTIAL_FN = CFUNCTYPE(c_int32, c_void_p, c_int32, c_void_p, c_size_t)
RETRY_FN = CFUNCTYPE(c_int32, c_void_p, POINTER(RetryInfo))


class RequestOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_uint32),
        ("provider_name", c_char_p),
        ("provider_model", c_char_p),
        ("azure_api_version", c_char_p),
        ("vertex_region", c_char_p),
        ("vertex_storage_bucket_name", c_char_p),
        ("aws_s3_bucket", c_char_p),
        ("aws_bedrock_model", c_char_p),
        ("metadata_header_json", c_char_p),
        ("metadata_header", POINTER(Pair)),
        ("metadata_header_count", c_size_t),
        ("headers", POINTER(Pair)),
        ("headers_count", c_size_t),
        ("query_params", POINTER(Pair)),
        ("query_params_count", c_size_t),
        ("deadline_ms", c_int64),
        ("cancel", CANCEL_FN),
        ("cancel_userdata", c_void_p),
        ("max_retries", c_int32),
        ("reserved2_", c_int32),
        ("timeout_ms", c_int64),
        # Version 2 (1.3): read by the library only when version says 2.
        ("cancel_token", c_void_p),
    ]


class ClientOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_uint32),
        ("base_url", c_char_p),
        ("api_key", c_char_p),
        ("connect_timeout_ms", c_int64),
        ("timeout_ms", c_int64),
        ("stall_timeout_ms", c_int64),
        ("retry_after_max_ms", c_int64),
        ("max_response_bytes", c_int64),
        ("max_retries", c_int32),
        ("tls_insecure", c_int32),
        ("follow_redirects", c_int32),
        ("log_level", c_int32),
        ("ca_file", c_char_p),
        ("ca_path", c_char_p),
        ("log", LOG_FN),
        ("log_userdata", c_void_p),
        ("auth_header", c_char_p),
        ("request_defaults", POINTER(RequestOptions)),
        ("proxy", c_char_p),
        ("no_proxy", c_char_p),
        ("proxy_credentials", c_char_p),
        ("tls_client_cert", c_char_p),
        ("tls_client_key", c_char_p),
        ("tls_client_key_password", c_char_p),
        ("credential", CREDENTIAL_FN),
        ("credential_userdata", c_void_p),
        ("on_retry", RETRY_FN),
        ("on_retry_userdata", c_void_p),
        ("retry_initial_backoff_ms", c_int64),
        ("retry_max_backoff_ms", c_int64),
        ("retry_after_policy", c_int32),
        ("proxy_env", c_int32),
        ("keep_headers", POINTER(c_char_p)),
        ("keep_headers_count", c_size_t),
    ]


class ListOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("limit", c_int32),
        ("after", c_char_p),
        ("request", POINTER(RequestOptions)),
        ("max_items", c_int64),
        ("max_pages", c_int64),
        ("prefetch", c_int32),
        ("reserved_", c_int32),
        ("missing_has_more", c_int32),
        ("reserved2_", c_int32),
    ]


class CreateOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_uint32),
        ("input_file_id", c_char_p),
        ("endpoint", c_char_p),
        ("completion_window", c_char_p),
        ("metadata", POINTER(Pair)),
        ("metadata_count", c_size_t),
        ("output_expires_after_seconds", c_int64),
        ("request", POINTER(RequestOptions)),
        ("reconcile", c_int32),
        ("reserved2_", c_int32),
    ]


READ_FN = CFUNCTYPE(c_int64, c_void_p, c_void_p, c_size_t)
WRITE_FN = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t)
REWIND_FN = CFUNCTYPE(c_int32, c_void_p)


class TransferProgress(Structure):
    _fields_ = [
        ("phase", c_int32),
        ("reserved_", c_int32),
        ("bytes_done", c_int64),
        ("bytes_total", c_int64),
        ("elapsed_ms", c_int64),
    ]


#: tfy_transfer_progress.phase (since 1.3).
TFY_TRANSFER_PHASES = {0: "sending", 1: "receiving", 2: "done"}
TRANSFER_PROGRESS_FN = CFUNCTYPE(c_int32, c_void_p, POINTER(TransferProgress))


class File(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("object", c_char_p),
        ("bytes", OptInt64),
        ("created_at", OptInt64),
        ("expires_at", OptInt64),
        ("filename", c_char_p),
        ("purpose", c_char_p),
        ("status", c_char_p),
        ("status_details", c_char_p),
        ("raw_json", c_char_p),
    ]


class UploadOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_int32),
        ("path", c_char_p),
        ("read", READ_FN),
        ("read_userdata", c_void_p),
        ("rewind", REWIND_FN),
        ("size", c_int64),
        ("filename", c_char_p),
        ("purpose", c_char_p),
        ("content_type", c_char_p),
        ("request", POINTER(RequestOptions)),
        # Version 2 (1.3): read by the library only when version says 2.
        ("progress", TRANSFER_PROGRESS_FN),
        ("progress_userdata", c_void_p),
    ]


class DownloadOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_int32),
        ("path", c_char_p),
        ("write", WRITE_FN),
        ("write_userdata", c_void_p),
        ("expected_bytes", c_int64),
        ("request", POINTER(RequestOptions)),
        ("overwrite", c_int32),
        ("reserved2_", c_int32),
        # Version 2 (1.3): read by the library only when version says 2.
        ("progress", TRANSFER_PROGRESS_FN),
        ("progress_userdata", c_void_p),
    ]


# ---- listing files (libtfy 1.3) --------------------------------------------

TFY_FILES_LIST_OPTIONS_VERSION = 1
#: The largest page of files (TFY_FILES_LIMIT_MAX).
TFY_FILES_LIMIT_MAX = 10000


class FilesListOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("limit", c_int32),
        ("after", c_char_p),
        ("order", c_char_p),
        ("purpose", c_char_p),
        ("request", POINTER(RequestOptions)),
        ("max_items", c_int64),
        ("max_pages", c_int64),
        ("prefetch", c_int32),
        ("missing_has_more", c_int32),
    ]


class FilePage(Structure):
    _fields_ = [
        ("object", c_char_p),
        ("count", c_size_t),
        ("items", POINTER(POINTER(File))),
        ("first_id", c_char_p),
        ("last_id", c_char_p),
        ("has_more", c_int32),
        ("has_more_present", c_int32),
        ("request_id", c_char_p),
        ("extra_json", c_char_p),
        ("http_status", c_int32),
        ("reserved_", c_int32),
    ]


def _declare_files_list(lib: ctypes.CDLL, fn, err_out) -> None:
    """Since 1.3: declared when the library has them (a 1.2 library loads too)."""
    if not hasattr(lib, "tfy_files_list"):
        return
    fn("tfy_files_list_options_init", c_int32, POINTER(FilesListOptions), c_uint32)
    fn("tfy_files_list", c_int32, c_void_p, POINTER(FilesListOptions),
       POINTER(POINTER(FilePage)), err_out)
    fn("tfy_file_page_free", None, POINTER(FilePage))
    fn("tfy_file_iter_new", c_int32, c_void_p, POINTER(FilesListOptions), POINTER(c_void_p),
       err_out)
    fn("tfy_file_iter_next", c_int32, c_void_p, POINTER(POINTER(File)), err_out)
    fn("tfy_file_iter_next_page", c_int32, c_void_p, POINTER(POINTER(POINTER(File))),
       POINTER(c_size_t), err_out)
    fn("tfy_file_iter_free", None, c_void_p)


class ResultReaderOptions(Structure):
    _fields_ = [("version", c_uint32), ("reserved_", c_int32), ("max_line_bytes", c_int64)]


class Result(Structure):
    _fields_ = [
        ("line", c_int64),
        ("id", c_char_p),
        ("custom_id", c_char_p),
        ("status_code", c_int32),
        ("reserved_", c_int32),
        ("request_id", c_char_p),
        ("body_json", c_void_p),
        ("body_json_len", c_size_t),
        ("error_code", c_char_p),
        ("error_message", c_char_p),
        ("line_json", c_void_p),
        ("line_len", c_size_t),
    ]


class InputCheckOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_int32),
        ("endpoint", c_char_p),
        ("max_requests", c_int64),
        ("max_bytes", c_int64),
        ("max_problems", c_int64),
        ("max_line_bytes", c_int64),
        ("provider_kind", c_int32),
        ("reserved2_", c_int32),
    ]


class InputProblem(Structure):
    _fields_ = [("line", c_int64), ("kind", c_int32), ("reserved_", c_int32),
                ("message", c_char_p)]


class InputReport(Structure):
    _fields_ = [
        ("lines", c_int64),
        ("requests", c_int64),
        ("bytes", c_int64),
        ("endpoint", c_char_p),
        ("problems_count", c_size_t),
        ("problems", POINTER(POINTER(InputProblem))),
        ("problems_total", c_int64),
    ]


PROGRESS_FN = CFUNCTYPE(c_int32, c_void_p, POINTER(Batch))


class WaitOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_uint32),
        ("timeout_ms", c_int64),
        ("poll_initial_ms", c_int64),
        ("poll_max_ms", c_int64),
        ("on_progress", PROGRESS_FN),
        ("progress_userdata", c_void_p),
        ("request", POINTER(RequestOptions)),
    ]


#: The soname of the major version this binding was written against.
SONAME = f"libtfy.so.{EXPECTED_MAJOR}"


def _installed_libdir() -> str | None:
    """The library directory of the prefix meson installed this package with
    (-Dpython=enabled writes tfy/_install.py); None for other installs."""
    try:
        from . import _install
    except ImportError:
        return None
    return _install.LIBDIR


def _prefix_libdir(prefix: str) -> str:
    """Where meson installs libtfy under prefix: its libdir, lib/<multiarch>
    on Debian and Ubuntu (lib/x86_64-linux-gnu), else lib."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    return os.path.join(prefix, "lib", multiarch) if multiarch else os.path.join(prefix, "lib")


def _open_library() -> tuple[ctypes.CDLL, str]:
    """$TFY_LIBRARY (a path) alone when set; else the dynamic loader's search
    for the soname (LD_LIBRARY_PATH, ldconfig, the system directories); else
    the library directory of the prefix this package was installed with."""
    path = os.environ.get("TFY_LIBRARY")
    if path:
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            raise ImportError(f"cannot load libtfy from TFY_LIBRARY={path!r}: {e}") from e
    tried = []
    candidates = [SONAME]
    libdir = _installed_libdir()
    if libdir:
        candidates.append(os.path.join(libdir, SONAME))
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate), candidate
        except OSError as e:
            tried.append(f"{candidate}: {e}")
    example = os.path.join(_prefix_libdir("/usr/local"), SONAME)
    raise ImportError("libtfy not found: set TFY_LIBRARY to the path of "
                      f"{SONAME}, which meson installs in PREFIX's library directory "
                      f"(TFY_LIBRARY={example} for the default prefix /usr/local; "
                      f"{os.path.join(_prefix_libdir('PREFIX'), SONAME)} for "
                      "meson setup --prefix=PREFIX), or install libtfy where the dynamic "
                      f"linker finds it (tried {'; '.join(tried)})")


def _declare(lib: ctypes.CDLL) -> None:
    def fn(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = list(argtypes)

    err_out = POINTER(POINTER(Error))
    fn("tfy_version", c_char_p)
    fn("tfy_version_number", c_int32)
    fn("tfy_strerror", c_char_p, c_int32)
    fn("tfy_error_free", None, POINTER(Error))
    fn("tfy_request_options_init", c_int32, POINTER(RequestOptions), c_uint32)
    fn("tfy_client_options_init", c_int32, POINTER(ClientOptions), c_uint32)
    fn("tfy_client_new", c_int32, POINTER(ClientOptions), POINTER(c_void_p), err_out)
    fn("tfy_client_free", None, c_void_p)
    fn("tfy_client_base_url", c_char_p, c_void_p)
    fn("tfy_batches_list_options_init", c_int32, POINTER(ListOptions), c_uint32)
    fn("tfy_batches_list", c_int32, c_void_p, POINTER(ListOptions), POINTER(POINTER(Page)),
       err_out)
    fn("tfy_batch_page_free", None, POINTER(Page))
    fn("tfy_batch_page_get", POINTER(Batch), POINTER(Page), c_size_t)
    fn("tfy_batch_page_parse", c_int32, c_char_p, c_size_t, POINTER(POINTER(Page)), err_out)
    fn("tfy_batch_dup", POINTER(Batch), POINTER(Batch))
    fn("tfy_batch_free", None, POINTER(Batch))
    fn("tfy_batch_parse", c_int32, c_char_p, c_size_t, POINTER(POINTER(Batch)), err_out)
    fn("tfy_batch_status_name", c_char_p, c_int32)
    fn("tfy_batch_status_parse", c_int32, c_char_p)
    fn("tfy_batch_time_converted", c_int32, POINTER(Batch), POINTER(OptInt64))
    fn("tfy_batch_iter_new", c_int32, c_void_p, POINTER(ListOptions), POINTER(c_void_p),
       err_out)
    fn("tfy_batch_iter_next", c_int32, c_void_p, POINTER(POINTER(Batch)), err_out)
    fn("tfy_batch_iter_next_page", c_int32, c_void_p, POINTER(POINTER(POINTER(Batch))),
       POINTER(c_size_t), err_out)
    fn("tfy_batch_iter_cursor", c_char_p, c_void_p)
    fn("tfy_batch_iter_pages", c_int64, c_void_p)
    fn("tfy_batch_iter_items", c_int64, c_void_p)
    fn("tfy_batch_iter_free", None, c_void_p)
    batch_out = POINTER(POINTER(Batch))
    fn("tfy_batches_create_options_init", c_int32, POINTER(CreateOptions), c_uint32)
    fn("tfy_batches_create", c_int32, c_void_p, POINTER(CreateOptions), batch_out, err_out)
    fn("tfy_batches_retrieve", c_int32, c_void_p, c_char_p, POINTER(RequestOptions), batch_out,
       err_out)
    fn("tfy_batches_cancel", c_int32, c_void_p, c_char_p, POINTER(RequestOptions), batch_out,
       err_out)
    fn("tfy_batch_wait_options_init", c_int32, POINTER(WaitOptions), c_uint32)
    fn("tfy_batch_wait", c_int32, c_void_p, c_char_p, POINTER(WaitOptions), batch_out, err_out)
    fn("tfy_batch_status_is_terminal", c_int32, c_int32)
    # Since 1.2: declared when the library has them (a 1.1 library loads too).
    if hasattr(lib, "tfy_files_upload"):
        fn("tfy_file_free", None, POINTER(File))
        fn("tfy_files_upload_options_init", c_int32, POINTER(UploadOptions), c_uint32)
        fn("tfy_files_upload", c_int32, c_void_p, POINTER(UploadOptions),
           POINTER(POINTER(File)), err_out)
        fn("tfy_files_retrieve", c_int32, c_void_p, c_char_p, POINTER(RequestOptions),
           POINTER(POINTER(File)), err_out)
        fn("tfy_files_delete", c_int32, c_void_p, c_char_p, POINTER(RequestOptions), err_out)
        fn("tfy_files_download_options_init", c_int32, POINTER(DownloadOptions), c_uint32)
        fn("tfy_files_download", c_int32, c_void_p, c_char_p, POINTER(DownloadOptions),
           err_out)
    if hasattr(lib, "tfy_result_reader_open"):
        fn("tfy_result_reader_open", c_int32, c_char_p, POINTER(ResultReaderOptions),
           POINTER(c_void_p), err_out)
        fn("tfy_result_reader_next", c_int32, c_void_p, POINTER(POINTER(Result)), err_out)
        fn("tfy_result_reader_free", None, c_void_p)
        fn("tfy_input_check_path", c_int32, c_char_p, POINTER(InputCheckOptions),
           POINTER(POINTER(InputReport)), err_out)
        fn("tfy_input_problem_name", c_char_p, c_int32)
        fn("tfy_input_report_free", None, POINTER(InputReport))
    _declare_files_list(lib, fn, err_out)
    if hasattr(lib, "tfy_cancel_token_new"):
        fn("tfy_cancel_token_new", c_int32, POINTER(c_void_p))
        fn("tfy_cancel_token_cancel", None, c_void_p)
        fn("tfy_cancel_token_free", None, c_void_p)
    fn("tfy_batch_page_header", c_char_p, POINTER(Page), c_char_p)
    fn("tfy_batch_header", c_char_p, POINTER(Batch), c_char_p)
    fn("tfy_error_header", c_char_p, POINTER(Error), c_char_p)


def _load() -> ctypes.CDLL:
    lib, path = _open_library()
    _declare(lib)
    number = lib.tfy_version_number()
    major, minor = number // 10000, number // 100 % 100
    if major != EXPECTED_MAJOR or minor < MINIMUM_MINOR:
        raise ImportError(
            f"libtfy {lib.tfy_version().decode()} at {path!r} is not compatible with this "
            f"binding, which needs {EXPECTED_MAJOR}.x (x >= {MINIMUM_MINOR})")
    return lib


lib = _load()
#: libtfy 1.3's cancel token (tfy_cancel_token_*), with the fork detection.
HAVE_TOKEN = hasattr(lib, "tfy_cancel_token_new")
#: The tfy_request_options version given to the loaded library.
REQUEST_OPTIONS_VERSION = TFY_REQUEST_OPTIONS_VERSION if HAVE_TOKEN else 1


def _knows_transfer_progress() -> bool:
    """Whether the library reads version 2 of the upload options (its
    progress callback): an older one refuses the version in _init."""
    if not hasattr(lib, "tfy_files_upload_options_init"):
        return False
    probe = UploadOptions()
    return lib.tfy_files_upload_options_init(ctypes.byref(probe),
                                             TFY_FILES_UPLOAD_OPTIONS_VERSION) == 0


#: libtfy 1.3's progress callback of uploads and downloads.
HAVE_TRANSFER_PROGRESS = _knows_transfer_progress()
#: The upload and download options version given to the loaded library.
TRANSFER_OPTIONS_VERSION = 2 if HAVE_TRANSFER_PROGRESS else 1


def text(b: bytes | None) -> str | None:
    """A borrowed C string as str (copied), None for NULL."""
    return None if b is None else b.decode("utf-8", errors="replace")


def encode(s: str | None) -> bytes | None:
    if s is None:
        return None
    if not isinstance(s, str):
        raise TypeError(f"expected str or None, got {type(s).__name__}")
    b = s.encode("utf-8")
    if b"\0" in b:
        raise ValueError("string contains a NUL character")
    return b


# ---- Webhooks (libtfy 1.3, include/tfy/webhook.h): the mirror and the
# prototypes in this one block, declared only when the library has them.
TFY_WEBHOOK_VERIFY_OPTIONS_VERSION = 1


class WebhookVerifyOptions(Structure):
    _fields_ = [("version", c_uint32), ("reserved_", c_int32), ("tolerance_seconds", c_int64),
                ("now", c_int64)]


class WebhookEvent(Structure):
    _fields_ = [
        ("type", c_char_p),
        ("id", c_char_p),
        ("object", c_char_p),
        ("created_at", OptInt64),
        ("data_id", c_char_p),
        ("batch_status", c_int32),
        ("reserved_", c_int32),
        ("timestamp", c_int64),
        ("webhook_id", c_char_p),
        ("raw_json", c_char_p),
    ]


if hasattr(lib, "tfy_webhook_verify"):
    lib.tfy_webhook_verify_options_init.restype = c_int32
    lib.tfy_webhook_verify_options_init.argtypes = [POINTER(WebhookVerifyOptions), c_uint32]
    lib.tfy_webhook_verify.restype = c_int32
    lib.tfy_webhook_verify.argtypes = [c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, c_size_t,
                                       POINTER(WebhookVerifyOptions),
                                       POINTER(POINTER(WebhookEvent)),
                                       POINTER(POINTER(Error))]
    lib.tfy_webhook_event_free.restype = None
    lib.tfy_webhook_event_free.argtypes = [POINTER(WebhookEvent)]


# ---- Jobs (libtfy 1.3, include/tfy/job.h): the mirror and the prototypes in
# this one block, declared only when the library has them.
TFY_JOB_OPTIONS_VERSION = 1
TFY_JOB_RETRIES_DEFAULT = 2


class JobUsage(Structure):
    _fields_ = [
        ("requests", c_int64),
        ("failed", c_int64),
        ("prompt_tokens", c_int64),
        ("completion_tokens", c_int64),
        ("cached_tokens", c_int64),
        ("reasoning_tokens", c_int64),
        ("cost", c_double),
        ("has_cost", c_int32),
        ("reserved_", c_int32),
    ]


class JobShard(Structure):
    _fields_ = [
        ("round", c_int32),
        ("index", c_int32),
        ("requests", c_int64),
        ("bytes", c_int64),
        ("file_id", c_char_p),
        ("batch_id", c_char_p),
        ("status", c_char_p),
        ("usage", JobUsage),
    ]


class JobSummary(Structure):
    _fields_ = [
        ("job_id", c_char_p),
        ("directory", c_char_p),
        ("state", c_int32),
        ("rounds", c_int32),
        ("requests", c_int64),
        ("succeeded", c_int64),
        ("failed", c_int64),
        ("shards_count", c_size_t),
        ("shards", POINTER(JobShard)),
        ("usage", JobUsage),
        ("output_path", c_char_p),
        ("errors_path", c_char_p),
    ]


class JobProgress(Structure):
    _fields_ = [
        ("phase", c_int32),
        ("round", c_int32),
        ("shards", c_int64),
        ("shards_live", c_int64),
        ("shards_ended", c_int64),
        ("requests", c_int64),
        ("completed", c_int64),
        ("failed", c_int64),
        ("message", c_char_p),
    ]


JOB_PROGRESS_FN = CFUNCTYPE(c_int32, c_void_p, POINTER(JobProgress))
JOB_ESTIMATE_FN = CFUNCTYPE(c_int64, c_void_p, c_void_p, c_size_t)


class JobOptions(Structure):
    _fields_ = [
        ("version", c_uint32),
        ("reserved_", c_uint32),
        ("directory", c_char_p),
        ("input_path", c_char_p),
        ("endpoint", c_char_p),
        ("completion_window", c_char_p),
        ("max_requests", c_int64),
        ("max_bytes", c_int64),
        ("max_enqueued_tokens", c_int64),
        ("concurrency", c_int32),
        ("retries", c_int32),
        ("provider_kind", c_int32),
        ("reserved2_", c_int32),
        ("estimate", JOB_ESTIMATE_FN),
        ("estimate_userdata", c_void_p),
        ("price_path", c_char_p),
        ("progress", JOB_PROGRESS_FN),
        ("progress_userdata", c_void_p),
        ("request", POINTER(RequestOptions)),
    ]


if hasattr(lib, "tfy_job_open"):
    _job_err = POINTER(POINTER(Error))
    lib.tfy_job_options_init.restype = c_int32
    lib.tfy_job_options_init.argtypes = [POINTER(JobOptions), c_uint32]
    lib.tfy_job_open.restype = c_int32
    lib.tfy_job_open.argtypes = [c_void_p, POINTER(JobOptions), POINTER(c_void_p), _job_err]
    lib.tfy_job_run.restype = c_int32
    lib.tfy_job_run.argtypes = [c_void_p, _job_err]
    lib.tfy_job_status.restype = c_int32
    lib.tfy_job_status.argtypes = [c_void_p, POINTER(POINTER(JobSummary)), _job_err]
    lib.tfy_job_cancel.restype = c_int32
    lib.tfy_job_cancel.argtypes = [c_void_p, _job_err]
    lib.tfy_job_free.restype = None
    lib.tfy_job_free.argtypes = [c_void_p]
    lib.tfy_job_summary_free.restype = None
    lib.tfy_job_summary_free.argtypes = [POINTER(JobSummary)]


# ---- The event-loop API (libtfy 1.3, include/tfy/async.h), for tfy.aio:
# the mirror and the prototypes in this one block, declared only when the
# library has them.
TFY_ASYNC_HOOKS_VERSION = 1
TFY_ASYNC_WATCH_READ = 1
TFY_ASYNC_WATCH_WRITE = 2
TFY_ASYNC_WATCH_ERROR = 4
ASYNC_WATCH_FN = CFUNCTYPE(c_int32, c_void_p, ctypes.c_int, c_int32)
ASYNC_TIMER_FN = CFUNCTYPE(c_int32, c_void_p, c_int64)


class AsyncHooks(Structure):
    _fields_ = [("version", c_uint32), ("reserved_", c_uint32), ("watch", ASYNC_WATCH_FN),
                ("timer", ASYNC_TIMER_FN), ("userdata", c_void_p)]


ASYNC_BATCH_FN = CFUNCTYPE(None, c_void_p, c_int32, POINTER(Batch), POINTER(Error))
ASYNC_BATCH_PAGE_FN = CFUNCTYPE(None, c_void_p, c_int32, POINTER(Page), POINTER(Error))
ASYNC_FILE_FN = CFUNCTYPE(None, c_void_p, c_int32, POINTER(File), POINTER(Error))
ASYNC_FILE_PAGE_FN = CFUNCTYPE(None, c_void_p, c_int32, POINTER(FilePage), POINTER(Error))
ASYNC_DONE_FN = CFUNCTYPE(None, c_void_p, c_int32, POINTER(Error))
ASYNC_BATCHES_FN = CFUNCTYPE(c_int32, c_void_p, c_int32, POINTER(POINTER(Batch)), c_size_t,
                             POINTER(Error))
ASYNC_FILES_FN = CFUNCTYPE(c_int32, c_void_p, c_int32, POINTER(POINTER(File)), c_size_t,
                           POINTER(Error))

#: libtfy 1.3's event-loop API (tfy.aio).
HAVE_ASYNC = hasattr(lib, "tfy_async_new")


def _declare_async() -> None:
    def fn(name, restype, *argtypes):
        f = getattr(lib, name, None)
        if f is None:  # a library that has part of the API: the rest raises AttributeError
            return
        f.restype = restype
        f.argtypes = list(argtypes)

    err_out = POINTER(POINTER(Error))
    call_out = POINTER(c_void_p)
    fn("tfy_async_new", c_int32, c_void_p, POINTER(AsyncHooks), POINTER(c_void_p), err_out)
    fn("tfy_async_free", None, c_void_p)
    fn("tfy_async_socket_ready", None, c_void_p, ctypes.c_int, c_int32)
    fn("tfy_async_timer_fired", None, c_void_p)
    fn("tfy_async_pending", c_int64, c_void_p)
    fn("tfy_async_call_cancel", None, c_void_p)
    tail = (c_void_p, call_out, err_out)  # userdata, the call's handle, the error
    request = POINTER(RequestOptions)
    fn("tfy_batches_list_start", c_int32, c_void_p, POINTER(ListOptions), ASYNC_BATCH_PAGE_FN,
       *tail)
    fn("tfy_batches_create_start", c_int32, c_void_p, POINTER(CreateOptions), ASYNC_BATCH_FN,
       *tail)
    for name in ("tfy_batches_retrieve_start", "tfy_batches_cancel_start"):
        fn(name, c_int32, c_void_p, c_char_p, request, ASYNC_BATCH_FN, *tail)
    fn("tfy_batch_wait_start", c_int32, c_void_p, c_char_p, POINTER(WaitOptions), ASYNC_BATCH_FN,
       *tail)
    fn("tfy_files_upload_start", c_int32, c_void_p, POINTER(UploadOptions), ASYNC_FILE_FN, *tail)
    fn("tfy_files_retrieve_start", c_int32, c_void_p, c_char_p, request, ASYNC_FILE_FN, *tail)
    fn("tfy_files_delete_start", c_int32, c_void_p, c_char_p, request, ASYNC_DONE_FN, *tail)
    fn("tfy_files_download_start", c_int32, c_void_p, c_char_p, POINTER(DownloadOptions),
       ASYNC_DONE_FN, *tail)
    fn("tfy_files_list_start", c_int32, c_void_p, POINTER(FilesListOptions), ASYNC_FILE_PAGE_FN,
       *tail)
    fn("tfy_batch_iter_start", c_int32, c_void_p, POINTER(ListOptions), ASYNC_BATCHES_FN, *tail)
    fn("tfy_file_iter_start", c_int32, c_void_p, POINTER(FilesListOptions), ASYNC_FILES_FN,
       *tail)


if HAVE_ASYNC:
    _declare_async()
