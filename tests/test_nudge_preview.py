"""A nudge preview (↑/↓ or the wheel in the open editor) is what the canvas shows until the editor closes, even
when a snapshot of the same network arrives meanwhile (found by the machine: the snapshot replaced the preview on
the canvas while the editor still showed the nudged value, so Save wrote one value and the window showed another)."""

import pytest
from PySide6.QtCore import Qt

from invariants import check_edges_and_badges
from nnstudio.gui.network_view import ParamRef
from test_main_window import click_param

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("finish", ["escape", "enter"])
def test_a_nudge_preview_outlives_a_snapshot_of_the_same_network(qtbot, open_window, finish):
    window = open_window(trainer="sync")
    ref = ParamRef.weight(0, 1, 2)
    old = window.value(ref)
    other = ParamRef.weight(0, 0, 0)
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 2))
    qtbot.keyClick(window.editor, Qt.Key_Up)
    nudged = window.value(ref)
    assert nudged == pytest.approx(old + 0.1)
    # A hyper-parameter change: the trainer answers with a snapshot of the same network, its own values.
    window.trainer.set_parameter(window.parameter_index(other), 0.625, generation=window.snapshot().generation)
    combo = window.controls.learning_rate
    combo.setCurrentIndex(combo.findData(0.1))
    qtbot.waitUntil(lambda: window.snapshot().spec.learning_rate == 0.1)
    window.flush()
    assert window.editor.is_open()
    assert window.value(ref) == nudged  # still the preview, drawn as such
    assert window.value(other) == 0.625  # and the rest is the trainer's newest
    check_edges_and_badges(window)
    qtbot.keyClick(window.editor, Qt.Key_Escape if finish == "escape" else Qt.Key_Return)
    window.flush()
    assert window.value(ref) == (old if finish == "escape" else nudged)
    assert window.value(other) == 0.625  # closing the editor did not bring back the parameters of before
    check_edges_and_badges(window)
    window.close()


@pytest.mark.parametrize("how", ["nudge", "typed"])
def test_save_with_the_editor_open_commits_it_first_so_the_file_is_what_is_shown(qtbot, open_window, tmp_path,
                                                                                  monkeypatch, how):
    """Ctrl+S while the editor is open (its value nudged or typed, not yet Enter): the value is committed as
    clicking away would, so the file holds what the window shows (found by the machine: the file had the
    trainer's value, the canvas the preview)."""
    from PySide6.QtWidgets import QFileDialog

    from nnstudio.io import load_project

    window = open_window(trainer="process")
    path = tmp_path / "open-editor.nnstudio"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    ref = ParamRef.weight(0, 1, 2)
    old = window.value(ref)
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 2))
    if how == "nudge":
        qtbot.keyClick(window.editor, Qt.Key_Up)
        expected = window.value(ref)
    else:
        window.editor.selectAll()
        qtbot.keyClicks(window.editor, "1.75")
        expected = 1.75
    assert expected != old
    qtbot.keyClick(window.editor, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: path.exists() and not window.files.saving(), timeout=10000)  # a worker thread saves
    assert not window.editor.is_open()
    assert window.value(ref) == expected and window.undo_stack.count() == 1
    assert load_project(path).params[window.parameter_index(ref)] == expected
    assert not window.isWindowModified()
    window.close()
