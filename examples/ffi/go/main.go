// A Go program using libtfy through cgo: lists every batch with an
// iterator, retrieves one, and turns a 404 into a typed error.
//
// Build and run against an installed libtfy (docs/ffi.md):
//
//	PKG_CONFIG_PATH=PREFIX/lib/x86_64-linux-gnu/pkgconfig go build -o tfy-go .
//	./tfy-go BASE_URL API_KEY
package main

/*
#cgo pkg-config: tfy
#include <stdlib.h>
#include <tfy/tfy.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"unsafe"
)

// Error is a failed libtfy call: the fields of its tfy_error, copied.
type Error struct {
	Code       C.tfy_code
	HTTPStatus int
	Message    string
	RequestID  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (code %d, HTTP %d)", e.Message, e.Code, e.HTTPStatus)
}

// takeError copies a call's error into Go memory and frees it.
func takeError(code C.tfy_code, err *C.tfy_error) error {
	defer C.tfy_error_free(err)
	e := &Error{Code: code, Message: C.GoString(C.tfy_strerror(code))}
	if err != nil {
		e.HTTPStatus = int(err.http_status)
		e.Message = C.GoString(err.message)
		if err.request_id != nil {
			e.RequestID = C.GoString(err.request_id)
		}
	}
	return e
}

// Client owns a tfy_client; Close frees it.
type Client struct{ c *C.tfy_client }

func NewClient(baseURL, apiKey string) (*Client, error) {
	// The options hold C strings only: Go memory may hold C pointers.
	var opts C.tfy_client_options
	C.tfy_client_options_init(&opts, C.TFY_CLIENT_OPTIONS_VERSION)
	opts.base_url = C.CString(baseURL)
	defer C.free(unsafe.Pointer(opts.base_url))
	opts.api_key = C.CString(apiKey)
	defer C.free(unsafe.Pointer(opts.api_key))
	var c *C.tfy_client
	var cerr *C.tfy_error
	if rc := C.tfy_client_new(&opts, &c, &cerr); rc != C.TFY_OK {
		return nil, takeError(rc, cerr)
	}
	return &Client{c}, nil
}

func (c *Client) Close() { C.tfy_client_free(c.c) }

// Batch is what this program keeps of a batch.
type Batch struct {
	ID     string
	Status C.tfy_batch_status
}

func batchOf(b *C.tfy_batch) Batch {
	return Batch{ID: C.GoString(b.id), Status: b.status}
}

// Each calls f with every batch, pages of `limit`.
func (c *Client) Each(limit int32, f func(Batch)) error {
	// The list options point at the request options: a Go pointer in Go
	// memory passed to C breaks cgo's rules, so both live in C memory.
	req := (*C.tfy_request_options)(C.calloc(1, C.sizeof_tfy_request_options))
	defer C.free(unsafe.Pointer(req))
	C.tfy_request_options_init(req, C.TFY_REQUEST_OPTIONS_VERSION)
	req.deadline_ms = 60000
	opts := (*C.tfy_batches_list_options)(C.calloc(1, C.sizeof_tfy_batches_list_options))
	defer C.free(unsafe.Pointer(opts))
	C.tfy_batches_list_options_init(opts, C.TFY_BATCHES_LIST_OPTIONS_VERSION)
	opts.limit = C.int32_t(limit)
	opts.request = req
	var it *C.tfy_batch_iter
	var cerr *C.tfy_error
	if rc := C.tfy_batch_iter_new(c.c, opts, &it, &cerr); rc != C.TFY_OK {
		return takeError(rc, cerr)
	}
	defer C.tfy_batch_iter_free(it)
	for {
		var b *C.tfy_batch
		if rc := C.tfy_batch_iter_next(it, &b, &cerr); rc != C.TFY_OK {
			return takeError(rc, cerr)
		}
		if b == nil {
			return nil
		}
		f(batchOf(b)) // b is the iterator's until the next call: copied
	}
}

// Retrieve gets one batch.
func (c *Client) Retrieve(id string) (Batch, error) {
	cid := C.CString(id)
	defer C.free(unsafe.Pointer(cid))
	var b *C.tfy_batch
	var cerr *C.tfy_error
	if rc := C.tfy_batches_retrieve(c.c, cid, nil, &b, &cerr); rc != C.TFY_OK {
		return Batch{}, takeError(rc, cerr)
	}
	defer C.tfy_batch_free(b)
	return batchOf(b), nil
}

func run(baseURL, apiKey string) error {
	c, err := NewClient(baseURL, apiKey)
	if err != nil {
		return err
	}
	defer c.Close()
	var first string
	n := 0
	if err := c.Each(10, func(b Batch) {
		if n == 0 {
			first = b.ID
		}
		n++
	}); err != nil {
		return err
	}
	fmt.Printf("listed %d batches\n", n)
	b, err := c.Retrieve(first)
	if err != nil {
		return err
	}
	fmt.Printf("retrieved %s: %s\n", b.ID, C.GoString(C.tfy_batch_status_name(b.Status)))
	_, err = c.Retrieve("batch_missing")
	var te *Error
	if !errors.As(err, &te) || te.Code != C.TFY_ERROR_NOT_FOUND {
		return fmt.Errorf("batch_missing: expected a not-found error, got %v", err)
	}
	fmt.Printf("not found: *main.Error code=%d http_status=%d: %s\n", te.Code, te.HTTPStatus, te.Message)
	return nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tfy-go BASE_URL API_KEY")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "tfy-go:", err)
		os.Exit(1)
	}
}
