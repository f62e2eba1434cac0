"""A stand-in for a deployed live API behind a Function URL with ``AuthType: AWS_IAM``.

Like the real URL it answers 403 unless the request carries a valid SigV4 signature for
service ``lambda`` in its region: it recomputes the signature (botocore) from the request
as it arrived (method, host, path, query, the signed headers) and the secret key it shares
with the test. moto cannot stand in here: it stores Function URL configs but serves no
invocations at the URL. Signed requests are answered by a ``handle`` like ``vts.live.api``'s
(its store bound).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<day>\d{8})/(?P<region>[a-z0-9-]+)"
    r"/(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


class SigningUpstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, credentials: Credentials, region: str, handle: Callable[..., Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials
        self.region = region
        self.handle = handle
        self.seen: list[dict[str, str]] = []  # each request's verdict, for the tests
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def verdict(self, method: str, target: str, headers: Any) -> str | None:
        """None when the request is signed right, else why not."""
        match = AUTHORIZATION.fullmatch(headers.get("Authorization", ""))
        if not match:
            return f"no SigV4 Authorization header: {headers.get('Authorization')!r}"
        if match["key"] != self.credentials.access_key:
            return f"signed with key {match['key']}"
        if (match["service"], match["region"]) != ("lambda", self.region):
            return f"signed for {match['service']} in {match['region']}"
        signed = match["signed"].split(";")
        if not {"host", "x-amz-date"} <= set(signed):
            return f"host and x-amz-date are not signed: {signed}"
        if self.credentials.token and headers.get("X-Amz-Security-Token") != self.credentials.token:
            return "the session token is missing"
        request = AWSRequest(
            method=method,
            url=f"http://{headers['Host']}{target}",
            headers={name: headers[name] for name in signed},
        )
        request.context["timestamp"] = headers["X-Amz-Date"]
        auth = SigV4Auth(self.credentials, "lambda", self.region)
        expected = auth.signature(
            auth.string_to_sign(request, auth.canonical_request(request)), request
        )
        return None if expected == match["signature"] else "the signature does not match"


class _Handler(BaseHTTPRequestHandler):
    server: SigningUpstream

    def do_GET(self) -> None:  # noqa: N802
        problem = self.server.verdict("GET", self.path, self.headers)
        self.server.seen.append({"path": self.path, "verdict": problem or "ok"})
        if problem:
            status, body = 403, json.dumps({"Message": f"Forbidden: {problem}"})
        else:
            parts = urlsplit(self.path)
            status, body, _ = self.server.handle("GET", parts.path, parts.query)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
