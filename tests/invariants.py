"""What the window shows must equal the numbers: checks shared by the regression tests and the state machine.

Each check reads what is *drawn or displayed* (the legend's printed bound, each edge's pen, each badge's
brush, …) and compares it with an oracle computed here from the documented encoding (architecture.md: Encoding) and
the window's parameters, never with the drawing code's own idea of what it should be.
"""

from __future__ import annotations

import math

import numpy as np

# architecture.md: Encoding, written out again on purpose: the oracle must not borrow the palette code it checks.
NEGATIVE, NEUTRAL, POSITIVE = np.array((0xF5, 0x93, 0x22)), np.array((0xE8, 0xEA, 0xEB)), np.array((0x08, 0x77, 0xBD))
WHITE = np.array((255, 255, 255))
EDGE_LEVELS = 10  # magnitude levels of the edge pens
WEAKEST_OPACITY = 0.75  # the weakest level is blended this much toward the background
DIM_OPACITY = 0.2
BADGE_LEVELS = 16
MIN_PX, MAX_PX = 1.0, 8.0
WEIGHT_SCALE_FLOOR = 0.1
MODE_SCALE_FLOOR = 1e-6  # gradients and updates are often tiny
MAX_SCALE_RATIO = 4.0  # "never more than about 4× the largest |w| shown"


def ideal_rgb(t: float) -> np.ndarray:
    """The diverging colour of value/scale = t (clamped), linear in RGB through the neutral grey."""
    t = max(-1.0, min(1.0, t))
    end = NEGATIVE if t < 0 else POSITIVE
    return NEUTRAL + (end - NEUTRAL) * abs(t)


def _unit(v: float, bound: float) -> float:
    """v / bound clamped to ±1; NaN shows as 0 and ±inf as its sign (a diverged run)."""
    if math.isnan(v):
        return 0.0
    return max(-1.0, min(1.0, v / bound)) if math.isfinite(v) else math.copysign(1.0, v)


def _rgb(color) -> np.ndarray:
    return np.array((color.red(), color.green(), color.blue()))


def _dimmed(rgb: np.ndarray) -> np.ndarray:
    return DIM_OPACITY * rgb + (1 - DIM_OPACITY) * WHITE


def _edge_dimmed(view, ref) -> bool:
    lit, focus = view.lit_layers(), view.focus()
    if lit is not None and ref.layer + 1 > lit:
        return True
    if focus is not None:
        k, i = focus
        touches = (ref.layer == k - 1 and ref.dst == i) or (ref.layer == k and ref.src == i)
        return not touches
    return False


def _badge_dimmed(view, ref) -> bool:
    lit, focus = view.lit_layers(), view.focus()
    if lit is not None and ref.layer + 1 > lit:
        return True
    return focus is not None and focus != (ref.layer + 1, ref.dst)


def shown_values(window) -> list[np.ndarray]:
    """What the edges and badges should show, from the numbers: the parameters; the last mini-batch's
    gradient or update as the trainer reported them; w·a of the selected sample by the engine; in the
    backward sub-step the engine's gradient on that sub-step's mini-batch."""
    view, inside, snap, net = window.network_view, window.inside, window.snapshot(), window.view_net
    mode = view.edge_mode()
    if mode == "weight":
        return window.parameters()
    subs = inside.substeps
    if subs.phase == "backward" and subs.batch is not None:
        d, spec = snap.data, snap.spec
        _, grads, _ = net.loss_and_gradients(d.F_train[subs.batch], d.y_train[subs.batch], spec.resolved_loss,
                                             spec.l1, spec.l2)
        return grads
    if mode in ("gradient", "update") and subs.phase is None:
        flat = snap.grads if mode == "gradient" else snap.update
        assert flat is not None, f"the edges show the {mode}, but the trainer sent none"
        return net.weights_from_flat(flat, copy=True)
    if mode == "signal" and inside.selected_sample() is not None:
        which, k = inside.selected_sample()
        F = snap.data.F_train if which == "train" else snap.data.F_test
        a = net.forward(F[k:k + 1]).activations
        W = window.parameters()
        return [W[i] * a[i // 2][0][:, None] if i % 2 == 0 else W[i] for i in range(len(W))]
    return view.mode_values()  # the update sub-step: Δ of a step the checks cannot redo


def check_scale(view, values: list[np.ndarray], floor: float) -> float:
    """The legend's bound covers the largest finite |value| and is at most ~4× it."""
    bound = view.legend_state().scale
    finite = [np.abs(a[np.isfinite(a)]) for a in values]
    top = max((float(a.max()) for a in finite if a.size), default=0.0)
    assert bound >= top * (1 - 1e-9), f"legend ±{bound:g} does not cover the largest |value| {top:.6g}"
    assert bound <= max(MAX_SCALE_RATIO * top, floor) * (1 + 1e-9), (
        f"legend ±{bound:g} is more than {MAX_SCALE_RATIO:g}× the largest |value| {top:.6g}: the picture fades")
    return bound


def check_edges_and_badges(window) -> None:
    """Every drawn edge's pen and every badge's brush come from its value under the legend's bound."""
    view = window.network_view
    values = shown_values(window)
    floor = WEIGHT_SCALE_FLOOR if view.edge_mode() == "weight" else MODE_SCALE_FLOOR
    bound = check_scale(view, values, floor)
    factors = view.edge_width_factors()
    for ref, color, width in view.drawn_edges():
        v = float(values[2 * ref.layer][ref.src, ref.dst])
        t = _unit(v, bound)
        level = min(int(abs(t) * EDGE_LEVELS), EDGE_LEVELS - 1)
        strength = level / (EDGE_LEVELS - 1)
        ideal = ideal_rgb(math.copysign(strength, t))
        opacity = WEAKEST_OPACITY + (1 - WEAKEST_OPACITY) * strength
        want = opacity * ideal + (1 - opacity) * WHITE
        if _edge_dimmed(view, ref):
            want = _dimmed(want)
        got = _rgb(color)
        assert np.all(np.abs(got - want) <= 2.5), (
            f"{ref.label()} = {v:.6g} under ±{bound:g} is drawn {tuple(got)}, expected {tuple(np.rint(want))}")
        want_w = MIN_PX + (MAX_PX - MIN_PX) * strength * factors[ref.layer]
        assert abs(width - want_w) < 1e-6, f"{ref.label()} = {v:.6g} is {width:.3f} px wide, expected {want_w:.3f}"
    for ref, color in view.drawn_badges():
        v = float(values[2 * ref.layer + 1][ref.dst])
        want = ideal_rgb(_unit(v, bound))
        if _badge_dimmed(view, ref):
            want = _dimmed(want)
        got = _rgb(color)
        # Badges use 16 levels per sign: within half a level of the exact colour.
        tol = 0.5 / BADGE_LEVELS * 230 + 2
        assert np.all(np.abs(got - want) <= tol), (
            f"{ref.label()} = {v:.6g} under ±{bound:g} has badge {tuple(got)}, expected ≈ {tuple(np.rint(want))}")


def _legend_bound(view, name: str) -> tuple[float, float] | None:
    """(low, high) that the legend prints for the fill row of `name`, None if it has no such row."""
    rows = {label: (low, high) for label, low, high in view.legend_state().rows}
    key = f"fill: {name}"
    if key not in rows:
        return None
    low, high = rows[key]
    return float(low.replace("−", "-")), float(high.replace("+", ""))


def fill_oracle(window, activations_of_sample: list[np.ndarray]) -> list[tuple[str, str, float]]:
    """Per neuron-layer (legend name, kind, bound) from the spec and the data alone (architecture.md: Encoding,
    issue 8)."""
    from nnstudio.engine.activations import ACTIVATIONS

    snap = window.snapshot()
    F = np.asarray(snap.data.F_train, dtype=np.float64)
    pixels = snap.spec.features == ("pixels",)
    top = float(np.abs(F).max()) or 1.0
    if pixels and F.min() >= 0:
        out = [("input pixels", "pixels", top)]
    else:
        out = [("inputs", "positive" if F.min() >= 0 else "diverging", top)]
    for name in window.view_net.activations:
        lo, hi = ACTIVATIONS[name].output_range
        bound = max(abs(lo), abs(hi))
        out.append((name, "positive" if lo >= 0 else "diverging", bound))
    return out


def _covers(what: str, printed: float, top: float) -> None:
    assert printed >= top * (1 - 1e-9), f"{what}: bound {printed:g} < the largest |value| {top:.6g}"
    assert printed <= max(MAX_SCALE_RATIO * top, WEIGHT_SCALE_FLOOR) * (1 + 1e-9), (
        f"{what}: bound {printed:g} is more than {MAX_SCALE_RATIO:g}× the largest |value| {top:.6g}")


def check_fills(window, values: list[np.ndarray]) -> None:
    """Each neuron's fill is its value (`values[k][i]`, from the engine) under its own layer's range."""
    view = window.network_view
    oracle = fill_oracle(window, values)
    for k, ((name, kind, bound), a) in enumerate(zip(oracle, values)):
        printed = _legend_bound(view, name)
        if printed is None:
            # Only where neuron maps hide the fills may the legend leave their row out.
            assert k > 0 and view.has_thumbnails(), f"the legend has no row for layer {k}'s fills ({name})"
            continue
        low, high = printed
        if k == 0:  # the inputs: the data's range over the training set
            _covers(f"layer 0 ({name}) fills", high, bound)
        elif math.isfinite(bound):
            assert high == bound, f"layer {k} ({name}) fills span {low:g}…{high:g}, expected up to {bound:g}"
        else:  # an unbounded activation: the printed bound covers what its layers show, not ≫ it
            same = [b for (n, _, _), b in zip(oracle, values) if n == name]
            _covers(f"layer {k} ({name}) fills", high, max(float(np.max(np.abs(b))) for b in same))
        assert low == (0.0 if kind in ("positive", "pixels") else -high), f"layer {k} ({name}) low end {low:g}"
        lit = view.lit_layers()
        for i, v in enumerate(np.asarray(a, dtype=np.float64).tolist()):
            if kind == "pixels":
                g = 255.0 * (1.0 - max(0.0, min(1.0, v / high)))
                want = np.array((g, g, g))
            else:
                want = ideal_rgb(_unit(max(v, 0.0) if kind == "positive" else v, high))
            if lit is not None and k > lit:
                want = _dimmed(want)
            got = _rgb(view.neuron_fill(k, i))
            assert np.all(np.abs(got - want) <= 2.5), (
                f"neuron {i} of layer {k} ({name}) a = {v:.6g} under {low:g}…{high:g} is filled {tuple(got)}, "
                f"expected {tuple(np.rint(want))}")
            if kind == "positive" or (kind == "diverging" and v >= 0):
                assert not got[0] > got[2] + 8, f"neuron {i} of layer {k} a = {v:.6g} ≥ 0 is drawn orange"


def check_window_fills(window) -> None:
    """The fills show the selected sample's activations (or, in the sub-steps, the mini-batch's means), each
    layer in its own range; the values come from the engine on the parameters shown."""
    view, inside = window.network_view, window.inside
    net, d = window.view_net, window.snapshot().data
    batch = inside.substeps.batch
    if inside.substeps.active() and batch is not None:
        if inside.substeps.phase == "update":
            return  # the update's fills are the forward pass's, at the parameters before the step
        values = [a.mean(axis=0) for a in net.forward(d.F_train[batch]).activations]
    elif inside.selected_sample() is not None:
        which, k = inside.selected_sample()
        F = d.F_train if which == "train" else d.F_test
        values = [a[0] for a in net.forward(F[k:k + 1]).activations]
    else:
        assert not any(label.startswith("fill: ") for label, _, _ in view.legend_state().rows), (
            "no sample is selected, yet the legend explains fills")
        return
    given = inside.neuron_values()
    assert given is not None, "a sample is selected, yet the neurons are not filled"
    for k, (a, b) in enumerate(zip(given, values)):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12), f"layer {k}'s fills are not the engine's activations"
    check_fills(window, values)


def check_fits_screen(window) -> None:
    """The whole window, frame included, lies on the screen's available area, and the status bar shows."""
    if not window.isVisible():
        return
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    assert screen.contains(frame), f"the window {frame.getRect()} does not fit the screen {screen.getRect()}"
    bar = window.statusBar()
    assert bar.isVisible() and bar.height() > 0, "the status bar is hidden"
    assert bar.geometry().bottom() < window.height(), "the status bar is below the window's bottom edge"


def _check_axis(what: str, view: tuple[float, float], data: tuple[float, float] | None, empty=(0.0, 1.0)) -> None:
    """A view axis covers its data and is not ≫ it (padding, a constant's ±|v|/2, and the axis' start at 0
    allowed); with no data it is the plot's empty frame."""
    v0, v1 = view
    assert math.isfinite(v0) and math.isfinite(v1) and v1 > v0, f"{what}: view {view} is not a range"
    if data is None:
        e0, e1 = empty
        slack = 0.1 * (e1 - e0)
        assert e0 - slack <= v0 and v1 <= e1 + slack, f"{what}: no data, yet the view is {v0:.6g}…{v1:.6g}"
        return
    d0, d1 = data
    span = d1 - d0
    tol = 1e-9 * max(1.0, abs(d0), abs(d1))
    assert v0 <= d0 + tol and v1 >= d1 - tol, f"{what}: view {v0:.6g}…{v1:.6g} cuts the data {d0:.6g}…{d1:.6g}"
    allowed = 1.5 * span + 1.1 * max(abs(d0), abs(d1), 1.0)
    assert v1 - v0 <= allowed, f"{what}: view {v0:.6g}…{v1:.6g} is ≫ the data {d0:.6g}…{d1:.6g}"


def check_axes(window) -> None:
    """The loss plot, the output panel, the loss slice and the weight plots show the current data's range."""
    live = window.step_count()
    plot = window.loss_plot
    data = plot.data_range()
    (vx, vy) = plot.view_range()
    if data is None:
        _check_axis("loss plot steps", vx, None)
    else:
        steps, losses = data
        live_steps = plot.train_curve()[0]  # dimmed earlier branches may reach further: they are the past
        assert not len(live_steps) or live_steps.max() <= live, (
            f"the loss plot draws step {live_steps.max()} of this run, but the run is at step {live}")
        _check_axis("loss plot steps", vx, (min(0.0, steps[0]), steps[1]))
        if losses is not None and not plot.log_scale:
            _check_axis("loss plot losses", vy, (min(0.0, losses[0]), losses[1]))
    out = window.output_view
    data = out.data_range()
    if data is not None and out.plot.isVisible():
        d = window.snapshot().data
        X = np.vstack((d.X_train, d.X_test))
        if X.shape[1] == 2 and len(X) and not window.data_tools.training_blocked():
            want = ((X[:, 0].min(), X[:, 0].max()), (X[:, 1].min(), X[:, 1].max()))
            assert np.allclose(np.array(data), np.array(want)), f"the output panel frames {data}, the data is {want}"
        views = out.view_range()
        kept = out.kept_plane()
        if kept is not None:  # points drawn by hand are framed on the plane they were drawn on
            data = tuple((min(a, k0), max(b, k1)) for (a, b), (k0, k1) in zip(data, kept))
        if X.shape[1] == 2:  # a square plane: one axis frames its data, the other shows as much (in pixels)
            for axis, v, dd in zip("xy", views, data):
                tol = 1e-9 * max(1.0, abs(dd[0]), abs(dd[1]))
                assert v[0] <= dd[0] + tol and v[1] >= dd[1] - tol, f"the output panel's {axis} axis {v} cuts {dd}"
            # The plane is a square around the wider axis of the data; the aspect lock then widens the view
            # along one axis to the widget's shape: the narrower view span is that square's side.
            span = max(dd[1] - dd[0] for dd in data)
            side = min(v[1] - v[0] for v in views)
            scale = max(1.0, *(abs(x) for dd in data for x in dd))
            assert side <= 1.3 * (span if span > 1e-9 else scale), (
                f"the output panel {views} is ≫ its data {data}: a side of {side:.4g} for a span of {span:.4g}")
        else:
            for axis, v, dd in zip(("x", "y"), views, data):
                _check_axis(f"output panel {axis}", v, dd)
    inside = window.inside
    if inside.docks["slice"].isVisible() and inside.slice_view.data_range() is not None:
        values, losses = inside.slice_view.data_range()
        vx, vy = inside.slice_view.view_range()
        _check_axis("loss slice values", vx, values)
        if losses is not None:
            _check_axis("loss slice losses", vy, losses)
    weights = inside.weights
    if inside.docks["weights"].isVisible():
        data = weights.norm_data_range()
        vx, vy = weights.norm_view_range()
        if data is not None:
            steps, norms = data
            assert steps[1] <= live, f"the norm plot draws step {steps[1]:g}, but the run is at step {live}"
            _check_axis("norm plot steps", vx, (min(0.0, steps[0]), steps[1]))
            _check_axis("norm plot norms", vy, (0.0, norms[1]))


def check_one_selection(window) -> None:
    """The Sample box, the ring in the output panel, the maths card and the fills show one sample (or none)."""
    inside, out = window.inside, window.output_view
    sel = inside.selected_sample()
    d = window.snapshot().data
    assert inside.sample_box_value() == sel, f"the Sample box shows {inside.sample_box_value()}, the selection {sel}"
    assert out.selected_sample() == sel, f"the output panel rings {out.selected_sample()}, the selection is {sel}"
    if sel is not None:
        which, k = sel
        X, y = (d.X_train, d.y_train) if which == "train" else (d.X_test, d.y_test)
        assert 0 <= k < len(y), f"the selection {sel} is not in the data ({len(y)} {which} samples)"
        ring = out.ring_position()
        if ring is not None and X.shape[1] <= 2 and window.data_tools.added_count() >= 0:
            want = (X[k, 0], X[k, 1]) if X.shape[1] == 2 else (X[k, 0], float(np.ravel(y)[k]))
            assert np.allclose(ring, want), f"the ring is at {ring}, the selected point {sel} at {want}"
    neuron = inside.neuron
    title = inside.math_card.title()
    if neuron is not None and neuron[0] >= 1:
        if sel is None:
            assert "sample" not in title and inside.math_card.math() is None, f"no sample, yet the card shows {title!r}"
        else:
            assert title.endswith(f"{sel[0]} sample {sel[1]}"), f"the card shows {title!r}, the selection is {sel}"
            m = inside.math_card.math()
            if m is not None and not window.actionPlayPause.isChecked():
                F = d.F_train if sel[0] == "train" else d.F_test
                fw = window.view_net.forward(F[sel[1]:sel[1] + 1])
                k, i = neuron
                assert np.allclose(m.z, fw.zs[k - 1][0, i], rtol=1e-9, atol=1e-12), (
                    f"the card's z = {m.z!r} is not the engine's {fw.zs[k - 1][0, i]!r} for {sel}")
    values = inside.neuron_values()
    if sel is None and not inside.substeps.active():
        assert values is None, "no sample is selected, yet the neurons are filled with values"


def check_mode_stated(window) -> None:
    """In a sub-step the canvas and the Edges combo say what is shown; out of one, nothing says "Sub-step"."""
    inside, view = window.inside, window.network_view
    phase = inside.substeps.phase
    caption = view.caption()
    status = window.statusBar().currentMessage()
    if phase is None:
        assert "Sub-step" not in caption, f"no sub-step, yet the canvas says {caption!r}"
        assert "Sub-step" not in status, f"no sub-step, yet the status bar says {status!r}"
        return
    assert phase in caption, f"in the {phase} sub-step the canvas says {caption!r}"
    edges = inside.edge_mode.currentText()
    want = {"forward": "weight", "backward": "gradient", "update": "update"}[phase]
    shown = view.edge_mode()
    assert shown == want or (phase == "update" and shown == "weight"), f"{phase}: the edges show {shown}"
    assert any(word in edges for word in ({"weight": ("weight",), "gradient": ("gradient", "∂L/∂w"),
                                            "update": ("update", "Δw")}[shown])), (
        f"the edges show {shown} in the {phase} sub-step, the Edges combo says {edges!r}")


def check_square_plane(window) -> None:
    """A 2-D output plane has one scale on both axes on screen: a circle of data is drawn as a circle."""
    out = window.output_view
    if out.plane_extent() is None or not out.plot.isVisible():
        return
    box = out.plot.getPlotItem().vb.sceneBoundingRect()
    if box.width() > 10 and box.height() > 10:
        (x0, x1), (y0, y1) = out.view_range()
        sx, sy = box.width() / (x1 - x0), box.height() / (y1 - y0)
        assert abs(sx - sy) <= 0.02 * max(sx, sy), f"the output plane is not square: {sx:.1f} vs {sy:.1f} px per unit"


def check_maps(window) -> None:
    """Each neuron map inside a circle is the engine's output of that neuron over the plane, in its layer's
    range: the activation's own (ReLU from grey 0), a 0…1 output as the output panel's classes."""
    from nnstudio.engine import feature_transform
    from nnstudio.engine.activations import ACTIVATIONS
    from nnstudio.engine.inspect import neuron_maps
    from nnstudio.gui.inside import THUMB_SIZE

    view = window.network_view
    if not view.has_thumbnails() or window.inside.maps is None:
        return
    grid = window.output_view.plane_grid(THUMB_SIZE)
    maps = neuron_maps(window.view_net, feature_transform(grid, window.snapshot().spec.features))
    rows = {label: (low, high) for label, low, high in view.legend_state().rows}
    names = window.view_net.activations
    for k, (name, values) in enumerate(zip(names, maps), start=1):
        key = f"maps: {name}"
        assert key in rows, f"the legend has no row for layer {k}'s maps ({name}): {sorted(rows)}"
        lo, hi = ACTIVATIONS[name].output_range
        classes = lo >= 0 and hi == 1.0
        high = view.thumbnail_bound(k)
        if math.isfinite(max(abs(lo), abs(hi))):
            printed = float(rows[key][1].replace("+", ""))
            assert high == printed == max(abs(lo), abs(hi)), f"layer {k}'s maps end at {printed:g}, {name} at {hi:g}"
        else:  # an unbounded activation: each layer's maps span that layer's own values, and the legend says so
            assert rows[key][1].endswith("layer max"), f"the legend says {rows[key]} for {name}'s maps"
            _covers(f"layer {k} ({name}) maps", high, float(np.max(np.abs(values))) if values.size else 0.0)
        for i in range(values.shape[1]):
            drawn = view.thumbnail_colors(k, i)
            if drawn is None:
                continue
            drawn = drawn[::-1].reshape(-1)  # as computed: row 0 at the bottom
            got = np.stack([(drawn >> s) & 0xFF for s in (16, 8, 0)], axis=1).astype(float)
            v = values[:, i]
            t = 2 * v - 1 if classes else (np.maximum(v, 0) if lo >= 0 else v) / high
            want = np.array([ideal_rgb(float(x)) for x in np.nan_to_num(t)])
            worst = float(np.abs(got - want).max())
            assert worst <= 2.5, f"the map of neuron {i} of layer {k} ({name}) is off by {worst:.0f} in a channel"
