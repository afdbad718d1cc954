"""LFW pairs parsing and the published accuracy on lfw-dev (unaligned photos)."""

from pathlib import Path

import pytest

from faceapp.errors import DataError
from faceapp.evaluation.lfw import evaluate_lfw, read_pairs
from faceapp.vision.pipeline import FacePipeline


def test_read_pairs_format(tmp_path: Path) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text("1\t2\nAnn\t1\t2\nBob\t3\t4\nAnn\t1\tBob\t4\nCid\t2\tAnn\t2\n", encoding="utf-8")
    pairs = read_pairs(path)
    assert [p.same for p in pairs] == [True, True, False, False]
    assert pairs[0].first == "Ann/Ann_0001.jpg" and pairs[2].second == "Bob/Bob_0004.jpg"
    assert {p.fold for p in pairs} == {0}


@pytest.mark.parametrize(
    "text", ["", "x y\n", "1\t2\nAnn\t1\t2\n", "1\t1\nAnn\t1\t2\nA\tB\tC\tD\tE\n", "1\t1\nAnn\tone\t2\nA\t1\tB\t2\n"]
)
def test_malformed_pairs_raise_data_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError):
        read_pairs(path)


def test_missing_pairs_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_pairs(tmp_path / "none.txt")


@pytest.mark.slow
def test_lfw_dev_accuracy_is_at_least_099(pipeline: FacePipeline, lfw_dir: Path) -> None:
    report = evaluate_lfw(pipeline, lfw_dir / "images", lfw_dir / "pairs.txt")
    r = report.result
    assert r.pairs == 600 and r.positives == 300
    assert r.accuracy >= 0.99, r
    assert r.tar_at_far >= 0.95 and r.far_achieved <= 1e-3
    assert report.images == 807 and not report.unreadable  # distinct images named in pairs.txt
    assert len(report.no_face) <= 2
