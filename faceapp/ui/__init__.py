"""The PySide6 desktop app.

This ``__init__`` stays free of Qt so that the command line can describe the ``gui`` command
(:func:`add_gui_arguments`) without loading PySide6; the GUI itself starts in :mod:`faceapp.ui.app`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_gui_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``gui`` command's own options (``--basedir`` comes from the shared CLI options)."""
    parser.add_argument(
        "--source",
        help="camera number, video file, image folder (slideshow) or rtsp:// / http:// URL "
        "(default: camera 0)",
    )
    parser.add_argument(
        "--screenshot", type=Path, metavar="OUT.png", help="save a picture of the window before quitting"
    )
    parser.add_argument(
        "--quit-after", type=float, metavar="SECONDS",
        help="close the window after this many seconds (default with --screenshot: 5)",
    )
    parser.add_argument(
        "--page", choices=("live", "people"), default="live",
        help="what to show first: the Live page or the People page (default: live)",
    )
    parser.add_argument(
        "--seconds-per-image", type=float, default=2.0, metavar="S",
        help="how long an image-folder slideshow shows each photo (default: 2)",
    )
