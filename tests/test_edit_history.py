"""Only edits that change a value reach the history; undo restores the exact old value; Reset says what it drops.

The oracle is the trainer's snapshots (the parameters it holds) and the undo stack itself.
"""

from PySide6.QtCore import Qt

from nnstudio.engine import ParamRef
from test_main_window import click_param


def settle(qtbot, window):
    """One step: the trainer has applied every earlier command and its snapshot has been shown."""
    start = window.step_count()
    qtbot.keyClick(window.network_view, Qt.Key_S)
    qtbot.waitUntil(lambda: window.step_count() == start + 1)


def exact(window, ref):
    return float(window.snapshot().params[window.parameter_index(ref)])


def test_enter_on_the_untouched_value_adds_no_history_entry_and_no_marker(qtbot, window):
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 2))
    qtbot.keyClick(window.editor, Qt.Key_Return)
    assert not window.editor.is_open()
    settle(qtbot, window)
    assert window.undo_stack.count() == 0
    assert window.loss_plot.marker_count() == 0


def test_typing_the_same_value_or_nudging_back_adds_nothing(qtbot, window):
    ref = ParamRef.bias(0, 1)
    before = exact(window, ref)
    click_param(qtbot, window, window.network_view.bias_point(0, 1))
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, f"={before!r}")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    click_param(qtbot, window, window.network_view.bias_point(0, 1))
    qtbot.keyClick(window.editor, Qt.Key_Up)
    qtbot.keyClick(window.editor, Qt.Key_Down)
    qtbot.keyClick(window.editor, Qt.Key_Return)
    window.edit_parameter(ref, before)
    assert window.value(ref) == before  # the nudge preview is gone
    settle(qtbot, window)
    assert window.undo_stack.count() == 0
    assert window.loss_plot.marker_count() == 0


def test_undo_restores_the_exact_old_value(qtbot, window):
    ref = ParamRef.weight(1, 3, 1)
    before = exact(window, ref)
    click_param(qtbot, window, window.network_view.edge_point(1, 3, 1))
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, "2.5")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: exact(window, ref) == 2.5)
    assert window.undo_stack.count() == 1
    qtbot.waitUntil(lambda: window.loss_plot.marker_count() == 1)
    window.actionUndo.trigger()
    qtbot.waitUntil(lambda: exact(window, ref) == before)  # bit for bit, in the trainer too
    assert window.parameters()[2][3, 1] == before


def test_reset_says_that_it_cleared_the_undo_history(qtbot, window):
    window.edit_parameter(ParamRef.weight(0, 0, 0), 1.5)
    qtbot.waitUntil(lambda: exact(window, ParamRef.weight(0, 0, 0)) == 1.5)
    assert window.undo_stack.count() == 1
    qtbot.keyClick(window.network_view, Qt.Key_R)
    qtbot.waitUntil(lambda: "re-initialised" in window.statusBar().currentMessage())
    assert window.undo_stack.count() == 0
    assert "undo history" in window.statusBar().currentMessage().lower()


def test_reset_without_edits_does_not_mention_a_history(qtbot, window):
    settle(qtbot, window)
    qtbot.keyClick(window.network_view, Qt.Key_R)
    qtbot.waitUntil(lambda: "re-initialised" in window.statusBar().currentMessage())
    assert "undo" not in window.statusBar().currentMessage().lower()
