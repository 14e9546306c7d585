"""Every example runs to the end, in a subprocess with a time limit."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def test_every_example_is_listed():
    assert {"single_neuron.py", "xor.py", "spiral_features.py", "overfitting.py", "regularisation.py", "digits.py",
            "headless_project.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, tmp_path):
    if script == "digits.py" and importlib.util.find_spec("sklearn") is None:
        pytest.skip("the digits example needs scikit-learn")
    args = [sys.executable, str(EXAMPLES / script)]
    if script in ("single_neuron.py", "headless_project.py"):
        args.append(str(tmp_path / "out.nnstudio"))
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip()
    if script in ("single_neuron.py", "headless_project.py"):
        assert (tmp_path / "out.nnstudio").stat().st_size > 0
