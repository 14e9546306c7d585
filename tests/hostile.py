"""Hostile project files, for the tests, the state machine and benchmarks/hostile_files.py: a real project
saved by the app, unpacked and written again with a changed ``project.json`` and added arrays.

Added arrays may be ``Zeros``: they are streamed into the zip a megabyte at a time, so a small file whose
arrays unpack to gigabytes costs the process that makes it nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Zeros(NamedTuple):
    shape: tuple
    dtype: str = "<f8"


def trained_project(path, steps: int = 30) -> int:
    """The default example after ``steps`` steps, saved as a project; returns its parameter count."""
    from nnstudio.io import project_from_loop, save_project
    from nnstudio.training.problem import ProblemSpec, build_loop, build_network, make_data

    spec = ProblemSpec()
    loop = build_loop(spec, build_network(spec), make_data(spec))
    loop.run(steps)
    save_project(path, project_from_loop(spec, loop))
    return loop.network.n_params


def rewrite_project(path, change: Callable[[dict], None] | None = None, arrays: dict | None = None) -> None:
    """Rewrite the project at ``path``: ``change`` edits its project.json in place; ``arrays`` (name →
    ndarray or Zeros, e.g. "history.params") are added to arrays.npz, replacing members of the same name."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        inner = zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz")))
        members = {n: inner.read(n) for n in inner.namelist()}
    if change is not None:
        change(doc)
    arrays = arrays or {}
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            if name[: -len(".npy")] not in arrays:
                out.writestr(name, data)
        for name, a in arrays.items():
            with out.open(f"{name}.npy", "w", force_zip64=False) as f:
                if isinstance(a, Zeros):
                    _write_zeros(f, a)
                else:
                    np.lib.format.write_array(f, np.asarray(a), allow_pickle=False)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", packed.getvalue(), compress_type=zipfile.ZIP_STORED)


def _write_zeros(f, zeros: Zeros) -> None:
    np.lib.format.write_array_header_1_0(f, {"descr": zeros.dtype, "fortran_order": False, "shape": zeros.shape})
    left = int(np.prod(zeros.shape)) * np.dtype(zeros.dtype).itemsize
    chunk = bytes(1 << 20)
    while left:
        f.write(chunk[:left])
        left -= min(left, len(chunk))
