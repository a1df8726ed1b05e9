// A Rust program using libtfy through bindgen's bindings: lists every batch
// with an iterator, retrieves one, and turns a 404 into a typed error.
//
// Build and run against an installed libtfy, without cargo (docs/ffi.md):
//
//   bindgen --size_t-is-usize --no-layout-tests --allowlist-function 'tfy_.*' \
//       --allowlist-type 'tfy_.*' --allowlist-var 'TFY_.*' \
//       PREFIX/include/tfy/tfy.h -o bindings.rs -- $(pkg-config --cflags tfy)
//   OUT_DIR=$PWD rustc --edition 2018 -O main.rs -o tfy-rust $(pkg-config --libs tfy)
//   ./tfy-rust BASE_URL API_KEY
#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case, dead_code)]

mod ffi {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

use ffi::*;
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_char;
use std::ptr;

/// A failed libtfy call: the fields of its tfy_error, copied.
#[derive(Debug)]
struct TfyError {
    code: tfy_code,
    http_status: i32,
    message: String,
    request_id: Option<String>,
}

unsafe fn string(s: *const c_char) -> Option<String> {
    if s.is_null() {
        None
    } else {
        Some(CStr::from_ptr(s).to_string_lossy().into_owned())
    }
}

impl TfyError {
    /// Copies a call's error and frees it.
    unsafe fn take(code: tfy_code, err: *mut tfy_error) -> TfyError {
        let mut e = TfyError {
            code,
            http_status: 0,
            message: string(tfy_strerror(code)).unwrap_or_default(),
            request_id: None,
        };
        if !err.is_null() {
            e.http_status = (*err).http_status;
            e.message = string((*err).message).unwrap_or_default();
            e.request_id = string((*err).request_id);
            tfy_error_free(err);
        }
        e
    }
}

impl fmt::Display for TfyError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} (code {}, HTTP {})", self.message, self.code, self.http_status)
    }
}

impl std::error::Error for TfyError {}

/// Runs a call that fills `err` on failure.
fn check(f: impl FnOnce(*mut *mut tfy_error) -> tfy_code) -> Result<(), TfyError> {
    let mut err: *mut tfy_error = ptr::null_mut();
    match f(&mut err) {
        TFY_OK => Ok(()),
        code => Err(unsafe { TfyError::take(code, err) }),
    }
}

/// Owns a tfy_client.
struct Client(*mut tfy_client);

impl Drop for Client {
    fn drop(&mut self) {
        unsafe { tfy_client_free(self.0) }
    }
}

/// What this program keeps of a batch.
struct Batch {
    id: String,
    status: tfy_batch_status,
}

impl Batch {
    unsafe fn of(b: *const tfy_batch) -> Batch {
        Batch { id: string((*b).id).unwrap_or_default(), status: (*b).status }
    }
}

impl Client {
    fn new(base_url: &str, api_key: &str) -> Result<Client, TfyError> {
        let url = CString::new(base_url).expect("base URL");
        let key = CString::new(api_key).expect("API key");
        let mut opts: tfy_client_options = unsafe { std::mem::zeroed() };
        unsafe { tfy_client_options_init(&mut opts, TFY_CLIENT_OPTIONS_VERSION) };
        opts.base_url = url.as_ptr();
        opts.api_key = key.as_ptr();
        let mut c: *mut tfy_client = ptr::null_mut();
        check(|err| unsafe { tfy_client_new(&opts, &mut c, err) })?;
        Ok(Client(c))
    }

    /// Calls f with every batch, pages of `limit`.
    fn each(&self, limit: i32, mut f: impl FnMut(Batch)) -> Result<(), TfyError> {
        let mut opts: tfy_batches_list_options = unsafe { std::mem::zeroed() };
        unsafe { tfy_batches_list_options_init(&mut opts, TFY_BATCHES_LIST_OPTIONS_VERSION) };
        opts.limit = limit;
        let mut it: *mut tfy_batch_iter = ptr::null_mut();
        check(|err| unsafe { tfy_batch_iter_new(self.0, &opts, &mut it, err) })?;
        let result = loop {
            let mut b: *const tfy_batch = ptr::null();
            if let Err(e) = check(|err| unsafe { tfy_batch_iter_next(it, &mut b, err) }) {
                break Err(e);
            }
            if b.is_null() {
                break Ok(());
            }
            f(unsafe { Batch::of(b) }); // b is the iterator's until the next call: copied
        };
        unsafe { tfy_batch_iter_free(it) };
        result
    }

    fn retrieve(&self, id: &str) -> Result<Batch, TfyError> {
        let id = CString::new(id).expect("batch id");
        let mut b: *mut tfy_batch = ptr::null_mut();
        check(|err| unsafe { tfy_batches_retrieve(self.0, id.as_ptr(), ptr::null(), &mut b, err) })?;
        let batch = unsafe { Batch::of(b) };
        unsafe { tfy_batch_free(b) };
        Ok(batch)
    }
}

fn run(base_url: &str, api_key: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(base_url, api_key)?;
    let mut ids = Vec::new();
    client.each(10, |b| ids.push(b.id))?;
    println!("listed {} batches", ids.len());
    let b = client.retrieve(&ids[0])?;
    // The status constants have the type of the field: no cast.
    let state = match b.status {
        TFY_BATCH_STATUS_COMPLETED => "completed",
        TFY_BATCH_STATUS_FAILED | TFY_BATCH_STATUS_EXPIRED | TFY_BATCH_STATUS_CANCELLED => "ended",
        _ => "other",
    };
    println!("retrieved {}: {}", b.id, state);
    match client.retrieve("batch_missing") {
        Err(e) if e.code == TFY_ERROR_NOT_FOUND => {
            println!("not found: TfyError code={} http_status={}: {}", e.code, e.http_status, e.message);
            Ok(())
        }
        Err(e) => Err(e.into()),
        Ok(_) => Err("batch_missing was found".into()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: tfy-rust BASE_URL API_KEY");
        std::process::exit(2);
    }
    if let Err(e) = run(&args[1], &args[2]) {
        eprintln!("tfy-rust: {}", e);
        std::process::exit(1);
    }
}
