"""Start-up figures of the frozen build against the source checkout; prints one JSON object.

    python benchmarks/bench_startup.py [--dist dist/faceapp] [--runs 3] [--no-source]

* ``size``: the build folder's size in MB (10^6 bytes), its 10 biggest files and the 10 biggest
  entries of ``_internal`` (package folders summed).
* ``selftest``: wall time of ``faceapp selftest --json`` (process start to exit), frozen and from
  source. ``first_s`` is the first run (as cold as the page cache allows without root), ``median_s``
  the median of the following runs.
* ``gui``: the GUI on the bundled sample photo (image-folder source, offscreen), timed from process
  start to each milestone its log prints: ``models_loaded_s`` (the pipeline line), ``source_live_s``
  (the source is open and frames flow), ``first_result_s`` (a line containing "first recognition
  result", when the GUI logs one; ``null`` otherwise) and ``screenshot_s`` (``--screenshot`` with
  ``--quit-after 1``, i.e. one second of live recognition, then the window is grabbed).

Each process gets a fresh temporary ``--basedir`` and ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "samples" / "astronaut.jpg"
MILESTONES = {
    "models_loaded_s": "faceapp.vision.pipeline: pipeline:",
    "source_live_s": ": live (",
    "first_result_s": "first recognition result",
    "screenshot_s": "screenshot saved to",
}


def folder_size(path: Path) -> int:
    """Bytes of all regular files below ``path`` (symlinks not followed)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(dist: Path) -> dict[str, Any]:
    """Total MB, the 10 biggest files, and the 10 biggest entries of ``_internal`` (folders summed)."""
    files = [(p.lstat().st_size, p) for p in dist.rglob("*") if p.is_file() and not p.is_symlink()]
    inside = dist / "_internal" if (dist / "_internal").is_dir() else dist
    entries = sorted(((folder_size(p), p) for p in inside.iterdir() if not p.is_symlink()), reverse=True)
    mb = 1e6
    return {
        "total_mb": round(sum(s for s, _ in files) / mb, 1),
        "files": len(files),
        "top_files": [{"path": str(p.relative_to(dist)), "mb": round(s / mb, 1)} for s, p in sorted(files)[::-1][:10]],
        "top_entries": [{"path": str(p.relative_to(dist)), "mb": round(s / mb, 1)} for s, p in entries[:10]],
    }


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACEAPP_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def time_selftest(command: list[str], runs: int) -> dict[str, Any]:
    """Wall times of ``command selftest --json --provider cpu --basedir TMP``."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = subprocess.run([*command, "selftest", "--json", "--provider", "cpu", "--basedir", tmp],
                                    capture_output=True, text=True, env=_env(), timeout=300)
            times.append(time.perf_counter() - start)
        if result.returncode != 0:
            return {"error": result.stderr.strip().splitlines()[-1:]}
    return _summary(times, json.loads(result.stdout)["seconds"])


def _summary(times: list[float], inner: float | None = None) -> dict[str, Any]:
    rest = times[1:] or times
    out: dict[str, Any] = {"first_s": round(times[0], 3), "median_s": round(statistics.median(rest), 3),
                           "runs": len(times)}
    if inner is not None:
        out["checks_s"] = round(inner, 3)  # time inside run_selftest (the rest is start-up and imports)
    return out


def time_gui(command: list[str], runs: int) -> dict[str, Any]:
    """Milestones of the GUI on the sample photo, each the median over ``runs`` starts."""
    marks: dict[str, list[float]] = {key: [] for key in MILESTONES}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            photos = Path(tmp) / "photos"
            photos.mkdir()
            shutil.copy(SAMPLE, photos)
            argv = [*command, "-v", "--basedir", str(Path(tmp) / "base"), "--source", str(photos),
                    "--screenshot", str(Path(tmp) / "shot.png"), "--quit-after", "1"]
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=_env())
            assert proc.stderr is not None
            seen: dict[str, float] = {}
            for line in proc.stderr:
                now = time.perf_counter() - start
                for key, needle in MILESTONES.items():
                    if key not in seen and needle in line:
                        seen[key] = now
            if proc.wait(timeout=120) != 0:
                return {"error": f"exit status {proc.returncode}"}
            seen["exit_s"] = time.perf_counter() - start
            for key, value in seen.items():
                marks.setdefault(key, []).append(value)
    return {key: round(statistics.median(v), 3) if v else None for key, v in marks.items()}


def default_dist() -> Path:
    """``dist/faceapp`` if built, else the newest cached build of tests/packaging/test_frozen.py."""
    built = ROOT / "dist" / "faceapp"
    if (built / "faceapp").is_file():
        return built
    cached = sorted((ROOT / ".pytest_cache" / "d" / "faceapp-frozen").glob("*/faceapp/faceapp"),
                    key=lambda p: p.stat().st_mtime)
    if not cached:
        sys.exit("no build found: run packaging/build.sh (or pass --dist)")
    return cached[-1].parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, help="the build folder (default: dist/faceapp or the test cache)")
    parser.add_argument("--runs", type=int, default=3, help="starts per measurement (default 3)")
    parser.add_argument("--no-source", action="store_true", help="skip the from-source comparison")
    args = parser.parse_args()
    dist = args.dist or default_dist()
    report: dict[str, Any] = {"dist": str(dist), "size": size_report(dist)}
    report["frozen"] = {
        "selftest": time_selftest([str(dist / "faceapp")], args.runs),
        "gui": time_gui([str(dist / "faceapp-gui")], args.runs),
    }
    if not args.no_source:
        report["source"] = {
            "selftest": time_selftest([sys.executable, "-m", "faceapp.cli"], args.runs),
            "gui": time_gui([sys.executable, "-m", "faceapp.ui.app"], args.runs),
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
