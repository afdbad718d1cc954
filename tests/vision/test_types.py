"""The Faces container validates shapes and selects consistently."""

import numpy as np
import pytest

from faceapp.vision.types import Faces


def make(n: int, with_embeddings: bool = False) -> Faces:
    boxes = np.array([[i * 10, 0, i * 10 + 5 + i, 8 + i] for i in range(n)], np.float32).reshape(n, 4)
    return Faces(
        boxes=boxes,
        scores=np.linspace(0.5, 0.9, n, dtype=np.float32),
        landmarks=np.zeros((n, 5, 2), np.float32),
        embeddings=np.eye(n, 4, dtype=np.float32) if with_embeddings else None,
    )


def test_empty_has_length_zero_and_valid_shapes() -> None:
    faces = Faces.empty()
    assert len(faces) == 0
    assert faces.boxes.shape == (0, 4) and faces.landmarks.shape == (0, 5, 2)
    assert faces.to_dicts() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scores", np.zeros((3,), np.float32)),
        ("landmarks", np.zeros((2, 4, 2), np.float32)),
        ("embeddings", np.zeros((3, 4), np.float32)),
    ],
)
def test_mismatched_shapes_are_rejected(field: str, value: np.ndarray) -> None:
    with pytest.raises(ValueError, match=field):
        make(2).with_(**{field: value})


def test_non_array_is_rejected() -> None:
    with pytest.raises(TypeError):
        Faces(boxes=[[0, 0, 1, 1]], scores=np.zeros(1), landmarks=np.zeros((1, 5, 2)))  # type: ignore[arg-type]


def test_indexing_keeps_fields_aligned() -> None:
    faces = make(3, with_embeddings=True)
    one = faces[1]
    assert len(one) == 1
    np.testing.assert_array_equal(one.boxes[0], faces.boxes[1])
    np.testing.assert_array_equal(one.embeddings, faces.embeddings[[1]])
    masked = faces[np.array([True, False, True])]
    assert len(masked) == 2 and masked.scores[1] == faces.scores[2]


@pytest.mark.parametrize(("n", "largest"), [(1, 0), (3, 2)])
def test_largest(n: int, largest: int) -> None:
    assert make(n).largest() == largest


def test_largest_and_nearest_on_empty_raise() -> None:
    with pytest.raises(IndexError):
        Faces.empty().largest()
    with pytest.raises(IndexError):
        Faces.empty().nearest_to(0, 0)


def test_nearest_to_centre() -> None:
    faces = make(3)
    assert faces.nearest_to(21, 5) == 2
    assert faces.nearest_to(0, 0) == 0
