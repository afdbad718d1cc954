"""``faceapp models list|activate``: the model registry, and switching the active models."""

from __future__ import annotations

import argparse
from dataclasses import replace

from tqdm import tqdm

from faceapp.cli.common import add_common, emit_json, load_settings
from faceapp.errors import ConfigError
from faceapp.services import Core
from faceapp.store import Gallery
from faceapp.vision.models import ModelRegistry
from faceapp.vision.pipeline import FacePipeline


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


def run_list(args: argparse.Namespace) -> int:
    paths, settings = load_settings(args)
    registry = ModelRegistry(user_dir=paths.user_models)
    active = {settings.detector, settings.embedder}
    for spec in registry.specs():
        row = {"name": spec.name, "kind": spec.kind, "family": spec.family, "bundled": spec.bundled,
               "active": spec.name in active, "file": str(spec.path), "licence": spec.licence}
        if args.json:
            emit_json(row)
        else:
            mark = "*" if row["active"] else " "
            origin = "bundled" if spec.bundled else "user"
            print(f"{mark} {spec.name:<32} {spec.kind:<10} {spec.family:<12} {origin}")
    return 0


def run_activate(args: argparse.Namespace) -> int:
    paths, settings = load_settings(args)
    spec = ModelRegistry(user_dir=paths.user_models).verify(args.name)
    if spec.kind == "detector":
        new = replace(settings, detector=spec.name)
    elif spec.kind == "embedder":
        new = replace(settings, embedder=spec.name)
    else:
        raise ConfigError(f"{spec.name} is a {spec.kind} model; only detectors and embedders can be activated")
    pipeline = FacePipeline.from_settings(new, paths)  # opens (and so checks) the new model first
    gallery = Core.open_gallery(args.basedir)
    if spec.kind == "embedder":
        _reembed(gallery, pipeline, args.json)
    new.save(paths.settings_file)
    message = f"{spec.name} is now the active {spec.kind}"
    if args.json:
        emit_json({"active": spec.name, "kind": spec.kind, "templates": len(gallery)})
    else:
        print(message)
    gallery.close()
    return 0


def _reembed(gallery: Gallery, pipeline: FacePipeline, quiet: bool) -> None:
    """Embed every stored chip with the new embedder; searches use the old index until it is done."""
    total = gallery.people.count_templates() - gallery.people.models().get(pipeline.info.embedder, 0)
    with tqdm(total=total, desc="re-embedding", unit="face", disable=quiet or not total) as bar:
        gallery.reembed(pipeline, progress=lambda done, _total: bar.update(done - bar.n), actor="cli")
