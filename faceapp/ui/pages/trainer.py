"""The Trainer page (administrators): fine-tune or train models in a separate process, follow the
run on live charts, read the before/after report, activate or keep, roll back.

The trainer is the ``faceapp train ... --json`` command run by :class:`CommandProcess`; this page
imports no torch. While it trains, the desk keeps recognising in this process. Activation and
rollback (:mod:`faceapp.model_history`, torch-free) run on a worker thread here, behind the
administrator login of this window, and re-embed the gallery.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from faceapp.config import Settings
from faceapp.model_history import activate_model, rollback
from faceapp.trainer_token import ENV as TOKEN_ENV
from faceapp.trainer_token import issue as issue_pass
from faceapp.ui.jobs import JobRunner
from faceapp.ui.pages.trainer_models import ModelsPanel, ReportPanel
from faceapp.ui.pages.trainer_process import CommandProcess, basedir_args, basedir_of
from faceapp.ui.services import Services
from faceapp.ui.widgets.train_charts import TrainingCharts
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)

TASKS = ("finetune", "recognition", "detection")
RECOGNITION_BACKBONES = ("mobilefacenet", "iresnet18", "iresnet50")
RECOGNITION_LOSSES = ("arcface", "cosface", "combined", "softmax", "triplet")
#: CPU training throughput (images/s, float32) for the first estimate (the live one follows the
#: run): on the 2-core test machine a MobileFaceNet fine-tune ran at 35-60 images/s when the
#: machine was quiet (6/s when it was shared, bench_train_finetune.py), RetinaFace at 640 px at
#: 1.3 crops per CPU-second (bench_train_detection.py).
CPU_IMAGES_PER_S = {"finetune": 40.0, "recognition": 40.0, "detection": 2.5}
RUNS_FILE = "runs.json"


class TrainerPage(QWidget):
    """See the module docstring.

    Signals:
        pipeline_changed(FacePipeline): the app now runs another detector or embedder.
    """

    pipeline_changed = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Trainer")
        self.services = services
        self.paths = services.paths
        self.device: dict[str, Any] | None = None
        self.trainer = CommandProcess(parent=self)
        self.jobs = JobRunner(self)
        self.info_process = CommandProcess(parent=self)
        self.run: dict[str, Any] = {}
        self.runs: list[dict[str, Any]] = self._load_runs()
        self._build()
        self.trainer.record.connect(self._on_record)
        self.trainer.finished.connect(self._on_finished)
        self.info_process.record.connect(self._on_device)
        self.task.currentIndexChanged.connect(self._task_changed)
        for box in (self.steps, self.batch):
            box.valueChanged.connect(self._estimate)
        self._task_changed()
        self.models.refresh(services.settings)
        self.info_process.start(["train", "device", "--json"])

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.task = QComboBox(self)
        for key, text in zip(TASKS, (self.tr("Recognition: fine-tune on the enrolled gallery"),
                                     self.tr("Recognition: train on a folder or RecordIO"),
                                     self.tr("Detection: fine-tune on a label.txt folder")), strict=True):
            self.task.addItem(text, key)
        self.model = QComboBox(self)
        self.loss = QComboBox(self)
        self.data = QLineEdit(self)
        self.labels = QLineEdit(self)
        self.data_button = QPushButton(self.tr("Browse…"), self)
        self.labels_button = QPushButton(self.tr("Browse…"), self)
        self.data_button.clicked.connect(self._browse_data)
        self.labels_button.clicked.connect(self._browse_labels)
        self.check = QLineEdit(self)
        self.check.setToolTip(self.tr("Fine-tune: an LFW-format folder the new model must not do worse on. "
                                      "Recognition: LFW-format pairs. Detection: a WIDER-format folder."))
        self.check_button = QPushButton(self.tr("Browse…"), self)
        self.check_button.clicked.connect(self._browse_check)
        self.steps = QSpinBox(self, minimum=1, maximum=1_000_000, value=100)
        self.batch = QSpinBox(self, minimum=2, maximum=4096, value=32)
        self.lr = QDoubleSpinBox(self, decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4, value=1e-3)
        self.image_size = QSpinBox(self, minimum=64, maximum=2048, singleStep=32, value=640)
        self.device_choice = QComboBox(self)
        for key, text in (("auto", self.tr("Automatic")), ("cpu", self.tr("CPU")), ("cuda", self.tr("GPU (CUDA)"))):
            self.device_choice.addItem(text, key)
        self.device_label = QLabel(self.tr("Looking for a GPU…"), self)
        self.device_label.setWordWrap(True)
        self.estimate = QLabel(self)
        self.estimate.setWordWrap(True)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("automatic"))
        form = QFormLayout()
        form.addRow(self.tr("Task"), self.task)
        form.addRow(self.tr("Model"), self.model)
        form.addRow(self.tr("Loss"), self.loss)
        form.addRow(self.tr("Data folder"), self._with_button(self.data, self.data_button))
        form.addRow(self.tr("label.txt"), self._with_button(self.labels, self.labels_button))
        form.addRow(self.tr("Check folder"), self._with_button(self.check, self.check_button))
        form.addRow(self.tr("Steps"), self.steps)
        form.addRow(self.tr("Batch size"), self.batch)
        form.addRow(self.tr("Learning rate"), self.lr)
        form.addRow(self.tr("Image size"), self.image_size)
        form.addRow(self.tr("Device"), self.device_choice)
        form.addRow("", self.device_label)
        form.addRow(self.tr("Estimate"), self.estimate)
        form.addRow(self.tr("New model name"), self.name)
        self.form = form
        self.start_button = QPushButton(self.tr("Start"), self)
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(button)
        setup = QGroupBox(self.tr("Training run"), self)
        setup_layout = QFormLayout(setup)
        setup_layout.addRow(form)
        setup_layout.addRow(buttons)
        self.history = QListWidget(self)
        history_box = QGroupBox(self.tr("Run history"), self)
        QHBoxLayout(history_box).addWidget(self.history)
        self.status = QLabel(self.tr("Idle."), self)
        self.status.setWordWrap(True)
        self.charts = TrainingCharts(self)
        self.report = ReportPanel(self)
        self.report.activate.connect(self.activate)
        self.report.keep.connect(self._keep)
        self.models = ModelsPanel(self.paths, self)
        self.models.rollback.connect(self.rollback)
        centre = QVBoxLayout()
        centre.addWidget(self.charts, 1)
        centre.addWidget(self.status)
        grid = QGridLayout(self)
        grid.addWidget(setup, 0, 0)
        grid.addWidget(history_box, 1, 0)
        grid.addLayout(centre, 0, 1, 2, 1)
        grid.addWidget(self.report, 0, 2)
        grid.addWidget(self.models, 1, 2)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        self._update_buttons()
        self._show_history()

    def _with_button(self, edit: QLineEdit, button: QPushButton) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        row.addWidget(button)
        return box

    @staticmethod
    def _row_box(edit: QLineEdit) -> QWidget:
        """The form row box :meth:`_with_button` put ``edit`` in."""
        box = edit.parentWidget()
        if box is None:
            raise RuntimeError("the field is not in a form row")
        return box

    # ------------------------------------------------------------------ choices
    @property
    def task_key(self) -> str:
        return str(self.task.currentData())

    def _task_changed(self) -> None:
        task, settings = self.task_key, self.services.settings
        self.model.clear()
        self.loss.clear()
        if task == "finetune":
            self.model.addItem(settings.embedder)
            self.loss.addItem("arcface (s=32, m=0.3)")
            self.steps.setValue(100)
            self.batch.setValue(32)
            self.lr.setValue(1e-3)
        elif task == "recognition":
            self.model.addItems(RECOGNITION_BACKBONES)
            self.loss.addItems(RECOGNITION_LOSSES)
            self.batch.setValue(64)
            self.lr.setValue(0.1)
        else:
            from faceapp.vision.models import ModelRegistry

            self.model.addItems(ModelRegistry(user_dir=self.paths.user_models).names("detector"))
            self.model.setCurrentText(settings.detector)
            self.loss.addItem(self.tr("multibox (3:1 hard negatives, box, landmarks)"))
            self.batch.setValue(8)
            self.lr.setValue(3e-4)
        for widget in (self.model, self.loss):
            widget.setEnabled(widget.count() > 1)
        self.form.setRowVisible(self._row_box(self.data), task != "finetune")
        self.form.setRowVisible(self._row_box(self.labels), task == "detection")
        self.form.setRowVisible(self.image_size, task == "detection")
        self._estimate()

    def _browse_data(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Training data folder"), str(Path.home()))
        if folder:
            self.data.setText(folder)

    def _browse_check(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Evaluation folder"), str(Path.home()))
        if folder:
            self.check.setText(folder)

    def _browse_labels(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("RetinaFace label file"), str(Path.home()),
                                              self.tr("Label files (*.txt)"))
        if path:
            self.labels.setText(path)

    def _on_device(self, info: dict[str, Any]) -> None:
        self.device = info
        if info.get("cuda"):
            self.device_label.setText(self.tr("GPU: {0}, {1} GiB").format(info["name"], info["memory_gb"]))
        else:
            self.device_label.setText(self.tr("CPU: {0}").format(info.get("reason", "")))
        self._estimate()

    def _estimate(self) -> None:
        images = self.steps.value() * self.batch.value()
        if self.device and self.device.get("cuda"):
            self.estimate.setText(self.tr("{0} images; on the GPU much faster than on the CPU (GPU speed not "
                                          "measured yet)").format(images))
            return
        seconds = images / CPU_IMAGES_PER_S[self.task_key]
        minutes = max(1, round(seconds / 60))
        self.estimate.setText(self.tr("{0} images: about {1} min on the CPU").format(images, minutes))

    # ------------------------------------------------------------------ runs
    def _base(self) -> list[str]:
        return basedir_args(self.paths)

    def command(self, resume: bool = False) -> list[str]:
        """The trainer command line of the current choices."""
        task, name = self.task_key, self.name.text().strip() or self._auto_name()
        self.name.setText(name)
        common = ["--batch-size", str(self.batch.value()), "--lr", f"{self.lr.value():g}",
                  "--device", str(self.device_choice.currentData()), "--json", *self._base()]
        check = self.check.text().strip()
        if task == "finetune":
            args = ["train", "finetune", "--from-gallery", "--no-activate", "--steps", str(self.steps.value()),
                    "--name", name, *common, *(["--public-check", check] if check else [])]
            return [*args, "--resume"] if resume else args
        every = str(max(1, self.steps.value() // 5))  # five evaluations on the chart
        out = str(self.paths.data / "training" / name)
        args = ["--data", self.data.text().strip(), "--max-steps", str(self.steps.value()), "--out", out,
                "--export", name, *common]
        if task == "recognition":
            args = ["train", "recognition", *args, "--backbone", self.model.currentText(),
                    "--loss", self.loss.currentText(),
                    *(["--eval-dir", check, "--set", f"eval_every={every}"] if check else [])]
        else:
            pretrained = self._detector_file(self.model.currentText())
            args = ["train", "detection", *args, "--labels", self.labels.text().strip(),
                    "--image-size", str(self.image_size.value()), "--pretrained", pretrained,
                    *(["--eval-dir", check, "--eval-every", every] if check else [])]
        return [*args, "--resume"] if resume else args

    def _detector_file(self, name: str) -> str:
        from faceapp.vision.models import ModelRegistry

        spec = ModelRegistry(user_dir=self.paths.user_models).spec(name)
        return "bundled" if spec.bundled else str(spec.path)

    def _auto_name(self) -> str:
        base = {"finetune": self.services.settings.embedder, "recognition": self.model.currentText(),
                "detection": "retinaface"}[self.task_key]
        return f"{base}_{datetime.now().strftime('%Y%m%d_%H%M%S')}"

    def start(self, resume: bool = False) -> bool:
        """Start (or resume) a run with the current choices, if an administrator allows."""
        if self.trainer.running or not self.services.require_admin(self):
            return False
        if self.task_key != "finetune" and not self.data.text().strip():
            self.status.setText(self.tr("Choose the training data folder first."))
            return False
        args = self.command(resume)
        if not resume:
            self.charts.clear()
        self.run = {"name": self.name.text(), "task": self.task_key, "args": args, "started": time.time(),
                    "status": "running"}
        env = {}
        if self.task_key == "finetune":  # it asks for an administrator: pass this session's login on
            env[TOKEN_ENV] = issue_pass(self.paths, self.services.actor())
        self.trainer.start(args, env=env)
        self.status.setText(self.tr("Training {0}…").format(self.run["name"]))
        self._update_buttons()
        return True

    def stop(self) -> None:
        """Stop the run; its last checkpoint stays for Resume."""
        self.trainer.stop()

    def _on_record(self, record: dict[str, Any]) -> None:
        event = record.get("event")
        self.charts.add(record)
        if event == "start":
            self.run["total_steps"] = record.get("total_steps")
        elif event == "step":
            total = self.run.get("total_steps") or self.steps.value()
            left = (total - record["step"]) * self.batch.value() / max(record.get("images_per_s", 0.0), 1e-6)
            self.status.setText(self.tr("Step {0} of {1}: loss {2:.4f}, {3:.1f} images/s, about {4} s left")
                                .format(record["step"], total, record["loss"], record.get("images_per_s", 0.0),
                                        round(left)))
        elif event == "eval":
            self.run["eval"] = record
        elif event == "checkpoint":
            self.run["checkpoint"] = record.get("path")
        elif event == "report" or "before" in record:
            self.run["report"] = record
            self.report.show_finetune(record)
        elif event == "exported":
            self.run["exported"] = record["name"]
            self.report.show_export(record["name"], self.run.get("eval"))

    def _on_finished(self, code: int, stderr: str) -> None:
        self.run["status"] = "done" if code == 0 else ("stopped" if self.trainer.stopped else "failed")
        self.run["finished"] = time.time()
        if code == 0:
            self.status.setText(self.tr("Finished {0}.").format(self.run.get("name", "")))
        elif self.trainer.stopped:
            self.status.setText(self.tr("Stopped. Resume continues from the last checkpoint."))
        else:
            last = stderr.strip().splitlines()[-1] if stderr.strip() else self.tr("no message")
            self.status.setText(self.tr("Training failed: {0}").format(last))
            self.report.show_failure(self.tr("The run failed: {0}").format(last))
        self.runs.append({k: v for k, v in self.run.items() if k != "args"})
        self._save_runs()
        self._show_history()
        self._update_buttons()
        self.models.refresh(self.services.settings)

    def _update_buttons(self) -> None:
        running = self.trainer.running
        self.start_button.setEnabled(not running)
        self.resume_button.setEnabled(not running and bool(self.run) and self.run.get("status") != "done")
        self.stop_button.setEnabled(running)

    # ------------------------------------------------------------------ history
    def _load_runs(self) -> list[dict[str, Any]]:
        path = self.paths.data / "training" / RUNS_FILE
        try:
            return list(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else []
        except (OSError, ValueError) as exc:
            log.warning("%s: unreadable run history (%s)", path, exc)
            return []

    def _save_runs(self) -> None:
        path = self.paths.data / "training" / RUNS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.runs[-200:], indent=1, default=str), encoding="utf-8")

    def _show_history(self) -> None:
        self.history.clear()
        for run in reversed(self.runs):
            when = datetime.fromtimestamp(run.get("started", 0)).strftime("%Y-%m-%d %H:%M")
            extra = run.get("decision", "")
            self.history.addItem(f"{when}  {run.get('task', '')}  {run.get('name', '')}  {run.get('status', '')} "
                                 f"{extra}".rstrip())

    # ------------------------------------------------------------------ models
    def activate(self, name: str) -> bool:
        """Activate ``name`` (re-embedding the gallery on a worker thread), if an administrator allows."""
        if not name or self.jobs.busy or not self.services.require_admin(self):
            return False
        self._decide("activated")
        base, actor = basedir_of(self.paths), self.services.actor()
        self.jobs.start(lambda: activate_model(base, name, actor=actor), self._on_model_switch, self._switch_failed)
        self.status.setText(self.tr("Activating {0} (re-embedding the gallery)…").format(name))
        return True

    def _keep(self, name: str) -> None:
        self._decide("kept")
        self.status.setText(self.tr("Kept the current model; {0} stays in the list for later.").format(name))

    def _decide(self, decision: str) -> None:
        if self.runs and self.runs[-1].get("name") == self.report.model:
            self.runs[-1]["decision"] = decision
            self._save_runs()
            self._show_history()

    def rollback(self, name: str = "") -> bool:
        """Go back to ``name``, or to the embedder the active one replaced, if an administrator allows."""
        if self.jobs.busy or not self.services.require_admin(self):
            return False
        base, actor = basedir_of(self.paths), self.services.actor()
        self.jobs.start(lambda: rollback(base, name or None, actor=actor), self._on_model_switch,
                        self._switch_failed)
        self.status.setText(self.tr("Rolling back…"))
        return True

    def _on_model_switch(self, result: dict[str, Any]) -> None:
        self.apply_model(str(result["kind"]))
        self.status.setText(self.tr("{0} is now the active {1}.").format(result["active"], result["kind"]))

    def _switch_failed(self, message: str) -> None:
        self.status.setText(self.tr("Could not switch the model: {0}").format(message))
        self.models.refresh(self.services.settings)

    def apply_model(self, kind: str) -> None:
        """Make the running app use the models the settings file now names (after a child switched them)."""
        saved = Settings.load(self.paths.settings_file)
        settings = replace(self.services.settings, detector=saved.detector, embedder=saved.embedder)
        self.services.settings = settings
        core = self.services.core
        pipeline = FacePipeline.from_settings(settings, core.paths if core else self.paths)
        if core is not None:
            if kind == "embedder":
                core.gallery.reembed(pipeline, actor="gui")  # embedded by the child: only switches the index
            core.pipeline = pipeline
            core.changes.publish(settings)
        self.services.pipeline = pipeline
        self.pipeline_changed.emit(pipeline)
        self.models.refresh(settings)

    def shutdown(self) -> None:
        """Stop child processes (the window is closing)."""
        for process in (self.trainer, self.info_process):
            process.stop()
        self.jobs.wait()
