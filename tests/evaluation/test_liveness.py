"""Liveness figures: APCER/BPCER/ACER, the threshold for a target BPCER, per-presentation decisions
(the live path's rule), and ``faceapp eval liveness`` on real nuaa-dev frames."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from faceapp.cli import main
from faceapp.errors import DataError
from faceapp.evaluation.liveness import (
    SWEEP,
    auc,
    presentation_figures,
    rates,
    read_labels,
    threshold_at_bpcer,
)
from faceapp.vision.liveness_track import LiveVerdict, TrackEvidence, TrackPolicy, decide_presentation
from tests.conftest import DATA, need


@pytest.mark.parametrize(
    ("live", "spoof", "threshold", "apcer", "bpcer"),
    [
        ([0.9, 0.8, 0.3], [0.1, 0.6], 0.5, 0.5, 1 / 3),
        ([0.9, 0.8, 0.3], [0.1, 0.6], 0.9, 0.0, 2 / 3),  # score == threshold is accepted
        ([], [0.2], 0.5, 0.0, 0.0),
        ([0.7], [], 0.5, 0.0, 0.0),
    ],
)
def test_rates(live, spoof, threshold, apcer, bpcer) -> None:
    r = rates(np.array(live), np.array(spoof), threshold)
    assert (r.apcer, r.bpcer, r.acer) == pytest.approx((apcer, bpcer, (apcer + bpcer) / 2))
    assert (r.attacks, r.bona_fide) == (len(spoof), len(live))


def test_threshold_at_bpcer_is_the_highest_within_target() -> None:
    live = np.linspace(0.01, 1.0, 100)
    for target in (0.0, 0.01, 0.05, 0.2):
        t = threshold_at_bpcer(live, target)
        assert rates(live, np.array([]), t).bpcer <= target + 1e-12
        assert rates(live, np.array([]), np.nextafter(t, 2.0)).bpcer > target  # any higher breaks it
    assert threshold_at_bpcer(live, 1.0) > 1.0  # everything may be rejected


def test_auc_with_ties() -> None:
    assert auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auc(np.array([0.5]), np.array([0.5])) == 0.5
    assert auc(np.array([0.1]), np.array([0.9])) == 0.0
    assert auc(np.array([]), np.array([0.1])) is None


def test_read_labels(tmp_path: Path) -> None:
    good = tmp_path / "l.csv"
    good.write_text("path,label,subject,group\na.jpg,live,1,g1\nb.jpg,SPOOF,1,g2\n")
    samples = read_labels(good)
    assert [(s.path, s.live, s.group) for s in samples] == [("a.jpg", True, "g1"), ("b.jpg", False, "g2")]
    good.write_bytes("\ufeffpath,label\r\na.jpg,live\r\n".encode())  # as spreadsheets save CSV
    assert [(s.path, s.live) for s in read_labels(good)] == [("a.jpg", True)]
    for text, match in (("path,kind\na,live\n", "columns"), ("path,label\na.jpg,fake\n", "live or spoof"),
                        ("", "columns")):
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(DataError, match=match):
            read_labels(bad)
    with pytest.raises(DataError, match="cannot read"):
        read_labels(tmp_path / "missing.csv")


def test_presentation_is_decided_like_a_track() -> None:
    """A presentation gets the verdict its track has when the live path first acts on it."""
    policy = TrackPolicy(threshold=0.9, min_frames=3, window=5)
    # a photo held still after two good-looking frames: the live path says spoof once 3 frames are in
    frames = [0.99, 0.99, 0.02, 0.99, 0.99, 0.99, 0.99, 0.99]
    track = TrackEvidence(policy)
    verdicts = [track.add(s) for s in frames]
    assert verdicts[:2] == [LiveVerdict.PENDING] * 2 and verdicts[2] is LiveVerdict.SPOOF
    assert verdicts[-1] is LiveVerdict.SPOOF  # stays spoofed
    verdict, score = decide_presentation(frames, policy)
    assert verdict is verdicts[-1] and score == pytest.approx(track.decision_score)
    live_verdict, live_score = decide_presentation([0.97, 0.99, 0.95, 0.98], policy)
    assert live_verdict is LiveVerdict.LIVE and live_score >= 0.9
    # a short presentation is decided on what it has; an empty one is PENDING
    assert decide_presentation([0.2], policy)[0] is LiveVerdict.SPOOF
    assert decide_presentation([], policy) == (LiveVerdict.PENDING, None)


def test_a_presentation_live_at_its_first_verdict_counts_as_let_through() -> None:
    """An attack that looks live for its first frames is checked in then; its later frames cannot undo that."""
    policy = TrackPolicy(threshold=0.9, min_frames=3, window=5)
    frames = [0.99, 0.99, 0.99] + [0.01] * 10
    track = TrackEvidence(policy)
    verdicts = [track.add(s) for s in frames]
    first = next(v for v in verdicts if v is not LiveVerdict.PENDING)
    assert first is LiveVerdict.LIVE and verdicts[-1] is LiveVerdict.SPOOF
    verdict, score = decide_presentation(frames, policy)
    assert verdict is LiveVerdict.LIVE and score == pytest.approx(0.99, abs=1e-6)
    # a live face whose later frames dip was checked in too: not a rejected presentation
    assert decide_presentation([0.97, 0.98, 0.99, 0.3, 0.2, 0.2], policy)[0] is LiveVerdict.LIVE
    # one that starts low is refused for good
    assert decide_presentation([0.5, 0.6, 0.7] + [0.99] * 10, policy)[0] is LiveVerdict.SPOOF


def test_presentation_figures(tmp_path: Path) -> None:
    from faceapp.evaluation.liveness import Sample

    samples = [Sample(f"{g}{i}.jpg", g.startswith("L"), group=g) for g in ("La", "Lb", "Sa", "Sx") for i in range(4)]
    scores = np.array([0.99] * 4 + [0.98, 0.97, np.nan, 0.99] + [0.01] * 4 + [np.nan] * 4)
    out = presentation_figures(samples, scores, TrackPolicy(threshold=0.9, min_frames=3))
    assert (out["count"], out["decided"], out["no_face"], out["errors"]) == (4, 3, ["Sx"], [])
    assert out["default"]["apcer"] == 0 and out["default"]["bpcer"] == 0 and out["default"]["bona_fide"] == 2
    assert out["groups"]["Lb"]["frames"] == 3 and len(out["sweep"]) == len(SWEEP)
    assert out["groups"]["La"]["decided_after"] == 3  # the first verdict: what the live path acts on
    mixed = [Sample("a.jpg", True, group="g"), Sample("b.jpg", False, group="g")]
    with pytest.raises(DataError, match="mixes"):
        presentation_figures(mixed, np.array([0.5, 0.5]), TrackPolicy())


def test_eval_liveness_cli_on_nuaa(tmp_path: Path, capsys: pytest.CaptureFixture[str], basedir: Path) -> None:
    """Two subjects' frames, grouped by subject and session, through ``faceapp eval liveness --json``."""
    nuaa = need(DATA / "nuaa-dev")
    rows = [r for r in csv.DictReader((nuaa / "labels.csv").open()) if r["subject"] in ("0002", "0006")]
    labels = tmp_path / "labels.csv"
    with labels.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["path", "label", "subject", "group"])
        for r in rows:
            session = Path(r["path"]).stem.split("_")[3]
            out.writerow([r["path"], r["label"], r["subject"], f"{r['label']}-{r['subject']}-{session}"])
    assert main(["eval", "liveness", "--data", str(nuaa), "--labels", str(labels), "--json",
                 "--basedir", str(basedir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == len(rows) and report["no_face"] == 0
    assert report["default"]["apcer"] == 0.0 and report["default"]["bpcer"] <= 0.05
    assert report["at_target_bpcer"]["bpcer"] <= 0.01 and report["auc"] > 0.99
    presentations = report["presentations"]
    assert presentations["count"] == len({(r["label"], r["subject"], Path(r["path"]).stem.split("_")[3]) for r in rows})
    assert presentations["errors"] == [] and presentations["default"]["acer"] == 0.0
    # the same with a threshold nothing reaches: every live presentation is rejected
    assert main(["eval", "liveness", "--data", str(nuaa), "--labels", str(labels), "--json", "--threshold", "0.9999",
                 "--basedir", str(basedir)]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert strict["threshold"] == 0.9999 and strict["presentations"]["default"]["bpcer"] > 0.5
    # a missing folder is a clear error, not a traceback
    assert main(["eval", "liveness", "--data", str(tmp_path / "nope"), "--labels", str(labels)]) != 0
