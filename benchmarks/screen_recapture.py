"""A synthetic screen recapture: a frame shown on a phone or monitor and filmed again by a webcam.

**A proxy, not a replay data set.** It models what a replay attack adds to a live frame - it does
not reproduce any real screen, camera or attacker. Per displayed pixel an LCD subpixel grid (R, G,
B stripes with a dark matrix between rows), seen through the camera's blur and sampled on the
camera's pixel grid at a non-integer ratio (the grid beats with the sensor: moiré); the screen held
at a small angle (perspective), with a dark bezel when it does not fill the picture and the room
behind it out of focus; the display's tone (gamma mismatch, black level, limited peak, bluish white
point, lower saturation), a soft specular glare, the camera's auto exposure, sensor noise and JPEG.

Parameters are drawn per *presentation* (one screen, one distance, one angle, one glare) from a
seeded generator; every frame of a presentation is shown on that same screen, with only a small
hand shake, a drifting glare and fresh noise from frame to frame.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

#: Frames are rendered at this multiple of the camera's resolution, then area-averaged (pixel area).
SUPERSAMPLE = 2
#: Harmonics of the subpixel mask kept (higher ones are far beyond any camera's resolution).
HARMONICS = 3


@dataclass(frozen=True)
class Screen:
    """One screen as filmed: drawn once per presentation (see :func:`draw_screen`)."""

    fill: float  # width of the displayed picture as a share of the camera frame's width
    pitch: float  # camera pixels per display pixel (non-integer: moiré)
    subpixel_fill: float  # lit share of each subpixel stripe's width
    row_fill: float  # lit share of each pixel row (the rest is the dark matrix)
    blur: float  # camera blur (Gaussian sigma, camera pixels): focus plus pixel aperture
    angle: float  # in-plane rotation, degrees
    tilt: float  # corner displacement (share of the picture size): perspective
    corner_dirs: tuple[float, ...]  # 8 values in -1..1: how each corner moves (x, y)
    offset: tuple[float, float]  # picture centre offset, share of the frame
    gamma: float  # extra exponent on linear light (display/camera tone mismatch)
    black: float  # black level (linear light): backlight glow
    peak: float  # white level
    white: tuple[float, float, float]  # B, G, R gains: the display's white point
    saturation: float  # 1 = as shown, lower = washed out
    glare: float  # peak of the specular reflection (linear light)
    glare_size: float  # its size, share of the picture
    bezel: float  # bezel width, share of the picture width
    bezel_level: float  # bezel brightness (linear light)
    room: float  # brightness of the out-of-focus room around the screen
    exposure: float  # auto exposure target: mean brightness relative to the original frame
    noise: float  # sensor noise sigma, 0..255
    jpeg: int  # JPEG quality of the camera stream

    def to_dict(self) -> dict[str, object]:
        def tidy(v: object) -> object:
            if isinstance(v, tuple):
                return [tidy(x) for x in v]
            return round(v, 4) if isinstance(v, float) else v
        return {k: tidy(v) for k, v in asdict(self).items()}


def draw_screen(rng: np.random.Generator) -> Screen:
    """Random screen, distance, pose and camera settings for one presentation."""
    u = rng.uniform
    return Screen(
        fill=u(0.62, 1.12), pitch=u(0.7, 1.6), subpixel_fill=u(0.6, 0.95), row_fill=u(0.7, 0.95),
        blur=u(0.25, 1.0), angle=u(-8, 8), tilt=u(0.0, 0.06),
        corner_dirs=tuple(float(x) for x in u(-1, 1, 8)), offset=(u(-0.08, 0.08), u(-0.06, 0.06)),
        gamma=u(0.8, 1.25), black=u(0.002, 0.025), peak=u(0.7, 1.0),
        white=(u(1.0, 1.18), u(0.97, 1.05), u(0.85, 1.0)), saturation=u(0.7, 1.0),
        glare=u(0.0, 0.35), glare_size=u(0.15, 0.45), bezel=u(0.02, 0.07), bezel_level=u(0.001, 0.012),
        room=u(0.3, 0.9), exposure=u(0.8, 1.1), noise=u(1.0, 4.0), jpeg=int(rng.integers(55, 93)),
    )


def _to_linear(image: np.ndarray) -> np.ndarray:
    return (image.astype(np.float32) / 255.0) ** 2.2


def _stripe(coord: np.ndarray, centre: float, width: float, sigma: float) -> np.ndarray:
    """A periodic box (period 1 display pixel, lit share ``width``, centred at ``centre``), mean 1,
    seen through a Gaussian blur of ``sigma`` display pixels (its Fourier series, attenuated)."""
    out = np.ones_like(coord)
    for n in range(1, HARMONICS + 1):
        gain = 2 * np.sin(np.pi * n * width) / (np.pi * n * width) * np.exp(-2 * (np.pi * sigma * n) ** 2)
        if abs(gain) > 1e-3:
            out += np.float32(gain) * np.cos(np.float32(2 * np.pi * n) * (coord - np.float32(centre)))
    return out


def _corners(screen: Screen, size: tuple[int, int], rng: np.random.Generator, shake: float) -> np.ndarray:
    """Where the displayed picture's corners land in the camera frame (4, 2), with hand shake."""
    width, height = size
    w, h = screen.fill * width, screen.fill * width * height / width
    base = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    a = np.deg2rad(screen.angle)
    base = base @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    tilt = np.array(screen.corner_dirs).reshape(4, 2) * screen.tilt * w
    centre = np.array([width / 2 + screen.offset[0] * width, height / 2 + screen.offset[1] * height])
    return base + tilt + centre + rng.normal(0, shake * w, (4, 2))


def _encode(linear: np.ndarray, screen: Screen, rng: np.random.Generator) -> bytes:
    """The camera's output stage: gamma, sensor noise, JPEG."""
    frame = np.clip(linear, 0, 1) ** (1 / 2.2) * 255 + rng.normal(0, screen.noise, linear.shape)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, screen.jpeg])[1].tobytes()


def refilm(image: np.ndarray, screen: Screen, rng: np.random.Generator) -> bytes:
    """``image`` through the same camera as :func:`recapture` but without the screen: the JPEG file.

    The camera-matched live side: its blur, exposure, noise and JPEG, so that what separates it from
    a recapture on ``screen`` is the screen alone.
    """
    linear = cv2.GaussianBlur(_to_linear(image), (0, 0), max(screen.blur, 0.1))
    return _encode(linear * screen.exposure, screen, rng)


def recapture(image: np.ndarray, screen: Screen, rng: np.random.Generator, shake: float = 0.004,
              glare_at: tuple[float, float] = (0.3, 0.3)) -> bytes:
    """``image`` (H, W, 3) uint8 BGR shown on ``screen`` and filmed again at the same size: the JPEG file.

    Args:
        rng: this frame's randomness (hand shake, noise).
        shake: hand shake, share of the picture width (sigma of each corner).
        glare_at: where the glare's centre sits on the picture (0..1, 0..1).
    """
    height, width = image.shape[:2]
    s = SUPERSAMPLE
    disp_w = max(round(screen.fill * width / screen.pitch), 16)
    disp_h = max(round(disp_w * height / width), 12)
    shown = _to_linear(cv2.resize(image, (disp_w, disp_h), interpolation=cv2.INTER_AREA))
    grey = shown.mean(axis=2, keepdims=True)
    shown = grey + screen.saturation * (shown - grey)
    shown = screen.black + (screen.peak - screen.black) * np.clip(shown, 0, 1) ** screen.gamma
    shown *= np.array(screen.white, np.float32)
    sigma = screen.blur / screen.pitch  # the camera blur in display pixels
    shown = cv2.GaussianBlur(shown, (0, 0), max(sigma, 0.05))  # blurs the picture; the grid: below
    # camera (supersampled) pixel -> display pixel coordinates
    quad = _corners(screen, (width, height), rng, shake) * s
    src = np.array([[0, 0], [disp_w, 0], [disp_w, disp_h], [0, disp_h]], np.float32)
    to_display = cv2.getPerspectiveTransform(quad.astype(np.float32), src)
    ys, xs = np.mgrid[0:height * s, 0:width * s].astype(np.float32) + 0.5
    grid = np.stack([xs, ys], -1).reshape(-1, 1, 2)
    pts = cv2.perspectiveTransform(grid, to_display).reshape(height * s, width * s, 2)
    u, v = pts[..., 0], pts[..., 1]
    picture = cv2.remap(shown, u - 0.5, v - 0.5, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    rows = _stripe(v, 0.5, screen.row_fill, sigma)
    for channel, centre in ((2, 1 / 6), (1, 3 / 6), (0, 5 / 6)):  # R, G, B stripes left to right
        picture[..., channel] *= _stripe(u, centre, screen.subpixel_fill / 3, sigma) * rows
    gx, gy = glare_at
    gs = screen.glare_size * disp_w
    glare = screen.glare * np.exp(-(((u - gx * disp_w) / (1.6 * gs)) ** 2 + ((v - gy * disp_h) / gs) ** 2) / 2)
    picture += glare[..., None]
    bezel = screen.bezel * disp_w
    on_screen = (u >= 0) & (u < disp_w) & (v >= 0) & (v < disp_h)
    on_device = (u >= -bezel) & (u < disp_w + bezel) & (v >= -bezel) & (v < disp_h + bezel)
    room = cv2.GaussianBlur(_to_linear(image), (0, 0), 12) * screen.room
    room = cv2.resize(room, (width * s, height * s), interpolation=cv2.INTER_LINEAR)
    out = np.where(on_screen[..., None], picture,
                   np.where(on_device[..., None], screen.bezel_level + glare[..., None] * 0.5, room))
    out = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
    out *= screen.exposure * float(_to_linear(image).mean()) / max(float(out.mean()), 1e-4)  # auto exposure
    return _encode(out, screen, rng)
