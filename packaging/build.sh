#!/usr/bin/env bash
# Build the one-folder desktop app from a clean checkout:  packaging/build.sh
#
# Creates its own virtual environment in build/venv (reused on later runs), installs faceapp and
# PyInstaller into it, freezes packaging/faceapp.spec into dist/faceapp/ (executables `faceapp`
# and `faceapp-gui`), runs the frozen self-test and prints the folder's size.
#
# Environment:
#   PYTHON=python3.12        interpreter for the venv (default: python3)
#   VENV=build/venv          where the build environment lives
#   FACEAPP_BUILD_CUDA=1     keep ONNX Runtime's CUDA provider (+~285 MB; see faceapp.spec)
#   SKIP_SELFTEST=1          do not run the frozen self-test at the end
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-build/venv}"
start=$(date +%s)

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
# PySide6-Essentials is pinned (!= 6.12.0) by pyproject.toml.
"$VENV/bin/python" -m pip install --quiet . "pyinstaller>=6.10"

"$VENV/bin/python" -m PyInstaller packaging/faceapp.spec --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyi

if [ "${SKIP_SELFTEST:-0}" != 1 ]; then
  # A throw-away data folder, so the build machine's own faceapp data is neither used nor touched.
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  dist/faceapp/faceapp selftest --basedir "$tmp" --provider cpu
fi

echo "built dist/faceapp in $(( $(date +%s) - start )) s: $(du -sh dist/faceapp | cut -f1)" \
     "($(du -sm dist/faceapp | cut -f1) MiB; executables: dist/faceapp/faceapp, dist/faceapp/faceapp-gui)"
