"""Reading photos safely: every bad file becomes a clear :class:`ImageError`.

Decoding goes through Pillow, which reads the header first (so the pixel limit is checked before
any memory is spent), applies the EXIF orientation and refuses truncated files. Paths with any
Unicode characters work on every platform because files are opened by Python, not by OpenCV.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from faceapp.errors import ImageDecodeError, ImageNotFoundError, ImageTooLargeError

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 100_000_000  # no photo a camera takes comes near; refuse before reading
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


def load_image(source: str | os.PathLike[str] | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode a photo into an (H, W, 3) uint8 BGR array, upright per its EXIF orientation.

    Args:
        source: a file path or the encoded bytes.
        max_pixels: refuse images with more pixels than this (decompression bombs).

    Raises:
        ImageNotFoundError: the path does not exist or is not a regular file.
        ImageDecodeError: empty, truncated, corrupt, or not an image.
        ImageTooLargeError: more than ``max_pixels`` pixels, or a file over :data:`DEFAULT_MAX_BYTES`.
    """
    name, data = _read(source)
    if not data:
        raise ImageDecodeError(f"{name}: the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLargeError(
                    f"{name}: {width}x{height} pixels is over the limit of {max_pixels:,}; "
                    "resize the photo or raise max_image_pixels in the settings"
                )
            image.load()
    except ImageTooLargeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{name}: image is too large to decode safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise ImageDecodeError(f"{name}: not an image file (or an unsupported format)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageDecodeError(f"{name}: the image is truncated or corrupt ({exc})") from exc
    return _to_bgr(ImageOps.exif_transpose(image), name)


def is_image_path(path: Path) -> bool:
    """Whether ``path`` has a photo file suffix (case-insensitive)."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_file(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a photo file, checked to be a regular file of at most ``max_bytes`` before reading.

    A FIFO, a device (``/dev/zero``), a folder or a huge file is refused up front: opening is
    non-blocking (a FIFO without writer would hang) and the type and size come from the open file
    itself, so a file swapped after a check is caught too.

    Raises:
        ImageNotFoundError: missing, unreadable, or not a regular file.
        ImageTooLargeError: larger than ``max_bytes``.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise ImageNotFoundError(f"{name}: no such image file") from exc
    except OSError as exc:
        raise ImageNotFoundError(f"{name}: cannot read the file ({exc.strerror})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImageNotFoundError(f"{name}: not a regular file ({_kind(info.st_mode)}); give a photo file")
        if info.st_size > max_bytes:
            raise ImageTooLargeError(f"{name}: {info.st_size / 1e6:,.0f} MB is over the limit of "
                                     f"{max_bytes / 1e6:,.0f} MB for a photo; use a smaller file")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew while being read
            raise ImageTooLargeError(f"{name}: over the limit of {max_bytes / 1e6:,.0f} MB for a photo")
        return b"".join(chunks)
    except OSError as exc:
        raise ImageNotFoundError(f"{name}: cannot read the file ({exc.strerror})") from exc
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a plain file"


def _read(source: str | os.PathLike[str] | bytes) -> tuple[str, bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "image data", bytes(source)
    return os.fspath(source), read_file(source)


def _to_bgr(image: Image.Image, name: str) -> np.ndarray:
    """Any Pillow mode (grey, 16-bit, palette, RGBA, CMYK...) to 8-bit BGR."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or array.max(initial=0) > 255 else 255.0
        grey = np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            image = _flatten_alpha(image)
        rgb = np.asarray(image.convert("RGB"))
    if rgb.ndim != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageDecodeError(f"{name}: the image has no pixels")
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """Composite transparent pixels over white, as a viewer would show them."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba)
