"""Fine-tuning that proves itself, on real faces: celeba-dev people enrolled in a gallery, the
bundled embedder fine-tuned on part of their faces, measured on the held-out part and on an
lfw-dev pairs subset, activated only when better; then rolled back in one step."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from faceapp.cli import main
from faceapp.config import Paths, Settings
from faceapp.errors import DataError
from faceapp.model_history import load_history, load_report, rollback_target
from faceapp.train.site_eval import SiteSplit, decide, open_set_figures, split_gallery, verification_figures
from tests.conftest import DATA, need

SITE = {"accuracy": 0.95, "tar_at_far": 0.80, "dir_at_fpir": 0.70, "rank1": 0.9}


# ------------------------------------------------------------------------------------------ the split


def test_split_keeps_held_out_faces_and_strangers_out_of_training() -> None:
    templates = {p: list(range(p * 100, p * 100 + n)) for p, n in enumerate([12, 12, 10, 8, 5, 3, 2, 1, 12, 12])}
    split = split_gallery(templates, holdout=0.34, unseen_fraction=0.2, seed=3)
    train = set(split.train_ids())
    assert not train & set(split.held_out())
    assert not set(split.train) & set(split.unseen)  # strangers: no face of theirs is trained on
    assert {6, 7} <= set(split.unseen)  # people with under 3 faces cannot be split: strangers
    for person, ids in split.train.items():
        assert len(ids) >= 2 and len(split.probes[person]) >= 1
        assert sorted(ids + split.probes[person]) == templates[person]
    assert split == split_gallery(templates, 0.34, 0.2, seed=3)  # repeatable
    with pytest.raises(DataError, match="at least 3 people"):
        split_gallery({1: [1, 2, 3], 2: [4, 5, 6], 3: [7]})


def test_site_figures_on_separable_and_confused_embeddings() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 32))
    templates = {p: list(range(p * 10, p * 10 + 5)) for p in range(6)}
    split = split_gallery(templates, seed=0)
    clean = {t: c / np.linalg.norm(c) for p, ids in templates.items() for t in ids
             for c in [centres[p] + 0.05 * rng.normal(size=32)]}
    figures = {**verification_figures(clean, split, 1e-3), **open_set_figures(clean, split, 0.01)}
    assert figures["accuracy"] == 1.0 and figures["tar_at_far"] == 1.0 and figures["dir_at_fpir"] == 1.0
    noise = {t: v / np.linalg.norm(v) for t in clean for v in [rng.normal(size=32)]}
    confused = {**verification_figures(noise, split, 1e-3), **open_set_figures(noise, split, 0.01)}
    assert confused["dir_at_fpir"] < 0.5 and confused["tar_at_far"] < 0.5


@pytest.mark.parametrize(("after", "public", "better", "words"), [
    ({"tar_at_far": 0.85}, None, True, "no public check"),
    ({"tar_at_far": 0.85}, (0.99, 0.988), True, "within 0.005"),
    ({"tar_at_far": 0.85}, (0.99, 0.97), False, "worse on the public check"),
    ({}, None, False, "not better"),
    ({"tar_at_far": 0.95, "accuracy": 0.90}, None, False, "accuracy fell"),
    ({"dir_at_fpir": 0.60, "tar_at_far": 0.95}, None, False, "dir_at_fpir fell"),
])
def test_activation_rule(after: dict, public: tuple | None, better: bool, words: str) -> None:
    before, candidate = dict(SITE), {**SITE, **after}
    if public:
        before["public"], candidate["public"] = {"accuracy": public[0]}, {"accuracy": public[1]}
    decision = decide(before, candidate, tolerance=0.005)
    assert decision.better is better and words in decision.reason


def test_rollback_target_follows_the_history() -> None:
    events = [{"event": "activated", "kind": "embedder", "name": "m_ft1", "previous": "m"},
              {"event": "activated", "kind": "detector", "name": "d2", "previous": "d"},
              {"event": "activated", "kind": "embedder", "name": "m_ft2", "previous": "m_ft1"}]
    assert rollback_target(events, "m_ft2", "embedder") == "m_ft1"
    assert rollback_target(events, "m_ft1", "embedder") == "m"
    assert rollback_target(events, "d2", "detector") == "d"
    with pytest.raises(Exception, match="nothing to roll back"):
        rollback_target(events, "m", "embedder")


# ------------------------------------------------------------------------------------------ real faces


def _celeba_gallery(home: Path, people: int, photos: int) -> int:
    """Enrol ``photos`` photos of each of the first ``people`` celeba-dev identities; returns faces."""
    from faceapp.errors import FaceAppError
    from faceapp.services import Core

    root = need(DATA / "celeba-dev" / "images")
    core = Core.open(home, settings=Settings(provider="cpu"))
    enroller = core.enroller()
    faces = 0
    try:
        for folder in sorted(root.iterdir())[:people]:
            person = core.gallery.add_person(f"celeb {folder.name}")
            for photo in sorted(folder.glob("*.jpg"))[:photos]:
                try:
                    enroller.enrol_photo(person.id, photo, largest=True, force=True, check_quality=False)
                    faces += 1
                except FaceAppError:
                    pass
    finally:
        core.close()
    return faces


@pytest.fixture()
def lfw_subset(tmp_path: Path) -> Path:
    """An LFW-format folder with the first 60 same and 60 different pairs of lfw-dev (all photos
    of the same-pair people, so the candidate's calibration has enough genuine pairs)."""
    source = need(DATA / "lfw-dev")
    lines = (source / "pairs.txt").read_text().splitlines()
    same, diff = lines[1:61], lines[301:361]
    folder = tmp_path / "public"
    (folder / "images").mkdir(parents=True)
    for line in same:
        link = folder / "images" / line.split()[0]
        if not link.exists():
            link.symlink_to(source / "images" / line.split()[0])
    for line in diff:
        for name in line.split()[::2]:
            (folder / "images" / name).mkdir(exist_ok=True)
            photo = folder / "images" / name / f"{name}_{int(line.split()[line.split().index(name) + 1]):04d}.jpg"
            if not photo.exists():
                photo.symlink_to(source / "images" / name / photo.name)
    (folder / "pairs.txt").write_text("1\t60\n" + "\n".join(same + diff) + "\n")
    return folder


@pytest.mark.realdata
@pytest.mark.slow
def test_finetune_on_celeba_gallery_measures_decides_and_rolls_back(
    tmp_path: Path, lfw_subset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    from faceapp.store.db import Database
    from faceapp.store.people import People

    home = tmp_path / "home"
    faces = _celeba_gallery(home, people=12, photos=7)
    assert faces >= 60
    argv = ["train", "finetune", "--from-gallery", "--steps", "6", "--batch-size", "16", "--device", "cpu",
            "--public-check", str(lfw_subset), "--basedir", str(home), "--json"]
    assert main(argv) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    report = lines[-1]
    assert {"before", "after", "activated", "reason"} <= set(report)
    start = next(r for r in lines if r.get("event") == "start")
    assert start["images"] == report["split"]["train_faces"]  # only the train faces are trained on
    assert report["split"]["probe_faces"] > 0 and report["split"]["unseen_people"] >= 2
    before, after = report["before"], report["after"]
    assert before["model"] == "mobilefacenet_arcface_512" and after["model"] == report["model"]
    for figures in (before, after):
        assert 0.5 < figures["accuracy"] <= 1 and 0 <= figures["tar_at_far"] <= 1 and 0 <= figures["dir_at_fpir"] <= 1
        assert figures["public"]["pairs"] == 120 and figures["public"]["accuracy"] > 0.8
    assert report["activated"] == decide(before, after).better == report["recommended"]
    assert load_report(home / "data" / "models", report["model"])["reason"] == report["reason"]
    from faceapp.vision.models import ModelRegistry

    assert report["calibration"].startswith("calibrated"), report["calibration"]  # the trainer calibrates
    assert ModelRegistry(user_dir=home / "data" / "models").spec(report["model"]).calibration is not None
    settings_file = Paths.resolve(home).settings_file
    active = Settings.load(settings_file).embedder
    assert active == (report["model"] if report["activated"] else "mobilefacenet_arcface_512")

    # Whatever was decided, the candidate can be activated by hand and rolled back in one step.
    if not report["activated"]:
        assert main(["models", "activate", report["model"], "--basedir", str(home), "--json"]) == 0
    database = Database.open(Paths.resolve(home))
    assert People(database).models()[report["model"]] == faces  # the gallery was re-embedded
    database.close()
    capsys.readouterr()
    assert main(["models", "rollback", "--basedir", str(home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["active"] == "mobilefacenet_arcface_512" and result["previous"] == report["model"]
    assert Settings.load(settings_file).embedder == "mobilefacenet_arcface_512"
    events = [e["event"] for e in load_history(home / "data" / "models")]
    assert events == ["trained", "activated", "rollback"]


def test_split_sizes_are_reported() -> None:
    split = SiteSplit(train={1: [1, 2]}, probes={1: [3]}, unseen={2: [4, 5]})
    assert split.sizes() == {"train_people": 1, "train_faces": 2, "probe_faces": 1, "unseen_people": 1,
                             "unseen_faces": 2}


def test_a_trainer_pass_is_used_once_and_expires(tmp_path: Path) -> None:
    from faceapp.trainer_token import issue, redeem

    paths = Paths.resolve(tmp_path)
    token = issue(paths, "boss")
    assert redeem(paths, "wrong" + token) is None and redeem(paths, token) is None  # a wrong try uses it up
    token = issue(paths, "boss")
    assert redeem(paths, token) == "boss" and redeem(paths, token) is None  # once only
    assert redeem(paths, issue(paths, "boss", lifetime_s=-1)) is None  # expired
    assert redeem(paths, None) is None


def test_finetune_asks_an_administrator_unless_given_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from faceapp.store.auth import Role, Users
    from faceapp.store.db import Database
    from faceapp.trainer_token import ENV, issue

    home = tmp_path / "home"
    paths = Paths.resolve(home).ensure()
    database = Database.open(paths)
    Users(database).add("boss", "a long enough secret", Role.ADMIN)
    database.close()
    monkeypatch.delenv("FACEAPP_ADMIN_PASSWORD", raising=False)
    argv = ["train", "finetune", "--from-gallery", "--no-activate", "--basedir", str(home)]
    assert main(argv) == 2
    assert "password" in capsys.readouterr().err  # no password, no terminal: refused
    monkeypatch.setenv(ENV, issue(paths, "boss"))
    assert main(argv) == 2
    assert "at least 3 people" in capsys.readouterr().err  # past the check: the empty gallery is the error


def test_a_stopped_finetune_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from typing import Any

    from faceapp.store.gallery import Gallery
    from faceapp.train.backbones.mobilefacenet import mobilefacenet_tiny
    from faceapp.train.callbacks import TrainCallback
    from faceapp.train.export import export_embedder
    from faceapp.train.finetune import FinetuneOptions, finetune_from_gallery
    from faceapp.vision.constants import MOBILEFACENET_MEAN, MOBILEFACENET_STD

    home = tmp_path / "home"
    paths = Paths.resolve(home).ensure()
    export_embedder(mobilefacenet_tiny(16, deploy=True), paths.user_models, "tiny", MOBILEFACENET_MEAN,
                    MOBILEFACENET_STD)
    Settings(embedder="tiny").save(paths.settings_file)
    gallery = Gallery.open(paths, "tiny", 16)
    rng = np.random.default_rng(0)
    for k in range(5):
        person = gallery.add_person(f"person {k}")
        for _ in range(3):
            gallery.add_template(person.id, rng.integers(0, 256, (112, 112, 3), np.uint8), rng.normal(size=16))
    gallery.close()

    class KilledError(Exception):
        pass

    class KillAt(TrainCallback):  # the Trainer page's Stop ends the process like this, mid-run
        def __init__(self) -> None:
            self.starts: list[int] = []

        def on_train_start(self, info: dict[str, Any]) -> None:
            self.starts.append(info["start_step"])

        def on_step(self, metrics: dict[str, Any]) -> bool | None:
            if metrics["step"] == 2 and len(self.starts) == 1:
                raise KilledError
            return None

    options = FinetuneOptions(name="tiny_run", steps=4, batch_size=4, device="cpu", activate=False)
    callback = KillAt()
    with pytest.raises(KilledError):
        finetune_from_gallery(home, options, [callback])
    report = finetune_from_gallery(home, options, [callback], resume=True)
    # Killed while reporting step 2: the last checkpoint is step 1's (one every steps // 4).
    assert callback.starts == [0, 1] and report["steps"] == 4 and report["model"] == "tiny_run"
