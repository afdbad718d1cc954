"""A throw-away PostgreSQL server for the benchmarks: the tests' ``tests/store/pgserver.py`` on loopback."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def start_server() -> Any:
    """A started ``PgServer`` (call ``stop()`` when done); exits with a message without PostgreSQL."""
    spec = importlib.util.spec_from_file_location("pgserver", ROOT / "tests" / "store" / "pgserver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bindir = module.find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql)")
    return module.PgServer(bindir).start()
