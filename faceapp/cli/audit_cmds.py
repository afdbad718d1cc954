"""``faceapp audit``: the audit log, newest first, with the site and desk that wrote each entry.

Filters: ``--since`` (a UTC date or time), ``--entity`` (person, template, event, ...), ``--person``
(an id), ``--site`` and ``--desk`` (exact names, as stamped by the desks). Reading it needs an
administrator, like every other export of the store.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from faceapp.cli.common import add_common, emit_json
from faceapp.errors import ConfigError

MAX_LIMIT = 100_000


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="the audit log (who changed what, where), newest first")
    audit.add_argument("--since", help="only entries from this UTC date or time on (2026-11-29 or 2026-11-29T08:00)")
    audit.add_argument("--entity", help="only entries about this kind of thing (person, template, event, ...)")
    audit.add_argument("--person", type=int, help="only entries about this person id")
    audit.add_argument("--site", help="only entries written at this site")
    audit.add_argument("--desk", help="only entries written by this desk")
    audit.add_argument("--limit", type=int, default=100, help="at most this many entries (default 100)")
    add_common(audit)
    audit.set_defaults(func=run_audit)


def _since(text: str | None) -> str | None:
    """``--since`` as the stored UTC text it is compared with."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--since must be a date or time like 2026-11-29 or 2026-11-29T08:00, not {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def run_audit(args: argparse.Namespace) -> int:
    from faceapp.cli.shift_cmds import admin_actor
    from faceapp.services import Core
    from faceapp.store.audit import AuditLog
    from faceapp.store.origin import clean

    if not 1 <= args.limit <= MAX_LIMIT:
        raise ConfigError(f"--limit must be between 1 and {MAX_LIMIT}")
    since = _since(args.since)
    gallery = Core.open_gallery(args.basedir)
    try:
        admin_actor(args, gallery, "read the audit log")
        entries = AuditLog(gallery.database).entries(
            person_id=args.person, entity=args.entity, since=since, limit=args.limit,
            site=None if args.site is None else clean(args.site), desk=None if args.desk is None else clean(args.desk))
    finally:
        gallery.close()
    for e in entries:
        if args.json:
            emit_json({"id": e.id, "time": e.time, "site": e.site, "desk": e.desk, "actor": e.actor,
                       "action": e.action, "entity": e.entity, "entity_id": e.entity_id, "person_id": e.person_id,
                       "details": e.details})
        else:
            where = " / ".join(part for part in (e.site, e.desk) if part) or "-"
            subject = f"{e.entity} {e.entity_id}" if e.entity_id is not None else e.entity
            print(f"{e.time}  {where}  {e.actor}  {e.action}  {subject}  "
                  f"{json.dumps(e.details, ensure_ascii=False, default=str)}")
    return 0
