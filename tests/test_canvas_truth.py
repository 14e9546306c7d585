"""What the canvas draws equals the numbers, after sequences of ordinary actions (issue 8).

Each test here reproduces a sequence that once showed a wrong picture or crashed, drives it through the real
window, and checks the drawn result against an oracle that does not come from the canvas code.
"""

import subprocess
import sys
import textwrap

import numpy as np

from invariants import ideal_rgb
from nnstudio.engine import ParamRef
from nnstudio.training.problem import ProblemSpec

SEGFAULT_SEQUENCE = textwrap.dedent("""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QStandardPaths, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    QStandardPaths.setTestModeEnabled(True)
    app = QApplication([])
    from nnstudio.gui import MainWindow
    w = MainWindow(trainer="sync")
    w.show()
    QTest.qWait(50)
    c = w.controls
    QTest.mouseClick(c.add_layer, Qt.LeftButton)
    c.activation.setCurrentIndex(c.activation.findData("relu"))
    c.dataset.setCurrentIndex(c.dataset.findData("line"))
    for _ in range(100):  # until the health check has drawn its dead-ReLU signs
        QTest.qWait(20)
        if w.network_view.alert_neurons():
            break
    assert w.network_view.alert_neurons(), "no alert signs appeared: the sequence no longer reproduces"
    QTest.mouseClick(c.remove_layer, Qt.LeftButton)
    QTest.qWait(300)  # paints the new, smaller network
    w.grab()
    print("alive", w.network_view.alert_neurons())
    w.files.end_session()
    w.close()
""")


def test_removing_a_layer_while_alert_signs_are_drawn_does_not_crash(tmp_path):
    """Once a segfault in libshiboken6 (exit 139): the signs kept neuron indices of the removed layer."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONFAULTHANDLER": "1"}
    done = subprocess.run([sys.executable, "-c", SEGFAULT_SEQUENCE], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert "alive" in done.stdout


def test_a_new_structure_drops_the_alert_signs_of_the_old_one(qtbot):
    from nnstudio.gui.network_view import NetworkView

    view = NetworkView()
    qtbot.addWidget(view)
    view.set_network([2, 4, 4, 4, 1])
    view.set_alert_neurons([(3, 3), (1, 0)])
    view.set_network([2, 4, 4, 1])
    assert view.alert_neurons() == []
    view.grab()  # paints without touching a neuron that is gone


def click_and_type(qtbot, window, point, text):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    qtbot.mouseClick(window.network_view.mouse_target(), Qt.LeftButton, pos=point)
    qtbot.waitUntil(lambda: window.editor.is_open() and QApplication.focusWidget() is window.editor)
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, text)
    qtbot.keyClick(window.editor, Qt.Key_Return)


def test_edge_legend_shrinks_back_after_an_edit_and_its_undo(qtbot, open_window):
    """Once the legend only grew: after one edit to 12 and back it stayed at ±10 and every other edge faded."""
    from PySide6.QtCore import Qt

    from invariants import check_edges_and_badges

    window = open_window(trainer="sync")
    view = window.network_view
    check_edges_and_badges(window)
    click_and_type(qtbot, window, view.edge_point(0, 0, 1), "12")
    qtbot.waitUntil(lambda: window.parameters()[0][0, 1] == 12.0)
    check_edges_and_badges(window)
    assert view.legend_state().scale >= 12
    click_and_type(qtbot, window, view.edge_point(0, 0, 1), "1.2")
    qtbot.waitUntil(lambda: window.parameters()[0][0, 1] == 1.2)
    check_edges_and_badges(window)  # failed before: ±10 for a largest |w| of 1.2
    qtbot.keyClick(view.mouse_target(), Qt.Key_Z, Qt.ControlModifier)  # back to 12: merged edits undo as one
    qtbot.waitUntil(lambda: abs(window.parameters()[0][0, 1]) < 1.01)
    check_edges_and_badges(window)
    window.close()


def _sample_activations(window):
    which, k = window.inside.sample
    d = window.snapshot().data
    F = d.F_train if which == "train" else d.F_test
    return [a[0] for a in window.view_net.forward(F[k:k + 1]).activations]


def test_neuron_fills_follow_each_activations_own_range(qtbot, open_window):
    """Once one scale, set by the inputs (±5 here), made tanh units at ±0.9 look white and a dead ReLU
    (a = 0) solid orange under the sigmoid map."""
    from invariants import check_fills

    window = open_window(trainer="sync")
    window.inside.select_sample("train", 3)
    qtbot.waitUntil(lambda: window.network_view.legend_state().rows != ())
    check_fills(window, _sample_activations(window))
    rows = {label for label, _, _ in window.network_view.legend_state().rows}
    assert {"fill: inputs", "fill: tanh", "fill: sigmoid"} <= rows
    c = window.controls
    c.activation.setCurrentIndex(c.activation.findData("relu"))
    qtbot.waitUntil(lambda: window.view_net.activations[0] == "relu")
    qtbot.wait(50)
    check_fills(window, _sample_activations(window))
    window.close()


def test_a_dead_relu_is_grey_not_orange(qtbot, open_window):
    from invariants import check_fills

    spec = ProblemSpec(activation="relu")
    window = open_window(spec, trainer="sync")
    ref = ParamRef.bias(0, 2)
    window.edit_parameter(ref, -50.0)  # no sample can lift z above 0: a = 0
    qtbot.waitUntil(lambda: window.parameters()[1][2] == -50.0)
    values = _sample_activations(window)
    assert values[1][2] == 0.0
    check_fills(window, values)
    window.close()


def test_a_click_inside_a_neurons_circle_selects_the_neuron(qtbot, open_window):
    """Digits' small hidden neurons: once 2 of 3 clicks inside a circle opened a weight or bias editor."""
    from PySide6.QtCore import QPoint, QPointF, Qt

    from nnstudio.training.problem import digits_preset

    window = open_window(digits_preset(ProblemSpec()), trainer="sync")
    view = window.network_view
    lo = view._layout
    rng = np.random.default_rng(7)
    clicked = []
    view.neuronClicked.connect(lambda k, i: clicked.append((k, i)))
    view.parameterClicked.connect(lambda ref, pos: clicked.append(ref))
    tried = 0
    for k in range(1, len(lo.sizes)):
        for i in rng.choice(lo.sizes[k], size=min(6, lo.sizes[k]), replace=False).tolist():
            n = lo.neuron_index(k, i)
            centre = view.to_view(QPointF(lo.nx[n], lo.ny[n]))
            r_px = lo.nr[n] * view.scale_factor()
            badge = lo.badge_index(k - 1, i)
            b = view.to_view(QPointF(lo.bx[badge], lo.by[badge]))
            half = view._badges.half_px(view.scale_factor())[badge] + 1.0
            for _ in range(3):
                angle, frac = rng.uniform(0, 2 * np.pi), np.sqrt(rng.uniform(0.0, 0.8))
                p = QPoint(round(centre.x() + frac * r_px * np.cos(angle)),
                           round(centre.y() + frac * r_px * np.sin(angle)))
                if abs(p.x() - b.x()) <= half and abs(p.y() - b.y()) <= half:
                    continue  # the badge is drawn on top of the circle: a click there edits the bias
                if (p.x() - centre.x()) ** 2 + (p.y() - centre.y()) ** 2 > (0.95 * r_px) ** 2:
                    continue  # rounding to whole pixels left the circle
                clicked.clear()
                qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=p)
                tried += 1
                assert clicked == [(k, i)], f"a click at {p} inside neuron {i} of layer {k} selected {clicked}"
                if window.editor.is_open():
                    window.editor.cancel()
    assert tried >= 20
    window.close()


def test_the_legend_explains_only_the_fills_that_show(qtbot, open_window):
    """Neuron maps (on by default) cover every non-input neuron: its fill rows ("fill: tanh") explained
    colours nobody could see, five rows deep; the inputs' row stays."""
    from PySide6.QtCore import Qt

    window = open_window(trainer="sync")
    window.flush()
    view = window.network_view
    labels = [label for label, _, _ in view.legend_state().rows]
    assert view.has_thumbnails()
    assert "fill: inputs" in labels and "fill: tanh" not in labels and "fill: sigmoid" not in labels
    qtbot.keyClick(view.viewport(), Qt.Key_T)  # maps off: every fill shows, every range is explained
    window.flush()
    labels = [label for label, _, _ in view.legend_state().rows]
    assert not view.has_thumbnails() and {"fill: inputs", "fill: tanh", "fill: sigmoid"} <= set(labels)
    window.close()


def test_neuron_maps_follow_each_activations_own_range(qtbot, open_window):
    """Seen on spiral with ReLU: every map shared one ±20 scale, so the hidden units' maps were near white and
    a ReLU's zero was drawn on a diverging scale; each layer now maps in its activation's range."""
    from nnstudio.engine import feature_transform
    from nnstudio.engine.inspect import neuron_maps
    from nnstudio.gui.inside import THUMB_SIZE

    window = open_window(ProblemSpec(dataset="spiral", activation="relu", hidden=(4, 4)), trainer="sync")
    window.trainer.step(300)
    qtbot.waitUntil(lambda: window.step_count() == 300)
    window.flush()
    view = window.network_view
    grid = window.output_view.plane_grid(THUMB_SIZE)
    maps = neuron_maps(window.view_net, feature_transform(grid, window.snapshot().spec.features))
    rows = {label: (low, high) for label, low, high in view.legend_state().rows}
    assert rows["maps: relu"] == ("0", "layer max") and rows["maps: sigmoid"] == ("0", "1")
    for k in (1, 2):
        values = maps[k - 1]  # (cells, n_k): the engine's outputs on the same grid
        relu_top = view.thumbnail_bound(k)  # each layer's own: one layer's large outputs wash out no other's
        assert relu_top >= values.max() and relu_top <= 4 * max(values.max(), 0.025)
        for i in range(values.shape[1]):
            drawn = view.thumbnail_colors(k, i)[::-1].reshape(-1)  # back to grid order: row 0 at the bottom
            v = values[:, i]
            rgb = np.stack([(drawn >> s) & 0xFF for s in (16, 8, 0)], axis=1).astype(float)
            want = np.array([ideal_rgb(x / relu_top) for x in v])
            assert np.abs(rgb - want).max() <= 2.5, f"map of neuron {i} of layer {k}"
            assert not np.any(rgb[:, 0] > rgb[:, 2] + 8), "a ReLU map is drawn orange"
    window.close()


def test_a_relu_layer_whose_maps_top_out_below_one_stays_on_its_own_scale(qtbot, open_window):
    """Found by the state machine (ReLU, then Shift+R): a ReLU layer whose outputs all stay under 0.8 gets a
    tracked bound of exactly 1, and its maps were drawn as a sigmoid's class probabilities, 0 orange → 1 blue,
    because the 0…1 case was told by the bound's value, not by the activation's range."""
    from nnstudio.engine import feature_transform
    from nnstudio.engine.inspect import neuron_maps
    from nnstudio.gui.inside import THUMB_SIZE

    window = open_window(ProblemSpec(activation="relu"), trainer="sync")
    window.flush()
    grid = feature_transform(window.output_view.plane_grid(THUMB_SIZE), window.snapshot().spec.features)
    weights = window.parameters()
    top = float(neuron_maps(window.view_net, grid)[1].max())
    assert top > 0, "the second ReLU layer is dead on this seed: the case needs some output"
    weights[2], weights[3] = weights[2] * (0.7 / top), weights[3] * (0.7 / top)  # a ReLU scales with its input
    window.trainer.set_params(np.concatenate([w.ravel() for w in weights]))
    qtbot.waitUntil(lambda: np.allclose(window.parameters()[2], weights[2]))
    window.flush()
    view = window.network_view
    values = neuron_maps(window.view_net, grid)[1]
    assert 0.69 < values.max() < 0.71 and view.thumbnail_bound(2) == 1.0
    for i in range(values.shape[1]):
        drawn = view.thumbnail_colors(2, i)[::-1].reshape(-1)
        rgb = np.stack([(drawn >> s) & 0xFF for s in (16, 8, 0)], axis=1).astype(float)
        want = np.array([ideal_rgb(x) for x in values[:, i]])  # grey at 0 → blue at the bound, 1
        assert np.abs(rgb - want).max() <= 2.5, f"map of neuron {i} of layer 2"
        assert not np.any(rgb[:, 0] > rgb[:, 2] + 8), "a ReLU map is drawn orange"
    window.close()
