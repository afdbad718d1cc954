"""The settings dialog: round trip to the settings file, validation, re-embedding, backup and restore."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from faceapp.config import Paths, Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.store.backup import apply_pending_restore, pending_dir
from faceapp.ui.dialogs import settings as settings_module
from faceapp.ui.dialogs.settings import SettingsDialog, false_accept_rate, threshold_sentence

MODELS = {"detector": ["retinaface_mnet025"], "embedder": ["mobilefacenet_arcface_512", "other_8"]}


class Messages:
    """Captures message boxes instead of showing them (they would block the test)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.infos: list[str] = []


@pytest.fixture()
def messages(monkeypatch: pytest.MonkeyPatch) -> Messages:
    seen = Messages()
    monkeypatch.setattr(settings_module.QMessageBox, "warning", lambda parent, title, text: seen.warnings.append(text))
    monkeypatch.setattr(settings_module.QMessageBox, "information",
                        lambda parent, title, text: seen.infos.append(text))
    return seen


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def gallery(paths: Paths) -> Iterator[Gallery]:
    made = Gallery.open(paths, "mobilefacenet_arcface_512", 8)
    yield made
    made.close()


class FakeEmbedder:
    """A deterministic 8-d 'model': the chip's mean colour, spread over 8 dimensions."""

    dim = 8

    def embed(self, chips: np.ndarray) -> np.ndarray:
        means = chips.reshape(len(chips), -1, 3).mean(axis=1)
        vectors = np.concatenate([means, means[:, :2] + 1.0, means[:, :3] * -1.0], axis=1).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _dialog(qtbot: QtBot, paths: Paths, settings: Settings | None = None,
            gallery: Gallery | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), paths, gallery, models=MODELS,
                            embedder_factory=lambda name: FakeEmbedder(), actor="boss")
    qtbot.addWidget(dialog)
    return dialog


def test_round_trip_through_the_dialog(qtbot: QtBot, paths: Paths, messages: Messages) -> None:
    dialog = _dialog(qtbot, paths)
    dialog.source_edit.setText("rtsp://camera.local/stream")
    dialog.width_spin.setValue(1280)
    dialog.height_spin.setValue(720)
    dialog.accept_spin.setValue(0.45)
    dialog.unknown_spin.setValue(0.31)
    dialog.consensus_spin.setValue(4)
    dialog.cooldown_spin.setValue(600)
    dialog.provider_box.setCurrentIndex(dialog.provider_box.findData("cpu"))
    assert dialog.flip_check.isChecked()  # flip test-time augmentation is the default
    dialog.flip_check.setChecked(False)
    dialog.language_box.setCurrentIndex(dialog.language_box.findData("zh_CN"))
    dialog.lock_spin.setValue(12)
    with qtbot.waitSignal(dialog.settings_saved) as blocker:
        assert dialog.save()
    saved = Settings.load(paths.settings_file)
    assert blocker.args == [saved] and dialog.result() == SettingsDialog.DialogCode.Accepted
    assert (saved.camera_source, saved.camera_width, saved.camera_height) == ("rtsp://camera.local/stream", 1280, 720)
    assert (saved.accept_threshold, saved.unknown_threshold, saved.provider) == (0.45, 0.31, "cpu")
    assert saved.desk_rules == {"consensus_frames": 4, "cooldown_seconds": 600.0}
    assert (saved.language, saved.admin_lock_minutes, saved.flip_embedding) == ("zh_CN", 12, False)
    assert messages.infos  # the language and provider need a restart: the user is told
    again = _dialog(qtbot, paths, saved)
    assert again.values() == saved


def test_invalid_values_are_shown_and_nothing_is_saved(qtbot: QtBot, paths: Paths, messages: Messages) -> None:
    dialog = _dialog(qtbot, paths)
    dialog.accept_spin.setValue(0.2)
    dialog.unknown_spin.setValue(0.5)
    assert not dialog.save()
    assert messages.warnings and "unknown_threshold <= accept_threshold" in messages.warnings[0]
    assert not paths.settings_file.exists() and dialog.result() != SettingsDialog.DialogCode.Accepted
    dialog.unknown_spin.setValue(0.1)
    dialog.consensus_spin.setValue(9)  # more than the 5-frame window
    assert not dialog.save() and "consensus_frames" in messages.warnings[1]


def test_threshold_sentences_follow_the_measured_rates() -> None:
    assert false_accept_rate(0.42) == pytest.approx(7.1e-5)
    assert false_accept_rate(0.30) == pytest.approx(3.3e-3)
    assert false_accept_rate(0.36) < false_accept_rate(0.30)
    assert "14,085" in threshold_sentence("accept", 0.42)
    assert "303" in threshold_sentence("unknown", 0.30)


def test_switching_the_embedder_reembeds_on_a_worker(qtbot: QtBot, paths: Paths, gallery: Gallery,
                                                    messages: Messages) -> None:
    person = gallery.add_person("Ada")
    rng = np.random.default_rng(1)
    for _ in range(3):
        chip = rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)
        gallery.add_template(person.id, chip, FakeEmbedder().embed(chip[None])[0])
    dialog = _dialog(qtbot, paths, gallery=gallery)
    dialog.embedder_box.setCurrentIndex(dialog.embedder_box.findData("other_8"))
    with qtbot.waitSignal(dialog.reembed_finished, timeout=20_000) as blocker:
        assert dialog.save()
        assert gallery.identify(FakeEmbedder().embed(chip[None]), model=gallery.model)[0].person_id == person.id
    assert blocker.args == ["other_8"] and gallery.model == "other_8"
    assert gallery.identify(FakeEmbedder().embed(chip[None]), model="other_8")[0].person_id == person.id
    dialog.wait_reembed()


def test_backup_and_restore_round_trip(qtbot: QtBot, paths: Paths, gallery: Gallery, tmp_path: Path,
                                       messages: Messages) -> None:
    ada = gallery.add_person("Ada", employee_no="E1")
    event = gallery.events.add(Event(None, datetime.now(timezone.utc), "UTC", EventKind.CHECK_IN, ada.id, "Ada",
                                     "E1", "", 0.9, 0.4, "desk"), snapshot=np.zeros((20, 20, 3), np.uint8))
    dialog = _dialog(qtbot, paths, gallery=gallery)
    target = tmp_path / "backup.zip"
    dialog.ask_backup_path = lambda: target  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.jobs.finished, timeout=20_000) as blocker:
        assert dialog.backup()
    assert blocker.args == [target] and zipfile.is_zipfile(target) and messages.infos
    gallery.delete_person(ada.id)
    gallery.add_person("Bob")
    dialog.ask_restore_path = lambda: target  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: not dialog.jobs.busy)
    with qtbot.waitSignal(dialog.jobs.finished, timeout=20_000) as blocker:
        assert dialog.restore()
    assert blocker.args == [pending_dir(paths.data)]
    gallery.close()
    kept = apply_pending_restore(paths.data)
    assert kept is not None and kept.is_dir() and not pending_dir(paths.data).exists()
    restored = Gallery.open(paths, "mobilefacenet_arcface_512", 8)
    try:
        assert [p.name for p in restored.people.list()] == ["Ada"]
        assert restored.events.snapshot_path(restored.events.get(event.id)).is_file()
    finally:
        restored.close()
    assert apply_pending_restore(paths.data) is None


@pytest.mark.parametrize("content", ["not a zip", "no manifest", "unsafe path"])
def test_restore_refuses_bad_backups(qtbot: QtBot, paths: Paths, tmp_path: Path, messages: Messages,
                                     content: str) -> None:
    bad = tmp_path / "bad.zip"
    if content == "not a zip":
        bad.write_bytes(b"hello")
    else:
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("faceapp.db", b"")
            if content == "unsafe path":
                archive.writestr("faceapp-backup.json", "{}")
                archive.writestr("../evil.txt", "x")
    dialog = _dialog(qtbot, paths)
    dialog.ask_restore_path = lambda: bad  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.jobs.failed, timeout=20_000):
        assert dialog.restore()
    assert messages.warnings and not pending_dir(paths.data).exists()
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled())
