"""Fuzzing load_project: whatever a file holds, loading returns a valid Project or raises ProjectError —
never another exception, and never slowly.

Three layers: bytes of the whole file (flip, set, insert, delete, truncate); bytes of one member (the
JSON text, the inner arrays.npz, or one .npy), re-zipped with correct CRCs so the damage reaches the
parsers behind the ZIP layer; and the JSON document's fields replaced, deleted or added with random values.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnstudio.engine import Evaluation
from nnstudio.io import Project, ProjectError, load_project, save_project
from nnstudio.io.project import _checked
from nnstudio.training.problem import ProblemSpec, build_network

SLOW = 2.0  # seconds: far more than any of these small files needs
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _project() -> Project:
    spec = ProblemSpec(optimizer="adam")
    params = build_network(spec).flat_parameters()
    rng = np.random.default_rng(0)
    return Project(
        spec, params, {"name": "adam", "iterations": 4, "size": params.size,
                       "state": {"m": rng.standard_normal(params.size), "v": rng.random(params.size)}},
        step=4, epoch=1, losses=rng.random(4), evaluations=[Evaluation(2, 1, 0.5, None, 0.75, None)],
        custom_data={"X": rng.standard_normal((6, 2)), "y": np.arange(6) % 2, "classification": True, "name": "d"},
        history={"steps": np.array([1, 3]), "params": np.array([params, params]), "losses_len": np.array([1, 3]),
                 "epochs": np.array([0, 1]), "iterations": np.array([1, 3]), "state": rng.random((2, 2 * params.size))},
        meta={"app_version": "0.1.0"},
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(items: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in items.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """(directory, the valid file's bytes, its members, arrays.npz's members, the parsed JSON document).

    The directory is in memory where possible: thousands of small writes to disk would take most of the time.
    """
    shm = "/dev/shm"
    in_memory = os.path.isdir(shm) and os.access(shm, os.W_OK)
    directory = Path(tempfile.mkdtemp(prefix="nnstudio-fuzz-", dir=shm)) if in_memory else tmp_path_factory.mktemp("f")
    save_project(directory / "base.nnstudio", _project())
    data = (directory / "base.nnstudio").read_bytes()
    outer = _members(data)
    yield directory, data, outer, _members(outer["arrays.npz"]), json.loads(outer["project.json"])
    if in_memory:
        shutil.rmtree(directory, ignore_errors=True)


def _check(directory, data: bytes) -> None:
    path = directory / "fuzzed.nnstudio"
    path.write_bytes(data)
    t = time.perf_counter()
    try:
        project = load_project(path)
    except ProjectError as e:
        assert str(e)
    else:  # whatever loads must pass the checks that saving runs
        assert isinstance(project, Project)
        _checked(project)
    assert time.perf_counter() - t < SLOW


def _mutate(data: bytes, ops, cut) -> bytes:
    out = bytearray(data)
    for op, position, value in ops:
        if not out:
            break
        at = position % len(out)
        if op == "flip":
            out[at] ^= 1 << (value % 8)
        elif op == "set":
            out[at] = value
        elif op == "insert":
            out[at:at] = bytes([value]) * (1 + value % 4)
        else:
            del out[at : at + 1 + value % 4]
    return bytes(out[: cut % (len(out) + 1)] if cut is not None else out)


# Anywhere, or near the start (local headers) or the end (directory): negative positions count from the end.
_positions = st.one_of(st.integers(0, 2**20), st.integers(0, 80), st.integers(-400, -1))
_ops = st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete"]), _positions, st.integers(0, 255)),
                min_size=1, max_size=6)
_cuts = st.one_of(st.none(), st.none(), st.integers(0, 2**20))


@settings(FUZZ, max_examples=1400)
@given(ops=_ops, cut=_cuts)
def test_fuzz_file_bytes(base, ops, cut):
    directory, data, *_ = base
    _check(directory, _mutate(data, ops, cut))


@settings(FUZZ, max_examples=600)
@given(target=st.sampled_from(["project.json", "arrays.npz", "params.npy", "optimizer.m.npy", "data.y.npy",
                               "history.params.npy", "losses.npy"]),
       ops=_ops, cut=_cuts, stored=st.booleans())
def test_fuzz_member_bytes(base, target, ops, cut, stored):
    directory, _, outer, inner, _ = base
    outer, inner = dict(outer), dict(inner)
    if target in outer:
        outer[target] = _mutate(outer[target], ops, cut)
    else:
        inner[target] = _mutate(inner[target], ops, cut)
        outer["arrays.npz"] = _zip(inner, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    _check(directory, _zip(outer))


_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128, ">f8", "<U2"]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=30),
)


@settings(FUZZ, max_examples=200)
@given(key=st.sampled_from(["params", "losses", "optimizer.m", "optimizer.v", "data.X", "data.y", "history.steps",
                            "history.params", "history.losses_len", "history.epochs", "history.state"]),
       array=_arrays)
def test_fuzz_array_swaps(base, key, array):
    directory, _, outer, inner, _ = base
    outer, inner = dict(outer), dict(inner)
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    inner[f"{key}.npy"] = buf.getvalue()
    outer["arrays.npz"] = _zip(inner, zipfile.ZIP_STORED)
    _check(directory, _zip(outer))


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2, 40), st.floats(), st.text(max_size=12),
    st.sampled_from(["sgd", "momentum", "adam", "rmsprop", "m", "v", "velocity", "x1", "pixels", "digits", "nan",
                     "inf", "relu", "softmax", 2**53, 2**63, -(2**63), 10**30, 25, 24, -1, 1e308, 0.5, [], {}]),
)
_keys = st.text(max_size=8) | st.sampled_from(["name", "size", "state", "X", "y", "classification", "spec"])
_values = st.one_of(_scalars, st.lists(_scalars, max_size=6), st.dictionaries(_keys, _scalars, max_size=4),
                    st.lists(st.lists(_scalars, max_size=6), max_size=3))


def _paths(node, prefix=()):
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, (*prefix, key))


_mutations = st.lists(st.tuples(st.integers(0, 2**16), st.sampled_from(["replace", "replace", "delete", "add"]),
                                _values, st.text(max_size=8)), min_size=1, max_size=3)


@settings(FUZZ, max_examples=1000)
@given(mutations=_mutations)
def test_fuzz_json_fields(base, mutations):
    directory, _, outer, _, document = base
    doc = json.loads(json.dumps(document))
    for pick, action, value, new_key in mutations:
        paths = list(_paths(doc))[1:]
        if not paths:
            break
        *parents, key = paths[pick % len(paths)]
        node = doc
        for k in parents:
            node = node[k]
        if action == "replace":
            node[key] = value
        elif action == "delete":
            del node[key]
        elif isinstance(node, dict):
            node[new_key] = value
        else:
            node.insert(key, value)
    outer = dict(outer)
    outer["project.json"] = json.dumps(doc).encode()
    _check(directory, _zip(outer))
