"""A request that waited for the database object while another found the server gone fails at once (real
PostgreSQL server, stopped mid-query): a second thread — maybe the GUI's — does not wait for the server again."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from faceapp.errors import ServerUnreachableError
from faceapp.store.backends.postgres import PostgresDatabase
from tests.store.pgserver import PgServer


def test_a_request_waiting_for_the_lock_does_not_ask_the_vanished_server_again(
        server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    db = PostgresDatabase(server.create_database("held"))
    asked: list[int] = []
    execute = db.pg.execute

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(threading.get_ident())
        return execute(*args, **kwargs)

    monkeypatch.setattr(db.pg, "execute", spy)
    outcome: dict[str, str] = {}

    def request(name: str, sql: str) -> None:
        try:
            db.scalar(sql)
            outcome[name] = "answered"
        except ServerUnreachableError:
            outcome[name] = "unreachable"

    live = threading.Thread(target=request, args=("live", "SELECT pg_sleep(5)"))  # in progress when the server dies
    live.start()
    while not asked:
        time.sleep(0.01)
    gui = threading.Thread(target=request, args=("gui", "SELECT 1"))  # waits for the object meanwhile
    gui.start()
    time.sleep(0.3)  # let it reach the lock
    server.halt()
    try:
        live.join(30)
        gui.join(30)
    finally:
        server.resume()
    assert outcome == {"live": "unreachable", "gui": "unreachable"}
    assert gui.ident not in asked  # it never asked the server: it failed as soon as it got the object
    db.close()
