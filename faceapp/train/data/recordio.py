"""InsightFace RecordIO datasets (``train.rec``, ``train.idx``, ``property``) without MXNet.

A record is ``magic (u32 0xced7230a) | lrecord (u32: 3-bit continuation flag << 29 | length) |
payload`` padded to 4 bytes; ``train.idx`` maps record ids to byte offsets (``id<TAB>offset``).
A payload is an IRHeader, struct ``IfQQ`` = (flag, label, id, id2), then — when flag > 0 — a
float32 label vector of ``flag`` entries, then the encoded image. Record 0 holds no image: its
label vector is ``(first identity record, end of identity records)``; image records are
``1 .. first identity record − 1`` with a scalar class label, and each identity record's label
is its ``(start, end)`` range of image records. ``property`` holds ``num_classes,height,width``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

from faceapp.errors import DataError
from faceapp.train.data.folder import ChipSource
from faceapp.train.data.transforms import Augment

MAGIC = 0xCED7230A
IR_FORMAT = "IfQQ"
IR_SIZE = struct.calcsize(IR_FORMAT)
_LENGTH_MASK = (1 << 29) - 1


@dataclass(frozen=True)
class IRHeader:
    """Header of one record; ``label`` is a float, or a vector when ``flag > 0``."""

    flag: int
    label: float | np.ndarray
    id: int
    id2: int


def pack(header: IRHeader, payload: bytes) -> bytes:
    """Header (with a label vector when the label is not a number) followed by ``payload``."""
    if isinstance(header.label, (int, float)):
        head = struct.pack(IR_FORMAT, 0, float(header.label), header.id, header.id2)
        return head + payload
    vector = np.asarray(header.label, np.float32).ravel()
    head = struct.pack(IR_FORMAT, vector.size, 0.0, header.id, header.id2)
    return head + vector.tobytes() + payload


def unpack(record: bytes) -> tuple[IRHeader, bytes]:
    """Split a record payload into its header and the remaining bytes (the encoded image)."""
    if len(record) < IR_SIZE:
        raise DataError(f"RecordIO record of {len(record)} bytes is shorter than its header")
    flag, label, id_, id2 = struct.unpack(IR_FORMAT, record[:IR_SIZE])
    rest = record[IR_SIZE:]
    if flag > 0:
        vector = np.frombuffer(rest[: 4 * flag], np.float32).copy()
        return IRHeader(flag, vector, id_, id2), rest[4 * flag :]
    return IRHeader(flag, label, id_, id2), rest


class RecordWriter:
    """Writes an indexed RecordIO pair (``.rec`` and ``.idx``)."""

    def __init__(self, rec_path: Path, idx_path: Path) -> None:
        self._rec: BinaryIO = rec_path.open("wb")
        self._idx = idx_path.open("w", encoding="ascii")

    def write_idx(self, index: int, payload: bytes) -> None:
        """Append one record under id ``index``."""
        if len(payload) > _LENGTH_MASK:
            raise DataError(f"record {index} is {len(payload)} bytes; split records are not written")
        self._idx.write(f"{index}\t{self._rec.tell()}\n")
        self._rec.write(struct.pack("<II", MAGIC, len(payload)))
        self._rec.write(payload)
        self._rec.write(b"\0" * (-len(payload) % 4))

    def close(self) -> None:
        """Close both files."""
        self._rec.close()
        self._idx.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordReader:
    """Random access to an indexed RecordIO file; the file opens lazily (one per process)."""

    def __init__(self, rec_path: Path, idx_path: Path) -> None:
        self.rec_path = rec_path
        self.offsets: dict[int, int] = {}
        try:
            for line in idx_path.read_text(encoding="ascii").splitlines():
                if line.strip():
                    key, offset = line.split("\t")
                    self.offsets[int(key)] = int(offset)
        except (OSError, ValueError) as exc:
            raise DataError(f"{idx_path}: not a RecordIO index ({exc})") from exc
        self._handle: BinaryIO | None = None

    def read_idx(self, index: int) -> bytes:
        """The payload of record ``index`` (continuation parts joined)."""
        if self._handle is None:
            self._handle = self.rec_path.open("rb")
        try:
            self._handle.seek(self.offsets[index])
        except KeyError:
            raise DataError(f"{self.rec_path}: no record {index}") from None
        parts = []
        while True:
            head = self._handle.read(8)
            if len(head) < 8:
                raise DataError(f"{self.rec_path}: truncated at record {index}")
            magic, lrecord = struct.unpack("<II", head)
            if magic != MAGIC:
                raise DataError(f"{self.rec_path}: bad magic at record {index}; the file is corrupt")
            length, cflag = lrecord & _LENGTH_MASK, lrecord >> 29
            parts.append(self._handle.read(length))
            self._handle.read(-length % 4)
            if cflag in (0, 3):
                return b"".join(parts)

    def read_header(self, index: int) -> IRHeader:
        """Only the IRHeader of record ``index`` (the image bytes are not read)."""
        if self._handle is None:
            self._handle = self.rec_path.open("rb")
        try:
            self._handle.seek(self.offsets[index])
        except KeyError:
            raise DataError(f"{self.rec_path}: no record {index}") from None
        magic = struct.unpack("<II", self._handle.read(8))[0]
        if magic != MAGIC:
            raise DataError(f"{self.rec_path}: bad magic at record {index}; the file is corrupt")
        head = self._handle.read(IR_SIZE)
        flag = struct.unpack(IR_FORMAT, head)[0] if len(head) == IR_SIZE else 0
        return unpack(head + self._handle.read(4 * flag))[0]

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_handle": None}


def write_recordio(folder: Path, items: Iterable[tuple[int, bytes]], size: tuple[int, int] = (112, 112)) -> int:
    """Write ``(label, encoded image)`` pairs as ``train.rec``/``train.idx``/``property``.

    Labels must be 0..C−1; items are grouped by label. Returns the number of images.
    """
    by_label: dict[int, list[bytes]] = {}
    for label, data in items:
        by_label.setdefault(int(label), []).append(data)
    classes = sorted(by_label)
    if classes != list(range(len(classes))):
        raise DataError("RecordIO labels must be 0..C−1 with every class present")
    folder.mkdir(parents=True, exist_ok=True)
    count = sum(len(v) for v in by_label.values())
    first_identity = count + 1
    with RecordWriter(folder / "train.rec", folder / "train.idx") as writer:
        writer.write_idx(0, pack(IRHeader(2, np.array([first_identity, first_identity + len(classes)]), 0, 0), b""))
        index, ranges = 1, []
        for label in classes:
            start = index
            for data in by_label[label]:
                writer.write_idx(index, pack(IRHeader(0, float(label), index, 0), data))
                index += 1
            ranges.append((start, index))
        for label, (start, end) in enumerate(ranges):
            writer.write_idx(first_identity + label, pack(IRHeader(2, np.array([start, end]), 0, 0), b""))
    (folder / "property").write_text(f"{len(classes)},{size[0]},{size[1]}\n", encoding="ascii")
    return count


def read_recordio(folder: Path) -> tuple[RecordReader, list[int], np.ndarray]:
    """Open ``folder/train.rec``; returns (reader, image record ids, their labels)."""
    rec, idx = folder / "train.rec", folder / "train.idx"
    if not rec.is_file() or not idx.is_file():
        raise DataError(f"{folder}: needs train.rec and train.idx (an InsightFace RecordIO dataset)")
    reader = RecordReader(rec, idx)
    header = reader.read_header(0)
    if header.flag > 0:
        ids = list(range(1, int(np.asarray(header.label)[0])))
    else:
        ids = sorted(k for k in reader.offsets if k != 0)
    labels = np.array([_scalar_label(reader.read_header(i)) for i in ids], np.int64)
    return reader, ids, labels


def _scalar_label(header: IRHeader) -> int:
    label = header.label
    return int(label if isinstance(label, (int, float)) else np.asarray(label)[0])


class RecordIODataset(ChipSource):
    """Chips of an InsightFace RecordIO dataset, decoded to BGR."""

    def __init__(self, folder: Path, mean: float, std: float, augment: Augment | None = None, seed: int = 0) -> None:
        self.reader, self.ids, labels = read_recordio(folder)
        super().__init__(labels, mean, std, augment, seed)

    def chip(self, index: int) -> np.ndarray:
        _, data = unpack(self.reader.read_idx(self.ids[index]))
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise DataError(f"{self.reader.rec_path}: record {self.ids[index]} is not a decodable image")
        return image
