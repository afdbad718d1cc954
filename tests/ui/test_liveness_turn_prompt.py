"""The Live page's prompt for the directed head turn: the side in words, and a large arrow on that side.

The Live page draws camera frames unmirrored; the words and the arrow follow the person's body (their
left is the screen's left as they face it), see :mod:`faceapp.ui.widgets.liveness`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from faceapp.ui.i18n import Translations, install_language
from faceapp.ui.widgets.liveness import ARROWS, LivenessNotice
from faceapp.vision.tracker import FaceResult, FaceState
from tests.ui.test_liveness_ui import live_page_showing, shoot

PROMPT_BLUE = (0x1F, 0x5F, 0x99)


def face(name: str = "Ada", **extras: object) -> FaceResult:
    return replace(FaceResult(1, (0, 0, 10, 10), ((0, 0),) * 5, 0.9, FaceState.RECOGNISED, name=name),
                   extras=dict(extras))


def ink_columns(notice: LivenessNotice) -> np.ndarray:
    """x of the prompt-blue pixels in the lower half of the rendered notice (where the arrow is)."""
    image = notice.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, : w * 3]
    rgb = pixels.reshape(h, w, 3)[h // 2:].astype(int)
    near = np.abs(rgb - np.array(PROMPT_BLUE)).sum(axis=2) < 60
    return np.nonzero(near)[1]


@pytest.fixture()
def notice(qtbot: QtBot) -> LivenessNotice:
    made = LivenessNotice()
    made.setFixedWidth(292)  # the Live page's side panel
    qtbot.addWidget(made)
    return made


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_prompt_names_the_side_with_an_arrow_on_that_side(notice: LivenessNotice, side: str) -> None:
    notice.show_faces([face(live="pending", challenge=["turn"], challenge_turn=side, challenge_left=5.2)], now=0.0)
    assert notice.prompt == f"Liveness check: turn your head to your {side} (5 s) {ARROWS[side]}"
    assert notice.textFormat() is Qt.TextFormat.RichText and f'align="{side}"' in notice.text()
    notice.resize(notice.sizeHint())
    notice.show()
    columns = ink_columns(notice)
    assert columns.size > 50  # the arrow is drawn, large
    middle = notice.width() / 2
    assert (columns.max() < middle) if side == "left" else (columns.min() > middle)


def test_blink_and_turn_and_older_prompts(notice: LivenessNotice) -> None:
    notice.show_faces([face(challenge=["blink", "turn"], challenge_turn="right", challenge_left=3.0)], now=0.0)
    assert notice.prompt == "Liveness check: please blink and turn your head to your right (3 s) \u2192"
    notice.show_faces([face(challenge=["blink"], challenge_turn=None, challenge_left=3.0)], now=0.0)
    assert notice.prompt == "Liveness check: please blink (3 s)" and "align=" not in notice.text()
    # a desk that sends no side (or an unknown one) gets the undirected words and no arrow
    notice.show_faces([face(challenge=["turn"], challenge_turn="up")], now=0.0)
    assert notice.prompt == "Liveness check: please turn your head a little"


def test_several_turns_say_how_many_are_left_and_ask_to_face_the_camera_between(notice: LivenessNotice) -> None:
    notice.show_faces([face(challenge=["turn"], challenge_turn="left", challenge_turns=3, challenge_left=9.0)], now=0.0)
    assert notice.prompt == "Liveness check: turn your head to your left (then 2 more turn(s)) (9 s) \u2190"
    notice.show_faces([face(challenge=["turn"], challenge_turn="centre", challenge_turns=1, challenge_left=8.0)],
                      now=0.0)
    assert notice.prompt == "Liveness check: look straight at the camera again (then 1 more turn(s)) (8 s)"
    assert "align=" not in notice.text()  # no arrow while coming back
    notice.show_faces([face(challenge=["turn"], challenge_turn="right", challenge_turns=1, challenge_left=7.0)],
                      now=0.0)
    assert notice.prompt == "Liveness check: turn your head to your right (7 s) \u2192"


def test_a_failed_challenge_tells_the_person_why_and_to_try_again(notice: LivenessNotice) -> None:
    notice.show_faces([face(name="Bob", live="spoof", challenge_failed="wrong_way")], now=0.0)
    assert notice.text() == ("Liveness check not passed (the head turned the other way): "
                             "step out of view, then try again.") and notice.isVisible()
    notice.show_faces([face(name="Bob", live="spoof", challenge_failed="time_up")], now=1.0)
    assert "(not done in time)" in notice.text()
    notice.show_faces([face(name="Bob", live="spoof", challenge_failed=None)], now=2.0)  # the passive model
    assert notice.text() == "Spoof suspected: Bob (photo or screen?)"
    notice.show_faces([], now=20.0)
    assert not notice.isVisible()


def test_a_spoof_note_shows_a_name_as_plain_text(notice: LivenessNotice) -> None:
    notice.show_faces([face(name="<b>Eve</b>", live="spoof")], now=0.0)
    assert notice.textFormat() is Qt.TextFormat.PlainText and "<b>Eve</b>" in notice.text()
    assert notice.prompt == ""


@pytest.fixture()
def chinese(qapp: QApplication) -> Iterator[Translations]:
    translations = install_language(qapp, "zh_CN")
    yield translations
    translations.clear()


def test_the_prompt_in_chinese(notice: LivenessNotice, chinese: Translations) -> None:
    notice.show_faces([face(challenge=["turn"], challenge_turn="left", challenge_left=4.0)], now=0.0)
    assert "向左" in notice.prompt and notice.prompt.endswith(ARROWS["left"])
    notice.show_faces([face(challenge=["blink", "turn"], challenge_turn="right", challenge_left=4.0)], now=0.0)
    assert "向右" in notice.prompt and "眨眼" in notice.prompt
    notice.show_faces([face(challenge=["turn"], challenge_turn="centre", challenge_turns=1)], now=0.0)
    assert "正对" in notice.prompt and "1" in notice.prompt


@pytest.mark.parametrize("side", ["left", "right"])
def test_live_page_turn_prompt(qtbot: QtBot, services, tmp_path: Path, side: str) -> None:
    """The prompt in the Live page's side panel over a real frame; rendered for docs/screenshots."""
    page = live_page_showing(qtbot, services, face(live="pending", challenge=["turn"], challenge_turn=side,
                                                   challenge_left=5.0))
    assert page.liveness_notice.isVisible() and f"to your {side}" in page.liveness_notice.prompt
    columns = ink_columns(page.liveness_notice)
    middle = page.liveness_notice.width() / 2
    assert (columns.max() < middle) if side == "left" else (columns.min() > middle)
    shoot(page, tmp_path, f"live_turn_prompt_{side}.png")
    page.shutdown()


def test_live_page_prompt_between_two_turns(qtbot: QtBot, services, tmp_path: Path) -> None:
    """Between two asked turns: face the camera again, no arrow; rendered for docs/screenshots."""
    page = live_page_showing(qtbot, services, face(live="pending", challenge=["turn"], challenge_turn="centre",
                                                   challenge_turns=1, challenge_left=9.0))
    assert page.liveness_notice.isVisible()
    assert "look straight at the camera again (then 1 more turn(s))" in page.liveness_notice.prompt
    assert "align=" not in page.liveness_notice.text()  # no arrow
    shoot(page, tmp_path, "live_turn_prompt_centre.png")
    page.shutdown()


def test_live_page_after_a_failed_turn(qtbot: QtBot, services, tmp_path: Path) -> None:
    """The note after a failed head turn on the Live page; rendered for docs/screenshots."""
    page = live_page_showing(qtbot, services, face(live="spoof", challenge_failed="wrong_way"))
    assert page.liveness_notice.isVisible() and "step out of view" in page.liveness_notice.text()
    shoot(page, tmp_path, "live_turn_failed.png")
    page.shutdown()
