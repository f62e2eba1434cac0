"""A local HTTP server standing in for CloudFormation's pre-signed response URL.

Custom-resource tests point the event's ``ResponseURL`` at it and read back exactly what
the handler PUT, so the real ``urllib`` request path is exercised, not a patched one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class CfnResponses:
    """What the server received: one entry per PUT (method, path, headers, JSON body)."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def only(self) -> dict[str, Any]:
        assert len(self.received) == 1, f"expected one response, got {len(self.received)}"
        return self.received[0]


@pytest.fixture
def cfn_responses() -> Iterator[CfnResponses]:
    responses = CfnResponses(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            responses.received.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": body,
                }
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    responses.url = f"http://127.0.0.1:{server.server_address[1]}/cfn-response/signed"
    try:
        yield responses
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
