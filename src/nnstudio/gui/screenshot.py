"""``nnstudio --screenshot``: train a number of steps without a screen and save the whole window as a PNG."""

from __future__ import annotations

import sys
import time


def take_screenshot(spec, path: str, steps: int, size: tuple[int, int], timeout: float = 120.0,
                    project: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(spec)
    window.resize(*size)
    window.show()
    if project:
        from ..io.project import ProjectError, load_project

        try:
            window.load_project(load_project(project))
        except (ProjectError, OSError) as exc:
            print(f"nnstudio: cannot open {project}: {exc}", file=sys.stderr)
            window.files.mark_clean()
            window.close()
            return 1
    steps += window.step_count()  # after a project: that many more steps
    if steps > window.step_count():
        window.trainer.step(steps - window.step_count())
    deadline = time.monotonic() + timeout
    while window.step_count() < steps or window.trainer.mailbox and len(window.trainer.mailbox):
        app.processEvents()
        time.sleep(0.005)
        if time.monotonic() > deadline:
            print(f"nnstudio: training {steps} steps took longer than {timeout:.0f} s", file=sys.stderr)
            window.files.mark_clean()
            window.close()
            return 1
    window.network_view.fit()
    for _ in range(5):  # let layouts, the output heatmap and the loss plot settle
        app.processEvents()
        time.sleep(0.05)
    window._refresh_output()
    app.processEvents()
    ok = window.grab().save(path)
    window.files.mark_clean()  # a picture, not a session: nothing to save on close
    window.close()
    if not ok:
        print(f"nnstudio: could not write {path}", file=sys.stderr)
        return 1
    print(f"nnstudio: saved {path} after {window.step_count()} steps")
    return 0
