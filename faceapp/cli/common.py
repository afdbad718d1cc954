"""Helpers shared by the command modules: options, logging, output, progress."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from faceapp import logs
from faceapp.cli.auth import Actor, require_admin
from faceapp.config import Paths, Settings
from faceapp.vision.pipeline import FacePipeline

T = TypeVar("T")
__all__ = ["Actor", "add_common", "emit_json", "load_settings", "open_pipeline", "progress", "require_admin",
           "setup_logging"]


def add_common(parser: argparse.ArgumentParser, json_output: bool = True) -> None:
    """``--basedir`` (and ``--json``) for a command."""
    parser.add_argument("--basedir", type=Path, help="data folder (default: platform folders or $FACEAPP_HOME)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


def setup_logging(basedir: Path | None, verbose: bool) -> None:
    """Console warnings (debug with -v), the private rotating log file and crash hooks (faceapp.logs)."""
    logs.setup(basedir, verbose=verbose)


def load_settings(args: argparse.Namespace) -> tuple[Paths, Settings]:
    """Paths and saved settings for the command's ``--basedir``."""
    paths = Paths.resolve(getattr(args, "basedir", None)).ensure()
    return paths, Settings.load(paths.settings_file)


def open_pipeline(args: argparse.Namespace, **overrides: Any) -> FacePipeline:
    """The pipeline from the saved settings with command-line overrides applied."""
    paths, settings = load_settings(args)
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)
    return FacePipeline.from_settings(settings, paths)


def emit_json(obj: Any) -> None:
    """One JSON object on one line of stdout."""
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def progress(items: Iterable[T], total: int | None, label: str, enabled: bool = True) -> Iterator[T]:
    """A progress bar on stderr, only when stderr is a terminal and output is for humans."""
    yield from tqdm(items, total=total, desc=label, disable=not enabled or not sys.stderr.isatty(), file=sys.stderr)
