"""Every export is written atomically and reported: on a failing disk or an unwritable folder the user gets a
message, the file that was there is kept whole, and nothing partial or temporary is left behind.

Two failures, neither needing a mount or a non-root user (as root, chmod does not stop writes):
- a full disk: ``RLIMIT_FSIZE`` makes the kernel refuse every write past the first few hundred bytes of any
  file (EFBIG; Python ignores SIGXFSZ), so a writer fails half way through, as on a disk that fills up;
- an unwritable folder: the path lies under a regular file, so no file can be created there (ENOTDIR).
"""

from __future__ import annotations

import contextlib
import errno
import os

import pytest

import nnstudio.gui.gif_recorder as gif_recorder
import nnstudio.gui.interop as interop
from nnstudio.io import atomic_write
from nnstudio.io.weights import save_keras_npz, save_torch_npz

pytestmark = pytest.mark.reliability

resource = pytest.importorskip("resource")
OLD = b"the file that was here before"


@contextlib.contextmanager
def disk_full_after(n_bytes: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    for module in (interop, gif_recorder):
        monkeypatch.setattr(module.QMessageBox, "warning",
                            staticmethod(lambda parent, title, text, *a, **k: shown.append((title, text))))
    return shown


@pytest.fixture
def trained(window, qtbot):
    window.trainer.step(60)
    qtbot.waitUntil(lambda: window.step_count() == 60, timeout=10000)
    return window


EXPORTS = {
    "keras weights": ("w.npz", lambda w, p: w.interop.export_weights(p, save_keras_npz)),
    "torch weights": ("w.npz", lambda w, p: w.interop.export_weights(p, save_torch_npz)),
    "numpy script": ("net.py", lambda w, p: w.interop.export_script("numpy", p)),
    "torch script": ("net.py", lambda w, p: w.interop.export_script("torch", p)),
    "data csv": ("data.csv", lambda w, p: w.interop.export_data(p)),
    "loss csv": ("losses.csv", lambda w, p: w.interop.export_losses(p)),
    "canvas png": ("net.png", lambda w, p: w.interop.export_canvas(p)),
    "canvas svg": ("net.svg", lambda w, p: w.interop.export_canvas(p)),
    "gif": ("training.gif", lambda w, p: w.gif.record(p, 0, 60, 3)),
}


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_to_a_full_disk_keeps_the_old_file_and_says_so(qtbot, trained, tmp_path, warnings, kind):
    if kind == "gif":
        pytest.importorskip("PIL")
    name, export = EXPORTS[kind]
    path = tmp_path / name
    path.write_bytes(OLD)
    with disk_full_after(512):
        ok = export(trained, path)
    assert ok is False
    assert len(warnings) == 1 and "File too large" in warnings[0][1]
    assert path.read_bytes() == OLD
    assert os.listdir(tmp_path) == [name]  # no temporary file left beside it


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_into_an_unwritable_folder_writes_nothing_and_says_so(qtbot, trained, tmp_path, warnings, kind):
    if kind == "gif":
        pytest.importorskip("PIL")
    name, export = EXPORTS[kind]
    (tmp_path / "file").write_bytes(OLD)
    path = tmp_path / "file" / name
    assert export(trained, path) is False
    assert len(warnings) == 1 and str(path.parent) in warnings[0][1]
    assert os.listdir(tmp_path) == ["file"]


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_that_works_reports_it_and_leaves_only_its_file(qtbot, trained, tmp_path, warnings, kind):
    if kind == "gif":
        pytest.importorskip("PIL")
    name, export = EXPORTS[kind]
    path = tmp_path / name
    path.write_bytes(OLD)
    assert export(trained, path) is True
    assert not warnings
    assert path.read_bytes() != OLD and path.stat().st_size > 100
    assert os.listdir(tmp_path) == [name]
    assert str(path) in trained.statusBar().currentMessage()


# ---- the shared writer itself ---------------------------------------------------------------------------
def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(OLD)
    with pytest.raises(RuntimeError), atomic_write(path) as f:
        f.write(b"half of it")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == OLD and os.listdir(tmp_path) == ["x.bin"]


def test_atomic_write_reports_a_full_disk_as_an_os_error(tmp_path):
    path = tmp_path / "x.bin"
    with pytest.raises(OSError) as info, disk_full_after(512), atomic_write(path) as f:
        for _ in range(100):
            f.write(bytes(100))
    assert info.value.errno == errno.EFBIG and str(path) in str(info.value)
    assert os.listdir(tmp_path) == []


def test_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "script.py"
    path.write_text("old")
    path.chmod(0o751)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write("new")
    assert path.read_text() == "new" and path.stat().st_mode & 0o777 == 0o751


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OSError, match="ro"), atomic_write(folder / "x.csv", "w") as f:
            f.write("a")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)
