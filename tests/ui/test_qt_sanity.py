"""Guards against Qt binding bugs that would crash the live view after a few hundred frames."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(object, float, int)


def test_signal_emit_keeps_bool_refcounts(qtbot) -> None:
    """PySide6 6.12.0 drops a reference to ``True`` on every ``emit``: Python aborts after ~500 frames.

    Use a PySide6 without that bug (6.11.x works); see the project's dependency pin.
    """
    emitter = _Emitter()
    got: list[int] = []
    emitter.ping.connect(lambda image, ts, index: got.append(index))
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(200):
        emitter.ping.emit(None, 0.0, i)
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(got) == 200
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (
        f"this PySide6 leaks bool references on Signal.emit ({before} -> {after}): it will crash"
    )
