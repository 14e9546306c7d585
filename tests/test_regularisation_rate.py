"""Turning L1 or L2 on picks a rate that does something; a rate the user chose is kept."""

from PySide6.QtCore import Qt

from nnstudio.gui.controls import DEFAULT_REG_RATE


def choose(qtbot, combo, data):
    """Pick an entry the way a keyboard user does: focus the combo and press ↓/↑ until it is current."""
    combo.setFocus()
    target = combo.findData(data)
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key_Down if combo.currentIndex() < target else Qt.Key_Up)


def test_choosing_l2_sets_a_nonzero_rate_that_the_trainer_uses(qtbot, window):
    controls = window.controls
    assert controls.reg_rate.currentData() == 0.0
    choose(qtbot, controls.regularization, "l2")
    assert controls.reg_rate.isEnabled()
    assert controls.reg_rate.currentData() == DEFAULT_REG_RATE > 0
    qtbot.waitUntil(lambda: window.snapshot().spec.regularization == "l2")
    spec = window.snapshot().spec
    assert spec.regularization_rate == DEFAULT_REG_RATE and spec.l2 == DEFAULT_REG_RATE and spec.l1 == 0


def test_a_chosen_rate_survives_switching_the_penalty(qtbot, window):
    controls = window.controls
    choose(qtbot, controls.regularization, "l2")
    choose(qtbot, controls.reg_rate, 0.1)
    choose(qtbot, controls.regularization, "none")
    choose(qtbot, controls.regularization, "l1")
    assert controls.reg_rate.currentData() == 0.1
    qtbot.waitUntil(lambda: window.snapshot().spec.l1 == 0.1)
