"""One selection everywhere: the math card's sample = the ring in the output panel = the Sample box.

Driven as a user: data points clicked in the output panel, the Sample box typed into, R pressed, the Dataset
combo and the data sliders changed. The oracle is the data itself (the selected point's raw X row and its
features) and the engine's forward pass on the parameters the window shows.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.math_card import fmt
from nnstudio.training.problem import ProblemSpec, digits_preset
from oracles import engine_net
from sample_clicks import click_point, drawn_points, lonely_point, press, to_viewport


def click_neuron(qtbot, window, k, i):
    view = window.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.neuron_point(k, i))
    assert window.inside.neuron == (k, i)


def new_generation(qtbot, window, action):
    before = window.snapshot().generation
    action()
    qtbot.waitUntil(lambda: window.snapshot().generation != before, timeout=5000)


def new_data(qtbot, window, action):
    before = window.snapshot().data
    action()
    qtbot.waitUntil(lambda: window.snapshot().data is not before, timeout=5000)


def assert_one_selection(window, expected):
    """The Sample box, the ring and the math card all show ``expected`` (or all show none)."""
    inside, out = window.inside, window.output_view
    assert inside.selected_sample() == expected
    assert inside.sample_box_value() == expected
    assert out.selected_sample() == expected
    ring = out.ring_position()
    card = inside.math_card
    if expected is None:
        assert ring is None
        assert "none" in inside.sample_box.text()
        assert card.math() is None
        if inside.neuron is not None and inside.neuron[0] >= 1:
            assert "choose a sample" in card.text().lower()
        return
    which, k = expected
    np.testing.assert_allclose(ring, drawn_points(window, which)[k])  # the ring sits on the data point
    if inside.neuron is not None and inside.neuron[0] >= 1:
        assert card.title().endswith(f"{which} sample {k}")
        d = window.snapshot().data
        F = d.F_train if which == "train" else d.F_test
        fw = engine_net(window).forward(F[k][None, :])
        layer, i = inside.neuron
        np.testing.assert_array_equal(card.math().inputs, fw.activations[layer - 1][0])
        assert card.displayed_numbers()["z"] == fmt(fw.zs[layer - 1][0, i])


def test_clicking_a_test_point_shows_test_in_the_sample_box_and_reset_keeps_it(qtbot, window):
    k = lonely_point(window, "test")
    click_point(qtbot, window, "test", k)
    click_neuron(qtbot, window, 1, 0)
    assert_one_selection(window, ("test", k))
    # Failed before: the Sample box stayed on a train index, and after R the card switched to train sample 0.
    new_generation(qtbot, window, lambda: press(qtbot, window, Qt.Key_R))
    assert_one_selection(window, ("test", k))
    # The fills show that sample's activations at the re-initialised parameters.
    fw = engine_net(window).forward(window.snapshot().data.F_test[k][None, :])
    for shown, expected in zip(window.inside.neuron_values(), fw.activations):
        np.testing.assert_array_equal(shown, expected[0])


def test_the_sample_box_chooses_train_or_test_with_the_keyboard(qtbot, window):
    inside = window.inside
    click_neuron(qtbot, window, 2, 1)
    box, which = inside.sample_box, inside.sample_set
    which.setFocus()
    qtbot.keyClick(which, Qt.Key_Down)  # train → test
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "17")
    qtbot.keyClick(box, Qt.Key_Return)
    assert_one_selection(window, ("test", 17))
    qtbot.keyClick(box, Qt.Key_Up)
    assert_one_selection(window, ("test", 18))
    # Below the first sample is "none": no ring, and the card asks for a sample.
    box.selectAll()
    qtbot.keyClicks(box, "0")
    qtbot.keyClick(box, Qt.Key_Down)
    assert_one_selection(window, None)
    assert inside.neuron_values() is None  # no sample, no activations: plain fills
    qtbot.keyClick(box, Qt.Key_Up)
    assert_one_selection(window, ("test", 0))


def test_line_reset_and_architecture_keep_the_sample_and_new_data_clears_it(qtbot, open_window):
    w = open_window(ProblemSpec(dataset="line", features=("x1",), hidden=(), noise=0.1))
    k = lonely_point(w, "train")
    assert k != 0
    click_point(qtbot, w, "train", k)
    click_neuron(qtbot, w, 1, 0)
    x = w.snapshot().data.X_train[k, 0]
    # Failed before: after R the card used train sample 0 (x = 0.56) while the ring marked this point.
    new_generation(qtbot, w, lambda: press(qtbot, w, Qt.Key_R))
    assert_one_selection(w, ("train", k))
    assert w.inside.math_card.math().inputs[0] == x
    # A new architecture rebuilds the data from the same seed: the same point, the same index.
    new_generation(qtbot, w, lambda: qtbot.mouseClick(w.controls.add_layer, Qt.LeftButton))
    assert w.snapshot().spec.hidden != ()
    click_neuron(qtbot, w, 1, 0)
    assert_one_selection(w, ("train", k))
    # More noise moves every point: the old one is gone, so the selection is cleared everywhere.
    new_data(qtbot, w, lambda: w.controls.noise.setValue(w.controls.noise.value() + 10))
    assert_one_selection(w, None)
    w.close()


def test_a_new_dataset_clears_the_selection_and_a_new_train_share_looks_the_point_up(qtbot, window):
    k = lonely_point(window, "train")
    click_point(qtbot, window, "train", k)
    click_neuron(qtbot, window, 1, 2)
    old = window.snapshot().data
    x, label = old.X_train[k].copy(), old.y_train[k]
    # Another train share re-splits the same points: kept if this one is still a training point.
    new_data(qtbot, window, lambda: window.controls.train_fraction.setValue(70))
    d = window.snapshot().data
    same = np.flatnonzero(np.all(d.X_train == x, axis=1) & (d.y_train == label))
    assert_one_selection(window, ("train", int(same[0])) if len(same) else None)
    combo = window.controls.dataset
    new_data(qtbot, window, lambda: combo.setCurrentIndex(combo.findData("xor")))
    assert window.snapshot().spec.dataset == "xor"
    assert_one_selection(window, None)
    # The next click selects again, in all three.
    k = lonely_point(window, "test")
    click_point(qtbot, window, "test", k)
    assert_one_selection(window, ("test", k))


def test_select_sample_refuses_a_sample_that_does_not_exist(qtbot, window):
    inside = window.inside
    inside.select_sample("test", 3)
    n = len(window.snapshot().data.y_test)
    for which, k in (("test", n), ("train", -1), ("validation", 0)):
        with pytest.raises(ValueError):
            inside.select_sample(which, k)
        assert_one_selection(window, ("test", 3))  # changed nothing


def test_digits_show_the_selected_image_or_say_none_is_selected(qtbot, open_window):
    w = open_window(digits_preset(ProblemSpec()))
    inside, out = w.inside, w.output_view
    inside.sample_set.setCurrentText("test")
    box = inside.sample_box
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "5")
    qtbot.keyClick(box, Qt.Key_Return)
    assert inside.selected_sample() == ("test", 5) == out.selected_sample()
    np.testing.assert_array_equal(out.digit.image_data(), w.snapshot().data.X_test[5].reshape(8, 8))
    assert out.digit.isVisible()
    box.selectAll()
    qtbot.keyClicks(box, "0")
    qtbot.keyClick(box, Qt.Key_Down)
    assert inside.selected_sample() is None and out.selected_sample() is None
    assert out.no_picture.isVisible() and not out.digit.isVisible() and "No sample selected" in out.no_picture.text()
    w.close()


def test_a_click_on_the_ringed_point_reaches_the_point(qtbot, window):
    """The ring is drawn above the points and is wider than they are: it must not swallow the click."""
    k = lonely_point(window, "test")
    window.inside.select_sample("test", k)
    with qtbot.waitSignal(window.output_view.sampleClicked, timeout=3000) as sig:
        qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton,
                         pos=to_viewport(window, drawn_points(window, "test")[k]))
    assert sig.args == ["test", k]
    assert_one_selection(window, ("test", k))


def test_a_click_on_a_point_selects_it_even_where_a_test_point_overlaps(qtbot, window):
    """Test points are drawn above train points: a click at a train point's centre that also touches a
    test point's symbol must still pick the nearer point, the train one."""
    train = np.array([[p.x(), p.y()] for p in map(lambda xy: to_viewport(window, xy), drawn_points(window, "train"))])
    test = np.array([[p.x(), p.y()] for p in map(lambda xy: to_viewport(window, xy), drawn_points(window, "test"))])
    nearest = np.hypot(*(train[:, None, :] - test[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    nearest[nearest < 2] = np.inf  # a test point within a pixel or two is ambiguous for anyone
    k = int(np.argmin(nearest))
    symbol = window.output_view.test_points
    assert len(symbol.pointsAt(symbol.mapFromScene(window.output_view.plot.mapToScene(
        to_viewport(window, drawn_points(window, "train")[k]))))), "no test symbol overlaps a train point"
    with qtbot.waitSignal(window.output_view.sampleClicked, timeout=3000) as sig:
        qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton,
                         pos=to_viewport(window, drawn_points(window, "train")[k]))
    assert sig.args == ["train", k], f"the nearest test point is {nearest[k]:.1f} px away"
    assert_one_selection(window, ("train", k))


def test_after_a_step_the_card_shows_the_new_parameters_at_once(qtbot, window):
    click_neuron(qtbot, window, 2, 0)
    assert_one_selection(window, ("train", 0))
    for n in (1, 2, 3):
        press(qtbot, window, Qt.Key_Right)
        qtbot.waitUntil(lambda n=n: window.step_count() == n)
        assert_one_selection(window, ("train", 0))  # no slow-panel tick in between: the card already agrees


def test_drawn_points_replace_the_data_and_an_empty_test_set_clears_a_test_sample(qtbot, window):
    k = lonely_point(window, "test")
    click_point(qtbot, window, "test", k)
    click_neuron(qtbot, window, 1, 0)
    window.data_tools.actionClearAllPoints.trigger()  # an empty plane: the data changes with the second class
    window.data_tools.add_point(-2.0, 1.0, 0)
    new_data(qtbot, window, lambda: window.data_tools.add_point(1.0, 2.0, 1))
    d = window.snapshot().data
    assert len(d.y_train) == 2 and len(d.y_test) == 0  # drawn points all train
    # Failed before: follow_point could not compare with an empty set, and the card then indexed test k of it.
    assert_one_selection(window, None)
    assert not window.inside.sample_set.model().item(1).isEnabled()  # no test set to choose from
    window.inside.select_sample("train", 1)
    assert_one_selection(window, ("train", 1))
