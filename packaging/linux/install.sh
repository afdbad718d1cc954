#!/usr/bin/env bash
# Install a built dist/faceapp folder for the current user (or system-wide with PREFIX=/opt/... as root):
#   packaging/linux/install.sh [DIST_FOLDER]
# Copies the folder to $PREFIX/faceapp, links both executables into $BIN, and installs the
# desktop entry and the icon following the XDG specifications. Data and settings are not touched:
# the app keeps them in the XDG data/config folders (~/.local/share/faceapp, ~/.config/faceapp).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIST="${1:-$ROOT/dist/faceapp}"
PREFIX="${PREFIX:-$HOME/.local/opt}"
BIN="${BIN:-$HOME/.local/bin}"
SHARE="${SHARE:-${XDG_DATA_HOME:-$HOME/.local/share}}"

[ -x "$DIST/faceapp-gui" ] || { echo "no build at $DIST (run packaging/build.sh)" >&2; exit 1; }
ICONS="$DIST/_internal/faceapp/_resources/icons"  # the icons travel inside the build
[ -d "$ICONS" ] || ICONS="$ROOT/resources/icons"
mkdir -p "$PREFIX" "$BIN" "$SHARE/applications"
rm -rf "$PREFIX/faceapp"
cp -a "$DIST" "$PREFIX/faceapp"
ln -sf "$PREFIX/faceapp/faceapp" "$BIN/faceapp"
ln -sf "$PREFIX/faceapp/faceapp-gui" "$BIN/faceapp-gui"
for size in 16 32 48 64 128 256 512; do
  mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
  cp "$ICONS/faceapp-$size.png" "$SHARE/icons/hicolor/${size}x${size}/apps/faceapp.png"
done
mkdir -p "$SHARE/icons/hicolor/scalable/apps"
cp "$ICONS/faceapp.svg" "$SHARE/icons/hicolor/scalable/apps/faceapp.svg"
sed "s|^Exec=faceapp-gui|Exec=$PREFIX/faceapp/faceapp-gui|; s|^TryExec=faceapp-gui|TryExec=$PREFIX/faceapp/faceapp-gui|" \
  "$HERE/faceapp.desktop" > "$SHARE/applications/faceapp.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
echo "installed to $PREFIX/faceapp; commands in $BIN; menu entry $SHARE/applications/faceapp.desktop"
