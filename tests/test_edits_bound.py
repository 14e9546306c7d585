"""Edits, nudge previews and undo entries belong to one network: a structural change never lets them touch
another (issue 9, item 2). Each test drives the sequence that once killed the trainer or raised in the GUI."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.engine import ParamRef
from nnstudio.io import load_project
from nnstudio.io.project import project_from_loop, save_project
from nnstudio.training.problem import ProblemSpec, build_loop, build_network, make_data
from nnstudio.training.trainer import Trainer

pytestmark = pytest.mark.reliability


def _small_project(tmp_path):
    spec = ProblemSpec(hidden=(2,))
    loop = build_loop(spec, build_network(spec), make_data(spec))
    loop.run(20)
    path = tmp_path / "small.nnstudio"
    save_project(path, project_from_loop(spec, loop))
    return path


def _open_editor(qtbot, window, layer, src, dst):
    view = window.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(layer, src, dst))
    qtbot.waitUntil(lambda: window.editor.is_open() and QApplication.focusWidget() is window.editor)


@pytest.mark.parametrize("trainer", ["sync", "process"])
def test_an_editor_open_when_another_network_arrives_closes_and_edits_nothing(qtbot, open_window, tmp_path,
                                                                             trainer):
    """Open the editor on a weight of the second hidden layer, nudge it (↑), open a project with one hidden
    layer (File → Open Recent: a menu click does not close the editor), press Enter: once an IndexError in the
    GUI or a dead trainer process; the edit's index belongs to a network that is gone."""
    path = _small_project(tmp_path)
    window = open_window(ProblemSpec(hidden=(4, 4)), trainer=trainer)
    _open_editor(qtbot, window, 1, 3, 3)
    qtbot.keyClick(window.editor, Qt.Key_Up)  # a preview of the old network's parameter
    with qtbot.captureExceptions() as errors:
        assert window.files.open(path)
        qtbot.keyClick(window.editor, Qt.Key_Return)
        window.flush()
    assert not errors, errors
    assert not window.editor.is_open()
    assert "edit" in window.statusBar().currentMessage().lower()
    project = load_project(path)  # what is shown is the project's parameters, untouched by the dropped edit
    flat = np.concatenate([np.vstack([W, b[None, :]]).ravel()
                           for W, b in zip(window.parameters()[0::2], window.parameters()[1::2])])
    np.testing.assert_array_equal(flat, project.params)
    if trainer == "process":
        assert window.trainer.alive
    window.trainer.step(1)
    qtbot.waitUntil(lambda: window.step_count() == project.step + 1, timeout=10_000)
    window.close()


def test_the_trainer_refuses_an_edit_for_another_network_and_keeps_serving():
    """An edit sent before a structural change reached the trainer, arriving after it: once an IndexError that
    killed the trainer process (or a silent edit of the wrong parameter)."""
    trainer = Trainer(ProblemSpec(hidden=(4, 4)), threaded=False)
    first = trainer.take()
    trainer.set_spec(first.spec.replace(hidden=(2,)))  # 2-2-1 has 9 parameters
    trainer.set_parameter(20, 0.5, generation=first.generation)  # 2-4-4-1 index 20 is gone
    trainer.set_parameter(3, 0.5, generation=first.generation)  # index 3 exists, but is another weight now
    trainer.process()
    snaps = []
    while (snap := trainer.mailbox.take()) is not None:
        snaps.append(snap)
    last = snaps[-1]
    assert last.generation == first.generation + 1 and last.params.size == 9
    assert 0.5 not in last.params
    assert any("Not applied" in (s.message or "") for s in snaps)
    trainer.set_parameter(100, 0.5)  # out of range for this network too
    trainer.process()
    assert "Not applied" in (trainer.mailbox.take().message or "")
    trainer.step(1)
    trainer.process()
    assert trainer.mailbox.take().step == 1


def test_undo_after_a_new_network_does_not_touch_it(qtbot, open_window):
    """Edit, then + adds a layer, then Ctrl+Z: the undo history was for the old network (its entries are
    cleared and the status bar says so), so Undo changes nothing and raises nothing."""
    window = open_window(trainer="sync")
    window.edit_parameter(ParamRef.weight(0, 1, 2), 0.75)
    assert window.undo_stack.count() == 1
    qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(window.snapshot().spec.hidden) == 3)
    window.flush()
    before = window.parameters()
    with qtbot.captureExceptions() as errors:
        qtbot.keyClick(window.network_view.viewport(), Qt.Key_Z, Qt.ControlModifier)
        window.flush()
    assert not errors
    for a, b in zip(before, window.parameters()):
        np.testing.assert_array_equal(a, b)
    window.close()
