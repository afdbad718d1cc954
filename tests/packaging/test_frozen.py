"""The frozen (PyInstaller) build: it builds, its self-test passes, the GUI renders, it writes nothing
next to itself.

The build takes ~25-60 s on two cores. It is cached in pytest's cache folder
(``.pytest_cache/d/faceapp-frozen/<key>``), keyed by a hash of the spec, the entry scripts, the
package sources, the bundled files and the installed distributions, so an unchanged checkout reuses
it. ``FACEAPP_FROZEN_DIST=/path/to/dist/faceapp`` tests an existing build instead (e.g. the one
``packaging/build.sh`` made).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="frozen checks run on Linux")]

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "faceapp.spec"
SAMPLE = ROOT / "resources" / "samples" / "astronaut.jpg"
BUILD_TIMEOUT_S = 900
#: stderr lines a healthy run may print: our own INFO log lines and Qt's offscreen notice.
HARMLESS_STDERR = (
    "faceapp: INFO: ", "faceapp: screenshot saved to ", "This plugin does not support propagateSizeHints()",
)


def _build_key() -> str:
    """Hash of everything the build depends on."""
    digest = hashlib.sha256()
    files = [SPEC, *sorted((ROOT / "packaging").glob("*.py"))]
    files += sorted((ROOT / "faceapp").rglob("*.py"))
    for folder in ("models", "resources"):
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join([sys.version, platform.platform(), *dists]).encode())
    for variable in ("FACEAPP_BUILD_CUDA", "FACEAPP_BUILD_NO_TRIM"):
        digest.update(f"{variable}={os.environ.get(variable, '')}".encode())
    return digest.hexdigest()[:16]


def _build(cache: Path) -> Path:
    """The cached build for the current key, building it (and dropping older ones) when missing."""
    key = _build_key()
    done = cache / key / "faceapp"
    if (cache / key / "ok").is_file() and (done / "faceapp").is_file():
        return done
    if not _has_pyinstaller():
        pytest.fail("PyInstaller is not installed (pip install pyinstaller; it is in the 'test' extra)")
    for old in cache.iterdir() if cache.exists() else ():
        shutil.rmtree(old, ignore_errors=True)
    work = cache / f"{key}.work"
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
         "--distpath", str(cache / key), "--workpath", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
    )
    shutil.rmtree(work, ignore_errors=True)
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stderr[-4000:]}"
    (cache / key / "ok").write_text("built\n")
    return done


def _has_pyinstaller() -> bool:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def dist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder build: ``FACEAPP_FROZEN_DIST`` or a (cached) fresh build."""
    given = os.environ.get("FACEAPP_FROZEN_DIST")
    if given:
        return Path(given)
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    folder = cache.mkdir("faceapp-frozen") if cache is not None else tmp_path_factory.mktemp("faceapp-frozen")
    return _build(Path(folder))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: HOME and the XDG folders in ``tmp_path``, no FACEAPP_HOME, offscreen Qt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FACEAPP_", "XDG_", "QT_", "PYTHON"))}
    home = tmp_path / "home"
    env.update(
        HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"),
        QT_QPA_PLATFORM="offscreen", **extra,
    )
    return env


def _unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(HARMLESS_STDERR)]


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def test_layout(dist: Path) -> None:
    internal = dist / "_internal"
    for exe in ("faceapp", "faceapp-gui"):
        assert os.access(dist / exe, os.X_OK)
    assert (internal / "faceapp" / "_models" / "manifest.json").is_file()
    assert (internal / "faceapp" / "_resources" / "samples" / "astronaut.jpg").is_file()
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so", "imageformats/libqsvg.so",
                   "imageformats/libqjpeg.so", "iconengines/libqsvgicon.so"):
        assert (plugins / plugin).is_file(), plugin
    if os.environ.get("FACEAPP_BUILD_NO_TRIM") != "1":
        if os.environ.get("FACEAPP_BUILD_CUDA") != "1":
            assert not list(internal.rglob("libonnxruntime_providers_cuda*"))  # CPU build (see the spec)
        assert not (internal / "torch").exists()
        assert not (plugins / "platformthemes" / "libqgtk3.so").exists()
    assert not (ROOT / "faceapp" / "_models").exists()  # the build never writes into the checkout


def test_qt_plugins_resolve(dist: Path) -> None:
    """The plugins the app uses find every library they link, inside the build or on the system."""
    plugins = dist / "_internal" / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "imageformats/libqsvg.so", "iconengines/libqsvgicon.so",
                   "imageformats/libqjpeg.so"):
        out = subprocess.run(["ldd", str(plugins / plugin)], capture_output=True, text=True, check=True).stdout
        assert "not found" not in out, f"{plugin}:\n{out}"


def test_selftest_json(dist: Path, tmp_path: Path) -> None:
    basedir = tmp_path / "base"
    result = subprocess.run(
        [str(dist / "faceapp"), "selftest", "--json", "--basedir", str(basedir)],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert _unexpected(result.stderr) == []
    record = json.loads(result.stdout)
    assert record["ok"] is True and record["failures"] == []
    env = record["environment"]
    assert env["frozen"] is True
    assert Path(env["models_dir"]) == dist / "_internal" / "faceapp" / "_models"
    assert Path(env["resources_dir"]) == dist / "_internal" / "faceapp" / "_resources"
    assert Path(env["data_dir"]) == basedir / "data"
    checks = {check["name"]: check for check in record["checks"]}
    assert checks["detect"]["data"]["faces"] == 1
    assert checks["embed"]["data"]["mirror_similarity"] >= checks["embed"]["data"]["threshold"]
    assert checks["database"]["data"]["journal_mode"] == "wal"
    assert sum(name.startswith("model:") for name in checks) >= 6
    assert {"faceapp", "onnxruntime", "numpy", "opencv", "PySide6", "hnswlib"} <= set(record["versions"])
    assert "unknown" not in record["versions"].values()


def test_gui_renders_a_screenshot(dist: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    source = tmp_path / "photos"
    source.mkdir()
    shutil.copy(SAMPLE, source)
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [str(dist / "faceapp-gui"), "--basedir", str(tmp_path / "base"), "--source", str(source),
         "--screenshot", str(shot), "--quit-after", "3"],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert _unexpected(result.stderr) == []
    assert f"screenshot saved to {shot}" in result.stderr
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.width >= 640 and image.height >= 400
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 20  # a real picture (window, photo, text), not a blank surface


def test_gui_loads_the_svg_icon_engine(dist: Path, tmp_path: Path) -> None:
    """The window icon (an SVG) goes through Qt's svg icon-engine plugin, found inside the build."""
    result = subprocess.run(
        [str(dist / "faceapp-gui"), "--basedir", str(tmp_path / "base"), "--source", str(SAMPLE.parent),
         "--quit-after", "1"],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path, QT_DEBUG_PLUGINS="1"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = [line for line in result.stderr.splitlines() if line.endswith("loaded library")]
    assert any(f"{dist}/_internal/PySide6/Qt/plugins/iconengines/libqsvgicon.so" in line for line in loaded)
    assert any(f"{dist}/_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so" in line for line in loaded)


def test_nothing_written_next_to_the_executable(dist: Path, tmp_path: Path) -> None:
    """Without --basedir, data and logs go to the XDG folders, and the build folder stays as it was."""
    before = _tree(dist)
    env = _env(tmp_path)
    result = subprocess.run(
        [str(dist / "faceapp"), "selftest", "--json"], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    home = tmp_path / "home"
    assert Path(record["environment"]["data_dir"]) == home / "data" / "faceapp"
    assert Path(record["environment"]["config_dir"]) == home / "config" / "faceapp"
    assert (home / "data" / "faceapp" / "logs" / "faceapp.log").is_file()
    assert _tree(dist) == before


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system: a real copy
        shutil.copy2(src, dst)


def test_selftest_names_a_broken_model(dist: Path, tmp_path: Path) -> None:
    """A build whose detector file was damaged fails its self-test, naming the model."""
    copy = tmp_path / "faceapp"
    shutil.copytree(dist, copy, symlinks=True, copy_function=_link_or_copy)
    model = copy / "_internal" / "faceapp" / "_models" / "retinaface_mnet025.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.unlink()  # a new file: the original may be a hard link into the cached build
    model.write_bytes(bytes(data))
    result = subprocess.run(
        [str(copy / "faceapp"), "selftest", "--basedir", str(tmp_path / "base")],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path),
    )
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("faceapp selftest: FAIL ")]
    assert failures[0].startswith("faceapp selftest: FAIL model:retinaface_mnet025: model 'retinaface_mnet025'")
    assert "damaged" in failures[0]
    assert "selftest FAILED" in result.stderr
    assert "ok   model:mobilefacenet_arcface_512 " in result.stdout
