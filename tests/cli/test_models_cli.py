"""``faceapp models list|activate``: switching the embedder re-embeds the gallery from stored chips."""

import json
from pathlib import Path

from faceapp.cli import main
from faceapp.config import Settings


def test_list_activate_and_recognise_after_the_switch(capsys, basedir: Path, lfw_dir: Path) -> None:
    b = ("--basedir", str(basedir))
    images = lfw_dir / "images" / "Abel_Pacheco"
    assert main(["enroll", "--name", "Abel", str(images / "Abel_Pacheco_0001.jpg"), *b]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json", *b]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["mobilefacenet_arcface_512"]["active"] and not rows["mobilefacenet_arcface_512_b1"]["active"]

    assert main(["models", "activate", "mobilefacenet_arcface_512_b1", "--json", *b]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {"active": "mobilefacenet_arcface_512_b1", "kind": "embedder", "templates": 1}
    assert Settings.load(basedir / "config" / "settings.json").embedder == "mobilefacenet_arcface_512_b1"

    assert main(["recognize", str(images / "Abel_Pacheco_0002.jpg"), "--json", *b]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Abel"  # found through the new model's index


def test_only_detectors_and_embedders_can_be_activated(capsys, basedir: Path) -> None:
    assert main(["models", "activate", "eye_state_24", "--basedir", str(basedir)]) == 2
    assert "only detectors and embedders" in capsys.readouterr().err
    assert main(["models", "activate", "no_such_model", "--basedir", str(basedir)]) == 2
    assert "no model named" in capsys.readouterr().err
