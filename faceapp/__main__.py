"""``python -m faceapp``: the same as the ``faceapp`` console script."""

import sys

from faceapp.cli import main

sys.exit(main())
