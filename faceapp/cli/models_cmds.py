"""``faceapp models list|activate|rollback|history``: the model registry, switching the active
models, and going back to an earlier one in one step (see :mod:`faceapp.train.history`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tqdm import tqdm

from faceapp.cli.common import add_common, emit_json, load_settings, require_admin
from faceapp.model_history import activate_model, load_history, load_report, rollback
from faceapp.vision.models import ModelRegistry


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="bundled and user models")
    msub = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = msub.add_parser("list", help="registered models, the active ones marked")
    add_common(lst)
    lst.set_defaults(func=run_list)
    act = msub.add_parser("activate", help="use this detector or embedder (an embedder re-embeds the gallery)")
    act.add_argument("name")
    add_common(act)
    act.set_defaults(func=run_activate)
    back = msub.add_parser("rollback", help="go back to the model the active one replaced, or to NAME")
    back.add_argument("name", nargs="?", help="any registered model (default: the one replaced last)")
    back.add_argument("--kind", choices=("embedder", "detector"), default="embedder",
                      help="which active model to roll back without NAME (default embedder)")
    add_common(back)
    back.set_defaults(func=run_rollback)
    hist = msub.add_parser("history", help="trained models with their reports, and every switch")
    add_common(hist)
    hist.set_defaults(func=run_history)


def run_list(args: argparse.Namespace) -> int:
    paths, settings = load_settings(args)
    paths = paths.with_data_dir(settings.data_dir)
    registry = ModelRegistry(user_dir=paths.user_models)
    active = {settings.detector, settings.embedder}
    for spec in registry.specs():
        report = None if spec.bundled else load_report(paths.user_models, spec.name)
        row = {"name": spec.name, "kind": spec.kind, "family": spec.family, "bundled": spec.bundled,
               "active": spec.name in active, "file": str(spec.path), "licence": spec.licence,
               "report": report is not None}
        if args.json:
            emit_json(row)
        else:
            mark = "*" if row["active"] else " "
            origin = "bundled" if spec.bundled else "user"
            print(f"{mark} {spec.name:<32} {spec.kind:<10} {spec.family:<12} {origin}")
    return 0


def _bar(quiet: bool) -> Callable[[int, int], None] | None:
    """A progress callback drawing a bar on a terminal, else None."""
    if quiet or not sys.stderr.isatty():
        return None
    bar = tqdm(desc="re-embedding", unit="face", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update


def run_activate(args: argparse.Namespace) -> int:
    require_admin(args, None, f"activate the model {args.name}")
    result = activate_model(args.basedir, args.name, progress=_bar(args.json))
    if args.json:
        emit_json({k: result[k] for k in ("active", "kind", "templates")})
    else:
        print(f"{result['active']} is now the active {result['kind']}")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    require_admin(args, None, "roll back the active model")
    result = rollback(args.basedir, args.name, args.kind, progress=_bar(args.json))
    if args.json:
        emit_json(result)
    else:
        print(f"rolled back: {result['active']} is the active {result['kind']} again (was {result['previous']})")
    return 0


def run_history(args: argparse.Namespace) -> int:
    paths, settings = load_settings(args)
    for entry in load_history(paths.with_data_dir(settings.data_dir).user_models):
        if args.json:
            emit_json(entry)
            continue
        extra = f" (was {entry['previous']})" if entry.get("previous") else ""
        verdict = f": {entry['reason']}" if entry.get("reason") else ""
        print(f"{entry['at']}  {entry['event']:<9} {entry['kind']:<9} {entry['name']}{extra}{verdict}")
    return 0

