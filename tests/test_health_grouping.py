"""Health alerts sorted by severity and repeats grouped: the overfitting warning is never 10th of 10.

The alerts come from the engine's own checks (``health_report``, ``overfitting_alert``) on a network whose
biases push units to saturation, and in the window from bias edits typed into the editor.
"""

from PySide6.QtCore import Qt

from nnstudio.engine import Network, make_dataset
from nnstudio.engine.inspect import Alert, health_report, overfitting_alert
from nnstudio.engine.loop import Evaluation
from nnstudio.gui.health_panel import HealthPanel
from nnstudio.training.problem import ProblemSpec


def listed_neurons(tooltip: str) -> dict[int, list[int]]:
    """{layer: neurons} from the tooltip's "hidden layer k: neurons i, j" lines."""
    out = {}
    for line in tooltip.split("\n"):
        if line.startswith("hidden layer ") and ":" in line:
            head, tail = line.split(":", 1)
            out[int(head.split()[-1])] = sorted(int(n) for n in tail.replace("neurons", "").replace("neuron", "")
                                                .split(","))
    return out


def saturated_network():
    """A 2-8-8-1 tanh network with every first-layer unit and one second-layer unit pinned at +1."""
    net = Network([2, 8, 8, 1], "tanh", "sigmoid", seed=0)
    w = net.get_weights()
    w[1][:] = 8.0
    w[3][5] = 30.0
    net.set_weights(w)
    return net


def rising_test_loss():
    train = [1.0, 0.8, 0.6, 0.5, 0.4]
    test = [1.0, 0.9, 0.8, 0.85, 0.95]
    return [Evaluation(10 * (k + 1), k, tr, te, None, None) for k, (tr, te) in enumerate(zip(train, test))]


def test_overfitting_comes_before_grouped_saturation_warnings(qtbot):
    net = saturated_network()
    X, _ = make_dataset("circle", 200, 0.0, seed=0)
    found = health_report(net, X)
    saturated = [(a.layer, a.neuron) for a in found if a.kind == "saturated"]
    assert len(saturated) >= 9 and {k for k, _ in saturated} == {1, 2}  # the engine's verdict, both layers
    over = overfitting_alert(rising_test_loss())
    assert over is not None
    panel = HealthPanel()
    qtbot.addWidget(panel)
    panel.resize(380, 200)
    panel.show()
    panel.set_alerts(found + [over], net.activations)  # the order the app gathers them in: overfitting last
    # Failed before: 10 rows, the overfitting warning last and cut off below nine saturation warnings.
    assert panel.list.count() == 2
    assert panel.list.item(0).text() == over.message
    group = panel.list.item(1)
    assert group.text().startswith(f"{len(saturated)} saturated tanh units")
    assert listed_neurons(group.toolTip()) == {k: sorted(i for kk, i in saturated if kk == k) for k in (1, 2)}
    assert f"{len(saturated) + 1} warnings" in panel.header.text()
    # Both rows fit in the panel: the most important one is never scrolled away.
    assert panel.list.visualItemRect(panel.list.item(0)).bottom() < panel.list.viewport().height()


def test_errors_come_first(qtbot):
    panel = HealthPanel()
    qtbot.addWidget(panel)
    alerts = [Alert("saturated", "warning", f"Neuron {j} of hidden layer 1 is saturated", 1, j) for j in range(3)]
    alerts += [Alert("overfitting", "warning", "The network is starting to overfit"),
               Alert("nonfinite", "error", "The loss became NaN: training diverged")]
    panel.set_alerts(alerts, ["tanh", "sigmoid"])
    texts = [panel.list.item(r).text() for r in range(panel.list.count())]
    assert texts[0].startswith("The loss became NaN") and texts[1].startswith("The network is starting")
    assert texts[2].startswith("3 saturated tanh units")
    assert [a.kind for a in panel.alerts()] == ["nonfinite", "overfitting", "saturated", "saturated", "saturated"]


def test_window_groups_saturated_units_and_double_click_selects_each(qtbot, open_window):
    w = open_window(ProblemSpec(hidden=(6,)))
    view = w.network_view
    pinned = [0, 2, 3]
    for j in pinned:
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.bias_point(0, j))
        qtbot.waitUntil(lambda: w.editor.is_open())
        w.editor.selectAll()
        qtbot.keyClicks(w.editor, "40")
        qtbot.keyClick(w.editor, Qt.Key_Return)
        qtbot.waitUntil(lambda j=j: w.parameters()[1][j] == 40.0)
    # The engine's own verdict on the parameters shown is the oracle for which units are saturated.
    d = w.snapshot().data
    saturated = sorted(a.neuron for a in health_report(w.view_net, d.F_train) if a.kind == "saturated")
    assert set(pinned) <= set(saturated)
    panel = w.inside.health
    title = f"{len(saturated)} saturated tanh units"
    qtbot.waitUntil(lambda: panel.list.count() >= 1 and panel.list.item(0).text().startswith(title), timeout=3000)
    assert w.health_label.text().startswith(title) and w.health_icon.property("severity") == "warning"
    assert listed_neurons(panel.list.item(0).toolTip()) == {1: saturated}
    rect = panel.list.visualItemRect(panel.list.item(0))
    chosen = []
    for _ in saturated:
        qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.list.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: w.inside.neuron is not None and (not chosen or w.inside.neuron != chosen[-1]))
        chosen.append(w.inside.neuron)
    assert sorted(i for _, i in chosen) == saturated and {k for k, _ in chosen} == {1}
    assert view.selected_neuron() == chosen[-1]
    w.close()
