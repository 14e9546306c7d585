"""Weight files in Keras' and PyTorch's layouts, and standalone scripts that rebuild a network.

Keras' layout is the engine's: ``[W0, b0, W1, b1, …]`` with W_l of shape (n_l, n_{l+1}), which
``np.savez(path, *model.get_weights())`` stores as arr_0, arr_1, …. PyTorch's ``nn.Linear`` keeps the
transpose, (out, in); in an ``nn.Sequential(Linear, act, Linear, act, …, Linear[, out_act])`` the Linear
layers sit at even indices, so a state_dict names them "0.weight", "0.bias", "2.weight", ….

Files are untrusted: nothing is unpickled (``torch.load`` runs with ``weights_only=True``), sizes are read
from the .npy headers and the zip directory before any data, and NaN/inf or a broken structure raise
``WeightFileError`` with a message fit for a dialog. torch is imported only where it is needed.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.layout import ParamLayout
from .filesystem import PathError, atomic_write, open_regular, regular_file_problem
from .safe_zip import SafeReadError as ArchiveError
from .safe_zip import open_archive, read_array

# Numbers in one file: 8 MB, some 25 times the largest network the studio builds (1,000 inputs, 8 layers of 32)
MAX_ELEMENTS = 1_000_000
_MAX_MEMBERS = 1_000
_MAX_PICKLE_BYTES = 10_000_000
_MAX_BYTES = 8 * MAX_ELEMENTS + 1_000_000
_TORCH_KEY = re.compile(r"(?:(.+)\.)?([0-9]+)\.(weight|bias)")


class WeightFileError(ValueError):
    """A weight file that cannot be used; the message is written for the user."""


def _label(k: int) -> str:
    return f"weights[{k}] ({'W' if k % 2 == 0 else 'b'}{k // 2})"


def _structure(arrays, where: str, labels=None) -> list[np.ndarray]:
    """Float64 copies of [W0, b0, …] after checking types, finiteness, dimensions and chaining shapes."""
    arrays = list(arrays)
    labels = labels or [_label(k) for k in range(len(arrays))]
    if len(arrays) < 2 or len(arrays) % 2:
        raise WeightFileError(
            f"{where} holds {len(arrays)} array(s), but a network's weights come in pairs [W0, b0, W1, b1, …]"
        )
    out = []
    for k, (a, label) in enumerate(zip(arrays, labels)):
        a = np.asarray(a)
        if a.dtype.kind not in "fiu":
            raise WeightFileError(f"{label} is not numeric (dtype {a.dtype})")
        ndim = 2 if k % 2 == 0 else 1
        if a.ndim != ndim or a.size == 0:
            kind = "a matrix (inputs, outputs)" if ndim == 2 else "a vector of biases"
            raise WeightFileError(f"{label} should be {kind}, but has shape {a.shape}")
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise WeightFileError(f"{label} contains NaN or infinite values")
        out.append(a)
    for k in range(0, len(out), 2):
        W, b = out[k], out[k + 1]
        if b.shape[0] != W.shape[1]:
            raise WeightFileError(
                f"{labels[k + 1]} has shape {b.shape}, but {labels[k]} with shape {W.shape} needs ({W.shape[1]},)"
            )
        if k and W.shape[0] != out[k - 2].shape[1]:
            raise WeightFileError(
                f"{labels[k]} has shape {W.shape}: its {W.shape[0]} inputs do not match the "
                f"{out[k - 2].shape[1]} outputs of {labels[k - 2]} {out[k - 2].shape}"
            )
    return out


def sizes_of(weights) -> list[int]:
    """The architecture [n0, n1, …] that weights in Keras order imply."""
    W = _structure(weights, "the weights")[::2]
    return [W[0].shape[0], *(w.shape[1] for w in W)]


def check_shapes(weights, sizes) -> None:
    """Raises WeightFileError unless ``weights`` fit a network with layer ``sizes``."""
    sizes = [int(n) for n in sizes]
    expected = ParamLayout(sizes).keras_shapes()
    weights = list(weights)
    if len(weights) != len(expected):
        try:
            implied = f" ({' → '.join(map(str, sizes_of(weights)))})"
        except WeightFileError:
            implied = ""
        raise WeightFileError(
            f"the file has {len(weights) // 2} layer(s){implied}, but this network has {len(expected) // 2} "
            f"({' → '.join(map(str, sizes))})"
        )
    for k, (w, shape) in enumerate(zip(weights, expected)):
        if tuple(np.shape(w)) != shape:
            raise WeightFileError(f"{_label(k)} has shape {tuple(np.shape(w))}, but this network needs {shape}")


# ---- reading ---------------------------------------------------------------------------------
def _read_npz(path) -> OrderedDict[str, np.ndarray]:
    """The arrays of an .npz file in file order, each refused from its header before it is loaded."""
    name, arrays, total = Path(path).name, OrderedDict(), [0]

    def within_budget(key, shape):  # asked before each array is allocated
        total[0] += math.prod(shape)
        if total[0] > MAX_ELEMENTS:
            raise ArchiveError(f"{name} is too large: weight files may hold up to {MAX_ELEMENTS:,} numbers")

    try:
        with open_regular(path) as fp, open_archive(fp, name, max_members=_MAX_MEMBERS, max_total=_MAX_BYTES) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise WeightFileError(f"{name} contains {info.filename!r}, which is not a NumPy array")
                key = info.filename[:-4]
                arrays[key] = read_array(zf, info, key, MAX_ELEMENTS, within_budget, name)
    except PathError as e:
        raise WeightFileError(str(e)) from None
    except ArchiveError as e:
        raise WeightFileError(str(e)) from None
    except (OSError, ValueError, EOFError) as e:
        if isinstance(e, WeightFileError):
            raise
        raise WeightFileError(f"{name} is not a readable .npz file ({e})") from None
    if not arrays:
        raise WeightFileError(f"{name} holds no arrays")
    return arrays


def _keras_order(arrays: Mapping, name: str) -> list[np.ndarray]:
    by_index = {}
    for key, a in arrays.items():
        m = re.fullmatch(r"arr_([0-9]+)", key)
        if not m:
            raise WeightFileError(
                f"{name} holds an array named {key!r}; a Keras weight file holds arr_0, arr_1, … "
                "as written by np.savez(path, *model.get_weights())"
            )
        by_index[int(m.group(1))] = a
    for k in range(len(arrays)):
        if k not in by_index:
            raise WeightFileError(f"{name} lacks arr_{k}: the weights are not numbered 0, 1, 2, …")
    return _structure([by_index[k] for k in range(len(by_index))], name)


def _torch_order(named: Mapping, name: str) -> list[np.ndarray]:
    """state_dict entries "k.weight" (out, in) and "k.bias", any common prefix, by k → Keras order."""
    layers: dict[int, dict] = {}
    prefixes = set()
    for key, a in named.items():
        m = _TORCH_KEY.fullmatch(key)
        if not m:
            raise WeightFileError(
                f"{name} holds {key!r}; only the Linear layers of an nn.Sequential "
                "('0.weight', '0.bias', '2.weight', …) can be loaded"
            )
        prefixes.add(m.group(1))
        layers.setdefault(int(m.group(2)), {})[m.group(3)] = (key, np.asarray(a))
    if len(prefixes) > 1:
        raise WeightFileError(f"{name} mixes layers of several modules ({', '.join(sorted(map(str, prefixes)))})")
    arrays, labels = [], []
    for k in sorted(layers):
        if "weight" not in layers[k]:
            raise WeightFileError(f"{name} has {layers[k]['bias'][0]!r} but no matching weight")
        wkey, W = layers[k]["weight"]
        if W.ndim != 2:
            raise WeightFileError(f"{wkey!r} has shape {W.shape}; a Linear layer's weight is a matrix (out, in)")
        bkey, b = layers[k].get("bias", (f"{wkey[:-6]}bias", np.zeros(W.shape[0])))  # Linear(bias=False)
        if b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise WeightFileError(f"{bkey!r} has shape {b.shape}, but {wkey!r} {W.shape} needs ({W.shape[0]},)")
        if arrays and W.shape[1] != arrays[-1].shape[0]:
            raise WeightFileError(
                f"{wkey!r} has shape {W.shape}: its {W.shape[1]} inputs do not match the "
                f"{arrays[-1].shape[0]} outputs of {labels[-2]} {arrays[-2].T.shape}"
            )
        arrays += [W.T, b]
        labels += [repr(wkey), repr(bkey)]
    return _structure(arrays, name, labels)


def load_keras_npz(path) -> list[np.ndarray]:
    return _keras_order(_read_npz(path), Path(path).name)


def load_torch_npz(path) -> list[np.ndarray]:
    """Any state_dict names "k.weight" / "k.bias" (with one common prefix or none), by k, into Keras order."""
    return _torch_order(_read_npz(path), Path(path).name)


def _torch():
    try:
        import torch
    except ImportError:
        raise WeightFileError(
            "PyTorch is not installed, so .pt files cannot be read or written; use an .npz file instead"
        ) from None
    return torch


def _zip_listing(path) -> list[zipfile.ZipInfo]:
    """The members of a ZIP archive (torch.save writes ZIP64, which safe_zip refuses) no larger than the cap."""
    name = Path(path).name
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            raise WeightFileError(f"{name} is too large: weight files may hold up to {MAX_ELEMENTS:,} numbers")
        with open_regular(path) as fp, zipfile.ZipFile(fp) as zf:
            infos = zf.infolist()
    except PathError as e:
        raise WeightFileError(str(e)) from None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as e:
        if isinstance(e, WeightFileError):
            raise
        raise WeightFileError(f"{name} is neither an .npz nor a PyTorch weight file ({e})") from None
    except OSError as e:
        raise WeightFileError(f"cannot read {name}: {e.strerror or e}") from None
    if len(infos) > _MAX_MEMBERS:
        raise WeightFileError(f"{name} holds {len(infos):,} files; that is no network's weights")
    return infos


def load_torch_pt(path) -> list[np.ndarray]:
    """A state_dict saved with ``torch.save(model.state_dict(), path)``, loaded without unpickling code."""
    problem = regular_file_problem(path)  # torch.load would block on a FIFO
    if problem:
        raise WeightFileError(problem)
    torch = _torch()
    name = Path(path).name
    infos = _zip_listing(path)
    if sum(i.file_size for i in infos if i.filename.endswith(".pkl")) > _MAX_PICKLE_BYTES:
        raise WeightFileError(f"{name} is too large: weight files may hold up to {MAX_ELEMENTS:,} numbers")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch reports bad files with many exception types
        if "Weights only load failed" not in str(e):
            raise WeightFileError(f"{name} is not a readable PyTorch weight file ({str(e)[:200]})") from None
        obj = None  # pickled Python objects, such as a whole model: never unpickled
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightFileError(
            f"{name} does not hold just a state_dict; save one with torch.save(model.state_dict(), path)"
        )
    arrays = OrderedDict()
    for key, t in obj.items():
        if t.is_complex() or t.dtype == torch.bool or t.numel() > MAX_ELEMENTS:
            raise WeightFileError(f"{key!r} in {name} is not a tensor of real numbers within the size limit")
        try:
            arrays[str(key)] = t.detach().to("cpu", torch.float64).numpy()
        except (RuntimeError, TypeError) as e:
            raise WeightFileError(f"{key!r} in {name} cannot be read as numbers ({e})") from None
    return _torch_order(arrays, name)


def load_weights(path) -> list[np.ndarray]:
    """Weights in Keras order from a .pt file, or an .npz file in either layout (told apart by its names)."""
    path = Path(path)
    if path.suffix.lower() in (".pt", ".pth") or any(i.filename.endswith("data.pkl") for i in _zip_listing(path)):
        return load_torch_pt(path)
    arrays = _read_npz(path)
    if any(k.startswith("arr_") for k in arrays):
        return _keras_order(arrays, path.name)
    return _torch_order(arrays, path.name)


# ---- writing ---------------------------------------------------------------------------------
def _write(path, save) -> None:
    """``save(f)`` into a temporary file that replaces ``path`` only when it is whole (atomic_write)."""
    try:
        with atomic_write(path) as f:
            save(f)
    except OSError as e:
        raise WeightFileError(str(e)) from None


def _torch_named(weights) -> OrderedDict[str, np.ndarray]:
    arrays = _structure(weights, "the weights")
    names = ParamLayout(sizes_of(arrays)).torch_names()
    # nn.Linear keeps W as (out, in): the transpose of the Keras kernel; biases are the same vectors.
    return OrderedDict((name, np.ascontiguousarray(a.T) if a.ndim == 2 else a) for name, a in zip(names, arrays))


def save_keras_npz(path, weights) -> None:
    arrays = _structure(weights, "the weights")
    _write(path, lambda f: np.savez(f, *arrays))


def save_torch_npz(path, weights) -> None:
    named = _torch_named(weights)
    _write(path, lambda f: np.savez(f, **named))


def save_torch_pt(path, weights) -> None:
    torch = _torch()
    state = OrderedDict((k, torch.from_numpy(a)) for k, a in _torch_named(weights).items())
    _write(path, lambda f: torch.save(state, f))


# ---- scripts ---------------------------------------------------------------------------------
def _literal(a, indent="    ") -> str:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[\n" + "".join(f"{indent}{_literal(row)},\n" for row in a) + indent[:-4] + "]"


def _script_parts(network, X):
    X = np.asarray(X, dtype=np.float64)
    n_in = network.sizes[0]
    if X.ndim == 1:
        X = X.reshape(-1, n_in)
    if X.ndim != 2 or X.shape[1] != n_in or not np.isfinite(X).all():
        raise ValueError(f"X must be finite with shape (n_samples, {n_in}), got {X.shape}")
    arch = " -> ".join(map(str, network.sizes))  # scripts stay ASCII, whatever encoding saves them
    acts = ", ".join(network.activations[:-1]) or "none"
    doc = (f'"""The nnstudio network {arch} (hidden activations: {acts}; output: {network.output_activation}), '
           "with its exact weights.\n\nRunning this script prints its predictions for the inputs X below, "
           'one sample per line.\n"""\n')
    return X, doc, network.get_weights(), n_in


def numpy_script(network, X, feature_names=None) -> str:
    """Python source (NumPy only) of the network with its current weights, printing predictions for X."""
    X, doc, weights, n_in = _script_parts(network, X)
    acts = network.activations
    funcs = "".join(f"def {a}(z):\n    {ACTIVATIONS[a].numpy}\n\n\n" for a in dict.fromkeys(acts))
    params = "".join(
        f"W{l} = np.array({_literal(weights[2 * l])})  # {weights[2 * l].shape}: (inputs, outputs)\n"
        f"b{l} = np.array({_literal(weights[2 * l + 1])})\n"
        for l in range(len(acts))
    )
    layers = ", ".join(f"(W{l}, b{l}, {a})" for l, a in enumerate(acts))
    names = [f"x{j + 1}" for j in range(n_in)] if feature_names is None else [str(n) for n in feature_names]
    if len(names) != n_in:
        raise ValueError(f"{len(names)} feature names for {n_in} inputs")
    return (
        f"{doc}\nimport numpy as np\n\n\n{funcs}"
        f"# Layer l computes a = f(a @ W_l + b_l); W_l is (inputs, outputs) like a Keras Dense kernel.\n{params}"
        f"LAYERS = [{layers}]\n\n\ndef predict(X):\n    a = np.asarray(X, dtype=np.float64)\n"
        "    for W, b, f in LAYERS:\n        a = f(a @ W + b)\n    return a\n\n\n"
        f"FEATURES = {ascii(names)}  # the input columns of X\n"
        f"X = np.array({_literal(X)}).reshape(-1, {n_in})\n\n"
        'if __name__ == "__main__":\n    for row in predict(X):\n'
        '        print(" ".join(repr(float(v)) for v in row))\n'
    )


def torch_script(network, X) -> str:
    """Python source building the network as a float64 torch nn.Sequential and printing predictions for X."""
    X, doc, weights, n_in = _script_parts(network, X)
    acts, sizes = network.activations, network.sizes
    modules = "".join(
        f"    nn.Linear({sizes[l]}, {sizes[l + 1]}),"
        + ("" if l == len(acts) - 1 and a == "linear" else f" {ACTIVATIONS[a].torch},") + "\n"
        for l, a in enumerate(acts)
    )
    params = "".join(
        f"    model[{2 * l}].weight.copy_(torch.tensor({_literal(weights[2 * l].T, ' ' * 8)}, dtype=torch.float64))\n"
        f"    model[{2 * l}].bias.copy_(torch.tensor({_literal(weights[2 * l + 1])}, dtype=torch.float64))\n"
        for l in range(len(acts))
    )
    return (
        f"{doc}\nimport torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n{modules}).double()\n\n"
        "# nn.Linear keeps its weight as (out, in): the transpose of a Keras Dense kernel.\n"
        f"with torch.no_grad():\n{params}\n"
        f"X = torch.tensor({_literal(X)}, dtype=torch.float64).reshape(-1, {n_in})\n\n"
        'if __name__ == "__main__":\n    with torch.no_grad():\n        for row in model(X).tolist():\n'
        '            print(" ".join(repr(v) for v in row))\n'
    )
