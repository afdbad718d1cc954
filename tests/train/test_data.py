"""RecordIO round trip, identity folders, augmentation and batch samplers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from faceapp.errors import DataError  # noqa: E402
from faceapp.train.data import (  # noqa: E402
    Augment,
    ChipDataset,
    PKBatchSampler,
    RecordIODataset,
    ShuffledBatchSampler,
    chip_to_tensor,
    read_recordio,
    write_recordio,
)
from faceapp.train.data.recordio import IRHeader, pack, unpack  # noqa: E402
from faceapp.vision.constants import MOBILEFACENET_MEAN, MOBILEFACENET_STD  # noqa: E402


def _chips(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (112, 112, 3), dtype=np.uint8) for _ in range(n)]


def _png(chip: np.ndarray) -> bytes:
    return cv2.imencode(".png", chip)[1].tobytes()


def test_irheader_pack_unpack_scalar_and_vector() -> None:
    header, rest = unpack(pack(IRHeader(0, 7.0, 3, 0), b"img"))
    assert (header.flag, header.label, header.id, rest) == (0, 7.0, 3, b"img")
    header, rest = unpack(pack(IRHeader(0, np.array([5.0, 9.0]), 0, 0), b""))
    assert header.flag == 2 and np.asarray(header.label).tolist() == [5.0, 9.0] and rest == b""


def test_recordio_write_read_round_trip(tmp_path: Path) -> None:
    chips = _chips(5)
    labels = [1, 0, 1, 2, 0]
    count = write_recordio(tmp_path, zip(labels, map(_png, chips), strict=True))
    assert count == 5
    assert (tmp_path / "property").read_text().strip() == "3,112,112"
    reader, ids, read_labels = read_recordio(tmp_path)
    assert ids == [1, 2, 3, 4, 5]
    assert read_labels.tolist() == [0, 0, 1, 1, 2]  # grouped by identity
    header0, _ = unpack(reader.read_idx(0))
    assert np.asarray(header0.label).tolist() == [6.0, 9.0]
    ranges = [np.asarray(unpack(reader.read_idx(6 + c))[0].label).tolist() for c in range(3)]
    assert ranges == [[1.0, 3.0], [3.0, 5.0], [5.0, 6.0]]
    dataset = RecordIODataset(tmp_path, MOBILEFACENET_MEAN, MOBILEFACENET_STD)
    expected = [chips[1], chips[4], chips[0], chips[2], chips[3]]
    for i, chip in enumerate(expected):
        np.testing.assert_array_equal(dataset.chip(i), chip)
    tensor, label = dataset[3]
    assert label == 1 and tensor.shape == (3, 112, 112)


def test_recordio_rejects_gapped_labels_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        write_recordio(tmp_path, [(0, b"x"), (2, b"y")])
    write_recordio(tmp_path, [(0, _png(_chips(1)[0]))])
    data = bytearray((tmp_path / "train.rec").read_bytes())
    data[0] ^= 0xFF
    (tmp_path / "train.rec").write_bytes(bytes(data))
    with pytest.raises(DataError, match="magic"):
        read_recordio(tmp_path)


def test_chip_to_tensor_is_rgb_normalised_like_the_embedder() -> None:
    chip = np.zeros((112, 112, 3), np.uint8)
    chip[..., 0] = 255  # blue in BGR
    tensor = chip_to_tensor(chip, 127.0, 128.0)
    assert tensor[2, 0, 0].item() == pytest.approx(1.0) and tensor[0, 0, 0].item() == pytest.approx(-127 / 128)


def test_chip_dataset_from_folder_and_seeded_augmentation(tmp_path: Path) -> None:
    for person, n in (("ann", 2), ("bob", 3)):
        (tmp_path / person).mkdir()
        for i, chip in enumerate(_chips(n, seed=len(person) + n)):
            cv2.imwrite(str(tmp_path / person / f"{i}.png"), chip)
    augment = Augment(flip=0.5, crop=1.0, erase=1.0)
    dataset = ChipDataset.from_folder(tmp_path, 127.0, 128.0, augment, seed=3)
    assert dataset.classes == ["ann", "bob"] and dataset.labels.tolist() == [0, 0, 1, 1, 1]
    first, again = dataset[2][0], dataset[2][0]
    torch.testing.assert_close(first, again)
    dataset.set_epoch(1)
    assert not torch.equal(dataset[2][0], first)
    with pytest.raises(DataError):
        ChipDataset.from_folder(tmp_path, 127.0, 128.0, min_images=4)


def test_augment_flip_mirrors_and_keeps_shape() -> None:
    chip = _chips(1)[0]
    flipped = Augment(flip=1.0, brightness=0, contrast=0, saturation=0)(chip, np.random.default_rng(0))
    np.testing.assert_array_equal(flipped, chip[:, ::-1])
    out = Augment(crop=1.0, erase=1.0)(chip, np.random.default_rng(1))
    assert out.shape == chip.shape and out.dtype == np.uint8


def test_pk_sampler_yields_p_identities_times_k() -> None:
    labels = np.repeat(np.arange(6), [4, 4, 3, 2, 5, 1])
    sampler = PKBatchSampler(labels, p=3, k=4, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler) >= 1
    for batch in batches:
        classes, counts = np.unique(labels[batch], return_counts=True)
        assert len(classes) == 3 and counts.tolist() == [4, 4, 4]
        assert 5 not in classes  # a single image cannot be a positive
    assert list(PKBatchSampler(labels, 3, 4, seed=1)) == batches
    with pytest.raises(ValueError):
        PKBatchSampler(labels, p=6, k=2)


def test_shuffled_sampler_is_epoch_seeded_resumable_and_sharded() -> None:
    sampler = ShuffledBatchSampler(10, 3, seed=0)
    full = list(sampler)
    assert len(full) == 3 and len({i for b in full for i in b}) == 9
    sampler.set_epoch(0, start_batch=2)
    assert list(sampler) == full[2:]
    sampler.set_epoch(1)
    assert list(sampler) != full
    shards = [list(ShuffledBatchSampler(10, 3, seed=0, rank=r, world=2)) for r in (0, 1)]
    assert shards[0] == [full[0]] and shards[1] == [full[1]]  # the odd third batch is dropped
    assert [len(ShuffledBatchSampler(10, 3, rank=r, world=2)) for r in (0, 1)] == [1, 1]
