"""Training data: identity folders (raw photos aligned by the engine, or aligned chips),
InsightFace RecordIO, augmentation and batch samplers."""

from faceapp.train.data.folder import ChipDataset, PrepareReport, list_identity_folder, prepare_chips
from faceapp.train.data.recordio import RecordIODataset, RecordReader, RecordWriter, read_recordio, write_recordio
from faceapp.train.data.samplers import PKBatchSampler, ShuffledBatchSampler
from faceapp.train.data.transforms import Augment, chip_to_tensor

__all__ = [
    "Augment",
    "ChipDataset",
    "PKBatchSampler",
    "PrepareReport",
    "RecordIODataset",
    "RecordReader",
    "RecordWriter",
    "ShuffledBatchSampler",
    "chip_to_tensor",
    "list_identity_folder",
    "prepare_chips",
    "read_recordio",
    "write_recordio",
]
