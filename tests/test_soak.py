"""The soak (tests/soak.py) in its CI length: NNSTUDIO_SOAK_SECONDS (default 30) of edits, undo, play/pause,
hyper-parameter and architecture changes while the real trainer process trains, with the trainer killed once;
the full 10-minute soak is `python tests/soak.py --seconds 600` (README, Reliability)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

SOAK = Path(__file__).resolve().parent / "soak.py"


def test_the_soak_loses_no_edit_and_levels_off(tmp_path):
    seconds = float(os.environ.get("NNSTUDIO_SOAK_SECONDS", "30"))
    out = tmp_path / "soak.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(SOAK), "--seconds", str(seconds), "--kill-every", str(seconds / 2 + 1),
                           "--json", str(out)], capture_output=True, text=True, timeout=seconds + 180, env=env)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(out.read_text())
    assert report["edits"] >= seconds and report["undos"] > 0 and report["architecture_changes"] > 0
    assert report["lost_or_wrong"] == report["unconfirmed"] == report["wrong_undos"] == 0
    assert report["restarts"] == 1  # the killed trainer was replaced, and the soak went on
