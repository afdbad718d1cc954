"""Pages that read the shared database server look at its known state first.

While a desk's PostgreSQL server is known to be unreachable (``database.offline_since``), a page
refresh on the GUI thread does not ask it (the first request after the server vanished may wait
the pool's 2 s): the page says why its list is empty and refreshes when it is shown again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication


def server_unreachable(gallery: Any) -> bool:
    """Whether the gallery's database server is known to be unreachable (never asks it)."""
    return gallery is not None and getattr(gallery.database, "offline_since", None) is not None


def unreachable_note() -> str:
    """What a page shows instead of its list meanwhile."""
    return QCoreApplication.translate(
        "Offline", "The database server cannot be reached: this list is shown again when it answers "
                   "(recognition and check-ins go on).")
