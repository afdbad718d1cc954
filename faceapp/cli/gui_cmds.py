"""``faceapp gui``: the desktop app. PySide6 is imported only when the command runs."""

from __future__ import annotations

import argparse

from faceapp.cli.common import add_common
from faceapp.ui import add_gui_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gui`` command."""
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop app (live recognition)",
        description="Open the desktop app on a camera, video file, image folder or stream URL.",
    )
    add_common(parser, json_output=False)
    add_gui_arguments(parser)
    parser.set_defaults(func=_gui)


def _gui(args: argparse.Namespace) -> int:
    from faceapp.ui.app import run_from_args

    return run_from_args(args)
