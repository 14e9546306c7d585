"""Issue 9, item 7: the snapshot the trainer publishes right after an edit or an undo reaches the window, even
when "pause while editing" resumes training at once (in the soak, 56 of 417 typed values never came back in a
trainer snapshot: the resume's snapshots replaced the edit's before the window took it)."""

import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.network_view import ParamRef
from test_main_window import click_param, type_value

pytestmark = pytest.mark.reliability

EDGES = [(0, 0, 0), (0, 1, 2), (1, 3, 1), (0, 0, 3), (1, 2, 0)]


def _confirmed(delivered, index, value) -> bool:
    """A delivered trainer snapshot shows the exact value and the trainer's record of this edit."""
    return any(s.params[index] == value and any(e.index == index and e.new == value for e in s.edits)
               for s in delivered)


@pytest.mark.parametrize("trainer", ["process", "thread"])
def test_every_typed_value_comes_back_from_the_trainer_while_it_trains(qtbot, open_window, trainer):
    window = open_window(trainer=trainer)
    assert window.actionPauseWhileEditing.isChecked()  # the default this test is about
    delivered = []
    window.snapshotApplied.connect(delivered.append)
    window.speed_slider.setValue(window.speed_slider.maximum())
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.step_count() > 20, timeout=10000)
    for n in range(20):
        layer, i, j = EDGES[n % len(EDGES)]
        value = round(0.125 * (n + 1) - 1.3, 3)
        index = window.parameter_index(ParamRef.weight(layer, i, j))
        del delivered[:]
        click_param(qtbot, window, window.network_view.edge_point(layer, i, j))
        type_value(qtbot, window, repr(value))

        qtbot.waitUntil(lambda index=index, value=value: _confirmed(delivered, index, value), timeout=3500)
        qtbot.waitUntil(lambda: window.snapshot().running, timeout=3500)  # and training resumed
    window.actionPlayPause.trigger()


def test_the_snapshot_after_undo_arrives_while_training_runs(qtbot, open_window):
    window = open_window(trainer="process")
    delivered = []
    window.snapshotApplied.connect(delivered.append)
    index = window.parameter_index(ParamRef.weight(0, 1, 2))
    before = float(window.snapshot().params[index])
    window.speed_slider.setValue(window.speed_slider.maximum())
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 2))
    type_value(qtbot, window, "4.5")
    qtbot.waitUntil(lambda: window.parameters()[0][1, 2] == 4.5, timeout=3500)
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.step_count() > 20, timeout=10000)
    for _ in range(5):
        del delivered[:]
        qtbot.keyClick(window.network_view.viewport(), Qt.Key_Z, Qt.ControlModifier)
        # Undo during training restores the value the edit replaced; the trainer's snapshot shows it exactly.
        qtbot.waitUntil(lambda: any(s.params[index] == before for s in delivered), timeout=3500)
        del delivered[:]
        qtbot.keyClick(window.network_view.viewport(), Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: any(s.params[index] == 4.5 for s in delivered), timeout=3500)
    window.actionPlayPause.trigger()
