"""Every kind of bad photo either works or raises a clear, specific ImageError."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceapp.errors import ImageDecodeError, ImageError, ImageNotFoundError, ImageTooLargeError
from faceapp.vision.imageio import load_image


def encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def gradient(width: int = 64, height: int = 48) -> Image.Image:
    """RGB image with R rising left to right, G top to bottom, B constant."""
    x = np.linspace(0, 255, width, dtype=np.uint8)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, None].repeat(width, 1)
    return Image.fromarray(np.stack([x, y, np.full_like(x, 77)], -1), "RGB")


def test_png_is_returned_as_bgr(tmp_path: Path) -> None:
    path = tmp_path / "g.png"
    path.write_bytes(encode(gradient(), "PNG"))
    image = load_image(path)
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8
    assert image[0, -1].tolist() == [77, 0, 255]  # B, G, R


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError, match="no such image file"):
        load_image(tmp_path / "nope.jpg")


def test_directory_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError):
        load_image(tmp_path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageDecodeError, match="empty"):
        load_image(path)


def test_text_file_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a photo", encoding="utf-8")
    with pytest.raises(ImageDecodeError, match="not an image"):
        load_image(path)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file(tmp_path: Path, fmt: str) -> None:
    data = encode(gradient(400, 300), fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match="truncated or corrupt"):
        load_image(path)


def test_corrupt_body(tmp_path: Path) -> None:
    data = bytearray(encode(gradient(200, 200), "PNG"))
    data[100:400] = b"\xff" * 300
    path = tmp_path / "bad.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageDecodeError):
        load_image(path)


def test_pixel_limit_is_checked_before_decoding() -> None:
    data = encode(Image.new("L", (3000, 3000)), "PNG")  # 9 Mpx, compresses to a few KB
    with pytest.raises(ImageTooLargeError, match="over the limit"):
        load_image(data, max_pixels=4_000_000)
    assert load_image(data, max_pixels=10_000_000).shape == (3000, 3000, 3)


def test_decompression_bomb_header() -> None:
    """A PNG header claiming a gigantic size is refused without allocating it."""
    data = encode(Image.new("1", (1, 1)), "PNG")
    # Patch the IHDR width/height to 100000 x 100000 (CRC mismatch is irrelevant: size is read first).
    patched = data[:16] + (100000).to_bytes(4, "big") + (100000).to_bytes(4, "big") + data[24:]
    with pytest.raises(ImageError):
        load_image(patched)


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    array = np.array([[0, 32768, 65535]], np.uint16)
    data = encode(Image.fromarray(array), "PNG")
    image = load_image(data)
    assert image.shape == (1, 3, 3)
    assert image[0, :, 0].tolist() == [0, 128, 255]


def test_grayscale_becomes_three_channels() -> None:
    data = encode(gradient().convert("L"), "JPEG")
    image = load_image(data)
    assert image.shape == (48, 64, 3)
    assert np.array_equal(image[..., 0], image[..., 2])


def test_rgba_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (0, 0, 255, 255))  # one opaque blue pixel
    image = load_image(encode(rgba, "PNG"))
    assert image[1, 1].tolist() == [255, 255, 255]
    assert image[0, 0].tolist() == [255, 0, 0]  # blue in BGR


def test_exif_rotation_is_applied() -> None:
    source = gradient(64, 48)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image = load_image(encode(source, "JPEG", exif=exif.tobytes(), quality=95))
    assert image.shape == (64, 48, 3)  # upright: portrait
    # After a clockwise turn the old top row (G=0) is the right-hand column.
    assert image[:, -1, 1].mean() < 20 and image[:, 0, 1].mean() > 230


def test_unicode_path(tmp_path: Path) -> None:
    folder = tmp_path / "员工照片"
    folder.mkdir()
    path = folder / "张伟.jpg"
    path.write_bytes(encode(gradient(), "JPEG"))
    assert load_image(path).shape == (48, 64, 3)


def test_all_errors_share_the_hierarchy() -> None:
    from faceapp.errors import FaceAppError

    for cls in (ImageNotFoundError, ImageDecodeError, ImageTooLargeError):
        assert issubclass(cls, ImageError) and issubclass(cls, FaceAppError)
