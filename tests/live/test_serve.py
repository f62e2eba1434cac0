"""``vts live serve``'s server and command: what a browser gets at each path, and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.credentials import Credentials

from simulator.outputs.reference import road_table
from tests.live.fake_api import FakeLiveApi
from tests.live.upstream import SigningUpstream
from vts.exceptions import NotInstalledError
from vts.live.forward import LocalBackend
from vts.live.roads import roads_geojson
from vts.live.serve import LiveServer, Site, leaflet_dir
from vts.reports.maps import SPEED_BANDS

ROADS = road_table("city")


@pytest.fixture
def fake_leaflet(tmp_path: Path) -> Path:
    """A stand-in for what `make web` installs: only the page's own files are under test here."""
    dist = tmp_path / "web" / "node_modules" / "leaflet" / "dist"
    dist.mkdir(parents=True)
    (dist / "leaflet.js").write_text("/* leaflet */")
    (dist / "leaflet.css").write_text("/* css */")
    (tmp_path / "web" / "secret.txt").write_text("outside dist")
    return dist


@pytest.fixture
def server(fake_leaflet: Path) -> Iterator[LiveServer]:
    api = FakeLiveApi(ROADS, 5, 1.7e9)
    site = Site(LocalBackend(api.handle), roads_geojson(ROADS), fake_leaflet)
    live = LiveServer(site).start()
    yield live
    live.stop()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback test server)
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_the_page_its_files_the_roads_and_the_speed_bands_of_every_map(
    server: LiveServer,
) -> None:
    status, kind, body = get(server.url)
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert b'src="live.js"' in body and b'href="lib/leaflet/leaflet.css"' in body
    assert b"http://" not in body and b"https://" not in body  # no CDN
    assert get(server.url + "live.js")[1] == "text/javascript; charset=utf-8"
    assert get(server.url + "lib/leaflet/leaflet.js")[2] == b"/* leaflet */"
    config = json.loads(get(server.url + "config.json")[2])
    assert [c for _, c in config["speed_bands"]] == [c for _, c in SPEED_BANDS]
    assert config["speed_bands"][-1][0] is None  # JSON has no infinity
    status, kind, body = get(server.url + "roads.geojson")
    assert (status, kind) == (200, "application/geo+json")
    assert len(json.loads(body)["features"]) == len(ROADS)


def test_the_api_is_mounted_under_api_and_keeps_its_status_codes(server: LiveServer) -> None:
    status, kind, body = get(server.url + "api/vehicles")
    assert (status, kind) == (200, "application/json; charset=utf-8")  # the API's own
    assert len(json.loads(body)["vehicles"]) == 5
    status, _, body = get(server.url + "api/changes?after=x")
    assert status == 400 and "after" in json.loads(body)["error"]
    assert get(server.url + "api/vehicles/VEH-999999")[0] == 404


def test_nothing_outside_leafletss_dist_is_served(server: LiveServer) -> None:
    for path in (
        "lib/leaflet/../../../secret.txt",
        "lib/leaflet/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "package.json",
        "fake_api.py",
    ):
        status, _, body = get(server.url + path)
        assert status == 404, path
        assert b"outside dist" not in body


def test_only_get_is_served(server: LiveServer) -> None:
    url = server.url + "api/vehicles"
    request = urllib.request.Request(url, data=b"{}", method="POST")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    err.value.close()
    assert err.value.code == 405


def test_without_make_web_the_error_says_to_run_it(tmp_path: Path) -> None:
    with pytest.raises(NotInstalledError, match="Leaflet") as err:
        leaflet_dir(tmp_path)
    assert "make web" in str(err.value)


def test_the_command_prints_its_url_forwards_signed_and_stops_cleanly_on_ctrl_c(
    fake_leaflet: Path, tmp_path: Path
) -> None:
    key = Credentials("AKIDLIVEMAPTEST", "not-a-secret")

    def vehicles(method: str, path: str, query: str) -> tuple[int, str, dict[str, str]]:
        return 200, json.dumps({"vehicles": [], "cursor": "0", "now": "2026-01-01T00Z"}), {}

    upstream = SigningUpstream(key, "eu-west-1", vehicles)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key.access_key,
        AWS_SECRET_ACCESS_KEY=key.secret_key,
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_CONFIG_FILE="/nonexistent",
        VTS_WEB_DIR=str(fake_leaflet.parents[2]),
        PYTHONUNBUFFERED="1",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vts.cli.main",
            "live",
            "serve",
            "--port",
            "0",
            "--lake",
            str(tmp_path / "no-lake"),
            "--api",
            upstream.url,
            "--region",
            "eu-west-1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("live map: http://127.0.0.1:"), first + proc.stderr.read()
        url = first.split(": ", 1)[1].strip()
        assert "480 segments from the city scenario" in proc.stdout.readline()
        status, _, body = get(url + "api/vehicles")
        assert (status, json.loads(body)["cursor"]) == (200, "0")
        assert upstream.seen == [  # the command asks for /health once as it starts
            {"path": "/health", "verdict": "ok"},
            {"path": "/vehicles", "verdict": "ok"},
        ]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        upstream.shutdown()
        upstream.server_close()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err
