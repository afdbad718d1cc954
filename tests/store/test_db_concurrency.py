"""Read-then-write transactions of two connections (two processes) wait for each other, never fail."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from faceapp.config import Paths
from faceapp.store.db import Database


@pytest.mark.parametrize("immediate", [True, False], ids=["product", "deferred-begin"])
def test_read_then_write_waits_for_the_other_writer(tmp_path: Path, immediate: bool) -> None:
    paths = Paths.resolve(tmp_path / "home").ensure()
    a, b = Database.open(paths), Database.open(paths)
    try:
        a.set_meta("count", "0")
        holding = threading.Event()

        def write_slowly() -> None:
            with a.transaction() as db:
                db.execute("INSERT INTO meta (key, value) VALUES ('other', 'yes')")
                holding.set()
                time.sleep(0.3)

        writer = threading.Thread(target=write_slowly)
        writer.start()
        holding.wait(5)

        def read_then_write() -> None:
            with b.transaction() as db:
                count = int(db.execute("SELECT value FROM meta WHERE key = 'count'").fetchone()[0])
                db.execute("UPDATE meta SET value = ? WHERE key = 'count'", (str(count + 1),))

        if immediate:
            read_then_write()  # waits for the other writer, then reads what it committed
            assert b.get_meta("count") == "1" and b.get_meta("other") == "yes"
        else:  # what a deferred BEGIN does: the read's snapshot goes stale, the write fails at once
            import sqlite3

            b.conn.execute("BEGIN")
            b.conn.execute("SELECT value FROM meta WHERE key = 'count'").fetchone()
            time.sleep(0.4)  # the other writer commits meanwhile
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                b.conn.execute("UPDATE meta SET value = '1' WHERE key = 'count'")
            b.conn.rollback()
        writer.join()
    finally:
        a.close()
        b.close()
