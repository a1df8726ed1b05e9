// ffi-enum-types: the enum constants of the headers, as bindgen gives them
// to Rust, have the type of the int32_t fields and typedefs that hold them
// (tfy_code, tfy_batch_status, ...), so they compare, match and assign
// without a cast.  Built by enum_types.sh: bindings.rs is bindgen's output
// for tfy/tfy.h, constants.rs lists every enum constant of the headers as
// an i32 (which fails to compile for a constant of any other type).
#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case, dead_code)]
#![allow(clippy::all)]

include!("bindings.rs");
include!("constants.rs");

use std::ffi::CStr;
use std::os::raw::c_char;

// A match on a code: the patterns must have the scrutinee's type.
fn describe(code: tfy_code) -> &'static str {
    match code {
        TFY_OK => "ok",
        TFY_ERROR_NOT_FOUND => "not found",
        TFY_ERROR_CANCELLED => "cancelled",
        _ => "other",
    }
}

fn status_of(name: &[u8]) -> tfy_batch_status {
    unsafe { tfy_batch_status_parse(name.as_ptr() as *const c_char) }
}

fn main() {
    assert_eq!(describe(TFY_ERROR_NOT_FOUND), "not found");

    // A status from the library against the constants, without a cast.
    let s = status_of(b"completed\0");
    assert!(s == TFY_BATCH_STATUS_COMPLETED);
    match status_of(b"in_progress\0") {
        TFY_BATCH_STATUS_IN_PROGRESS => {}
        other => panic!("in_progress parsed as {}", other),
    }

    // Constants passed where the C function takes the typedef.
    let text = unsafe { CStr::from_ptr(tfy_strerror(TFY_ERROR_NOT_FOUND)) };
    assert!(!text.to_bytes().is_empty());
    assert_eq!(unsafe { tfy_batch_status_is_terminal(TFY_BATCH_STATUS_FAILED) }, 1);

    // Constants stored in the int32_t fields of the option structs.
    let mut client_opts: tfy_client_options = unsafe { std::mem::zeroed() };
    client_opts.retry_after_policy = TFY_RETRY_AFTER_CLAMP;
    client_opts.log_level = TFY_LOG_OFF;
    let mut list_opts: tfy_batches_list_options = unsafe { std::mem::zeroed() };
    list_opts.missing_has_more = TFY_MISSING_HAS_MORE_STOP;
    let mut problem: tfy_input_problem = unsafe { std::mem::zeroed() };
    problem.kind = TFY_INPUT_PROBLEM_METHOD;
    assert!(problem.kind == TFY_INPUT_PROBLEM_METHOD && list_opts.missing_has_more == 2);

    // A code a call returns, and the code field of its error.
    let mut client: *mut tfy_client = std::ptr::null_mut();
    let mut err: *mut tfy_error = std::ptr::null_mut();
    client_opts.version = TFY_CLIENT_OPTIONS_VERSION;
    client_opts.base_url = b"not a url\0".as_ptr() as *const c_char;
    client_opts.api_key = b"k\0".as_ptr() as *const c_char;
    let rc = unsafe { tfy_client_new(&client_opts, &mut client, &mut err) };
    assert!(rc == TFY_ERROR_INVALID_ARGUMENT);
    assert!(!err.is_null() && unsafe { (*err).code } == TFY_ERROR_INVALID_ARGUMENT);
    unsafe { tfy_error_free(err) };

    // Every enum constant of the headers is an i32 (constants.rs).
    for (name, value) in CONSTANTS {
        assert!(!name.is_empty());
        let _: i32 = *value;
    }
    println!("{} enum constants are i32; codes and statuses compare without casts", CONSTANTS.len());
}
