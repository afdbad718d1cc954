"""Live charts of a training run (pyqtgraph): loss, learning rate, throughput, periodic evaluation."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # before pyqtgraph picks a binding

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QWidget

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
        self.plots: dict[str, pg.PlotWidget] = {}
        titles = {"loss": _tr("Loss"), "lr": _tr("Learning rate"), "speed": _tr("Images per second"),
                  "eval": _tr("Evaluation")}
        for n, (key, title) in enumerate(titles.items()):
            plot = pg.PlotWidget(self)
            plot.setBackground("w")
            plot.setTitle(title, color="#22303c", size="10pt")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setLabel("bottom", _tr("step"))
            plot.setMinimumHeight(150)
            self.plots[key] = plot
            layout.addWidget(plot, n // 2, n % 2)
        self.plots["eval"].addLegend(offset=(-10, 10))
        self.series: dict[str, tuple[list[float], list[float]]] = {}
        self.curves: dict[str, Any] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every point (a new run)."""
        for plot in self.plots.values():
            plot.clear()
        self.series = {}
        self.curves = {}

    def _point(self, plot: str, name: str, x: float, y: float, colour: str) -> None:
        xs, ys = self.series.setdefault(name, ([], []))
        xs.append(float(x))
        ys.append(float(y))
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
