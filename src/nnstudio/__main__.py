"""``python -m nnstudio``: the same entry point as the ``nnstudio`` command."""

import sys

from nnstudio.gui.app import main

if __name__ == "__main__":  # the trainer process re-imports this module; it must not start another app
    sys.exit(main())
