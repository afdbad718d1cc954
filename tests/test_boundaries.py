"""Package boundaries from DESIGN.md, checked on the source: the core stays Qt-free and torch-free."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "faceapp"

FORBIDDEN = {
    "vision": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "store": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "attendance": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "capture": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "live": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "access": ("PySide6", "torch", "faceapp.ui", "faceapp.train", "faceapp.live"),
    "evaluation": ("PySide6", "torch", "faceapp.ui", "faceapp.train"),
    "ui": ("torch", "faceapp.train"),
    "train": ("PySide6", "faceapp.ui"),
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_its_boundaries(package: str) -> None:
    folder = PACKAGE / package
    if not folder.is_dir():
        pytest.fail(f"faceapp/{package} is missing")
    offences = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(folder.rglob("*.py"))
        for name in sorted(imported_modules(path))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert offences == []


def test_top_level_cli_does_not_import_torch_eagerly() -> None:
    """``faceapp --help`` must work without PyTorch: torch may only be imported inside functions."""
    for path in [*sorted((PACKAGE / "cli").rglob("*.py")), PACKAGE / "train" / "cli.py"]:
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in top_level:
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(m == "torch" or m.startswith("torch.") for m in modules), path


def test_cli_parser_builds_without_torch_or_qt() -> None:
    """Every command registers even where PyTorch and Qt are not installed."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['PySide6'] = None\n"
        "from faceapp.cli import build_parser; build_parser().parse_args(['--version'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("faceapp "), result.stderr
