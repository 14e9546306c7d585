"""``python -m nnstudio``: the same entry point as the ``nnstudio`` command."""

import sys

from nnstudio.gui.app import main

sys.exit(main())
