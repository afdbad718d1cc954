"""Frame sources with reconnection and latest-frame hand-over (Qt-free)."""

from faceapp.capture.sources import (
    Backoff,
    Frame,
    FrameSource,
    ImageFolderSource,
    LatestSlot,
    SourceReader,
    SourceState,
    VideoCaptureSource,
    open_source,
)

__all__ = [
    "Backoff",
    "Frame",
    "FrameSource",
    "ImageFolderSource",
    "LatestSlot",
    "SourceReader",
    "SourceState",
    "VideoCaptureSource",
    "open_source",
]
