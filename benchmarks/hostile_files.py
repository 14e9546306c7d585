"""Time and memory to refuse hostile files (issue 9: each within 2 s and under 500 MB).

Run: python benchmarks/hostile_files.py — each file is read in a fresh process; memory is that process's peak
RSS, beside the peak after importing NumPy and nnstudio (RSS is a high-water mark: reading adds the difference).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile import rewrite_project, trained_project  # noqa: E402

READ = """
import resource, sys, time
from nnstudio.io.csvdata import read_table
from nnstudio.io.project import load_project
from nnstudio.io.weights import load_weights
reader = {"project": load_project, "weights": load_weights, "csv": read_table}[sys.argv[1]]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    reader(sys.argv[2])
    outcome = "LOADED"
except Exception as e:
    outcome = f"{type(e).__name__}: {str(e)[:70]}"
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{dt:5.2f} s, peak RSS {peak / 1024:4.0f} MB (after imports {before / 1024:3.0f} MB)  {outcome}")
"""


def project_with(path, change, arrays):
    """A trained project rewritten by tests/hostile.py (the same files the tests and the state machine use)."""
    trained_project(path, 30)
    rewrite_project(path, change, arrays)


def main() -> None:
    d = tempfile.mkdtemp()
    cases = []
    p = os.path.join(d, "history.nnstudio")
    project_with(p, lambda doc: doc.__setitem__("history", ["steps", "params"]),
                 {"history.steps": np.arange(500_000), "history.params": np.zeros((500_000, 25))})
    cases.append(("project: 500,000 history rows at 30 steps", "project", p))
    p = os.path.join(d, "seed.nnstudio")
    project_with(p, lambda doc: doc["spec"].__setitem__("seed", -1), {})
    cases.append(("project: seed -1", "project", p))
    p = os.path.join(d, "wide.nnstudio")
    project_with(p, lambda doc: doc.update(custom_data={"name": "w", "classification": True}),
                 {"data.X": np.zeros((2, 3_000_000)), "data.y": np.array([0, 1])})
    cases.append(("project: data of 3,000,000 columns", "project", p))
    p = os.path.join(d, "huge.npz")
    np.savez_compressed(p, np.zeros((2, 4)), np.zeros(4), np.zeros((4, 5_000_000)), np.zeros(5_000_000))
    cases.append(("weights: 25 million numbers", "weights", p))
    p = os.path.join(d, "big.csv")
    with open(p, "w") as f:
        f.write((",".join(["1.5"] * 60) + "\n") * 100_000)
    cases.append(("csv: 100,000 × 60 cells", "csv", p))
    for name, kind in (("fifo.nnstudio", "project"), ("fifo.npz", "weights"), ("fifo.csv", "csv")):
        p = os.path.join(d, name)
        os.mkfifo(p)
        cases.append((f"{kind}: a FIFO", kind, p))
    cases.append(("csv: /dev/zero", "csv", "/dev/zero"))
    for label, kind, path in cases:
        size = os.path.getsize(path) if os.path.isfile(path) else 0
        out = subprocess.run([sys.executable, "-c", READ, kind, path], capture_output=True, text=True, timeout=60)
        print(f"{label:42} {size / 1e6:5.1f} MB file: {out.stdout.strip()[:150] or out.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
