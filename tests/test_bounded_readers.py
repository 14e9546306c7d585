"""Every reader does bounded work: a FIFO or a device is refused at once, a file's sizes are checked against a
memory budget before anything is allocated, and the editor refuses text too long to be a number."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import nnstudio.gui.files as files
from hostile import Zeros, rewrite_project, trained_project
from nnstudio.gui.expressions import MAX_LENGTH, parse_value
from nnstudio.io.csvdata import CsvError, read_table
from nnstudio.io.project import ProjectError, load_project, project_from_loop, save_project
from nnstudio.io.weights import WeightFileError, load_keras_npz, load_torch_npz, load_torch_pt, load_weights
from nnstudio.training.problem import MAX_DATA_VALUES, ProblemSpec, build_loop, build_network, make_data

pytestmark = [pytest.mark.reliability, pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")]


@pytest.fixture
def fifo(tmp_path):
    def make(name):
        path = tmp_path / name
        os.mkfifo(path)
        return path

    return make


def release(path) -> None:
    """Unblocks a reader stuck in open() or read() on FIFO ``path``: a writer comes and goes (EOF)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader waiting (ENXIO): nothing to release
        return
    os.close(fd)


def refused_at_once(read, path, error, timeout=2.0) -> str:
    """``read(path)`` must raise ``error`` within ``timeout`` seconds; a reader that hangs on the FIFO is released
    (so the test fails instead of hanging) and the test fails."""
    outcome = {}

    def target():
        try:
            read(path)
        except Exception as e:  # noqa: BLE001  (the outcome is checked below)
            outcome["error"] = e
        else:
            outcome["error"] = None

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    hung = thread.is_alive()
    while thread.is_alive():
        release(path)
        thread.join(0.1)
    assert not hung, f"reading a FIFO with {read.__name__} did not return within {timeout} s"
    assert isinstance(outcome["error"], error), outcome["error"]
    return str(outcome["error"])


# ---- FIFOs and devices ------------------------------------------------------------------------------------
@pytest.mark.parametrize("read, error, name", [
    (load_project, ProjectError, "p.nnstudio"), (load_weights, WeightFileError, "w.npz"),
    (load_keras_npz, WeightFileError, "k.npz"), (load_torch_npz, WeightFileError, "t.npz"),
    (load_weights, WeightFileError, "w.pt"), (load_torch_pt, WeightFileError, "t.pt"), (read_table, CsvError, "d.csv"),
])
def test_every_reader_refuses_a_fifo_at_once(fifo, read, error, name):
    message = refused_at_once(read, fifo(name), error)
    assert "not a regular file" in message and "FIFO" in message


@pytest.mark.parametrize("read, error", [(load_project, ProjectError), (load_weights, WeightFileError),
                                         (read_table, CsvError)])
def test_devices_are_refused_without_reading_them(read, error):
    tracemalloc.start()
    try:
        with pytest.raises(error, match="not a regular file.*device"):
            read("/dev/zero")  # endless zeros: reading it would fill the memory budget before failing
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_file_open_in_the_window_refuses_a_fifo(qtbot, window, fifo, monkeypatch):
    path = fifo("p.nnstudio")
    shown = []
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda p, title, text, *a: shown.append(text)))
    monkeypatch.setattr(files.QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    released = []
    guard = threading.Timer(3.0, lambda: (released.append(True), release(path)))  # the GUI thread is the reader
    guard.start()
    try:
        window.files.actionOpen.trigger()
    finally:
        guard.cancel()
    assert not released, "File → Open hung on a FIFO"
    assert len(shown) == 1 and "not a regular file" in shown[0]


@pytest.mark.parametrize("screenshot", [True, False])
def test_the_command_lines_file_argument_refuses_a_fifo(fifo, tmp_path, screenshot):
    path = fifo("p.nnstudio")
    args = [str(path), "--screenshot", str(tmp_path / "x.png")] if screenshot else [str(path)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))  # its own settings and autosave
    proc = subprocess.Popen([sys.executable, "-m", "nnstudio", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("nnstudio hung on a FIFO given as its FILE")
    assert proc.returncode == 2 and "not a regular file" in err and "Traceback" not in err


# ---- memory budgets, checked before allocating ------------------------------------------------------------
def peak_bytes_while(call) -> tuple[Exception | None, int]:
    """What ``call()`` raised and the most memory Python and NumPy had allocated meanwhile (tracemalloc)."""
    tracemalloc.start()
    try:
        try:
            call()
        except Exception as e:  # noqa: BLE001
            error = e
        else:
            error = None
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def inflating_project(path, rows: int):
    """30 steps and a history of ``rows`` rows of zeros, deflated: a small file whose arrays are not small."""
    n_params = trained_project(path, 30)
    rewrite_project(path, lambda doc: doc.__setitem__("history", ["steps", "params"]),
                    {"history.steps": np.arange(rows, dtype="<i8"), "history.params": Zeros((rows, n_params))})


def test_a_history_far_beyond_the_step_count_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.nnstudio"
    inflating_project(path, rows=1_000_000)  # 200 MB of history in a file of about 1 MB
    assert path.stat().st_size < 3 << 20
    error, peak = peak_bytes_while(lambda: load_project(path))
    assert isinstance(error, ProjectError) and "history" in str(error) and "30 steps" in str(error)
    assert peak < 16 << 20, f"{peak / 1e6:.0f} MB allocated before refusing"


def test_a_weight_file_beyond_the_budget_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "huge.npz"
    np.savez_compressed(path, np.zeros((2, 4)), np.zeros(4), np.zeros((4, 1_500_000)), np.zeros(1_500_000))
    assert path.stat().st_size < 1 << 20
    error, peak = peak_bytes_while(lambda: load_keras_npz(path))
    assert isinstance(error, WeightFileError) and "too large" in str(error)
    assert peak < 16 << 20, f"{peak / 1e6:.0f} MB allocated before refusing"


def test_a_csv_with_more_cells_than_the_data_budget_is_refused_before_it_is_split(tmp_path):
    rows, columns = 100_000, MAX_DATA_VALUES // 100_000 + 10  # within the row and column caps, not the budget
    line = ",".join(["1.5"] * columns) + "\n"
    path = tmp_path / "big.csv"
    path.write_text(line * rows)
    size = path.stat().st_size
    error, peak = peak_bytes_while(lambda: read_table(path))
    assert isinstance(error, CsvError) and "values" in str(error)
    assert peak < 3 * size, f"{peak / 1e6:.0f} MB allocated for a {size / 1e6:.0f} MB file"


def test_a_project_within_the_budget_still_loads_in_one_copy(tmp_path):
    """A real project's arrays are read straight into place: memory ≈ the arrays, not two or three times them."""
    spec = ProblemSpec()
    loop = build_loop(spec, build_network(spec), make_data(spec))
    loop.run(50)
    k, n = 40_001, loop.network.n_params
    history = {"steps": np.arange(k), "params": np.random.default_rng(0).normal(size=(k, n))}
    project = project_from_loop(spec, loop, history=history)
    project.step = k - 1  # as if it had trained 40,000 steps
    path = tmp_path / "ok.nnstudio"
    save_project(path, project)
    loaded = {}
    error, peak = peak_bytes_while(lambda: loaded.setdefault("p", load_project(path)))
    assert error is None
    np.testing.assert_array_equal(loaded["p"].history["params"], history["params"])
    arrays = history["params"].nbytes + history["steps"].nbytes + loop.losses.array().nbytes
    assert peak < 1.5 * arrays + (2 << 20), f"{peak / 1e6:.1f} MB for {arrays / 1e6:.1f} MB of arrays"


# ---- the editor ----------------------------------------------------------------------------------------
def test_the_editor_refuses_text_longer_than_any_number_with_a_message():
    fraction = "1" * 1000 + "/" + "3" * 999
    assert len(fraction) == 2000
    with pytest.raises(ValueError, match=f"at most {MAX_LENGTH} characters"):
        parse_value(fraction, 0.5)
    with pytest.raises(ValueError, match=f"at most {MAX_LENGTH} characters"):
        parse_value("1" * 1000 + "/" + "3" * 999 + "x", 0.5)


def test_the_longest_text_the_editor_takes_is_parsed_exactly():
    digits = (MAX_LENGTH - 1) // 2
    text = "1" * digits + "/" + "3" * digits
    assert len(text) <= MAX_LENGTH
    assert parse_value(text, 0.5) == 1 / 3  # 49 digits: more than a double holds
    assert parse_value("1e400/1e399", 0.5) == 10.0  # each part overflows a float, the quotient does not
    assert parse_value("3e-400/1e-400", 0.5) == 3.0
    with pytest.raises(ValueError, match="not a number"):
        parse_value("1" * digits + "/" + "3" * (digits - 1) + "x", 0.5)
