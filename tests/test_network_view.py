"""The network canvas, driven as a user would: clicks, drags, the wheel, hovering, resizing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip, QVBoxLayout, QWidget

from nnstudio.engine import Network, ParamRef, format_value
from nnstudio.gui import palette
from nnstudio.gui.network_view import NetworkView


# ---- helpers --------------------------------------------------------------------------------------
@pytest.fixture
def window(qtbot):
    """A plain window holding the view, so resizing the window resizes the view as in the app."""
    w = QWidget()
    layout = QVBoxLayout(w)
    layout.setContentsMargins(0, 0, 0, 0)
    view = NetworkView()
    layout.addWidget(view)
    w.resize(900, 560)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w, view


def show(view: NetworkView, sizes, seed=0, labels=None) -> list[np.ndarray]:
    weights = Network(sizes, seed=seed).get_weights()
    view.set_network(sizes, labels)
    view.set_parameters(weights)
    return weights


def every_parameter(sizes):
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        for i in range(a):
            for j in range(b):
                yield ParamRef.weight(l, i, j)
        for j in range(b):
            yield ParamRef.bias(l, j)


def point_of(view: NetworkView, ref: ParamRef) -> QPoint:
    if ref.is_bias:
        return view.bias_point(ref.layer, ref.dst)
    return view.edge_point(ref.layer, ref.src, ref.dst)


def click(qtbot, view: NetworkView, pos: QPoint):
    with qtbot.waitSignal(view.parameterClicked, timeout=1000) as blocker:
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=pos)
    return blocker.args


def assert_every_parameter_clicks(qtbot, view: NetworkView, sizes) -> int:
    n = 0
    for ref in every_parameter(sizes):
        pos = point_of(view, ref)
        assert view.mouse_target().rect().contains(pos), ref
        got, at = click(qtbot, view, pos)
        assert got == ref
        assert at == pos
        n += 1
    return n


def wheel(view: NetworkView, pos: QPoint, notches: int) -> None:
    vp = view.mouse_target()
    event = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)


def centre_in_scene(view: NetworkView) -> QPointF:
    return view.to_scene(view.mouse_target().rect().center())


def empty_point(view: NetworkView) -> QPoint:
    """A viewport point well outside the network (top-left corner, away from the legend)."""
    pos = QPoint(4, 4)
    assert view.pick(pos) is None
    return pos


# ---- clicking every parameter -------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[2, 4, 2, 1], [2, 8, 8, 1]])
def test_every_edge_and_bias_clicks_exactly_itself(qtbot, window, sizes):
    w, view = window
    show(view, sizes)
    n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    scale_at_fit = view.scale_factor()
    assert assert_every_parameter_clicks(qtbot, view, sizes) == n
    assert view.scale_factor() == scale_at_fit  # at the default fit nothing needed zooming

    wheel(view, view.mouse_target().rect().center(), 3)  # zoom in: some parameters are now off-screen
    assert view.scale_factor() > 1.5 * scale_at_fit
    assert assert_every_parameter_clicks(qtbot, view, sizes) == n

    view.fit()
    w.resize(620, 430)
    qtbot.waitUntil(lambda: view.mouse_target().width() == 620)
    assert view.scale_factor() < scale_at_fit  # re-fitted to the smaller window
    assert assert_every_parameter_clicks(qtbot, view, sizes) == n


def test_output_bias_badge_is_drawn_and_clickable(qtbot, window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    weights[-1][:] = 5.0  # far beyond the scale: the badge must show the full positive colour
    view.set_parameters(weights)
    pos = view.bias_point(2, 0)
    assert view.pick(pos) == ParamRef.bias(2, 0)
    image = view.mouse_target().grab().toImage()
    pixel = image.pixelColor(pos)
    blue = palette.qcolor(1.0, 1.0)
    assert abs(pixel.red() - blue.red()) + abs(pixel.green() - blue.green()) + abs(pixel.blue() - blue.blue()) < 30
    assert click(qtbot, view, pos)[0] == ParamRef.bias(2, 0)


def test_badge_wins_over_an_edge_under_it(qtbot, window):
    _, view = window
    show(view, [2, 4, 2, 1])
    lo = view._layout
    i = lo.badge_index(0, 3)
    badge_centre = view.to_view(QPointF(lo.bx[i], lo.by[i])).toPoint()
    # The incoming edge from the lower input passes right by this badge.
    assert view.pick(badge_centre + QPoint(2, 0)) == ParamRef.bias(0, 3)


# ---- empty space, dragging, zooming, fitting ---------------------------------------------------------------
def test_click_on_empty_space_emits_nothing(qtbot, window):
    _, view = window
    show(view, [2, 4, 2, 1])
    with qtbot.assertNotEmitted(view.parameterClicked):
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=empty_point(view))
        lo = view._layout  # the middle of a neuron circle is not a parameter either
        qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.to_view(QPointF(lo.x[1], lo.y[1][1])).toPoint())


@pytest.mark.parametrize("start_on_edge", [False, True])
def test_drag_pans_without_emitting(qtbot, window, start_on_edge):
    _, view = window
    show(view, [2, 4, 2, 1])
    vp = view.mouse_target()
    start = view.edge_point(0, 0, 0) if start_on_edge else empty_point(view)
    before = centre_in_scene(view)
    with qtbot.assertNotEmitted(view.parameterClicked):
        qtbot.mousePress(vp, Qt.LeftButton, pos=start)
        for k in range(1, 6):
            qtbot.mouseMove(vp, start + QPoint(12 * k, 8 * k))
        qtbot.mouseRelease(vp, Qt.LeftButton, pos=start + QPoint(60, 40))
    after = centre_in_scene(view)
    s = view.scale_factor()
    assert (before.x() - after.x()) * s == pytest.approx(60, abs=1.5)  # the content followed the mouse
    assert (before.y() - after.y()) * s == pytest.approx(40, abs=1.5)
    assert view.user_view
    # After the drag a click still selects what is under it.
    assert click(qtbot, view, view.edge_point(1, 1, 0))[0] == ParamRef.weight(1, 1, 0)


def test_wheel_zooms_around_the_cursor_and_resize_keeps_the_users_view(qtbot, window):
    w, view = window
    show(view, [2, 4, 2, 1])
    anchor = view.edge_point(0, 1, 2)
    under = view.to_scene(anchor)
    s0 = view.scale_factor()
    wheel(view, anchor, 2)
    assert view.scale_factor() == pytest.approx(s0 * 2**0.5, rel=1e-6)
    moved = view.to_view(under)
    assert abs(moved.x() - anchor.x()) <= 1 and abs(moved.y() - anchor.y()) <= 1
    wheel(view, anchor, -1)
    assert view.scale_factor() < s0 * 2**0.5
    zoomed = view.scale_factor()
    w.resize(700, 500)
    qtbot.waitUntil(lambda: view.mouse_target().width() == 700)
    assert view.scale_factor() == zoomed  # the user's zoom survives a resize
    view.fit()
    assert not view.user_view
    w.resize(900, 560)
    qtbot.waitUntil(lambda: view.mouse_target().width() == 900)
    assert view.scale_factor() != zoomed


def test_fit_shows_the_whole_network_and_labels(qtbot, window):
    _, view = window
    show(view, [2, 4, 2, 1], labels=["X₁", "sin(X₂)"])
    rect = view.mapFromScene(view.content_rect()).boundingRect()
    assert view.mouse_target().rect().contains(rect)
    left_margin, _, right_margin, _ = view.fit_margins()
    assert rect.left() >= left_margin - 2 and view.mouse_target().width() - rect.right() >= right_margin - 2
    assert view._inputs == ["X₁", "sin(X₂)"] and view._outputs == ["ŷ"]
    view.set_network([3, 2])
    assert view._inputs == ["x1", "x2", "x3"] and view._outputs == ["ŷ0", "ŷ1"]


# ---- hover and tooltips -------------------------------------------------------------------------------
def test_hover_tooltip_names_the_parameter_and_its_value(qtbot, window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    vp = view.mouse_target()
    weights[2][2, 0] = -0.734
    weights[5][0] = 0.12
    view.set_parameters(weights)
    cases = [
        (ParamRef.weight(1, 2, 0), "weight  layer 1: neuron 2 → neuron 0 = −0.734"),
        (ParamRef.bias(2, 0), "bias  layer 2, neuron 0 = 0.120"),
        (ParamRef.weight(0, 1, 3), f"weight  layer 0: neuron 1 → neuron 3 = {format_value(weights[0][1, 3])}"),
    ]
    for ref, text in cases:
        qtbot.mouseMove(vp, point_of(view, ref))
        qtbot.waitUntil(lambda ref=ref: view.hovered_parameter() == ref, timeout=1000)
        assert vp.toolTip() == text
        assert view.tooltip_text(ref) == text
    qtbot.mouseMove(vp, empty_point(view))
    qtbot.waitUntil(lambda: view.hovered_parameter() is None, timeout=1000)
    assert vp.toolTip() == ""


def test_tooltip_event_shows_the_hovered_parameter(qtbot, window):
    _, view = window
    show(view, [2, 4, 2, 1])
    vp = view.mouse_target()
    pos = view.bias_point(1, 1)
    qtbot.mouseMove(vp, pos)
    qtbot.waitUntil(lambda: view.hovered_parameter() == ParamRef.bias(1, 1), timeout=1000)
    QApplication.sendEvent(vp, QHelpEvent(QEvent.ToolTip, pos, vp.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == view.tooltip_text(ParamRef.bias(1, 1))
    weights = [w + 0.25 for w in Network([2, 4, 2, 1], seed=0).get_weights()]
    view.set_parameters(weights)  # training goes on under the cursor: the open tooltip follows the value
    assert QToolTip.text() == f"bias  layer 1, neuron 1 = {format_value(weights[3][1])}"


def test_hover_and_highlight_do_not_rebuild_the_edges(qtbot, window):
    _, view = window
    show(view, [2, 8, 8, 1])
    batches, version = view._edges._batches, view._edges.geometry_version
    qtbot.mouseMove(view.mouse_target(), view.edge_point(1, 3, 4))
    qtbot.waitUntil(lambda: view.hovered_parameter() == ParamRef.weight(1, 3, 4), timeout=1000)
    view.set_highlight(ParamRef.bias(1, 2))
    assert view._selection_item.isVisible()
    assert view._edges._batches is batches and view._edges.geometry_version == version
    view.set_highlight(None)
    assert not view._selection_item.isVisible()


# ---- colours and widths -------------------------------------------------------------------------------
def test_palette_endpoints_widths_and_scale():
    rgb = palette.colors_rgb([-9.0, -1.0, 0.0, 1.0, 9.0, np.nan], 1.0)
    assert [tuple(c) for c in rgb] == [(0xF5, 0x93, 0x22)] * 2 + [(0xE8, 0xEA, 0xEB)] + [(0x08, 0x77, 0xBD)] * 2 + [
        (0xE8, 0xEA, 0xEB)]
    argb = palette.colors_argb32([-1.0, 0.0, 1.0], 1.0)
    assert [hex(int(v)) for v in argb] == ["0xfff59322", "0xffe8eaeb", "0xff0877bd"]
    assert palette.edge_widths([0.0, 0.5, 1.0, 3.0], 1.0).tolist() == [1.0, 4.5, 8.0, 8.0]
    assert [palette.nice_scale(m) for m in (0.0, 0.07, 0.3, 1.0, 1.01, 3.0, 7.0, 12.0)] == [
        0.1, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    tracker = palette.ScaleTracker()  # covers every value; shrinks once the lower bound leaves 25 % headroom
    assert [tracker.update(m) for m in (0.9, 1.2, 1.3, 1.2, 0.99, 0.81, 0.8, 12.0, 1.2)] == [
        1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 20.0, 2.0]
    q = palette.Quantiser()
    assert q.buckets([-0.95, 0.95, 0.0, 0.05, -0.5], 1.0).tolist() == [18, 19, 0, 1, 10]
    assert q.widths == sorted(q.widths) and q.widths[0] == 1.0 and q.widths[-1] == 8.0  # weak → strong


def test_edge_colour_and_width_follow_the_weight_without_new_geometry(qtbot, window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    weights[0][0, 0], weights[0][1, 0], weights[0][0, 1] = 1.6, -1.6, 0.3
    view.set_parameters(weights)
    version, segments = view._edges.geometry_version, view._segments
    (pos_color, pos_width) = view.edge_style(ParamRef.weight(0, 0, 0))
    (neg_color, neg_width) = view.edge_style(ParamRef.weight(0, 1, 0))
    (_, weak_width) = view.edge_style(ParamRef.weight(0, 0, 1))
    assert pos_color.blue() > pos_color.red() + 80  # blueish
    assert neg_color.red() > neg_color.blue() + 80  # orangeish
    assert pos_width == neg_width > weak_width
    weights[0][0, 0] = -1.6
    view.set_parameters(weights)
    color, _ = view.edge_style(ParamRef.weight(0, 0, 0))
    assert color.red() > color.blue() + 80
    assert view.value(ParamRef.weight(0, 0, 0)) == -1.6
    assert view._edges.geometry_version == version and view._segments is segments


def test_scale_follows_the_parameters_and_the_legend_says_so(qtbot, window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    weights[0][0, 0] = 7.0
    view.set_parameters(weights)
    assert view.scale() == 10.0
    weights[0][0, 0] = 4.2  # a bound of 5 would leave it too little headroom: no flicker at the step
    view.set_parameters(weights)
    assert view.scale() == 10.0
    weights[0][0, 0] = 3.9  # …but it comes down once the smaller bound has room to spare
    view.set_parameters(weights)
    assert view.scale() == 5.0
    view.set_parameters([w * 0 for w in weights])
    assert view.scale() == palette.MIN_SCALE


def test_invalid_structure_or_parameters_are_rejected(window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    with pytest.raises(ValueError, match="shape"):
        view.set_parameters([weights[0].T, *weights[1:]])
    with pytest.raises(ValueError, match="arrays"):
        view.set_parameters(weights[:-1])
    with pytest.raises(ValueError, match="labels"):
        view.set_network([2, 3], ["a"])
    with pytest.raises(IndexError):
        view.edge_point(0, 2, 0)
    assert view.value(ParamRef.weight(0, 1, 3)) == weights[0][1, 3]  # still the old network


def test_antialiasing_is_off_while_training(window):
    _, view = window
    assert view.renderHints() & QPainter.Antialiasing
    view.set_animating(True)
    assert not view.renderHints() & QPainter.Antialiasing
    view.set_animating(False)
    assert view.renderHints() & QPainter.Antialiasing


def test_the_picture_has_the_encodings(qtbot, window):
    _, view = window
    weights = show(view, [2, 4, 2, 1])
    weights[0][0, 0], weights[0][1, 1] = 2.0, -2.0
    view.set_parameters(weights)
    image = view.mouse_target().grab().toImage()
    assert image.pixelColor(empty_point(view)) == palette.BACKGROUND
    for ref, dominant in ((ParamRef.weight(0, 0, 0), "blue"), (ParamRef.weight(0, 1, 1), "red")):
        c = image.pixelColor(view.edge_point(ref.layer, ref.src, ref.dst))
        assert getattr(c, dominant)() == max(c.red(), c.blue())
        assert abs(c.red() - c.blue()) > 100


# ---- large networks ----------------------------------------------------------------------------------
def test_784_128_64_10_opens_with_heatmap_and_clickable_parameters(qtbot, window):
    _, view = window
    sizes = [784, 128, 64, 10]
    weights = show(view, sizes, seed=1)
    assert view.heatmap_mode(0) and not view.heatmap_mode(1) and not view.heatmap_mode(2)
    assert view._edges.drawn.size <= 2 * view.edge_budget + 640

    # The output badges are big enough for an outline even though the 128-wide column's are dots.
    image = view.mouse_target().grab().toImage()
    i = view._layout.badge_index(2, 0)
    centre = view.to_view(QPointF(view._layout.bx[i], view._layout.by[i]))
    half = view._badges.half_px(view.scale_factor())[i]
    row = [image.pixelColor(round(centre.x() - half) + dx, round(centre.y())).lightness() for dx in (-1, 0, 1)]
    assert min(row) < 140

    scale_at_fit = view.scale_factor()
    for layer, neurons in ((0, (0, 1, 63, 127)), (1, (0, 31, 63)), (2, (0, 9))):
        for n in neurons:
            assert click(qtbot, view, view.bias_point(layer, n))[0] == ParamRef.bias(layer, n)
    assert view.scale_factor() == scale_at_fit and not view.user_view  # no zoom needed for badges

    # A pair over the edge budget draws its strongest weights, and each drawn one is clickable.
    W1 = weights[2]
    i, j = np.unravel_index(np.argmax(np.abs(W1)), W1.shape)
    assert click(qtbot, view, view.edge_point(1, int(i), int(j)))[0] == ParamRef.weight(1, int(i), int(j))
    weakest = np.unravel_index(np.argmin(np.abs(W1)), W1.shape)
    with pytest.raises(ValueError, match="heatmap"):
        view.edge_point(1, *map(int, weakest))

    # Heatmap cells: a click returns the weight under the cell (the view zooms in if cells are sub-pixel).
    for src, dst in ((0, 0), (500, 100), (783, 127), (391, 64)):
        pos = view.edge_point(0, src, dst)
        ref, _ = click(qtbot, view, pos)
        assert ref == ParamRef.weight(0, src, dst)
        assert view.value(ref) == weights[0][src, dst]

    view.set_heatmap_mode(1, True)
    ref = ParamRef.weight(1, *map(int, weakest))
    assert click(qtbot, view, view.edge_point(1, ref.src, ref.dst))[0] == ref
    view.set_heatmap_mode(0, False)  # 784×128 as edges: the strongest 2,000
    assert not view.heatmap_mode(0) and view._edges.drawn.size >= view.edge_budget
    view.fit()
    assert click(qtbot, view, view.bias_point(2, 9))[0] == ParamRef.bias(2, 9)



def test_caption_is_drawn_and_blocks_clicks_under_it(qtbot):
    from PySide6.QtCore import QPointF

    from nnstudio.gui.network_view import NetworkView

    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    assert view.caption() == ""
    view.set_caption("Sub-step 2/3 · backward")
    assert view.caption() == "Sub-step 2/3 · backward"
    image = view.viewport().grab().toImage()
    # Some dark text pixels inside the caption's box at the top left.
    dark = sum(image.pixelColor(x, y).lightness() < 100 for x in range(10, 120) for y in range(10, 26))
    assert dark > 10
    assert view._legend_contains(QPointF(20, 16))
    view.set_caption(None)
    assert not view._legend_contains(QPointF(20, 16))
