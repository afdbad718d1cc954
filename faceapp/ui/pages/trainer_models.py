"""The Trainer page's right side: the before/after report of a run and the models list.

Reports are the files the trainer writes beside each model (:mod:`faceapp.model_history`).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceapp.config import Paths, Settings
from faceapp.errors import FaceAppError
from faceapp.model_history import REPORT_SUFFIX
from faceapp.vision.models import ModelRegistry

log = logging.getLogger(__name__)

#: Report rows: (key in the before/after figures, label). The labels are str (PySide6 types
#: QT_TRANSLATE_NOOP's result as object), hence ``str(label)`` where they are shown.
FIGURES = (("accuracy", QT_TRANSLATE_NOOP("ReportPanel", "Verification accuracy")),
           ("tar_at_far", QT_TRANSLATE_NOOP("ReportPanel", "TAR at the false-accept target")),
           ("dir_at_fpir", QT_TRANSLATE_NOOP("ReportPanel", "DIR at the FPIR target (open set)")),
           ("rank1", QT_TRANSLATE_NOOP("ReportPanel", "Rank-1 identification")))
#: Figures of runs without a before/after comparison.
EXPORT_FIGURES = (("easy_ap", QT_TRANSLATE_NOOP("ReportPanel", "WIDER AP Easy")),
                  ("medium_ap", QT_TRANSLATE_NOOP("ReportPanel", "WIDER AP Medium")),
                  ("hard_ap", QT_TRANSLATE_NOOP("ReportPanel", "WIDER AP Hard")),
                  ("accuracy", QT_TRANSLATE_NOOP("ReportPanel", "Verification accuracy")))


def _fit_columns(table: QTableWidget) -> None:
    """First column takes the free width, the others fit their contents."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, table.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


def _cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a cell, "" for a cell without an item."""
    item = table.item(row, column)
    return item.text() if item is not None else ""


class ReportPanel(QGroupBox):
    """Before/after figures, the recommendation and its reason, with Activate / Keep current.

    Signals:
        activate(str): the administrator chose to activate this model.
        keep(str): the administrator chose to keep the current model.
    """

    activate = Signal(str)
    keep = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Result of the run"), parent)
        self.model = ""
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Figure"), self.tr("Current model"), self.tr("New model")])
        _fit_columns(self.table)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verdict = QLabel(self.tr("No run has finished yet."), self)
        self.verdict.setWordWrap(True)
        self.activate_button = QPushButton(self.tr("Activate"), self)
        self.keep_button = QPushButton(self.tr("Keep current"), self)
        self.activate_button.clicked.connect(lambda: self.activate.emit(self.model))
        self.keep_button.clicked.connect(self._keep)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.activate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)
        self._enable(False)

    def _enable(self, on: bool) -> None:
        self.activate_button.setEnabled(on)
        self.keep_button.setEnabled(on)

    def _keep(self) -> None:
        self._enable(False)
        self.keep.emit(self.model)

    def _rows(self, rows: list[tuple[str, str, str]]) -> None:
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))

    def show_finetune(self, report: dict[str, Any]) -> None:
        """A recognition fine-tune's report (``faceapp train finetune --json``)."""
        self.model = str(report["model"])
        before, after = report["before"], report["after"]
        rows = [(self.tr(str(label)), f"{before[key]:.4f}", f"{after[key]:.4f}") for key, label in FIGURES]
        if "public" in before and "public" in after:
            rows.append((self.tr("Public check accuracy"), f"{before['public']['accuracy']:.4f}",
                         f"{after['public']['accuracy']:.4f}"))
        self._rows(rows)
        better = self.tr("Better: recommended.") if report.get("recommended") else self.tr("Not recommended.")
        self.verdict.setText(f"<b>{report['model']}</b> — {better}<br>{report['reason']}")
        self._enable(True)

    def show_export(self, name: str, evaluation: dict[str, Any] | None) -> None:
        """A run that exported a model without a before/after comparison (detection, folder data)."""
        self.model = name
        rows = []
        for key, label in EXPORT_FIGURES:
            if evaluation and key in evaluation:
                rows.append((self.tr(str(label)), "", f"{evaluation[key]:.4f}"))
        self._rows(rows)
        self.verdict.setText(self.tr("<b>{0}</b> was exported. Compare it before activating (faceapp eval).")
                             .format(name))
        self._enable(True)

    def show_failure(self, text: str) -> None:
        self.model = ""
        self._rows([])
        self.verdict.setText(text)
        self._enable(False)


class ModelsPanel(QGroupBox):
    """Registered detectors and embedders, the active ones marked, with Rollback.

    Signals:
        rollback(str): roll back to the selected model ("" = the one the active embedder replaced).
    """

    rollback = Signal(str)

    def __init__(self, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Models"), parent)
        self.paths = paths
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Kind"), self.tr("Active"), self.tr("Report")])
        _fit_columns(self.table)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rollback_button = QPushButton(self.tr("Roll back to selected"), self)
        self.rollback_button.setToolTip(self.tr("Without a selection: back to the embedder the active one replaced"))
        self.rollback_button.clicked.connect(lambda: self.rollback.emit(self.selected()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.rollback_button)

    def selected(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return _cell_text(self.table, rows[0].row(), 0) if rows else ""

    def refresh(self, settings: Settings) -> None:
        """Reload the registry (new exports appear) and mark the active models."""
        try:
            specs = [s for s in ModelRegistry(user_dir=self.paths.user_models).specs()
                     if s.kind in ("detector", "embedder")]
        except FaceAppError as exc:
            log.warning("models list: %s", exc)
            specs = []
        self.table.setRowCount(len(specs))
        for r, spec in enumerate(specs):
            active = spec.name in (settings.detector, settings.embedder)
            has_report = not spec.bundled and (self.paths.user_models / f"{spec.name}{REPORT_SUFFIX}").is_file()
            values = (spec.name, spec.kind, self.tr("yes") if active else "", self.tr("yes") if has_report else "")
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))

    def active_rows(self) -> list[str]:
        """Names marked active (for tests)."""
        return [_cell_text(self.table, r, 0) for r in range(self.table.rowCount()) if _cell_text(self.table, r, 2)]
