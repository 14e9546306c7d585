"""The .nnstudio project file: exact round trips, atomic saves, and a refusal for every hostile file."""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zipfile

import numpy as np
import pytest

from nnstudio.engine import Evaluation, TrainingLoop, make_dataset
from nnstudio.io import FORMAT_VERSION, SUFFIX, Project, ProjectError, load_project, save_project
from nnstudio.io import project as project_module
from nnstudio.training.problem import (
    MAX_SAMPLES,
    CustomData,
    ProblemSpec,
    build_network,
    digits_preset,
    make_optimizer_for,
)

N_PARAMS = 25  # [2, 4, 2, 1]


def make_project(optimizer="adam", steps=30, history=True, custom=None) -> Project:
    """A project from a real (short) training run, so optimizer state and losses are realistic."""
    spec = ProblemSpec(optimizer=optimizer)
    if custom is not None:  # imported data: the spec names dataset "custom" and carries the data
        spec = spec.replace(dataset="custom", custom=CustomData(custom["X"], custom["y"], custom["classification"],
                                                                custom["name"]))
    net = build_network(spec)
    X, y = make_dataset(spec.dataset, 100, 0.0, 1) if custom is None else (custom["X"], custom["y"])
    loop = TrainingLoop(net, X, y, X[:20], y[:20], optimizer=make_optimizer_for(spec), loss=spec.resolved_loss,
                        batch_size=10, seed=0)
    snapshots = []
    for _ in range(steps):
        loop.step()
        snapshots.append(net.flat_parameters())
    opt = loop.optimizer
    evaluations = [*loop.evaluations, Evaluation(steps, loop.epoch, float("inf"), None, None, None)]
    return Project(
        spec, net.flat_parameters(),
        {"name": optimizer, "iterations": opt.iterations, "size": opt._size, "state": opt.state_arrays()},
        step=steps, epoch=loop.epoch, losses=loop.losses.array().copy(), evaluations=evaluations,
        custom_data=custom,
        history={"steps": np.arange(1, steps + 1), "params": np.array(snapshots),
                 "losses_len": np.arange(1, steps + 1)} if history else None,
        meta={"app_version": "0.1.0", "saved_at": "2026-01-02T03:04:05+00:00", "nested": {"a": [1, 2.5, None]}},
    )


def assert_same_array(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same(p: Project, q: Project):
    assert p.spec == q.spec and p.spec.to_dict() == q.spec.to_dict()
    assert_same_array(p.params, q.params)
    assert {k: v for k, v in p.optimizer.items() if k != "state"} == {k: v for k, v in q.optimizer.items()
                                                                       if k != "state"}
    assert p.optimizer["state"].keys() == q.optimizer["state"].keys()
    for k in p.optimizer["state"]:
        assert_same_array(p.optimizer["state"][k], q.optimizer["state"][k])
    assert (p.step, p.epoch) == (q.step, q.epoch)
    assert_same_array(p.losses, q.losses)
    assert p.evaluations == q.evaluations
    assert (p.custom_data is None) == (q.custom_data is None) and (p.history is None) == (q.history is None)
    if p.custom_data is not None:
        assert (p.custom_data["name"], p.custom_data["classification"]) == (q.custom_data["name"],
                                                                            q.custom_data["classification"])
        assert_same_array(p.custom_data["X"], q.custom_data["X"])
        assert_same_array(p.custom_data["y"], q.custom_data["y"])
    if p.history is not None:
        assert p.history.keys() == q.history.keys()
        for k in p.history:
            assert_same_array(p.history[k], q.history[k])
    assert p.meta == q.meta


@pytest.fixture
def path(tmp_path):
    return tmp_path / f"test{SUFFIX}"


# ---- round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_round_trip_is_exact(path, optimizer):
    p = make_project(optimizer)
    assert p.optimizer["state"]  # a real run has state to save
    save_project(path, p)
    q = load_project(path)
    assert_same(p, q)
    assert q.evaluations[-1].train_loss == float("inf") and q.evaluations[-1].test_loss is None
    assert all(isinstance(e, Evaluation) for e in q.evaluations)


def test_round_trip_custom_data(path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 2))
    for y, classification in ((rng.integers(0, 2, 40), True), (rng.standard_normal(40), False)):
        p = make_project(custom={"X": X, "y": y, "classification": classification, "name": "mine.csv — é"})
        save_project(path, p)
        q = load_project(path)
        assert_same(p, q)
        assert q.custom_data["y"].dtype == (np.int64 if classification else np.float64)


def test_round_trip_history_as_the_trainer_records_it(path):
    """training.history.History.to_arrays: epochs, iterations and optimizer state per entry, no losses_len."""
    p = make_project()
    k = p.history["steps"].size
    rng = np.random.default_rng(1)
    p.history = {"steps": p.history["steps"], "epochs": np.arange(k) // 10, "iterations": np.full(k, -1),
                 "params": p.history["params"], "state": rng.standard_normal((k, 2 * N_PARAMS))}
    save_project(path, p)
    assert_same(p, load_project(path))


@pytest.mark.parametrize("key, value, message", [
    ("bogus", np.zeros(30), "may hold only"), ("state", np.full((30, 2), np.nan), "history state contains NaN"),
    ("state", np.zeros((29, 2)), "history state has 29"), ("epochs", np.full(30, -1), "epochs must be ≥ 0"),
    ("iterations", np.full(30, -2), "iterations ≥ −1"), ("steps", np.zeros(30), "whole numbers"),
])
def test_bad_history_extras(path, key, value, message):
    p = make_project()
    p.history[key] = value
    with pytest.raises(ProjectError, match=message):
        save_project(path, p)


def test_round_trip_fresh_project_without_state_or_history(path):
    p = Project(ProblemSpec(), build_network(ProblemSpec()).flat_parameters(),
                {"name": "sgd", "iterations": 0, "size": -1, "state": {}})
    save_project(path, p)
    q = load_project(path)
    assert_same(p, q)
    assert q.losses.dtype == np.float64 and q.losses.size == 0 and q.history is None and q.meta == {}


@pytest.mark.parametrize("spec", [ProblemSpec(), ProblemSpec(hidden=()), ProblemSpec(dataset="blobs", hidden=(8,) * 8),
                                  digits_preset(ProblemSpec())])
def test_n_params_matches_the_network(spec):
    assert project_module.n_params(spec) == build_network(spec).n_params


def test_file_layout(path):
    save_project(path, make_project())
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["project.json", "arrays.npz"]
        doc = json.loads(zf.read("project.json"))
        assert zf.getinfo("project.json").compress_type == zipfile.ZIP_DEFLATED
        with np.load(io.BytesIO(zf.read("arrays.npz")), allow_pickle=False) as npz:
            assert {"params", "losses", "optimizer.m", "optimizer.v", "history.params"} <= set(npz.files)
    assert doc["format"] == "nnstudio-project" and doc["version"] == FORMAT_VERSION
    assert doc["spec"] == ProblemSpec(optimizer="adam").to_dict()
    assert doc["evaluations"][-1][2:] == ["inf", None, None, None]


# ---- saving ------------------------------------------------------------------------------------------
def test_save_is_atomic_when_replace_fails(path, monkeypatch):
    save_project(path, make_project("sgd"))
    before = path.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(path, make_project("adam"))
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


def test_save_cleans_up_after_any_error(path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(project_module.safe_zip, "write_npz", fail)
    with pytest.raises(RuntimeError):
        save_project(path, make_project())
    assert os.listdir(path.parent) == []


def test_save_into_missing_directory(tmp_path):
    with pytest.raises(ProjectError, match="cannot save in .*missing"):
        save_project(tmp_path / "missing" / "x.nnstudio", make_project())


@pytest.mark.parametrize("change, message", [
    (lambda p: p.params.__setitem__(3, np.nan), "params contains NaN"),
    (lambda p: setattr(p, "params", p.params[:-1]), "params has 24"),
    (lambda p: setattr(p, "step", -1), "step must be"),
    (lambda p: setattr(p, "meta", {"x": object()}), "meta"),
    (lambda p: p.optimizer.__setitem__("name", "lbfgs"), "optimizer must name"),
])
def test_save_refuses_what_load_would_refuse(path, change, message):
    p = make_project()
    change(p)
    with pytest.raises(ProjectError, match=message):
        save_project(path, p)
    assert not path.exists() and os.listdir(path.parent) == []


# ---- crafting hostile files -------------------------------------------------------------------------
def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def write_zip(path, items: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in items.items():
            zf.writestr(name, data)


def npy_bytes(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def rewrite(path, doc=None, arrays=None, npy=None, drop=()):
    """Rewrites a saved project with changes to the JSON document, arrays, or raw .npy members."""
    items = members(path)
    document = json.loads(items["project.json"])
    if doc:
        doc(document)
    inner = members(io.BytesIO(items["arrays.npz"]))
    for key, a in (arrays or {}).items():
        inner[f"{key}.npy"] = npy_bytes(a)
    for key, raw in (npy or {}).items():
        inner[f"{key}.npy"] = raw
    for key in drop:
        inner.pop(f"{key}.npy")
    buf = io.BytesIO()
    write_zip(buf, inner, zipfile.ZIP_STORED)
    items["project.json"] = json.dumps(document).encode()
    items["arrays.npz"] = buf.getvalue()
    write_zip(path, items)


def refused(path, message) -> ProjectError:
    t = time.perf_counter()
    with pytest.raises(ProjectError, match=message) as info:
        load_project(path)
    assert time.perf_counter() - t < 2.0
    return info.value


@pytest.fixture
def saved(path):
    save_project(path, make_project(custom={"X": np.ones((5, 2)), "y": np.arange(5) % 2, "classification": True,
                                            "name": "d"}))
    return path


def test_missing_file_and_directory(tmp_path):
    refused(tmp_path / "nope.nnstudio", "cannot read .*No such file")
    refused(tmp_path, "is not a regular file but a folder")


@pytest.mark.parametrize("data", [b"", b"hello", bytes(np.random.default_rng(0).integers(0, 256, 5000,
                                                                                       dtype=np.uint8))])
def test_not_a_zip(path, data):
    path.write_bytes(data)
    refused(path, "not a (valid )?ZIP")


def test_truncated_files(saved):
    data = saved.read_bytes()
    for cut in (10, 100, len(data) // 2, len(data) - 30, len(data) - 1):
        saved.write_bytes(data[:cut])
        refused(saved, None)


def test_crc_error(saved):
    items = members(saved)
    write_zip(saved, items, zipfile.ZIP_STORED)
    data = bytearray(saved.read_bytes())
    at = data.find(b'"format"')
    data[at + 2] ^= 0x20
    saved.write_bytes(bytes(data))
    refused(saved, "CRC")


@pytest.mark.parametrize("missing", ["project.json", "arrays.npz"])
def test_missing_member(saved, missing):
    items = members(saved)
    del items[missing]
    write_zip(saved, items)
    refused(saved, f"has no {missing}")


def test_extra_members_are_ignored(saved):
    items = members(saved)
    items["notes/readme.txt"] = b"hello"
    write_zip(saved, items)
    rewrite(saved, arrays={"unrelated": np.zeros(3)})
    assert load_project(saved).step == 30


def test_too_many_members(saved):
    items = members(saved)
    items.update({f"x{k}": b"" for k in range(100)})
    write_zip(saved, items)
    refused(saved, "too many members")


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Sets the declared uncompressed size of member ``name`` in its local header and directory entry."""
    out = bytearray(data)
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = 0
        while (at := out.find(signature, at)) >= 0:
            if out[at + name_at : at + name_at + len(name)] == name:
                struct.pack_into("<L", out, at + offset, size)
            at += 4
    return bytes(out)


def test_bomb_with_huge_declared_size_is_refused_before_reading(saved):
    saved.write_bytes(_patch_sizes(saved.read_bytes(), b"project.json", 0x7FFF0000))
    refused(saved, "too large|unpack to")


def test_honest_bomb_is_refused_before_reading(saved):
    items = members(saved)
    items["project.json"] = items["project.json"] + b" " * (20 << 20)  # 20 MB of spaces, 20 kB packed
    write_zip(saved, items)
    assert saved.stat().st_size < 1 << 20
    refused(saved, "project.json in the file is too large")


def test_inner_bomb_is_refused(saved):
    rewrite(saved)
    items = members(saved)
    inner = members(io.BytesIO(items["arrays.npz"]))
    buf = io.BytesIO()
    write_zip(buf, inner, zipfile.ZIP_STORED)
    items["arrays.npz"] = _patch_sizes(buf.getvalue(), b"params.npy", 0x7FFF0000)
    write_zip(saved, items)
    refused(saved, "arrays.npz (would unpack|is too large)")


def test_member_larger_than_declared(saved):
    items = members(saved)
    write_zip(saved, items, zipfile.ZIP_STORED)
    saved.write_bytes(_patch_sizes(saved.read_bytes(), b"project.json", 10))
    refused(saved, None)


def test_unsupported_compression(saved):
    write_zip(saved, members(saved), zipfile.ZIP_BZIP2)
    refused(saved, "compression method")


def test_pickled_object_array(saved):
    evil = np.array([{"a": 1}, print], dtype=object)
    rewrite(saved, npy={"params": npy_bytes(evil, allow_pickle=True)})
    refused(saved, "Python objects")


def _npy_header(descr: str, shape) -> bytes:
    shape = shape if isinstance(shape, str) else repr(shape)
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")


@pytest.mark.parametrize("shape, message", [
    ((10**12,), "impossible shape"), ((2**40, 2**40), "impossible shape"), ((-1,), "impossible shape|damaged"),
    ((25,), "does not match its shape"),
])
def test_absurd_npy_shape(saved, shape, message):
    rewrite(saved, npy={"params": _npy_header("<f8", shape) + b"\0" * 64})
    refused(saved, message)


@pytest.mark.parametrize("array, message", [
    (np.array(["a"] * 25), "plain numbers"), (np.zeros(25, complex), "plain numbers"),
    (np.zeros(25, bool), "plain numbers"), (np.zeros((5, 5)), "params must be a 1-D"),
    (np.zeros(24), "params has 24"), (np.full(25, np.nan), "params contains NaN"),
    (np.full(25, np.inf), "params contains NaN"),
])
def test_bad_params(saved, array, message):
    rewrite(saved, arrays={"params": array})
    refused(saved, message)


@pytest.mark.parametrize("raw, message", [
    (b"\x93NUMPY\x01\x00" + struct.pack("<H", 20) + b"{'descr': <f8'......", "damaged header"),
    (b"\x93NUMPY\x03\x00" + _npy_header("<f8", (25,))[10:] + bytes(200), "npy version"),
    (b"PK\x03\x04 not an npy at all", "damaged header"),
    (_npy_header("<f8", "(25L,)") + bytes(200), "damaged header.*Python 2"),  # numpy only warns
])
def test_damaged_npy_header(saved, raw, message):
    rewrite(saved, npy={"params": raw})
    refused(saved, message)


def test_big_endian_and_integer_arrays_are_converted(saved):
    p = load_project(saved)
    rewrite(saved, arrays={"params": p.params.astype(">f8"), "losses": np.arange(3)})
    q = load_project(saved)
    assert_same_array(q.params, p.params)
    assert q.losses.dtype == np.float64


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def change(doc):
        target = doc
        for k in keys[:-1]:
            target = target[k]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return change


@pytest.mark.parametrize("change, message", [
    (_set("format", "something-else"), "not an nnstudio project"),
    (_set("version", FORMAT_VERSION + 1), "made by a newer nnstudio"),
    (_set("version", "1"), "invalid format version"),
    (_set("version", KeyError), "invalid format version"),
    (_set("spec", KeyError), "spec is missing"),
    (_set("spec", "learning_rate", "fast"), "problem settings are invalid: .*learning_rate"),
    (_set("spec", "bogus", 1), "unknown problem setting"),
    (_set("spec", "hidden", [4, 100]), "problem settings are invalid"),
    (_set("spec", "features", ["x1"] * 100_000), "unknown features"),
    (_set("spec", "hidden", [4]), "params has 25 entries, expected 17"),
    (_set("step", -1), "step must be"),
    (_set("step", 2.5), "step must be"),
    (_set("step", True), "step must be"),
    (_set("step", 10**30), "step must be"),
    (_set("epoch", None), "epoch must be"),
    (_set("step", 3), "30 losses but only 3 steps"),
    (_set("optimizer", "name", "lbfgs"), "optimizer must name"),
    (_set("optimizer", "name", ["adam"]), "optimizer must name"),
    (_set("optimizer", "size", 24), "for 24 parameters but the network has 25"),
    (_set("optimizer", "size", -1), "does not fit"),
    (_set("optimizer", "state", ["m", "m"]), "distinct names"),
    (_set("optimizer", "state", ["m", "zz"]), "has no 'optimizer.zz'"),
    (_set("optimizer", "iterations", -3), "iterations must be"),
    (_set("evaluations", 0, [1, 2]), "evaluation 0 must be a list of 6"),
    (_set("evaluations", 0, 4, 1.5), "evaluation 0: train accuracy must be between 0 and 1"),
    (_set("evaluations", 0, 2, "lots"), "evaluation 0: train loss must be a number"),
    (_set("evaluations", {}), "evaluations is missing"),
    (_set("custom_data", "classification", "yes"), "classification"),
    (_set("custom_data", "name", 5), "name"),
    (_set("history", "yes"), "history must be null or list"),
    (_set("history", [["steps"]]), "history must be null or list"),
    (_set("history", ["steps", "nonsense"]), "history must be null or list"),
    (_set("history", ["steps"]), "history must hold steps and params"),
    (_set("meta", []), "meta must be a dict"),
])
def test_bad_document(saved, change, message):
    rewrite(saved, doc=change)
    refused(saved, message)


def test_classification_flag_needs_integer_labels(saved):
    rewrite(saved, doc=_set("custom_data", "classification", True), arrays={"data.y": np.zeros(5)})
    refused(saved, "custom data y must be a 1-D array of whole numbers")


@pytest.mark.parametrize("text, message", [
    (b"{not json", "not valid JSON"), (b"[1, 2]", "not an nnstudio project"), (b"\xff\xfe\x00", "not valid JSON"),
    (b'{"format": "nnstudio-project", "version": NaN}', "not valid JSON"), (b"[" * 100_000, "not valid JSON"),
    (b'{"format": "nnstudio-project", "version": 1' + b"9" * 5000 + b"}", "not valid JSON"),
])
def test_bad_json(saved, text, message):
    items = members(saved)
    items["project.json"] = text
    write_zip(saved, items)
    refused(saved, message)


@pytest.mark.parametrize("arrays, drop, message", [
    ({"optimizer.m": np.zeros(24)}, (), "optimizer m has 24"),
    ({"optimizer.v": np.full(25, np.inf)}, (), "optimizer v contains NaN"),
    ({}, ("losses",), "has no 'losses'"),
    ({}, ("optimizer.v",), "has no 'optimizer.v'"),
    ({"losses": np.zeros(31)}, (), "31 losses but only 30 steps"),
    ({"history.params": np.zeros((29, 25))}, (), r"history params have shape \(29, 25\)"),
    ({"history.params": np.zeros((30, 24))}, (), "history params have shape"),
    ({"history.steps": np.arange(30)[::-1].copy()}, (), "history steps must increase"),
    ({"history.steps": np.arange(31)}, (), "history params have shape"),
    ({"history.losses_len": np.arange(30) + 5}, (), "history losses_len must be between"),
    ({"history.losses_len": np.arange(29)}, (), "history losses_len has 29"),
    ({"data.X": np.ones((4, 2))}, (), "custom data y has 5 entries, expected 4"),
    ({"data.X": np.ones((0, 2)), "data.y": np.zeros(0, np.int64)}, (), "data must have 1"),
    ({"data.X": np.ones((MAX_SAMPLES + 1, 1)), "data.y": np.zeros(MAX_SAMPLES + 1, np.int64)}, (),
     "data must have 1"),
    ({"data.X": np.full((5, 2), np.nan)}, (), "custom data X contains NaN"),
    ({"data.X": np.ones(5)}, (), "custom data X must be a 2-D"),
    ({"data.y": np.array([0, 1, -1, 0, 1])}, (), "classes must be whole numbers ≥ 0"),
    ({}, ("data.X",), "has no 'data.X'"),
])
def test_bad_arrays(saved, arrays, drop, message):
    rewrite(saved, arrays=arrays, drop=drop)
    refused(saved, message)


def test_zip64_and_forged_directory_counts(saved):
    data = bytearray(saved.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    forged = bytearray(data)
    struct.pack_into("<HH", forged, eocd + 8, 60_000, 60_000)
    saved.write_bytes(bytes(forged))
    refused(saved, "too many members")
    forged = bytearray(data)
    struct.pack_into("<L", forged, eocd + 12, 50_000_000)
    saved.write_bytes(bytes(forged))
    refused(saved, "too many members")
    saved.write_bytes(bytes(data[:eocd]) + b"PK\x06\x07" + bytes(16) + bytes(data[eocd:]))
    refused(saved, "ZIP64")


def test_encrypted_flag_is_refused(saved):
    data = bytearray(saved.read_bytes())
    (directory,) = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)
    assert data[directory : directory + 4] == b"PK\x01\x02"
    data[directory + 8] |= 1
    saved.write_bytes(bytes(data))
    refused(saved, "encrypted")
