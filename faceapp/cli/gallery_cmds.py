"""``faceapp enroll`` and ``faceapp gallery import|list|show|remove|export``."""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from faceapp.cli.auth import require_admin
from faceapp.cli.common import add_common, emit_json, progress
from faceapp.cli.inputs import Inputs, check_output_folder, collect_images
from faceapp.errors import ConfigError, DataError, DuplicatePersonError, FaceAppError, PersonNotFoundError
from faceapp.records import Person
from faceapp.services import Core
from faceapp.store import Gallery
from faceapp.store.bulk import Prefetch
from faceapp.store.enrol import Enroller, EnrolResult
from faceapp.store.flags import flags


def register(sub: argparse._SubParsersAction) -> None:
    enroll = sub.add_parser("enroll", help="enrol a person from photos")
    enroll.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    enroll.add_argument("--name", required=True)
    enroll.add_argument("--employee-no")
    enroll.add_argument("--department", default="")
    enroll.add_argument("--largest", action="store_true", help="take the largest face when a photo has several")
    enroll.add_argument("--force", action="store_true", help="enrol even when the face matches someone else")
    add_common(enroll)
    enroll.set_defaults(func=run_enroll)

    gallery = sub.add_parser("gallery", help="the enrolled people")
    gsub = gallery.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = gsub.add_parser("import", help="enrol DIR/<person>/*.jpg (safe to re-run)")
    imp.add_argument("folder", type=Path, metavar="DIR")
    imp.add_argument("--mapping", type=Path, help="CSV with columns folder,name,employee_no,department,title")
    imp.add_argument("--largest", action="store_true", help="take the largest face when a photo has several")
    imp.add_argument("--limit", type=int, default=0, help="at most this many photos per person (0 = all)")
    add_common(imp)
    imp.set_defaults(func=run_import)
    lst = gsub.add_parser("list", help="list people")
    lst.add_argument("--search", help="part of a name, employee number or department")
    add_common(lst)
    lst.set_defaults(func=run_list)
    show = gsub.add_parser("show", help="one person and their templates")
    show.add_argument("person", help="person id or employee number")
    add_common(show)
    show.set_defaults(func=run_show)
    rm = gsub.add_parser("remove", help="delete a person and all their biometric data")
    rm.add_argument("person", help="person id or employee number")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_common(rm)
    rm.set_defaults(func=run_remove)
    exp = gsub.add_parser("export", help="a folder of face chips plus people.csv (no embeddings)")
    exp.add_argument("out", type=Path, metavar="OUT")
    add_common(exp)
    exp.set_defaults(func=run_export)


def run_enroll(args: argparse.Namespace) -> int:
    inputs = collect_images(args.photos)
    inputs.report()
    if not inputs.images:
        raise DataError("no photos to enrol in " + ", ".join(map(str, args.photos)) + "; nothing was done")
    core = Core.open(args.basedir)
    actor = require_admin(args, core, f"enrol {args.name}").name
    enroller = core.enroller()
    person, created = _find_or_add(core, args.name, args.employee_no, args.department, actor=actor)
    tally = _Tally()
    try:
        for photo in inputs.images:
            tally.take(photo, partial(enroller.enrol_photo, person.id, photo, largest=args.largest, force=args.force,
                                      actor=actor))
    finally:  # whatever stopped the loop, a person created here never stays without a face
        _drop_if_empty(core, person, created, actor)
    _print_tally(args, tally, f"{person.name} (id {person.id})")
    return 1 if tally.failed or not (tally.enrolled or tally.already) else 0


@dataclass
class _Tally:
    """Counts of a batch enrolment, with the reason of each failure."""

    enrolled: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    chosen: list[tuple[str, str]] = field(default_factory=list)  # which face of a multi-face photo
    warnings: list[tuple[str, str]] = field(default_factory=list)  # enrolled, but resembles someone else

    def take(self, photo: Path, enrol: Callable[[], EnrolResult]) -> None:
        try:
            result = enrol()
        except FaceAppError as exc:
            self.failed.append((str(photo), str(exc)))
            return
        if result.skipped:
            self.already += 1
            return
        self.enrolled += 1
        if result.choice is not None and result.choice.faces > 1:
            self.chosen.append((str(photo), "used " + result.choice.describe(
                None if result.box is None else np.array([result.box] * result.choice.faces))))
        for match in result.resembles[:1]:
            self.warnings.append((str(photo), f"resembles {match.name} (id {match.person_id}) with score "
                                              f"{match.score:.2f} (accept threshold {match.threshold:.2f}); "
                                              "enrolled with a warning flag"))


def _print_tally(args: argparse.Namespace, tally: _Tally, who: str) -> None:
    if args.json:
        emit_json({"enrolled": tally.enrolled, "already_enrolled": tally.already,
                   "failed": [{"path": p, "reason": r} for p, r in tally.failed],
                   "face_chosen": [{"path": p, "face": r} for p, r in tally.chosen],
                   "warnings": [{"path": p, "warning": r} for p, r in tally.warnings]})
        return
    for path, note in tally.chosen:
        print(f"{path}: {note}", file=sys.stderr)
    for path, warning in tally.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)
    for path, reason in tally.failed:
        print(f"skipped: {reason if path in reason else f'{path}: {reason}'}", file=sys.stderr)
    print(f"{who}: {tally.enrolled} enrolled, {tally.already} already enrolled, {len(tally.failed)} skipped")
    if tally.failed:
        kinds = Counter(_reason_kind(r) for _, r in tally.failed)
        print("skipped because: " + ", ".join(f"{k} ({n})" for k, n in kinds.most_common()))


def _reason_kind(reason: str) -> str:
    for key in ("no face", "faces", "too small", "blurred", "turned away", "too dark", "already enrolled as",
                "matches", "not an image", "truncated", "empty", "not a regular file", "over the limit",
                "no such"):
        if key in reason:
            return key
    return "other"


def run_import(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        raise DataError(f"{args.folder}: not a folder; expected DIR/<person>/*.jpg")
    mapping = read_mapping(args.mapping) if args.mapping else {}
    entries = sorted(args.folder.iterdir())
    folders = [p for p in entries if p.is_dir()]
    ignored = [(p, "not in a person folder (expected DIR/<person>/*.jpg)") for p in entries if not p.is_dir()]
    jobs: list[tuple[Path, Path]] = []
    for folder in folders:
        found = collect_images([folder], recursive=False)
        ignored += found.ignored
        jobs += [(folder, photo) for photo in (found.images[:args.limit] if args.limit else found.images)]
    Inputs(ignored=ignored).report()
    if not jobs:
        raise DataError(f"{args.folder}: no photos in DIR/<person>/ folders; nothing was imported")
    core = Core.open(args.basedir)
    actor = require_admin(args, core, f"import people from {args.folder}").name
    prefetch = Prefetch.for_gallery(core.pipeline, core.gallery, [photo for _, photo in jobs])  # decode/embed ahead
    enroller = prefetch.enroller(core.enroller())
    tally, people = _Tally(), 0
    current: tuple[Path, Person, bool] | None = None
    try:
        with prefetch, core.gallery.bulk():
            batches = prefetch.ready(jobs, core.gallery.database)  # one transaction per batch
            for folder, photo in progress(batches, len(jobs), "import", enabled=not args.json):
                if current is None or current[0] != folder:
                    if current is not None:
                        _drop_if_empty(core, current[1], current[2], actor)
                    row = mapping.get(folder.name, {})
                    current = (folder, *_find_or_add(core, row.get("name") or folder.name.replace("_", " "),
                                                     row.get("employee_no") or None, row.get("department", ""),
                                                     row.get("title", ""), actor=actor))
                    people += 1
                person = current[1]
                tally.take(photo, partial(_import_one, enroller, person.id, photo, args.largest, actor))
    finally:
        if current is not None:
            _drop_if_empty(core, current[1], current[2], actor)
    _print_tally(args, tally, f"{args.folder} ({people} people)")
    return 0 if tally.enrolled or tally.already else 1


def _import_one(enroller: Enroller, person_id: int, photo: Path, largest: bool, actor: str) -> EnrolResult:
    return enroller.enrol_photo(person_id, photo, largest=largest, source="import", actor=actor, matches="flag")


def read_mapping(path: Path) -> dict[str, dict[str, str]]:
    """``folder -> {name, employee_no, department, title}`` from a CSV with a header row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read the mapping ({exc})") from exc
    if rows and "folder" not in rows[0]:
        raise DataError(f"{path}: the mapping needs a 'folder' column (and name, employee_no, department, title)")
    return {row["folder"].strip(): {k: (v or "").strip() for k, v in row.items() if k} for row in rows}


def _find_or_add(core: Core, name: str, employee_no: str | None, department: str = "",
                 title: str = "", actor: str = "cli") -> tuple[Person, bool]:
    """The person with this employee number (or, without one, this exact name) and whether it is new."""
    people = core.gallery.people
    if employee_no:
        try:
            known = people.by_employee_no(employee_no)
        except PersonNotFoundError:
            pass
        else:
            if known.name != name:
                raise DuplicatePersonError(f"employee number {employee_no} belongs to {known.name} (id {known.id}), "
                                           f"not {name}; check the number")
            return known, False
    else:
        same = [p for p in people.list(search=name) if p.name == name]
        if len(same) == 1:
            return same[0], False
        if len(same) > 1:
            raise ConfigError(f"several people are called {name!r}; give --employee-no to choose")
    person = core.gallery.add_person(name, employee_no=employee_no, department=department, title=title, actor=actor)
    return person, True


def _drop_if_empty(core: Core, person: Person, created: bool, actor: str) -> None:
    """A person created by this command but left without any face is removed again."""
    if created and core.gallery.people.count_templates(person.id) == 0:
        core.gallery.delete_person(person.id, actor=actor)


def resolve_person(gallery: Gallery, key: str) -> Person:
    """A person by id or employee number."""
    people = gallery.people
    try:
        return people.by_employee_no(key)
    except PersonNotFoundError:
        if key.isdigit():
            return people.get(int(key))
        raise


def run_list(args: argparse.Namespace) -> int:
    gallery = Core.open_gallery(args.basedir)
    rows = [{"id": p.id, "name": p.name, "employee_no": p.employee_no, "department": p.department,
             "active": p.active, "templates": gallery.people.count_templates(p.id)}
            for p in gallery.people.list(search=args.search)]
    if args.json:
        for row in rows:
            emit_json(row)
        return 0
    for r in rows:
        flag = "" if r["active"] else "  (inactive)"
        print(f"{r['id']:>5}  {r['name']:<30} {r['employee_no'] or '-':<10} {r['department']:<15} "
              f"{r['templates']} template(s){flag}")
    print(f"{len(rows)} people")
    return 0


def run_show(args: argparse.Namespace) -> int:
    gallery = Core.open_gallery(args.basedir)
    person = resolve_person(gallery, args.person)
    templates = gallery.people.templates(person.id)
    warned = {f.template_id: f for f in flags(gallery.database, person.id)}
    if args.json:
        emit_json({**person.__dict__, "templates": [
            {"id": t.id, "source": t.source, "created": t.created, "quality": t.quality, "models": t.models,
             "flag": None if t.id not in warned else {
                 "kind": warned[t.id].kind, "other_person_id": warned[t.id].other_person_id,
                 "other_name": warned[t.id].other_name, "score": warned[t.id].score}}
            for t in templates]})
        return 0
    print(f"{person.name} (id {person.id}, employee no {person.employee_no or '-'}, "
          f"{person.department or 'no department'}{'' if person.active else ', inactive'})")
    for t in templates:
        q = ", ".join(f"{k} {v:.2f}" if k == "quality" else f"{k} {v:.0f}" for k, v in t.quality.items()
                      if k in ("size", "blur", "yaw", "quality"))
        flag = warned.get(t.id)
        note = "" if flag is None else (f"  WARNING: resembled {flag.other_name} (id {flag.other_person_id}) "
                                        f"with score {flag.score:.2f} when enrolled")
        print(f"  template {t.id}: {t.source}, {t.created}, {q}{note}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    gallery = Core.open_gallery(args.basedir)
    person = resolve_person(gallery, args.person)
    actor = require_admin(args, gallery, f"remove person {person.id}").name
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("removing a person deletes all their biometric data; add --yes to confirm")
        answer = input(f"Delete {person.name} (id {person.id}) and all their face data? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    erased = gallery.delete_person(person.id, actor=actor)
    print(f"deleted {person.name} (id {person.id}) with all templates, chips and snapshots")
    if not erased:
        print("faceapp: another program is still reading the database: the deleted data will be erased "
              "from disk when the database is next opened", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Chips as PNG files and a people.csv; embeddings never leave the machine this way."""
    check_output_folder(args.out, "export")
    gallery = Core.open_gallery(args.basedir)
    require_admin(args, gallery, f"export the gallery to {args.out}")
    args.out.mkdir(parents=True, exist_ok=True)
    people = gallery.people
    count = 0
    with (args.out / "people.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "employee_no", "department", "title", "active", "folder", "templates"])
        for person in people.list():
            folder = f"{person.id:05d}"
            (args.out / folder).mkdir(exist_ok=True)
            templates = people.templates(person.id)
            for t in templates:
                cv2.imwrite(str(args.out / folder / f"{t.id}.png"), people.chip(t.id))
            count += len(templates)
            writer.writerow([person.id, person.name, person.employee_no or "", person.department, person.title,
                             int(person.active), folder, len(templates)])
    print(f"exported {count} chip(s) of {len(people.list())} people to {args.out} (no embeddings)")
    return 0
