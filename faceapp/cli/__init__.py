"""Command-line interface: a thin shell over the same services the GUI uses.

Each command module exposes ``register(subparsers)`` and sets ``func`` on its parser; ``func``
receives the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from faceapp import __version__
from faceapp.cli import (
    access_cmds,
    admin_cmds,
    audit_cmds,
    db_cmds,
    eval_cmds,
    events_cmds,
    gallery_cmds,
    gui_cmds,
    models_cmds,
    recognize_cmds,
    report_cmds,
    selftest_cmds,
    shift_cmds,
    vision_cmds,
)
from faceapp.cli.common import setup_logging
from faceapp.errors import FaceAppError
from faceapp.train import cli as train_cli

log = logging.getLogger(__name__)

COMMAND_MODULES = [
    admin_cmds, access_cmds, db_cmds,
    shift_cmds, events_cmds, audit_cmds,
    vision_cmds, gallery_cmds, recognize_cmds, report_cmds, models_cmds, eval_cmds, gui_cmds, selftest_cmds, train_cli,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceapp", description="Face-recognition attendance and access control.")
    parser.add_argument("--version", action="version", version=f"faceapp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to the console")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``faceapp`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args(["gui"])  # plain ``faceapp`` opens the desktop app
    setup_logging(getattr(args, "basedir", None), args.verbose)
    try:
        return int(args.func(args) or 0)
    except FaceAppError as exc:
        print(f"faceapp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("faceapp: interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error")
        print("faceapp: internal error (a bug): see the log file for the traceback", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
