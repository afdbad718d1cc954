"""Frozen entry point of the console executable ``faceapp`` (the same as the ``faceapp`` script)."""

import multiprocessing
import sys

from faceapp.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
