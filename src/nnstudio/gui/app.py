"""The ``nnstudio`` command: open the window, or train offscreen and save a screenshot."""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
from pathlib import Path

from .. import __version__

# What Qt's xcb platform plugin loads (Qt ≥ 6.5); a missing one makes Qt abort with a stack dump.
XCB_LIBRARIES = (
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0",
    "libxcb-image.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0", "libxcb-randr.so.0", "libxcb-xkb.so.1",
)
XCB_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-image0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1"
)
# A screenshot's sides: a 100000×100000 window is a 40 GB picture, and Qt crashes making it.
MIN_SIDE, MAX_SIDE = 200, 8192


def parse_args(argv):
    from ..engine import DATASETS, HIDDEN_ACTIVATIONS

    p = argparse.ArgumentParser(prog="nnstudio", description="See and touch a neural network's weights and biases "
                                "while it trains.")
    p.add_argument("project", nargs="?", metavar="FILE.nnstudio", help="a project to open")
    p.add_argument("--dataset", choices=DATASETS, help="the problem to start on (default: circle)")
    p.add_argument("--layers", help="hidden layer sizes, e.g. 4,2 (empty string for none)")
    p.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="hidden activation (default: tanh)")
    p.add_argument("--seed", type=int, help="initialisation seed (default: 0)")
    p.add_argument("--screenshot", metavar="PNG", help="train offscreen, save the whole window to PNG and exit")
    p.add_argument("--steps", type=int, default=0, help="with --screenshot: mini-batch steps to train first")
    p.add_argument("--size", default="1600x1000", help="with --screenshot: window size WxH (default 1600x1000)")
    p.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    args = p.parse_args(argv)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
        if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
            raise ValueError
        args.size = (w, h)
    except ValueError:
        p.error(f"--size must look like 1600x1000, each side {MIN_SIDE}…{MAX_SIDE} pixels, got {args.size!r}")
    if args.steps < 0:
        p.error("--steps must be ≥ 0")
    if args.layers is not None:
        try:
            args.layers = tuple(int(v) for v in args.layers.split(",") if v.strip())
        except ValueError:
            p.error(f"--layers must be comma-separated neuron counts such as 4,2, got {args.layers!r}")
    return args


def spec_from_args(args):
    """The spec the command line asks for: a dataset gets what choosing it in the side panel gives it."""
    from ..training.problem import ProblemSpec, default_learning_rate, digits_preset

    spec = ProblemSpec()
    changes = {}
    if args.dataset == "digits":
        spec = digits_preset(spec)
    elif args.dataset:
        from ..engine.datasets import input_dim

        changes["dataset"] = args.dataset
        changes["learning_rate"] = default_learning_rate(args.dataset)
        if input_dim(args.dataset) == 1:
            changes["features"] = ("x1",)
    if args.layers is not None:
        changes["hidden"] = args.layers
    if args.activation:
        changes["activation"] = args.activation
    if args.seed is not None:
        changes["seed"] = args.seed
    spec = spec.replace(**changes)
    spec.validate()
    return spec


def offscreen_platform(width: int, height: int) -> str:
    """A QT_QPA_PLATFORM value for Qt's offscreen plugin with one screen of ``width``×``height`` pixels.

    Qt's own offscreen screen is 800×800, narrower than the window can be; tests give it a real screen's
    size with this. The plugin reads the screen from a JSON file, written once per size."""
    path = Path(tempfile.gettempdir()) / f"nnstudio-offscreen-{width}x{height}.json"
    config = {"screens": [{"name": "offscreen", "x": 0, "y": 0, "width": width, "height": height,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    text = json.dumps(config)
    if not path.exists() or path.read_text() != text:
        part = path.with_name(f"{path.name}.{os.getpid()}")  # written whole, then renamed: parallel runs agree
        part.write_text(text)
        os.replace(part, path)
    return f"offscreen:configfile={path}"


def display_problem() -> str | None:
    """Why no window can open here, with the fix; None when one can."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if sys.platform != "linux":
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return ("nnstudio: no display to open a window on (DISPLAY is not set).\n"
                "Run it in a desktop session, or under a virtual screen (xvfb-run nnstudio), or make a picture "
                "without a window: nnstudio --screenshot out.png --steps 500")
    if platform.startswith("xcb") or not os.environ.get("WAYLAND_DISPLAY"):
        missing = []
        for lib in XCB_LIBRARIES:
            try:
                ctypes.CDLL(lib)
            except OSError:
                missing.append(lib)
        if missing:
            return (f"nnstudio: Qt's xcb platform plugin cannot load ({', '.join(missing)} missing).\n"
                    f"On Debian/Ubuntu: sudo apt-get install {XCB_PACKAGES}\n"
                    "Or make a picture without a window: nnstudio --screenshot out.png --steps 500")
    return None


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        spec = spec_from_args(args)
    except ValueError as exc:
        print(f"nnstudio: {exc}", file=sys.stderr)
        return 2
    if args.project:
        from ..io import regular_file_problem

        problem = regular_file_problem(args.project)  # a FIFO would block the loader (and the window) forever
        if problem:
            print(f"nnstudio: {problem}", file=sys.stderr)
            return 2
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from .screenshot import take_screenshot

        return take_screenshot(spec, args.screenshot, args.steps, args.size, project=args.project)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnstudio")
    window = MainWindow(spec)
    window.show()
    window.files.start_session()  # offers to recover what a crashed session autosaved
    if args.project:
        window.files.open(args.project)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
