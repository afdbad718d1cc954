"""Helpers shared by the command modules: options, logging, output, progress."""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from faceapp.config import Paths, Settings
from faceapp.vision.pipeline import FacePipeline

T = TypeVar("T")


def add_common(parser: argparse.ArgumentParser, json_output: bool = True) -> None:
    """``--basedir`` (and ``--json``) for a command."""
    parser.add_argument("--basedir", type=Path, help="data folder (default: platform folders or $FACEAPP_HOME)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


def setup_logging(basedir: Path | None, verbose: bool) -> None:
    """Console warnings (debug with -v) and a rotating log file in the data folder."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("faceapp: %(levelname)s: %(message)s"))
    root.addHandler(console)
    try:
        logs = Paths.resolve(basedir).ensure().logs
        handler = logging.handlers.RotatingFileHandler(
            logs / "faceapp.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        root.warning("no log file: %s", exc)
        return
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


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
