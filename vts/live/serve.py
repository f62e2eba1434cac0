"""``vts live serve``'s HTTP server: the live map's page, its libraries, the roads, the API.

Routes (GET only):
- ``/`` and ``/live.js``, ``/live.css``: the page (``vts/live/web/``, package data);
- ``/lib/leaflet/...``: Leaflet's ``dist/`` as ``make web`` installed it (``npm ci`` from
  ``vts/live/web/package-lock.json`` into ``$VTS_HOME/web``; ``VTS_WEB_DIR`` moves it);
- ``/config.json``: the speed bands and road colour (``vts.reports.maps``, one definition for
  every map) and the poll interval;
- ``/roads.geojson``: the roads table as GeoJSON (``vts.live.roads``);
- ``/api/...``: the live API, from a ``Backend`` (``vts.live.forward``).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vts.exceptions import NotInstalledError
from vts.live.forward import Backend, Reply, json_reply
from vts.settings import env, vts_home

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent / "web"
PAGE_FILES = {
    "/": "index.html",
    "/index.html": "index.html",
    "/live.js": "live.js",
    "/live.css": "live.css",
}
POLL_MS = 1000


def web_dir() -> Path:
    """Where ``make web`` installed the page's npm packages (``VTS_WEB_DIR``, else under home)."""
    return Path(env("WEB_DIR") or vts_home() / "web")


def leaflet_dir(root: Path | None = None) -> Path:
    dist = (root or web_dir()) / "node_modules" / "leaflet" / "dist"
    if not (dist / "leaflet.js").is_file():
        raise NotInstalledError(
            f"Leaflet (the live map's library, expected in {dist})",
            hint="run `make web` (npm ci from vts/live/web/package-lock.json), "
            "or point VTS_WEB_DIR at the folder it installed",
        )
    return dist


def page_config() -> dict[str, Any]:
    from vts.reports.maps import ROAD_COLOUR, SPEED_BANDS

    bands = [[None if upper == float("inf") else upper, colour] for upper, colour in SPEED_BANDS]
    return {"speed_bands": bands, "road_colour": ROAD_COLOUR, "poll_ms": POLL_MS}


@dataclass(frozen=True)
class Site:
    """What the server answers with: the API backend, the roads, the page's files."""

    backend: Backend
    roads: dict[str, Any]
    leaflet: Path
    page: Path = PAGE_DIR

    def answer(self, target: str) -> Reply:
        path = urlsplit(target).path
        if path.startswith("/api/"):
            return self.backend.get(target[len("/api") :])
        if path in PAGE_FILES:
            return self._file(self.page / PAGE_FILES[path])
        if path == "/config.json":
            return json_reply(200, page_config())
        if path == "/roads.geojson":
            return Reply(200, json.dumps(self.roads).encode(), "application/geo+json")
        if path.startswith("/lib/leaflet/"):
            wanted = (self.leaflet / path[len("/lib/leaflet/") :]).resolve()
            if wanted.is_relative_to(self.leaflet.resolve()) and wanted.is_file():
                return self._file(wanted)
        return json_reply(404, {"error": f"no such page: {path}"})

    @staticmethod
    def _file(path: Path) -> Reply:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return Reply(200, path.read_bytes(), kind)


class _Handler(BaseHTTPRequestHandler):
    server: LiveServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        try:
            reply = self.server.site.answer(self.path)
        except Exception as exc:  # one bad request must not stop the server
            logger.exception("GET %s failed", self.path)
            reply = json_reply(500, {"error": f"{type(exc).__name__}: {exc}"})
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(reply.body)

    def do_POST(self) -> None:  # noqa: N802
        body = json.dumps({"error": f"{self.command} is not served: the live map only reads"})
        self.close_connection = True  # the request's body is not read
        self.send_response(405)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Allow", "GET")
        self.end_headers()
        self.wfile.write(body.encode())

    do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s " + format, self.client_address[0], *args)


class LiveServer(ThreadingHTTPServer):
    """A threaded HTTP server for one ``Site``; ``start()`` serves in a background thread."""

    daemon_threads = True

    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="vts-live-serve", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
