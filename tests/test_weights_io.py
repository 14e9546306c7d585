"""Weight files (Keras and PyTorch layouts) and the exported NumPy / PyTorch scripts."""

import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from nnstudio.engine import Network
from nnstudio.io.weights import (
    WeightFileError,
    check_shapes,
    load_keras_npz,
    load_torch_npz,
    load_torch_pt,
    load_weights,
    numpy_script,
    save_keras_npz,
    save_torch_npz,
    save_torch_pt,
    sizes_of,
    torch_script,
)

HIDDEN = ["relu", "leaky_relu", "elu", "softplus", "swish", "sigmoid", "linear", "tanh"]


def make_net(sizes=(2, 4, 3, 1), activation="tanh", output="sigmoid", seed=0):
    net = Network(list(sizes), activation, output, seed=seed)
    rng = np.random.default_rng(seed + 100)
    net.set_weights([rng.normal(0.0, 0.8, w.shape) for w in net.get_weights()])  # biases too, not zeros
    return net


NETS = {
    "tanh-sigmoid": lambda: make_net(),
    "every-activation-softmax": lambda: make_net((3, 5, 4, 4, 3, 5, 4, 3, 4, 3), HIDDEN, "softmax", seed=1),
    "relu-regression": lambda: make_net((1, 6, 1), "relu", "linear", seed=2),
    "no-hidden-tanh": lambda: make_net((4, 2), "tanh", "tanh", seed=3),
}


def inputs(net, n=25, seed=5):
    X = np.random.default_rng(seed).normal(0.0, 3.0, (n, net.sizes[0]))
    X[0] = 40.0  # large pre-activations: softplus' and sigmoid's far tails
    X[1] = -40.0
    return X


def bits_equal(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
                                     for x, y in zip(a, b))


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def npy_bytes(a, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


# ---- Keras layout ----------------------------------------------------------------------------
def test_keras_npz_round_trip_is_bit_exact(tmp_path):
    w = make_net().get_weights()
    path = tmp_path / "w.npz"
    save_keras_npz(path, w)
    with np.load(path) as f:
        assert list(f.keys()) == [f"arr_{k}" for k in range(len(w))]
    assert bits_equal(load_keras_npz(path), w)
    assert bits_equal(load_weights(path), w)


def test_keras_files_written_by_np_savez_load(tmp_path):
    w = [x.astype(np.float32) for x in make_net().get_weights()]  # Keras keeps float32
    np.savez(tmp_path / "keras.npz", *w)
    np.savez_compressed(tmp_path / "compressed.npz", *w)
    for name in ("keras.npz", "compressed.npz"):
        loaded = load_weights(tmp_path / name)
        assert all(a.dtype == np.float64 and np.array_equal(a, b) for a, b in zip(loaded, w))


def test_file_weights_drive_a_network(tmp_path):
    net = make_net()
    save_keras_npz(tmp_path / "w.npz", net.get_weights())
    other = Network([2, 4, 3, 1], "tanh", "sigmoid", seed=9)
    other.set_weights(load_weights(tmp_path / "w.npz"))
    X = inputs(net)
    assert np.array_equal(other.predict(X), net.predict(X))


# ---- PyTorch layout --------------------------------------------------------------------------
def test_torch_npz_names_shapes_and_round_trip(tmp_path):
    w = make_net().get_weights()
    path = tmp_path / "torch.npz"
    save_torch_npz(path, w)
    with np.load(path) as f:
        shapes = {k: f[k].shape for k in f.keys()}
        assert np.array_equal(f["0.weight"], w[0].T)
    assert shapes == {"0.weight": (4, 2), "0.bias": (4,), "2.weight": (3, 4), "2.bias": (3,),
                      "4.weight": (1, 3), "4.bias": (1,)}
    assert bits_equal(load_torch_npz(path), w)
    assert bits_equal(load_weights(path), w)


def test_torch_names_sort_by_index_take_a_prefix_and_a_missing_bias(tmp_path):
    rng = np.random.default_rng(0)
    W0, b0, W1 = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3))
    np.savez(tmp_path / "p.npz", **{"net.10.weight": W1, "net.1.bias": b0, "net.1.weight": W0})
    got = load_weights(tmp_path / "p.npz")
    assert bits_equal(got, [W0.T, b0, W1.T, np.zeros(1)])


@pytest.mark.parametrize("kind", list(NETS))
def test_torch_sequential_from_our_npz_predicts_like_the_network(tmp_path, kind):
    torch = pytest.importorskip("torch")
    net = NETS[kind]()
    save_torch_npz(tmp_path / "t.npz", net.get_weights())
    modules = {"relu": torch.nn.ReLU(), "leaky_relu": torch.nn.LeakyReLU(0.2), "elu": torch.nn.ELU(),
               "softplus": torch.nn.Softplus(threshold=40.0), "swish": torch.nn.SiLU(), "sigmoid": torch.nn.Sigmoid(),
               "linear": torch.nn.Identity(), "tanh": torch.nn.Tanh(), "softmax": torch.nn.Softmax(dim=1)}
    layers = []
    for l, act in enumerate(net.activations):
        layers += [torch.nn.Linear(net.sizes[l], net.sizes[l + 1]), modules[act]]
    model = torch.nn.Sequential(*layers).double()
    with np.load(tmp_path / "t.npz") as f:
        model.load_state_dict({k: torch.from_numpy(f[k]) for k in f.keys()})
    X = inputs(net)
    with torch.no_grad():
        got = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(got, net.predict(X), rtol=1e-12, atol=1e-12)


def test_pt_round_trip_through_torch_load(tmp_path):
    torch = pytest.importorskip("torch")
    w = make_net().get_weights()
    save_torch_pt(tmp_path / "w.pt", w)
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert all(t.dtype == torch.float64 for t in state.values())
    assert np.array_equal(state["2.weight"].numpy(), w[2].T)
    assert bits_equal(load_torch_pt(tmp_path / "w.pt"), w)
    assert bits_equal(load_weights(tmp_path / "w.pt"), w)
    (tmp_path / "w.bin").write_bytes((tmp_path / "w.pt").read_bytes())  # told apart by its contents
    assert bits_equal(load_weights(tmp_path / "w.bin"), w)


def test_state_dict_saved_by_torch_itself_loads_into_our_network(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3), torch.nn.Tanh(),
                                torch.nn.Linear(3, 1), torch.nn.Sigmoid())  # float32, as torch makes it
    torch.save(model.state_dict(), tmp_path / "model.pt")
    weights = load_weights(tmp_path / "model.pt")
    assert sizes_of(weights) == [2, 5, 3, 1]
    net = Network(sizes_of(weights), "tanh", "sigmoid")
    net.set_weights(weights)
    X = inputs(net)
    with torch.no_grad():
        expected = model(torch.from_numpy(X).float()).double().numpy()
    np.testing.assert_allclose(net.predict(X), expected, atol=1e-5)


def test_pt_files_that_are_not_state_dicts_are_refused(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "ran"
    model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    torch.save(model, tmp_path / "whole.pt")  # a pickled module: needs code to load
    torch.save({"0.weight": torch.full((1, 2), float("nan")), "0.bias": torch.zeros(1)}, tmp_path / "nan.pt")
    torch.save({"0.weight": torch.zeros(1, 2), "0.bias": torch.zeros(1), "1.running_mean": torch.zeros(1)},
               tmp_path / "batchnorm.pt")
    (tmp_path / "short.pt").write_bytes((tmp_path / "nan.pt").read_bytes()[:200])
    with pytest.raises(WeightFileError, match="state_dict"):
        load_weights(tmp_path / "whole.pt")
    with pytest.raises(WeightFileError, match="NaN"):
        load_weights(tmp_path / "nan.pt")
    with pytest.raises(WeightFileError, match="1.running_mean"):
        load_weights(tmp_path / "batchnorm.pt")
    with pytest.raises(WeightFileError):
        load_weights(tmp_path / "short.pt")
    assert not marker.exists()


def test_pt_without_torch_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(WeightFileError, match="PyTorch is not installed"):
        save_torch_pt(tmp_path / "w.pt", make_net().get_weights())
    (tmp_path / "w.pt").write_bytes(b"anything")
    with pytest.raises(WeightFileError, match="PyTorch is not installed"):
        load_weights(tmp_path / "w.pt")


# ---- shapes ----------------------------------------------------------------------------------
def test_check_shapes_messages():
    weights = [np.zeros((2, 4)), np.zeros(4), np.zeros((3, 2)), np.zeros(2)]
    with pytest.raises(WeightFileError) as e:
        check_shapes(weights, [2, 4, 2])
    assert str(e.value) == "weights[2] (W1) has shape (3, 2), but this network needs (4, 2)"
    w = make_net().get_weights()
    check_shapes(w, [2, 4, 3, 1])
    with pytest.raises(WeightFileError, match=r"weights\[1\] \(b0\) has shape \(4,\), but this network needs \(5,\)"):
        check_shapes([np.zeros((2, 5)), np.zeros(4)], [2, 5])
    with pytest.raises(WeightFileError, match=r"3 layer\(s\) \(2 → 4 → 3 → 1\), but this network has 2 \(2 → 3 → 1\)"):
        check_shapes(w, [2, 3, 1])


def test_sizes_of():
    assert sizes_of(make_net().get_weights()) == [2, 4, 3, 1]
    assert sizes_of(make_net((4, 2), "tanh", "tanh").get_weights()) == [4, 2]
    with pytest.raises(WeightFileError, match="inputs do not match"):
        sizes_of([np.zeros((2, 3)), np.zeros(3), np.zeros((4, 1)), np.zeros(1)])


# ---- hostile and broken files ----------------------------------------------------------------
class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (type(self.marker).touch, (self.marker,))


def test_pickled_object_array_is_never_unpickled(tmp_path):
    marker = tmp_path / "ran"
    evil = np.array([Payload(marker)], dtype=object)
    write_zip(tmp_path / "evil.npz", {"arr_0.npy": npy_bytes(evil, allow_pickle=True),
                                      "arr_1.npy": npy_bytes(np.zeros(1))})
    with pytest.raises(WeightFileError, match="pickle|objects"):
        load_weights(tmp_path / "evil.npz")
    with pytest.raises(WeightFileError):
        load_keras_npz(tmp_path / "evil.npz")
    assert not marker.exists()


def test_nan_and_inf_are_refused(tmp_path):
    w = make_net().get_weights()
    w[2][1, 1] = np.nan
    np.savez(tmp_path / "nan.npz", *w)
    with pytest.raises(WeightFileError, match=r"weights\[2\] \(W1\) contains NaN"):
        load_weights(tmp_path / "nan.npz")
    w[2][1, 1] = 0.0
    w[5][0] = np.inf
    np.savez(tmp_path / "inf.npz", *w)
    with pytest.raises(WeightFileError, match="infinite"):
        load_keras_npz(tmp_path / "inf.npz")
    with pytest.raises(WeightFileError, match="NaN"):
        save_keras_npz(tmp_path / "out.npz", [np.full((2, 1), np.nan), np.zeros(1)])


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9, 0.99])
def test_truncated_files_are_refused(tmp_path, keep):
    save_keras_npz(tmp_path / "w.npz", make_net().get_weights())
    data = (tmp_path / "w.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(WeightFileError):
        load_weights(tmp_path / "cut.npz")


def test_huge_declared_shape_is_refused_before_reading(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (200_000, 1_000)})
    write_zip(tmp_path / "huge.npz", {"arr_0.npy": header.getvalue() + b"\0" * 64, "arr_1.npy": npy_bytes(np.zeros(1))})
    with pytest.raises(WeightFileError):
        load_weights(tmp_path / "huge.npz")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"arr_0": np.zeros((2, 3))}, "pairs"),
        ({"arr_0": np.zeros((2, 3)), "arr_2": np.zeros(3)}, "lacks arr_1"),
        ({"arr_0": np.zeros(3), "arr_1": np.zeros(3)}, r"weights\[0\] \(W0\) should be a matrix"),
        ({"arr_0": np.zeros((2, 3)), "arr_1": np.zeros(4)}, r"b0\) has shape \(4,\)"),
        ({"arr_0": np.zeros((2, 3)), "arr_1": np.zeros(3), "arr_2": np.zeros((2, 1)), "arr_3": np.zeros(1)},
         "inputs do not match"),
        ({"arr_0": np.zeros((2, 3)), "arr_1": np.zeros(3), "extra": np.zeros(1)}, "'extra'"),
        ({"kernel": np.zeros((2, 3)), "bias": np.zeros(3)}, "'kernel'"),
        ({"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(4)}, "'0.bias' has shape"),
        ({"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3), "2.weight": np.zeros((1, 4))}, "'2.weight'"),
        ({"0.bias": np.zeros(3)}, "no matching weight"),
        ({"arr_0": np.array([["a", "b"]]), "arr_1": np.zeros(2)}, "not an array of numbers|plain numbers"),
    ],
)
def test_wrong_structure_is_refused_with_a_clear_message(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(WeightFileError, match=message):
        load_weights(tmp_path / "bad.npz")


def test_not_a_weight_file(tmp_path):
    (tmp_path / "notes.npz").write_text("hello")
    np.save(tmp_path / "single.npy", np.zeros(3))
    write_zip(tmp_path / "other.npz", {"readme.txt": b"hi"})
    for name in ("notes.npz", "single.npy", "other.npz", "missing.npz"):
        with pytest.raises(WeightFileError):
            load_weights(tmp_path / name)
    with pytest.raises(WeightFileError, match="cannot save in .*no-such-dir"):
        save_keras_npz(tmp_path / "no-such-dir" / "w.npz", make_net().get_weights())


# ---- scripts ---------------------------------------------------------------------------------
def run_script(path, source):
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return np.array([[float(v) for v in line.split()] for line in done.stdout.splitlines()])


@pytest.mark.parametrize("kind", list(NETS))
def test_numpy_script_prints_the_networks_predictions(tmp_path, kind):
    net = NETS[kind]()
    X = inputs(net)
    names = [f"f{j}" for j in range(net.sizes[0])]
    names[0] = "it's \"quoted\"\nand '''tricky'''"  # must stay inert text in the script
    source = numpy_script(net, X, names)
    assert "import torch" not in source and source.isascii()
    printed = run_script(tmp_path / "net.py", source)
    np.testing.assert_allclose(printed, net.predict(X), rtol=1e-12, atol=1e-12)


def test_numpy_script_without_samples_runs(tmp_path):
    net = make_net()
    assert run_script(tmp_path / "net.py", numpy_script(net, np.empty((0, 2)))).size == 0


@pytest.mark.parametrize("kind", ["tanh-sigmoid", "every-activation-softmax"])
def test_torch_script_prints_the_networks_predictions(tmp_path, kind):
    pytest.importorskip("torch")
    net = NETS[kind]()
    X = inputs(net)
    printed = run_script(tmp_path / "net_torch.py", torch_script(net, X))
    np.testing.assert_allclose(printed, net.predict(X), rtol=1e-12, atol=1e-12)


def test_scripts_check_their_inputs():
    with pytest.raises(ValueError, match="shape"):
        numpy_script(make_net(), np.zeros((3, 5)))
    with pytest.raises(ValueError):
        torch_script(make_net(), np.array([[np.nan, 0.0]]))
