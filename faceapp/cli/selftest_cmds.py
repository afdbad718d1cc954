"""``faceapp selftest``: check that this installation (source, wheel or frozen build) works."""

from __future__ import annotations

import argparse
import sys

from faceapp.cli.common import add_common, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``selftest`` command."""
    parser = subparsers.add_parser(
        "selftest",
        help="check the models, face pipeline, index and database of this installation",
        description="Open every model, find and match the face in the bundled sample photo, and "
        "round-trip an embedding through a temporary database. Exit status 0 when all checks pass.",
    )
    add_common(parser)
    parser.add_argument(
        "--provider", choices=("auto", "cpu", "cuda"), help="execution provider (default: from the settings)"
    )
    parser.set_defaults(func=_selftest)


def _selftest(args: argparse.Namespace) -> int:
    from faceapp.selftest import run_selftest

    report = run_selftest(args.basedir, provider=args.provider)
    if args.json:
        emit_json(report.to_dict())
    else:
        for check in report.checks:
            if check.ok:
                print(check.line())
        print(f"provider: {report.provider}")
        print("versions: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()))
    for check in report.failures:
        print(f"faceapp selftest: {check.line()}", file=sys.stderr)
    if not args.json:
        status = "passed" if report.ok else f"FAILED ({len(report.failures)} of {len(report.checks)} checks)"
        print(f"selftest {status} in {report.seconds:.2f} s", file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1
