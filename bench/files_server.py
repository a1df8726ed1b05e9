"""A minimal files server on 127.0.0.1 for bench/files.sh: GET /v1/files/ID/content
sends FILE (sendfile), POST /v1/files reads and drops the body and answers a
File object.  Prints its port on stdout.  Not a test server: no checks."""

import http.server
import json
import os
import sys

FILE = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        size = os.path.getsize(FILE)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.flush()
        with open(FILE, "rb") as f:
            os.sendfile(self.connection.fileno(), f.fileno(), 0, size)

    def do_POST(self):
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        body = json.dumps({"id": "file-bench", "object": "file", "bytes": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
