"""The Trainer page: administrators only, the trainer in a separate process with live charts, the
before/after report, activation of the new embedder in the running app, and rollback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faceapp.config import Settings
from faceapp.ui.main_window import MainWindow
from faceapp.ui.pages.trainer import TrainerPage
from faceapp.ui.services import Services
from faceapp.ui.widgets.train_charts import TrainingCharts
from tests.conftest import DATA, need

BUNDLED = "mobilefacenet_arcface_512"


@pytest.fixture()
def window(qtbot, services: Services) -> MainWindow:
    win = MainWindow(services)
    qtbot.addWidget(win)
    return win


def test_the_trainer_is_for_administrators(window: MainWindow, services: Services) -> None:
    services.require_admin = lambda parent: False
    assert window.open_trainer() is None and window.nav.count() == 2
    services.require_admin = lambda parent: True
    page = window.open_trainer()
    assert isinstance(page, TrainerPage) and window.stack.currentWidget() is page
    assert window.open_trainer() is page and window.nav.count() == 3  # added once
    page.shutdown()


def test_charts_draw_steps_and_evaluations(qtbot) -> None:
    charts = TrainingCharts()
    qtbot.addWidget(charts)
    for step in (1, 2, 3):
        charts.add({"event": "step", "step": step, "loss": 5.0 / step, "lr": 1e-3, "images_per_s": 10.0})
    charts.add({"event": "eval", "step": 3, "easy_ap": 0.97, "medium_ap": 0.95, "hard_ap": 0.85})
    charts.add({"event": "checkpoint", "path": "x"})  # no step: ignored
    assert charts.points("loss") == 3 and charts.points("speed") == 3 and charts.points("hard_ap") == 1
    charts.clear()
    assert charts.points("loss") == 0


def test_without_pyqtgraph_the_charts_become_text(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trimmed desktop build has no QtOpenGL, which pyqtgraph needs: the page must still work."""
    import importlib
    import sys

    from faceapp.ui.widgets import train_charts

    monkeypatch.setitem(sys.modules, "pyqtgraph", None)
    try:
        plain = importlib.reload(train_charts)
        charts = plain.TrainingCharts()
        qtbot.addWidget(charts)
        charts.add({"event": "step", "step": 1, "loss": 2.5, "lr": 1e-3, "images_per_s": 10.0})
        assert charts.plots == {} and "loss 2.5" in charts.text.text() and charts.points("loss") == 1
    finally:
        monkeypatch.undo()
        importlib.reload(train_charts)
    assert train_charts.pg is not None


def test_each_task_builds_its_trainer_command(qtbot, services: Services, tmp_path: Path) -> None:
    page = TrainerPage(services)
    qtbot.addWidget(page)
    page.task.setCurrentIndex(2)  # detection
    page.data.setText(str(tmp_path / "images"))
    page.labels.setText(str(tmp_path / "label.txt"))
    page.name.setText("det")
    args = page.command()
    assert args[:2] == ["train", "detection"] and "--labels" in args and "--image-size" in args
    assert args[args.index("--pretrained") + 1] == "bundled" and "--json" in args and "--export" in args
    assert "--basedir" in args and page.command(resume=True)[-1] == "--resume"
    page.check.setText(str(tmp_path / "wider"))
    args = page.command()
    assert args[args.index("--eval-dir") + 1] == str(tmp_path / "wider") and "--eval-every" in args
    page.task.setCurrentIndex(1)
    assert page.command()[:2] == ["train", "recognition"] and "--loss" in page.command()
    page.task.setCurrentIndex(0)
    finetune = page.command()
    assert finetune[:3] == ["train", "finetune", "--from-gallery"] and "--no-activate" in finetune
    assert finetune[finetune.index("--public-check") + 1] == str(tmp_path / "wider")
    assert "images" in page.estimate.text()
    page.shutdown()


def _enrol_lfw(services: Services, people: int = 5, photos: int = 4) -> int:
    from faceapp.errors import FaceAppError

    root = need(DATA / "lfw-dev" / "images")
    folders = sorted(root.iterdir(), key=lambda p: (-len(list(p.glob("*.jpg"))), p.name))[:people]
    enroller, faces = services.enroller(), 0
    for folder in folders:
        person = services.core.gallery.add_person(folder.name.replace("_", " "))
        for photo in sorted(folder.glob("*.jpg"))[:photos]:
            try:
                enroller.enrol_photo(person.id, photo, largest=True, force=True, check_quality=False)
                faces += 1
            except FaceAppError:
                pass
    return faces


@pytest.mark.realdata
@pytest.mark.slow
def test_a_run_ends_in_a_report_is_activated_and_rolled_back(qtbot, window: MainWindow, services: Services) -> None:
    from faceapp.store.auth import Role, Users

    faces = _enrol_lfw(services)
    assert faces >= 15
    # With an administrator set up, the trainer CLI asks a password; the page passes its login on.
    Users(services.core.gallery.database).add("boss", "a long enough secret", Role.ADMIN)
    page = window.open_trainer()
    assert page is not None
    page.steps.setValue(4)
    page.batch.setValue(8)
    page.device_choice.setCurrentIndex(page.device_choice.findData("cpu"))
    page.name.setText("site_ft")
    assert page.start()
    assert page.trainer.running and not page.start_button.isEnabled()
    qtbot.waitUntil(lambda: bool(page.run.get("checkpoint")), timeout=240_000)  # one per step
    page.stop_button.click()  # the process ends; its last checkpoint stays
    assert page.run["status"] == "stopped" and page.resume_button.isEnabled()
    page.resume_button.click()
    qtbot.waitUntil(lambda: not page.trainer.running, timeout=240_000)
    assert page.run["status"] == "done", page.status.text()
    assert page.run["total_steps"] == 4 and [r["status"] for r in page.runs[-2:]] == ["stopped", "done"]
    assert page.charts.points("loss") >= 1  # live charts followed the child's JSON lines
    assert page.report.model == "site_ft" and page.report.activate_button.isEnabled()
    assert page.report.table.rowCount() >= 4  # before/after figures
    assert "GiB" in page.device_label.text() or page.device_label.text().startswith("CPU")
    shots = os.environ.get("FACEAPP_SCREENSHOT_DIR")
    if shots:
        window.resize(1500, 860)
        page.grab().save(str(Path(shots) / "trainer.png"))

    page.report.activate_button.click()
    qtbot.waitUntil(lambda: services.settings.embedder == "site_ft", timeout=120_000)
    assert services.pipeline.info.embedder == "site_ft" and services.core.gallery.model == "site_ft"
    assert Settings.load(services.paths.settings_file).embedder == "site_ft"
    assert "site_ft" in page.models.active_rows()
    assert page.runs[-1]["decision"] == "activated" and "activated" in page.history.item(0).text()

    qtbot.waitUntil(lambda: not page.jobs.busy, timeout=10_000)
    page.models.rollback_button.click()  # no selection: back to the embedder it replaced
    qtbot.waitUntil(lambda: services.settings.embedder == BUNDLED, timeout=120_000)
    assert services.core.gallery.model == BUNDLED and BUNDLED in page.models.active_rows()
    qtbot.waitUntil(lambda: not page.jobs.busy, timeout=10_000)


@pytest.mark.realdata
@pytest.mark.slow
def test_folder_and_detection_runs_export_models(qtbot, services: Services, tmp_path: Path) -> None:
    """The two other tasks run end to end from the page: the export appears in the report and the list."""
    import cv2
    import numpy as np

    train_dev = need(DATA / "wider-train-dev")
    rng = np.random.default_rng(0)
    for person in range(3):
        (tmp_path / "chips" / f"p{person}").mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(tmp_path / "chips" / f"p{person}" / f"{i}.png"),
                        rng.integers(0, 256, (112, 112, 3), np.uint8))
    lines = (train_dev / "label.txt").read_text().splitlines()
    second = [n for n, line in enumerate(lines) if line.startswith("#")][2]
    (tmp_path / "label.txt").write_text("\n".join(lines[:second]) + "\n")  # two images
    page = TrainerPage(services)
    qtbot.addWidget(page)
    page.device_choice.setCurrentIndex(page.device_choice.findData("cpu"))
    for task, name, data in ((1, "rec_gui", tmp_path / "chips"), (2, "det_gui", train_dev / "images")):
        page.task.setCurrentIndex(task)
        page.steps.setValue(1)
        page.batch.setValue(2 if task == 2 else 4)
        page.image_size.setValue(320)
        page.data.setText(str(data))
        page.labels.setText(str(tmp_path / "label.txt"))
        page.name.setText(name)
        assert page.start()
        qtbot.waitUntil(lambda: not page.trainer.running, timeout=240_000)
        assert page.run["status"] == "done", page.status.text()
        assert page.report.model == name and page.report.activate_button.isEnabled()
        assert name in [page.models.table.item(r, 0).text() for r in range(page.models.table.rowCount())]
    assert [run["name"] for run in page.runs[-2:]] == ["rec_gui", "det_gui"]
    page.shutdown()
