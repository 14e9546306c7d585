"""The ``nnstudio`` command line: version, screenshots, arguments, and a clear message without a display."""

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from nnstudio import __version__


def run(*args, env_changes=None, timeout=120):
    env = dict(os.environ)
    env.update(env_changes or {})
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"nnstudio {__version__}"


def test_screenshot_trains_and_saves_the_whole_window(tmp_path):
    png = tmp_path / "shot.png"
    out = run("--screenshot", str(png), "--steps", "300", "--size", "1200x800", "--dataset", "xor",
              "--layers", "6,3", "--seed", "4")
    assert out.returncode == 0, out.stderr
    assert "after 300 steps" in out.stdout
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1200, 800)
    # Not blank: the canvas, heatmap and plots put many distinct colours on screen.
    colours = {image.pixel(x, y) for x in range(0, 1200, 7) for y in range(0, 800, 7)}
    assert len(colours) > 50


def test_bad_arguments_are_refused_with_a_message():
    out = run("--layers", "4,x")
    assert out.returncode == 2 and "--layers must be comma-separated" in out.stderr
    out = run("--dataset", "nope")
    assert out.returncode == 2 and "invalid choice" in out.stderr
    out = run("--layers", "99", "--screenshot", "x.png")
    assert out.returncode == 2 and "neurons" in out.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="X11 display handling is Linux-specific")
def test_no_display_gives_a_fix_not_a_stack_dump():
    out = run(env_changes={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}, timeout=60)
    assert out.returncode == 1
    assert "no display" in out.stderr and "--screenshot" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_users_script_without_a_main_guard_still_trains(tmp_path):
    """The trainer process must not re-run the user's script (spawn would, without a __main__ guard)."""
    script = tmp_path / "drive.py"
    script.write_text(
        "import os, time\n"
        "os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from nnstudio.gui import MainWindow\n"
        "app = QApplication([])\n"
        "w = MainWindow()\n"
        "w.show()\n"
        "w.trainer.step(25)\n"
        "end = time.monotonic() + 30\n"
        "while w.step_count() < 25 and time.monotonic() < end:\n"
        "    app.processEvents()\n"
        "    time.sleep(0.01)\n"
        "print('steps', w.step_count())\n"
        "w.close()\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "steps 25" in out.stdout
    assert "RuntimeError" not in out.stderr


def test_dataset_argument_sets_what_choosing_it_in_the_panel_sets():
    """`--dataset digits` built pixels data with x1, x2 features and failed; `--dataset line` kept
    playground's 0.03, which blows up on its prices."""
    import argparse

    from nnstudio.gui.app import spec_from_args
    from nnstudio.training.problem import PIXELS, default_learning_rate, make_data

    def spec(name):
        return spec_from_args(argparse.Namespace(dataset=name, layers=None, activation=None, seed=None))

    digits = spec("digits")
    assert digits.features == PIXELS and make_data(digits).F_train.shape[1] == 64
    assert spec("line").learning_rate == default_learning_rate("line") == 0.003
    assert spec("xor").learning_rate == default_learning_rate("xor")


def test_features_that_do_not_fit_the_data_are_refused_by_validate():
    from nnstudio.training.problem import PIXELS, ProblemSpec

    with pytest.raises(ValueError, match="pixels"):
        ProblemSpec(dataset="digits").validate()
    with pytest.raises(ValueError, match="pixels"):
        ProblemSpec(dataset="circle", features=PIXELS).validate()
    with pytest.raises(ValueError, match="x2"):
        ProblemSpec(dataset="line", features=("x1", "x2")).validate()
