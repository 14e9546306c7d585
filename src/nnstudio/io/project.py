"""The ``.nnstudio`` project file: a ZIP holding ``project.json`` (written first) and ``arrays.npz``.

``project.json`` holds the format name and version, the problem settings (``ProblemSpec.to_dict``), the
optimizer's name and counters, the step and epoch, the evaluations (rows ``[step, epoch, train_loss,
test_loss, train_accuracy, test_accuracy]``; non-finite losses as the strings "nan", "inf", "-inf"), the
custom data's name and kind, the names of the history's arrays (or null), and free-form ``meta``. ``arrays.npz`` (never
pickled) holds ``params``, ``losses``, ``optimizer.<state>``, ``data.X``/``data.y`` and
``history.<name>`` (see ``HISTORY``).

Saving is atomic (``filesystem.atomic_write``: a temporary file beside it, fsynced, then renamed). Loading trusts
nothing: every problem, from a damaged ZIP to a params vector of the wrong length, is a ``ProjectError``.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .. import __version__
from ..engine import FEATURES, PIXEL_FEATURES, Evaluation, ParamLayout
from ..training.problem import COLUMNS, MAX_SAMPLES, CustomData, ProblemSpec, check_data_shape
from . import safe_zip
from .filesystem import PathError, atomic_write, open_regular
from .safe_zip import array, count, finite, length, number

FORMAT = "nnstudio-project"
FORMAT_VERSION = 1
SUFFIX = ".nnstudio"
JSON_NAME, ARRAYS_NAME = "project.json", "arrays.npz"
MAX_JSON_BYTES = 8 << 20  # ~100,000 evaluations
# All arrays together, unpacked, and so the memory a project may take: the history keeps at most 200 MB
# (training.history.History's cap) and imported data at most 40 MB (MAX_DATA_VALUES).
MAX_ARRAYS_BYTES = 320 << 20
MAX_MEMBERS = 64  # in the project ZIP and in arrays.npz
MAX_FILE_BYTES = MAX_ARRAYS_BYTES + MAX_JSON_BYTES + (1 << 20)
MAX_NAME = 1000
# arrays.npz members to deflate: none. Float64 parameters shrink by only ~15%, at ~6× the time to save
# (benchmarks/project_io.py, 100,000-step history: 0.15 s and 22.4 MB stored, 0.9 s and 19.1 MB deflated)
COMPRESSED: tuple[str, ...] = ()
# The history's arrays: kind (f: float64, i: int64) and dimensions. Each has k rows; steps and params are
# needed, the others (what training.history.History.to_arrays gives, and losses_len) are saved if present.
HISTORY = {"steps": ("i", 1), "params": ("f", 2), "losses_len": ("i", 1), "epochs": ("i", 1), "iterations": ("i", 1),
           "state": ("f", 2)}
OPTIMIZER_STATE = {"sgd": ("velocity",), "momentum": ("velocity",), "adam": ("m", "v"),
                   "rmsprop": ("v", "g_avg", "buf")}


class ProjectError(ValueError):
    """A project file that cannot be saved or loaded; the message says what is wrong, for a dialog."""


@dataclass(eq=False)
class Project:
    """Everything a project file holds (arrays are compared with np.array_equal, so no ``==`` here)."""

    spec: ProblemSpec
    params: np.ndarray  # flat float64, as long as the spec's network has parameters
    optimizer: dict  # name, iterations, size (−1: no state yet), state {name: 1-D float64}
    step: int = 0
    epoch: int = 0
    losses: np.ndarray = field(default_factory=lambda: np.empty(0))  # per-step train losses, len ≤ step
    evaluations: list = field(default_factory=list)  # Evaluation
    custom_data: dict | None = None  # X (n, d) float64, y (n,) float64 or int64, classification, name
    history: dict | None = None  # HISTORY arrays: steps (k,) increasing and params (k, n_params), more optional
    meta: dict = field(default_factory=dict)  # free-form JSON: app_version, saved_at, …


# ---- checks shared by saving and loading ---------------------------------------------------------
def _fail(message: str):
    raise ProjectError(message)


def _json_float(v: float | None):
    if v is None or math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _row(e: Evaluation) -> tuple:
    return e.step, e.epoch, e.train_loss, e.test_loss, e.train_accuracy, e.test_accuracy


def _evaluation(row, k: int) -> Evaluation:
    if not isinstance(row, (list, tuple)) or len(row) != 6:
        _fail(f"evaluation {k} must be a list of 6 values")
    w = f"evaluation {k}"
    return Evaluation(count(row[0], f"{w}: step"), count(row[1], f"{w}: epoch"), number(row[2], f"{w}: train loss"),
                      number(row[3], f"{w}: test loss", True), number(row[4], f"{w}: train accuracy", True, True),
                      number(row[5], f"{w}: test accuracy", True, True))


def n_params(spec: ProblemSpec) -> int:
    """Network(spec.sizes, …).n_params without building it."""
    return ParamLayout(spec.sizes).n_params


def _checked_custom(data) -> dict:
    """Imported data as stored: a name, the kind, and finite X (n, d) and y (n,)."""
    if not isinstance(data, dict) or not isinstance(data.get("classification"), bool):
        _fail("custom data must say whether it is classification data")
    if not isinstance(data.get("name"), str) or len(data["name"]) > MAX_NAME:
        _fail(f"custom data needs a name of at most {MAX_NAME} characters")
    for key in ("X", "y"):
        if data.get(key) is None:
            _fail(f"arrays.npz has no 'data.{key}' array")
    X = finite(array(data.get("X"), "custom data X", "f", 2), "custom data X")
    if not 1 <= X.shape[0] <= MAX_SAMPLES or X.shape[1] < 1:
        _fail(f"custom data must have 1…{MAX_SAMPLES:,} samples of at least one value, not {X.shape}")
    cls = data["classification"]
    y = length(array(data.get("y"), "custom data y", "i" if cls else "f", 1), X.shape[0], "custom data y")
    if cls and y.size and y.min() < 0:
        _fail("custom data classes must be whole numbers ≥ 0")
    return {"X": X, "y": finite(y, "custom data y"), "classification": cls, "name": data["name"]}


def project_from_loop(spec: ProblemSpec, loop, history: dict | None = None, meta: dict | None = None) -> Project:
    """A project holding a TrainingLoop's state: what a script trained without the app, ready to open in it."""
    opt = loop.optimizer
    custom = spec.custom
    return Project(
        spec=spec, params=loop.network.flat_parameters(),
        optimizer={"name": spec.optimizer, "iterations": opt.iterations, "size": opt._size,
                   "state": opt.state_arrays()},
        step=loop.step_count, epoch=loop.epoch, losses=loop.losses.array().copy(),
        evaluations=list(loop.evaluations),
        custom_data=None if custom is None else {"X": custom.X, "y": custom.y,
                                                 "classification": custom.classification, "name": custom.name},
        history=history, meta=dict(meta or {"app_version": __version__}),
    )


def _checked(p: Project, spec_valid: bool = False) -> Project:
    """A copy of p with arrays of the right dtypes, or ProjectError naming the first problem."""
    if not isinstance(p.spec, ProblemSpec):
        _fail("spec must be a ProblemSpec")
    try:
        if not spec_valid:
            p.spec.validate()
        n = n_params(p.spec)
    except (ValueError, TypeError, KeyError) as e:
        raise ProjectError(f"the problem settings are invalid: {e}") from e
    params = finite(length(array(p.params, "params", "f", 1), n, "params"), "params")
    step, epoch = count(p.step, "step"), count(p.epoch, "epoch")
    losses = array(p.losses, "losses", "f", 1)
    if losses.size > step:
        _fail(f"there are {losses.size:,} losses but only {step:,} steps")
    opt = p.optimizer
    if not isinstance(opt, dict) or not isinstance(opt.get("name"), str) or opt["name"] not in OPTIMIZER_STATE:
        _fail(f"optimizer must name one of: {', '.join(OPTIMIZER_STATE)}")
    size = count(opt.get("size"), "optimizer size", -1)
    if size not in (-1, n):
        _fail(f"optimizer state is for {size:,} parameters but the network has {n:,}")
    state = opt.get("state", {})
    if not isinstance(state, dict) or not set(state) <= set(OPTIMIZER_STATE[opt["name"]] if size >= 0 else ()):
        _fail(f"optimizer state {sorted(map(str, state))!r:.80} does not fit optimizer {opt['name']!r}")
    state = {k: finite(length(array(v, f"optimizer {k}", "f", 1), n, f"optimizer {k}"), f"optimizer {k}")
             for k, v in state.items()}
    optimizer = {"name": opt["name"], "iterations": count(opt.get("iterations"), "optimizer iterations"),
                 "size": size, "state": state}
    if not isinstance(p.evaluations, (list, tuple)):
        _fail("evaluations must be a list")
    evaluations = [_evaluation(_row(e) if isinstance(e, Evaluation) else e, k)
                   for k, e in enumerate(p.evaluations)]
    data = None if p.custom_data is None else _checked_custom(p.custom_data)
    history = p.history
    if history is not None:
        if not isinstance(history, dict) or not {"steps", "params"} <= set(history) <= set(HISTORY):
            _fail(f"history must hold steps and params, and may hold only {', '.join(HISTORY)}")
        h = {key: array(history[key], f"history {key}", *HISTORY[key]) for key in HISTORY if key in history}
        steps, k = h["steps"], h["steps"].size
        if h["params"].shape != (k, n):
            _fail(f"history params have shape {h['params'].shape}, expected {(k, n)}")
        for key, a in h.items():
            length(finite(a, f"history {key}"), k, f"history {key}")
        if k and (steps[0] < 0 or steps[-1] > safe_zip.MAX_COUNT or (np.diff(steps) <= 0).any()):
            _fail("history steps must increase, from 0 or more")
        if k and steps[-1] > step:
            _fail(f"the history goes to step {steps[-1]:,}, but the project has only {step:,} steps")
        if "losses_len" in h and ((h["losses_len"] < 0).any() or (h["losses_len"] > steps).any()):
            _fail("history losses_len must be between 0 and the step of each entry")
        if ("epochs" in h and (h["epochs"] < 0).any()) or ("iterations" in h and (h["iterations"] < -1).any()):
            _fail("history epochs must be ≥ 0 and iterations ≥ −1")
        history = h
    if not isinstance(p.meta, dict):
        _fail("meta must be a dict")
    return Project(p.spec, params, optimizer, step, epoch, losses, evaluations, data, history, p.meta)


# ---- saving ----------------------------------------------------------------------------------------
def _encode(p: Project) -> tuple[bytes, dict[str, np.ndarray]]:
    opt, data = p.optimizer, p.custom_data
    doc = {
        "format": FORMAT, "version": FORMAT_VERSION, "spec": p.spec.to_dict(),
        "optimizer": {"name": opt["name"], "iterations": opt["iterations"], "size": opt["size"],
                      "state": list(opt["state"])},
        "step": p.step, "epoch": p.epoch,
        "evaluations": [[e.step, e.epoch, *map(_json_float, (e.train_loss, e.test_loss))]
                        + [e.train_accuracy, e.test_accuracy] for e in p.evaluations],
        "custom_data": None if data is None else {"name": data["name"], "classification": data["classification"]},
        "history": None if p.history is None else list(p.history), "meta": p.meta,
    }
    try:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as e:
        raise ProjectError(f"meta holds something JSON cannot store ({e})") from e
    if len(text) > MAX_JSON_BYTES:
        _fail(f"the project description is too large to save ({len(text):,} bytes; at most {MAX_JSON_BYTES:,})")
    arrays = {"params": p.params, "losses": p.losses, **{f"optimizer.{k}": v for k, v in opt["state"].items()}}
    if data is not None:
        arrays.update({"data.X": data["X"], "data.y": data["y"]})
    if p.history is not None:
        arrays.update({f"history.{k}": v for k, v in p.history.items()})
    if sum(a.nbytes for a in arrays.values()) > MAX_ARRAYS_BYTES - MAX_MEMBERS * 256:
        _fail(f"the project's arrays are too large to save (at most {MAX_ARRAYS_BYTES:,} bytes)")
    return text, arrays


def save_project(path, project: Project) -> None:
    """Writes ``project`` to ``path`` atomically: the file is either the old one or the whole new one."""
    try:
        text, arrays = _encode(_checked(project))
    except safe_zip.SafeReadError as e:
        raise ProjectError(str(e)) from e
    try:
        with atomic_write(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(JSON_NAME, text)
            zf.writestr(ARRAYS_NAME, safe_zip.write_npz(arrays, COMPRESSED), compress_type=zipfile.ZIP_STORED)
    except OSError as e:
        raise ProjectError(str(e)) from e


# ---- loading ---------------------------------------------------------------------------------------
def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def _field(doc: dict, key: str, kind, what: str):
    value = doc.get(key)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        _fail(f"project.json: {what} is missing or has the wrong type")
    return value


def _read_doc(text: bytes) -> dict:
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise ProjectError(f"project.json is not valid JSON ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        _fail("this is not an nnstudio project (project.json names another format)")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        _fail(f"project.json has an invalid format version {version!r:.40}")
    if version > FORMAT_VERSION:
        _fail(f"this project was made by a newer nnstudio (format version {version}; this one reads up to "
              f"{FORMAT_VERSION}): update nnstudio to open it")
    return doc


def _decode(doc: dict, arrays: dict) -> Project:
    raw = _field(doc, "spec", dict, "spec")
    features = raw.get("features")
    if isinstance(features, list) and (len(features) > len(FEATURES) or any(
            isinstance(f, str) and f not in FEATURES + PIXEL_FEATURES + COLUMNS for f in features)):  # a huge net
        _fail(f"the problem settings name unknown features: {features!r:.80}")
    data = doc.get("custom_data")
    if data is not None and not isinstance(data, dict):
        _fail("project.json: custom_data has the wrong type")
    custom = None
    if data is not None:  # imported data: checked here, and the spec is built around it
        checked = _checked_custom({**data, "X": arrays.get("data.X"), "y": arrays.get("data.y")})
        try:
            custom = CustomData(checked["X"], checked["y"], checked["classification"], checked["name"])
        except ValueError as e:
            raise ProjectError(f"the imported data is invalid: {e}") from e
    try:
        spec = ProblemSpec.from_dict(raw, custom=custom)
    except (ValueError, TypeError, KeyError) as e:
        raise ProjectError(f"the problem settings are invalid: {e}") from e
    opt = _field(doc, "optimizer", dict, "optimizer")
    names = _field(opt, "state", list, "optimizer state")
    if not all(isinstance(k, str) for k in names) or len(set(names)) != len(names):
        _fail("project.json: optimizer state must list distinct names")
    history = doc.get("history")
    if history is not None and (not isinstance(history, list)
                                or any(not isinstance(k, str) or k not in HISTORY for k in history)):
        _fail("project.json: history must be null or list the history's arrays")

    def array(key):
        if key not in arrays:
            _fail(f"arrays.npz has no {key!r} array")
        return arrays[key]

    evaluations = _field(doc, "evaluations", list, "evaluations")
    return _checked(Project(
        spec, array("params"), {**opt, "state": {k: array(f"optimizer.{k}") for k in names}},
        doc.get("step"), doc.get("epoch"), array("losses"), evaluations,
        None if data is None else {**data, "X": array("data.X"), "y": array("data.y")},
        None if history is None else {k: array(f"history.{k}") for k in history},
        doc.get("meta", {}),
    ), spec_valid=True)


def _wanted(doc: dict) -> list[str]:
    opt = doc.get("optimizer")
    state = opt.get("state") if isinstance(opt, dict) else None
    keys = ["params", "losses", "data.X", "data.y", *(f"history.{k}" for k in HISTORY)]
    return keys + [f"optimizer.{k}" for k in (state if isinstance(state, list) else ()) if isinstance(k, str)]


def _fits_the_project(doc: dict):
    """A check of each array's shape against what project.json says, made before the array is allocated: a
    history has at most one row per step (plus step 0), there are at most as many losses as steps, and imported
    data fits what the CSV import reads."""
    steps = doc.get("step")
    steps = steps if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 0 else None

    def check(key: str, shape: tuple[int, ...]) -> None:
        rows = shape[0] if shape else 1
        if key.startswith("history.") and steps is not None and rows > steps + 1:
            raise safe_zip.SafeReadError(f"the history has {rows:,} rows, but the project has only {steps:,} steps")
        if key == "losses" and steps is not None and rows > steps:
            raise safe_zip.SafeReadError(f"there are {rows:,} losses but only {steps:,} steps")
        if key == "data.X" and len(shape) == 2:
            try:
                check_data_shape(shape)
            except ValueError as e:
                raise safe_zip.SafeReadError(f"the imported data is invalid: {e}") from e

    return check


def load_project(path) -> Project:
    """Reads a project file, checking everything; any problem is a ProjectError with a readable message.

    Only a regular file is opened (a FIFO or a device is refused at once), and each array's size is checked
    before it is allocated, then read in place: loading takes about the memory of the arrays, once."""
    name = os.fspath(path)
    try:
        with open_regular(name) as fp:
            if os.fstat(fp.fileno()).st_size > MAX_FILE_BYTES:
                _fail(f"{name} is too large to be an nnstudio project")
            with safe_zip.open_archive(fp, "the file", max_members=MAX_MEMBERS,
                                       max_total=MAX_ARRAYS_BYTES + MAX_JSON_BYTES) as zf:
                doc = _read_doc(safe_zip.read_member(zf, JSON_NAME, MAX_JSON_BYTES, "the file"))
                with safe_zip.member_file(zf, fp, ARRAYS_NAME, MAX_ARRAYS_BYTES, "the file") as packed:
                    arrays = safe_zip.read_npz(packed, _wanted(doc), max_members=MAX_MEMBERS,
                                               max_total=MAX_ARRAYS_BYTES, max_elements=MAX_ARRAYS_BYTES // 8,
                                               check=_fits_the_project(doc))
        return _decode(doc, arrays)
    except safe_zip.SafeReadError as e:
        raise ProjectError(str(e)) from e
    except OSError as e:
        raise ProjectError(str(e) if isinstance(e, PathError) else f"cannot read {name}: {e.strerror or e}") from e
