"""The engine, training and io packages never load Qt, so scripts and notebooks can use them alone."""

import subprocess
import sys


def test_engine_training_and_io_import_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import nnstudio.engine, nnstudio.io, nnstudio.training\n"
        "for pkg in (nnstudio.engine, nnstudio.training, nnstudio.io):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt modules loaded by engine, training or io: {out.stdout}"
