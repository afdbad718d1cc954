"""Access fixtures: a private database with a gallery on a tiny synthetic model, doors and levels."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from faceapp.access.journal import Journal
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams

ZONE = ZoneInfo("Europe/Berlin")
DIM = 16


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def gallery(paths: Paths) -> Iterator[Gallery]:
    g = Gallery.open(paths, "synthetic-16", DIM, params=IndexParams(exact_below=10_000, threads=1))
    yield g
    g.close()


@pytest.fixture()
def store(gallery: Gallery) -> AccessStore:
    return AccessStore(gallery.database, ZONE)


@pytest.fixture()
def journal(store: AccessStore, paths: Paths) -> Journal:
    return Journal(store, paths.data)


class Recorder(BaseHTTPRequestHandler):
    """Remembers each request (method, path, headers, body); answers ``status``."""

    requests: ClassVar[list[dict]] = []
    status = 200
    delay = 0.0

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        type(self).requests.append({"method": self.command, "path": self.path, "body": body,
                                    "headers": dict(self.headers)})
        time.sleep(type(self).delay)
        self.send_response(type(self).status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = _handle  # noqa: N815 - the names http.server calls

    def log_message(self, *args: object) -> None:
        del args


@pytest.fixture()
def http_server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"requests": [], "status": 200, "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
