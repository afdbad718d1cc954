"""Live charts of a training run (pyqtgraph): loss, learning rate, throughput, periodic evaluation.

pyqtgraph needs Qt's OpenGL module at import; where it cannot load (the trimmed desktop build
leaves QtOpenGL out) the charts become one line of text with the latest figures, and the rest of
the Trainer page works as usual.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # before pyqtgraph picks a binding

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

try:
    import pyqtgraph as pg
except ImportError:  # pragma: no cover - exercised by a test that hides pyqtgraph
    pg = None

#: Evaluation figures drawn, by record key (recognition verification, detection WIDER AP).
EVAL_KEYS = ("accuracy", "easy_ap", "medium_ap", "hard_ap")
_COLOURS = ("#1f8a70", "#d35400", "#2c7fb8", "#8e44ad")


def _tr(text: str) -> str:
    return QCoreApplication.translate("TrainingCharts", text)


class TrainingCharts(QWidget):
    """Four small plots fed with the trainer's JSON records (:meth:`add`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingCharts")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plots: dict[str, Any] = {}
        self.text: QLabel | None = None
        titles = {"loss": _tr("Loss"), "lr": _tr("Learning rate"), "speed": _tr("Images per second"),
                  "eval": _tr("Evaluation")}
        if pg is None:
            self.text = QLabel(_tr("Charts need pyqtgraph; the latest figures are shown here."), self)
            self.text.setWordWrap(True)
            layout.addWidget(self.text, 0, 0)
            titles = {}
        for n, (key, title) in enumerate(titles.items()):
            plot = pg.PlotWidget(self)
            plot.setBackground("w")
            plot.setTitle(title, color="#22303c", size="10pt")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setLabel("bottom", _tr("step"))
            plot.setMinimumHeight(150)
            self.plots[key] = plot
            layout.addWidget(plot, n // 2, n % 2)
        if "eval" in self.plots:
            self.plots["eval"].addLegend(offset=(-10, 10))
        self.series: dict[str, tuple[list[float], list[float]]] = {}
        self.curves: dict[str, Any] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every point (a new run)."""
        for plot in self.plots.values():
            plot.clear()
        if self.text is not None:
            self.text.setText(_tr("Charts need pyqtgraph; the latest figures are shown here."))
        self.series = {}
        self.curves = {}

    def _point(self, plot: str, name: str, x: float, y: float, colour: str) -> None:
        xs, ys = self.series.setdefault(name, ([], []))
        xs.append(float(x))
        ys.append(float(y))
        if self.text is not None:
            self.text.setText(", ".join(f"{key} {values[1][-1]:.4g}" for key, values in self.series.items()))
            return
        if name not in self.curves:
            symbol = "o" if plot == "eval" else None
            self.curves[name] = self.plots[plot].plot(pen=pg.mkPen(colour, width=2), symbol=symbol,
                                                      symbolSize=6, symbolBrush=colour,
                                                      name=name if plot == "eval" else None)
        self.curves[name].setData(xs, ys)

    def add(self, record: dict[str, Any]) -> None:
        """Draw one record: ``step`` records (loss, lr, images/s) and ``eval`` records."""
        step = record.get("step")
        if step is None:
            return
        if record.get("event") == "step":
            self._point("loss", "loss", step, record["loss"], _COLOURS[0])
            self._point("lr", "lr", step, record["lr"], _COLOURS[1])
            self._point("speed", "speed", step, record.get("images_per_s", 0.0), _COLOURS[2])
        elif record.get("event") == "eval":
            for colour, key in zip(_COLOURS, EVAL_KEYS, strict=True):
                if key in record:
                    self._point("eval", key, step, record[key], colour)

    def points(self, name: str) -> int:
        """How many points a series has (for tests)."""
        return len(self.series.get(name, ([], []))[0])
