"""``vts live serve``: the live map in a browser, over the local store or a deployed API."""

from __future__ import annotations

import argparse
import functools
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vts.cli.cmd_reports import add_lake_option, lake_of
from vts.cli.console import Output, add_command
from vts.exceptions import ConfigError
from vts.stopping import stop_on_signals

if TYPE_CHECKING:
    from vts.live.forward import Backend
    from vts.live.serve import Site
    from vts.live.store import LiveStore

logger = logging.getLogger(__name__)

EPILOG = """examples:
  vts live serve                        the map over the local store, on http://127.0.0.1:8765/
  vts live serve --port 0               any free port (the URL is printed)
  vts live serve --api https://abc123.lambda-url.eu-west-1.on.aws/
                                        against a deployed stack: every /api request is signed
                                        with your AWS credentials (SigV4), so the API stays private
  vts live serve --api https://api.example.com/ --region eu-west-1 --profile fleet-readonly
  vts live serve --live-url redis://127.0.0.1:6380/0   the map over another local store

The local store: --live-url, else VTS_LIVE_URL, else the one `vts local up` started (fed
by `vts live run`). The page polls /api/changes every second. Roads come from the lake's
roads table (<lake>/roads/roads.parquet), else from --scenario's road network. The map's
library (Leaflet) is installed by `make web`. Ctrl-C (SIGINT) or SIGTERM stops the server.
"""


def register(verbs: Any) -> None:
    p = add_command(verbs, "serve", "serve the live map and its API on this machine", EPILOG)
    p.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    p.add_argument("--api", metavar="URL", help="a deployed live API (Function URL) to forward to")
    p.add_argument("--live-url", metavar="URL", help="the local store (redis:// or rediss://)")
    p.add_argument("--region", help="the API's AWS region (default: read from a Function URL)")
    p.add_argument("--profile", help="the AWS profile whose credentials sign the requests")
    add_lake_option(p)
    p.add_argument(
        "--scenario", default="city", help="whose roads to draw when the lake has none ('none')"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: Output) -> int:
    from vts.live.forward import SignedForwarder
    from vts.live.roads import roads_geojson
    from vts.live.serve import Site, leaflet_dir

    if not 0 <= args.port <= 65535:
        raise ConfigError(
            f"--port {args.port} is not a TCP port", hint="pass 0-65535 (0: any free)"
        )
    leaflet = leaflet_dir()
    rows, source = _roads(lake_of(args), args.scenario)
    backend: Backend
    store = None
    if args.api:
        backend = SignedForwarder(args.api, region=args.region, profile=args.profile)
        api = f"{backend.base_url} (SigV4, {backend.region})"
    else:
        backend, store = _local_backend(args.live_url)
        api = f"the local store at {store.url}"
    what = f"API: {api}; roads: {len(rows)} segments from {source}"
    try:
        return _serve(Site(backend, roads_geojson(rows, source), leaflet), args, out, what)
    finally:
        if store is not None:
            store.close()


def _serve(site: Site, args: argparse.Namespace, out: Output, what: str) -> int:
    from vts.live.serve import LiveServer

    try:
        server = LiveServer(site, args.host, args.port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}",
            hint="pick another --port (0: any free one)",
        ) from exc
    out.message(f"live map: {server.url}")
    out.message(f"  {what}")
    health = site.backend.get("/health")
    if health.status != 200:  # say so now; the page says so too, and recovers when it is up
        out.message(f"  the API answers {health.status}: {_error_of(health.body)}")
    out.message("  Ctrl-C to stop")
    with stop_on_signals() as stop:  # not KeyboardInterrupt: see vts.stopping
        server.start()
        try:
            stop.wait()
        finally:
            server.stop()
    out.message("stopped")
    return 0


def _roads(lake: Path, scenario: str) -> tuple[list[dict[str, Any]], str]:
    from vts.live.roads import lake_roads_file, read_lake_roads

    rows = read_lake_roads(lake)
    if rows is not None:
        return rows, str(lake_roads_file(lake))
    if scenario == "none":
        return [], "nowhere (--scenario none)"
    from simulator.outputs.reference import (
        road_table,  # the CLI may use the simulator; vts.live not
    )

    return road_table(scenario), f"the {scenario} scenario (no roads table in {lake})"


def _local_backend(url: str | None) -> tuple[Backend, LiveStore]:
    """``vts.live.api`` in this process over the store at ``url``, else ``VTS_LIVE_URL``,
    else the one ``vts local up`` started."""
    from vts.live import api
    from vts.live.forward import LocalBackend
    from vts.live.settings import local_settings
    from vts.live.store import LiveStore

    store = LiveStore.connect(local_settings(url))
    return LocalBackend(functools.partial(api.handle, store=store)), store


def _error_of(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error") or body[:200].decode(errors="replace"))
    except (ValueError, AttributeError):
        return body[:200].decode(errors="replace")
