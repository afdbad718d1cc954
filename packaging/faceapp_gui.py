"""Frozen entry point of the windowed executable ``faceapp-gui`` (the desktop app)."""

import multiprocessing
import sys

from faceapp.ui.app import run_gui

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(run_gui())
