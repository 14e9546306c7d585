"""The canvas' "seeing inside" features, driven as a user would: neuron clicks, hover, right clicks, edge modes,
focus and forward modes, neuron fills, δ rings, thumbnails and the input grid."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from nnstudio.engine import Network, ParamRef, format_value
from nnstudio.gui import palette
from nnstudio.gui.network_view import NetworkView

DIGIT_3 = [
    "..####..",
    ".#....#.",
    "......#.",
    "...###..",
    "......#.",
    "......#.",
    ".#....#.",
    "..####..",
]


# ---- helpers --------------------------------------------------------------------------------------
@pytest.fixture
def view(qtbot):
    w = QWidget()
    layout = QVBoxLayout(w)
    layout.setContentsMargins(0, 0, 0, 0)
    v = NetworkView()
    layout.addWidget(v)
    w.resize(900, 560)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield v  # the generator's frame keeps the window alive (qtbot holds only a weak reference)


def show(view: NetworkView, sizes, seed=0, grid=None) -> list[np.ndarray]:
    weights = Network(sizes, seed=seed).get_weights()
    view.set_network(sizes)
    view.set_input_grid(grid)
    view.set_parameters(weights)
    return weights


def every_neuron(sizes):
    for k, n in enumerate(sizes):
        for i in range(n):
            yield k, i


def digit_pixels() -> np.ndarray:
    px = np.array([[1.0 if c == "#" else 0.0 for c in row] for row in DIGIT_3]).ravel()
    return np.clip(px + 0.3 * np.roll(px, 1), 0.0, 1.0)  # some greys, as a scanned digit has


def click_neuron(qtbot, view: NetworkView, pos: QPoint) -> tuple[int, int]:
    with qtbot.assertNotEmitted(view.parameterClicked), \
            qtbot.waitSignal(view.neuronClicked, timeout=1000) as blocker:
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=pos)
    return tuple(blocker.args)


def click_param(qtbot, view: NetworkView, pos: QPoint) -> ParamRef:
    with qtbot.assertNotEmitted(view.neuronClicked), \
            qtbot.waitSignal(view.parameterClicked, timeout=1000) as blocker:
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=pos)
    return blocker.args[0]


def rgb(c: QColor) -> np.ndarray:
    return np.array([c.red(), c.green(), c.blue()], dtype=float)


def distance(a: QColor, b: QColor) -> float:
    return float(np.abs(rgb(a) - rgb(b)).sum())


def blueish(c: QColor) -> bool:
    return c.blue() > c.red() + 60


def orangeish(c: QColor) -> bool:
    return c.red() > c.blue() + 60


def neuron_centre(view: NetworkView, k: int, i: int) -> QPointF:
    lo = view._layout
    n = lo.neuron_index(k, i)
    return view.to_view(QPointF(lo.nx[n], lo.ny[n]))


def radius_px(view: NetworkView, k: int) -> float:
    return float(view._layout.radius[k] * view.scale_factor())


def grab(view: NetworkView):
    return view.mouse_target().grab().toImage()


# ---- clicking and hovering neurons ------------------------------------------------------------------
@pytest.mark.parametrize("sizes, grid", [([2, 4, 2, 1], None), ([64, 16, 10], (8, 8))])
def test_every_neuron_clicks_exactly_itself(qtbot, view, sizes, grid):
    show(view, sizes, grid=grid)
    n = 0
    for k, i in every_neuron(sizes):
        pos = view.neuron_point(k, i)
        assert view.mouse_target().rect().contains(pos)
        assert click_neuron(qtbot, view, pos) == (k, i)
        n += 1
    assert n == sum(sizes)


def test_edges_and_badges_still_click_as_parameters(qtbot, view):
    show(view, [2, 4, 2, 1])
    for ref in (ParamRef.weight(0, 1, 2), ParamRef.weight(2, 1, 0), ParamRef.bias(1, 0), ParamRef.bias(2, 0)):
        pos = view.bias_point(ref.layer, ref.dst) if ref.is_bias else view.edge_point(ref.layer, ref.src, ref.dst)
        assert click_param(qtbot, view, pos) == ref
    # A badge overlaps its neuron's circle: on the badge the bias wins, in the middle the neuron.
    assert click_param(qtbot, view, view.bias_point(0, 3)) == ParamRef.bias(0, 3)
    assert click_neuron(qtbot, view, neuron_centre(view, 1, 3).toPoint()) == (1, 3)
    with qtbot.assertNotEmitted(view.neuronClicked), qtbot.assertNotEmitted(view.parameterClicked):
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=QPoint(4, 4))  # empty space


def test_hovering_a_neuron_emits_it_and_leaving_emits_none(qtbot, view):
    show(view, [2, 4, 2, 1])
    vp = view.mouse_target()
    view.set_neuron_values([np.full(n, 0.25) for n in (2, 4, 2, 1)])
    for k, i in ((1, 2), (0, 1), (3, 0)):
        with qtbot.waitSignal(view.neuronHovered, timeout=1000, check_params_cb=lambda n, k=k, i=i: n == (k, i)):
            qtbot.mouseMove(vp, view.neuron_point(k, i))
        assert view.hovered_neuron() == (k, i)
        assert view.hovered_parameter() is None
        assert vp.toolTip() == view.neuron_tooltip_text((k, i)) and "0.250" in vp.toolTip()
        with qtbot.waitSignal(view.neuronHovered, timeout=1000, check_params_cb=lambda n: n is None):
            qtbot.mouseMove(vp, QPoint(4, 4))
        assert view.hovered_neuron() is None and vp.toolTip() == ""
    assert view.neuron_tooltip_text((0, 1)).startswith("input x2")
    assert view.neuron_tooltip_text((3, 0)).startswith("output ŷ")
    assert view.neuron_tooltip_text((1, 2)).startswith("hidden layer 1, neuron 2")
    # The mouse leaves the view altogether.
    qtbot.mouseMove(vp, view.neuron_point(2, 1))
    qtbot.waitUntil(lambda: view.hovered_neuron() == (2, 1), timeout=1000)
    with qtbot.waitSignal(view.neuronHovered, timeout=1000, check_params_cb=lambda n: n is None):
        QApplication.sendEvent(vp, QEvent(QEvent.Leave))
    # From a neuron straight onto an edge: the neuron is left (None) and the edge is hovered.
    qtbot.mouseMove(vp, view.neuron_point(1, 0))
    qtbot.waitUntil(lambda: view.hovered_neuron() == (1, 0), timeout=1000)
    with qtbot.waitSignal(view.neuronHovered, timeout=1000, check_params_cb=lambda n: n is None):
        qtbot.mouseMove(vp, view.edge_point(1, 0, 1))
    assert view.hovered_parameter() == ParamRef.weight(1, 0, 1)


def test_hover_and_neuron_encodings_never_rebuild_the_edges(qtbot, view):
    sizes = [2, 8, 8, 1]
    show(view, sizes)
    batches, version, segments = view._edges._batches, view._edges.geometry_version, view._segments
    qtbot.mouseMove(view.mouse_target(), view.neuron_point(2, 3))
    qtbot.waitUntil(lambda: view.hovered_neuron() == (2, 3), timeout=1000)
    view.set_neuron_values([np.linspace(-1, 1, n) for n in sizes])
    view.set_neuron_rings([np.linspace(-1, 1, n) for n in sizes[1:]])
    view.set_thumbnails([np.zeros((n, 6, 6)) for n in sizes[1:]])
    view.set_selected_neuron((2, 3))
    assert view._edges._batches is batches
    assert view._edges.geometry_version == version and view._segments is segments


# ---- right click ----------------------------------------------------------------------------------
def test_right_click_asks_for_a_context_menu(qtbot, view):
    show(view, [2, 4, 2, 1])
    vp = view.mouse_target()
    for ref, pos in ((ParamRef.weight(0, 1, 2), view.edge_point(0, 1, 2)), (ParamRef.bias(2, 0), view.bias_point(2, 0)),
                     (None, QPoint(4, 4)), (None, view.neuron_point(1, 1))):
        with qtbot.assertNotEmitted(view.parameterClicked), qtbot.assertNotEmitted(view.neuronClicked), \
                qtbot.waitSignal(view.contextRequested, timeout=1000) as blocker:
            qtbot.mouseClick(vp, Qt.RightButton, pos=pos)
        assert blocker.args == [ref, pos]
    # The context-menu event a right press also produces must not ask twice; the menu key asks once.
    pos = view.edge_point(1, 1, 1)
    with qtbot.assertNotEmitted(view.contextRequested):
        QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Mouse, pos, vp.mapToGlobal(pos)))
    with qtbot.waitSignal(view.contextRequested, timeout=1000) as blocker:
        QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Keyboard, pos, vp.mapToGlobal(pos)))
    assert blocker.args == [ParamRef.weight(1, 1, 1), pos]


# ---- edge modes ---------------------------------------------------------------------------------------
def test_gradient_mode_colours_edges_and_badges_by_the_gradient(qtbot, view):
    weights = show(view, [2, 4, 2, 1])
    ref, other = ParamRef.weight(0, 0, 0), ParamRef.weight(0, 1, 0)
    weights[0][0, 0], weights[0][1, 0], weights[-1][0] = -1.6, 1.6, -1.6
    view.set_parameters(weights)
    assert orangeish(view.edge_style(ref)[0]) and blueish(view.edge_style(other)[0])
    assert view._legend.title == "weight / bias" and view.scale() == 2.0
    assert view.edge_mode() == "weight"

    grads = [np.zeros_like(w) for w in weights]
    grads[0][0, 0], grads[0][1, 0], grads[-1][0] = 0.0123, -0.0123, 0.0123
    view.set_edge_mode("gradient", grads, "gradient ∂L/∂w")
    assert view.edge_mode() == "gradient"
    assert blueish(view.edge_style(ref)[0])  # positive gradient on a negative weight: blue
    assert orangeish(view.edge_style(other)[0])
    assert view._legend.title == "gradient ∂L/∂w" and view.scale() == 0.02  # its own scale, covering 0.0123
    assert view.value(ref) == -1.6 and view.shown_value(ref) == 0.0123
    badge = view._badges.color_of(view._layout.badge_index(2, 0))
    assert blueish(badge)
    image = grab(view)
    assert blueish(image.pixelColor(view.bias_point(2, 0)))
    qtbot.mouseMove(view.mouse_target(), view.edge_point(0, 0, 0))
    qtbot.waitUntil(lambda: view.hovered_parameter() == ref, timeout=1000)
    assert view.mouse_target().toolTip() == "weight  layer 0: neuron 0 → neuron 0 = −1.600   (∂L/∂w = 0.012)"
    assert view.tooltip_text(ParamRef.bias(2, 0)).endswith("(∂L/∂b = 0.012)")

    # Training goes on: new weights update tooltips but the edges keep showing the gradient.
    weights[0][0, 0] = -1.5
    view.set_parameters(weights)
    assert blueish(view.edge_style(ref)[0]) and view.value(ref) == -1.5
    assert view.mouse_target().toolTip().startswith("weight  layer 0: neuron 0 → neuron 0 = −1.500")

    view.set_edge_mode("weight")
    assert view.edge_mode() == "weight" and orangeish(view.edge_style(ref)[0])
    assert view._legend.title == "weight / bias" and view.scale() == 2.0
    assert view.tooltip_text(ref) == "weight  layer 0: neuron 0 → neuron 0 = −1.500"


def test_other_modes_name_their_values_and_reject_bad_shapes(view):
    weights = show(view, [2, 4, 2, 1])
    update = [1e-4 * np.ones_like(w) for w in weights]
    view.set_edge_mode("update", update)
    assert view._legend.title == "last update Δw"
    assert view.tooltip_text(ParamRef.weight(1, 0, 0)).endswith("(Δw = 1.000e−04)")
    signal = [w * 0.5 for w in weights]
    view.set_edge_mode("signal", signal, "signal w·a")
    assert view.tooltip_text(ParamRef.bias(0, 1)).endswith(f"(b = {format_value(signal[1][1])})")
    assert view.tooltip_text(ParamRef.weight(0, 1, 2)).endswith(f"(w·a = {format_value(signal[0][1, 2])})")
    with pytest.raises(ValueError, match="shape"):
        view.set_edge_mode("gradient", [w.T for w in weights])
    with pytest.raises(ValueError, match="arrays"):
        view.set_edge_mode("gradient", weights[:2])
    view.set_network([3, 2])  # a new structure shows its weights again
    assert view.edge_mode() == "weight"


def test_a_new_network_switches_every_encoding_off(view):
    sizes = [2, 4, 2, 1]
    weights = show(view, sizes)
    view.set_neuron_values([np.ones(n) for n in sizes])
    view.set_neuron_rings([np.ones(n) for n in sizes[1:]])
    view.set_thumbnails([np.ones((n, 4, 4)) for n in sizes[1:]])
    view.set_edge_mode("gradient", weights)
    view.set_focus((1, 1))
    view.set_lit_layers(1)
    view.set_selected_neuron((2, 0))
    view.set_network([3, 5, 2])
    assert view._legend.rows == [] and view._legend.title == "weight / bias"
    assert view.edge_mode() == "weight" and view.focus() is None and view.lit_layers() is None
    assert view.selected_neuron() is None and not view._neuron_select_item.isVisible()
    assert view.neuron_fill(2, 1) == palette.NEURON_FILL and view.neuron_ring(2, 1) is None
    assert not view._neurons.has_thumbnail(view._layout.neuron_index(1, 0))
    assert view.edge_style(ParamRef.weight(0, 0, 0)) == view.edge_style(ParamRef.weight(1, 4, 1))  # all zero


# ---- focus, forward mode, selection ------------------------------------------------------------------
def test_focus_dims_every_edge_that_does_not_touch_the_neuron(qtbot, view):
    sizes = [2, 4, 2, 1]
    weights = show(view, sizes)
    for W in weights[0::2]:
        W[:] = np.where(W >= 0, 1.5, -1.5)  # every edge in full colour, so fading is easy to see
    view.set_parameters(weights)
    refs = [ParamRef.weight(l, i, j) for l in range(3) for i in range(sizes[l]) for j in range(sizes[l + 1])]
    before = {r: view.edge_style(r) for r in refs}
    badges = [view._badges.color_of(b) for b in range(view._layout.bx.size)]
    view.set_focus((1, 2))
    touching = {r for r in refs if (r.layer == 0 and r.dst == 2) or (r.layer == 1 and r.src == 2)}
    assert len(touching) == 4
    for r in refs:
        color, width = view.edge_style(r)
        if r in touching:
            assert (color, width) == before[r]
        else:
            assert distance(color, palette.BACKGROUND) < 0.5 * distance(before[r][0], palette.BACKGROUND)
            assert color.lightness() > before[r][0].lightness() and color.alpha() == 255  # opaque
    own = view._layout.badge_index(0, 2)
    assert view._badges.color_of(own) == badges[own]
    assert view.focus() == (1, 2)
    view.set_focus(None)
    assert all(view.edge_style(r) == before[r] for r in refs)


def test_lit_layers_dim_later_layers_and_the_edges_into_them(view):
    sizes = [2, 4, 2, 1]
    weights = show(view, sizes)
    weights[2][:] = 1.5
    weights[0][:] = -1.5
    view.set_parameters(weights)
    view.set_neuron_values([np.full(n, 0.8) for n in sizes])
    lit_fill = view.neuron_fill(2, 0)
    into_2, into_1 = view.edge_style(ParamRef.weight(1, 0, 0)), view.edge_style(ParamRef.weight(0, 0, 0))
    view.set_lit_layers(1)
    assert view.lit_layers() == 1
    assert view.neuron_fill(1, 0) == lit_fill  # layer 1 is lit
    for k in (2, 3):
        dimmed = view.neuron_fill(k, 0)
        assert distance(dimmed, palette.BACKGROUND) < 0.5 * distance(lit_fill, palette.BACKGROUND)
    assert view.edge_style(ParamRef.weight(0, 0, 0)) == into_1
    faded = view.edge_style(ParamRef.weight(1, 0, 0))[0]
    assert faded.lightness() > into_2[0].lightness() + 40
    view.set_lit_layers(None)
    assert view.neuron_fill(2, 0) == lit_fill and view.edge_style(ParamRef.weight(1, 0, 0)) == into_2


def test_selected_neuron_gets_an_outline(qtbot, view):
    show(view, [2, 4, 2, 1])
    view.set_neuron_rings([np.full(n, 0.5) for n in (4, 2, 1)])
    view.set_selected_neuron((2, 1))
    assert view.selected_neuron() == (2, 1) and view._neuron_select_item.isVisible()
    image = grab(view)
    c = neuron_centre(view, 2, 1)
    r = radius_px(view, 2)
    # Walk outward above the centre: past the fill and the ring there is a dark selection outline.
    column = [image.pixelColor(round(c.x()), round(c.y() - r - d)) for d in range(0, 16)]
    assert min(col.lightness() for col in column) < 80
    view.set_selected_neuron(None)
    assert not view._neuron_select_item.isVisible()
    with pytest.raises(IndexError):
        view.set_selected_neuron((1, 9))


# ---- fills, rings, thumbnails -----------------------------------------------------------------------
def test_neuron_values_fill_the_circles_in_the_palette(qtbot, view):
    sizes = [2, 4, 2, 1]
    show(view, sizes)
    assert view.neuron_fill(1, 0) == palette.NEURON_FILL
    values = [np.array([-2.0, 2.0]), np.array([1.0, -1.0, 0.0, 0.5]), np.array([0.3, -0.3]), np.array([0.9])]
    view.set_neuron_values(values)
    assert view.neuron_fill(0, 1) == palette.qcolor(1.0, 1.0)  # scale 2 (from the values): +2 is full blue
    assert view.neuron_fill(0, 0) == palette.qcolor(-1.0, 1.0)
    assert view.neuron_fill(1, 2) == palette.qcolor(0.0, 1.0)
    image = grab(view)
    for k, i in ((0, 1), (0, 0), (1, 0)):
        assert distance(image.pixelColor(neuron_centre(view, k, i).toPoint()), view.neuron_fill(k, i)) < 8
    view.set_neuron_values(values, scale=4.0)
    assert view.neuron_fill(0, 1) == palette.qcolor(2.0, 4.0)
    assert any(row.label.startswith("fill") for row in view._legend.rows)
    view.set_neuron_values(None)
    assert view.neuron_fill(0, 1) == palette.NEURON_FILL and not view._legend.rows
    with pytest.raises(ValueError, match="shape"):
        view.set_neuron_values([np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match="expected 4 arrays"):
        view.set_neuron_values(values[1:])


def test_delta_rings_surround_non_input_neurons(qtbot, view):
    sizes = [2, 4, 2, 1]
    show(view, sizes)
    assert view.neuron_ring(1, 0) is None
    deltas = [np.array([0.02, -0.02, 0.0, 0.01]), np.array([-0.02, 0.02]), np.array([0.02])]
    view.set_neuron_rings(deltas)
    assert view.neuron_ring(0, 0) is None  # inputs have no δ
    assert view.neuron_ring(1, 0) == palette.qcolor(1.0, 1.0) and view.neuron_ring(2, 0) == palette.qcolor(-1.0, 1.0)
    image = grab(view)
    c, r = neuron_centre(view, 2, 0), radius_px(view, 2)
    # The ring sits just outside the outline; look a few pixels out, away from the badge (upper right).
    ring = [image.pixelColor(round(c.x() + (r + d) * 0.7071), round(c.y() - (r + d) * 0.7071)) for d in (2, 3, 4)]
    assert any(orangeish(p) for p in ring)
    assert view.neuron_tooltip_text((2, 0)).endswith("δ = −0.020")
    view.set_neuron_rings(None)
    assert view.neuron_ring(1, 0) is None


def test_thumbnails_are_drawn_inside_the_circles(qtbot, view):
    sizes = [2, 4, 2, 1]
    show(view, sizes)
    h = w = 12
    maps = [np.zeros((n, h, w)) for n in sizes[1:]]
    maps[0][0][:, : w // 2], maps[0][0][:, w // 2:] = -1.0, 1.0  # neuron (1, 0): x < 0 negative, x > 0 positive
    maps[0][1][: h // 2], maps[0][1][h // 2:] = -1.0, 1.0  # neuron (1, 1): low y (row 0…) negative
    maps[2][0][:] = 1.0  # a sigmoid output, all in [0, 1]: 1 → blue
    maps[1][0][:] = 0.5  # layer 2 holds only 0.5 and 0: in [0, 1] too, so 0.5 → grey and 0 → orange
    view.set_thumbnails(maps)
    image = grab(view)
    blue, orange = palette.qcolor(1.0, 1.0), palette.qcolor(-1.0, 1.0)

    def at(k, i, dx, dy):
        c, r = neuron_centre(view, k, i), radius_px(view, k)
        return image.pixelColor(round(c.x() + dx * r), round(c.y() + dy * r))

    assert distance(at(1, 0, -0.5, 0), orange) < 12 and distance(at(1, 0, 0.5, 0), blue) < 12
    assert distance(at(1, 1, 0, 0.5), orange) < 12 and distance(at(1, 1, 0, -0.5), blue) < 12  # y up
    assert distance(at(3, 0, 0, 0), blue) < 12
    assert distance(at(2, 0, 0, 0), palette.qcolor(0.0, 1.0)) < 12
    assert distance(at(2, 1, 0, 0), orange) < 12
    assert any(row.label == "maps: output in 0…1" for row in view._legend.rows)
    view.set_thumbnails(None)
    assert distance(grab(view).pixelColor(neuron_centre(view, 1, 0).toPoint()), palette.NEURON_FILL) < 8
    with pytest.raises(ValueError, match="h, w"):
        view.set_thumbnails([np.zeros(n) for n in sizes[1:]])


# ---- the input grid ---------------------------------------------------------------------------------
def test_input_grid_keeps_every_point_exact(qtbot, view):
    sizes = [64, 16, 10]
    weights = show(view, sizes, grid=(8, 8))
    rng = np.random.default_rng(0)
    refs = [ParamRef.bias(l, j) for l in range(2) for j in range(sizes[l + 1])]
    refs += [ParamRef.weight(0, int(i), int(j)) for i, j in zip(rng.integers(0, 64, 12), rng.integers(0, 16, 12))]
    refs += [ParamRef.weight(0, 27, 7), ParamRef.weight(0, 0, 0), ParamRef.weight(0, 63, 15)]  # a middle square
    refs += [ParamRef.weight(1, int(i), int(j)) for i, j in zip(rng.integers(0, 16, 6), rng.integers(0, 10, 6))]
    for ref in refs:
        pos = view.bias_point(ref.layer, ref.dst) if ref.is_bias else view.edge_point(ref.layer, ref.src, ref.dst)
        assert click_param(qtbot, view, pos) == ref
        assert view.value(ref) == (weights[2 * ref.layer + 1][ref.dst] if ref.is_bias else
                                   weights[2 * ref.layer][ref.src, ref.dst])
    view.fit()
    # Input i is row i // 8, column i % 8 of the grid.
    a, b = neuron_centre(view, 0, 0), neuron_centre(view, 0, 9)
    assert b.x() > a.x() and b.y() > a.y()
    assert abs(neuron_centre(view, 0, 7).y() - a.y()) < 1e-6
    assert click_neuron(qtbot, view, view.neuron_point(0, 27)) == (0, 27)
    with pytest.raises(ValueError, match="does not hold"):
        view.set_input_grid((7, 7))
    view.set_input_grid(None)  # back to a column, parameters kept
    assert view.value(ParamRef.weight(0, 27, 7)) == weights[0][27, 7]
    assert click_neuron(qtbot, view, view.neuron_point(0, 27)) == (0, 27)


def test_pixel_values_grey_the_input_squares(qtbot, view):
    sizes = [64, 16, 10]
    net = Network(sizes, seed=0)
    view.set_network(sizes)
    view.set_input_grid((8, 8))
    view.set_parameters(net.get_weights())
    px = digit_pixels()
    fw = net.forward(px[None, :])
    view.set_neuron_values([a[0] for a in fw.activations])
    ink, paper = int(np.argmax(px)), int(np.argmin(px))
    assert view.neuron_fill(0, ink) == QColor(0, 0, 0) and view.neuron_fill(0, paper) == QColor(255, 255, 255)
    assert any(row.label == "input pixels" for row in view._legend.rows)
    image = grab(view)
    assert image.pixelColor(neuron_centre(view, 0, ink).toPoint()).lightness() < 20
    assert image.pixelColor(neuron_centre(view, 0, paper).toPoint()).lightness() > 235
    grey = int(np.flatnonzero((px > 0.1) & (px < 0.9))[0])
    assert 60 < image.pixelColor(neuron_centre(view, 0, grey).toPoint()).lightness() < 220
    # Hidden neurons still use the diverging palette.
    k1 = fw.activations[1][0]
    assert view.neuron_fill(1, 0) == palette.qcolor(float(k1[0]), view._values_tracker.scale)
    # Back to a column, the values stay, and inputs are coloured like every other neuron.
    view.set_input_grid(None)
    assert blueish(view.neuron_fill(0, ink)) and view.neuron_fill(1, 0) == palette.qcolor(float(k1[0]),
                                                                                       view._values_tracker.scale)
    assert not any(row.label == "input pixels" for row in view._legend.rows)
    view.set_input_grid((8, 8))
    assert view.neuron_fill(0, ink) == QColor(0, 0, 0)


# ---- the legend and screenshots ---------------------------------------------------------------------------
def test_legend_boxes_block_clicks_and_name_the_mode(qtbot, view):
    sizes = [2, 4, 2, 1]
    weights = show(view, sizes)
    view.set_neuron_values([np.ones(n) for n in sizes])
    view.set_neuron_rings([np.ones(n) for n in sizes[1:]])
    view.set_edge_mode("gradient", weights, "gradient ∂L/∂w")
    rects = view._legend.rects(view.mouse_target().rect(), view.font())
    assert len(rects) == 2 and not rects[0].intersects(rects[1])
    for rect in rects:
        assert view.mouse_target().rect().contains(rect.toRect())
        pos = rect.center().toPoint()
        assert view.pick(pos) is None and view.neuron_at(pos) is None
    assert [row.label for row in view._legend.rows] == ["fill: value", "ring: δ = ∂L/∂z"]
    assert view._legend.emphasised


def test_screenshots(qtbot, view):
    sizes = [2, 4, 2, 1]
    net = Network(sizes, seed=0)
    view.set_network(sizes, ["X₁", "X₂"])
    view.set_parameters(net.get_weights())
    fw = net.forward(np.array([[0.8, -0.5]]))
    view.set_neuron_values([a[0] for a in fw.activations])
    rng = np.random.default_rng(3)
    view.set_neuron_rings([rng.normal(size=n) * 0.05 for n in sizes[1:]])
    view.set_edge_mode("gradient", [rng.normal(size=w.shape) * 0.02 for w in net.get_weights()], "gradient ∂L/∂w")
    view.set_selected_neuron((1, 2))
    assert view.grab().save("/tmp/inside_values.png")

    sizes = [2, 8, 8, 1]
    net = Network(sizes, seed=0, activation="tanh")
    view.set_network(sizes, ["X₁", "X₂"])
    view.set_parameters(net.get_weights())
    xs = np.linspace(-3, 3, 24)
    gx, gy = np.meshgrid(xs, xs)
    acts = net.forward(np.column_stack([gx.ravel(), gy.ravel()])).activations[1:]
    acts[-1] = 1 / (1 + np.exp(-3 * acts[-1]))
    view.set_thumbnails([a.T.reshape(a.shape[1], 24, 24) for a in acts])
    assert view.grab().save("/tmp/inside_thumbs.png")

    sizes = [64, 16, 10]
    net = Network(sizes, seed=0)
    view.set_network(sizes)
    view.set_input_grid((8, 8))
    view.set_parameters(net.get_weights())
    fw = net.forward(digit_pixels()[None, :])
    view.set_neuron_values([a[0] for a in fw.activations])
    view.set_selected_neuron((1, 5))
    view.set_focus((1, 5))
    assert view.grab().save("/tmp/inside_digits.png")
