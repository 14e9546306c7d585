"""The registries own their concept: every registered activation works everywhere an activation goes, and
the README's lists are the registries' lists."""

import re
from pathlib import Path

import numpy as np
import pytest

from nnstudio.engine import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, Network
from nnstudio.engine.activations import ACTIVATIONS, get_activation
from nnstudio.io.weights import (
    load_keras_npz,
    load_torch_npz,
    numpy_script,
    save_keras_npz,
    save_torch_npz,
    torch_script,
)

README = Path(__file__).resolve().parents[1] / "README.md"


def networks_using(name: str) -> list[Network]:
    """Every way the registry allows ``name``: as the hidden activation, as the output activation."""
    act = ACTIVATIONS[name]
    nets = []
    if act.hidden:
        nets.append(Network([3, 5, 2], name, "linear", seed=1))
    if act.output_rank is not None:
        nets.append(Network([3, 4, 3], "tanh", name, seed=2))
    rng = np.random.default_rng(7)
    for net in nets:
        net.set_weights([rng.normal(0.0, 0.8, w.shape) for w in net.get_weights()])  # biases too, not zeros
    return nets


def test_every_activation_has_a_use_and_the_lists_follow_the_registry():
    assert set(HIDDEN_ACTIVATIONS) | set(OUTPUT_ACTIVATIONS) == set(ACTIVATIONS)
    assert HIDDEN_ACTIVATIONS == tuple(n for n, a in ACTIVATIONS.items() if a.hidden)
    ranks = [ACTIVATIONS[n].output_rank for n in OUTPUT_ACTIVATIONS]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    for name in ACTIVATIONS:
        for output, allowed in ((False, HIDDEN_ACTIVATIONS), (True, OUTPUT_ACTIVATIONS)):
            if name in allowed:
                assert get_activation(name, output=output) is ACTIVATIONS[name]
            else:
                with pytest.raises(ValueError):
                    get_activation(name, output=output)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_exports_as_a_numpy_script_that_predicts_like_the_network(name):
    for net in networks_using(name):
        X = np.random.default_rng(3).normal(0.0, 2.0, (6, 3))
        text = numpy_script(net, X)
        assert text.isascii()
        scope = {"__name__": "exported"}  # not "__main__": the script defines, it does not print
        exec(compile(text, f"<{name} script>", "exec"), scope)
        np.testing.assert_allclose(scope["predict"](X), net.predict(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_exports_as_a_pytorch_script(name):
    for net in networks_using(name):
        X = np.random.default_rng(3).normal(0.0, 2.0, (6, 3))
        text = torch_script(net, X)
        compile(text, f"<{name} torch script>", "exec")  # valid Python even where torch is missing
        if name in net.activations[:-1] or name != "linear":  # a linear output needs no module after it
            assert ACTIVATIONS[name].torch in text
        try:
            import torch  # noqa: F401
        except ImportError:
            continue
        scope = {"__name__": "exported"}
        exec(compile(text, f"<{name} torch script>", "exec"), scope)
        got = scope["model"](scope["torch"].tensor(X, dtype=scope["torch"].float64)).detach().numpy()
        np.testing.assert_allclose(got, net.predict(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_round_trips_through_weight_files(tmp_path, name):
    for k, net in enumerate(networks_using(name)):
        X = np.random.default_rng(4).normal(size=(5, 3))
        for save, load in ((save_keras_npz, load_keras_npz), (save_torch_npz, load_torch_npz)):
            path = tmp_path / f"{k}-{save.__name__}.npz"
            save(path, net.get_weights())
            other = Network(net.sizes, net.activations[:-1], net.output_activation, seed=99)
            other.set_weights(load(path))
            assert np.array_equal(other.flat_parameters(), net.flat_parameters())
            assert np.array_equal(other.predict(X), net.predict(X))


def _readme_bullet(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"^- \*\*{title}\*\*:(.*?)(?=^- |^\S|\Z)", text, re.S | re.M)
    assert m, f"README has no '- **{title}**:' bullet"
    return " ".join(m.group(1).split())


def test_readme_lists_the_registered_activations():
    bullet = _readme_bullet("Activations")
    hidden, output = bullet.split("; output", 1)
    assert tuple(re.findall(r"`(\w+)`", hidden)) == HIDDEN_ACTIVATIONS
    assert tuple(re.findall(r"`(\w+)`", output)) == OUTPUT_ACTIVATIONS


# ---- edge modes ------------------------------------------------------------------------------------
def test_readme_lists_the_registered_edge_modes():
    from nnstudio.gui.edge_modes import EDGE_MODES

    text = " ".join(README.read_text(encoding="utf-8").split())
    m = re.search(r"its entries are the edge modes (.*?), one record each", text)
    assert m, "README no longer lists the Edges combo's entries"
    assert re.findall(r"`([^`]+)`", m.group(1)) == [mode.label for mode in EDGE_MODES.values()]


def test_the_edges_combo_the_canvas_and_the_legend_read_the_edge_mode_records(qtbot, window):
    from nnstudio.engine import ParamRef
    from nnstudio.gui.edge_modes import EDGE_MODES

    combo, view = window.inside.edge_mode, window.network_view
    entries = [(combo.itemText(k), combo.itemData(k)) for k in range(combo.count())]
    assert entries[:len(EDGE_MODES)] == [(m.label, m.key) for m in EDGE_MODES.values()]
    assert all(m.describes in combo.toolTip() for m in EDGE_MODES.values())
    for mode in EDGE_MODES.values():
        combo.setCurrentIndex(combo.findData(mode.key))
        step = window.snapshot().step
        window.actionStep.trigger()
        qtbot.waitUntil(lambda s=step: window.snapshot().step == s + 1)
        qtbot.waitUntil(lambda m=mode: view.edge_mode() == m.key)
        assert view.legend_state().title == mode.title
        assert (window.snapshot().grads is not None) == mode.needs_trainer_data
        tip, bias_tip = view.tooltip_text(ParamRef.weight(0, 0, 0)), view.tooltip_text(ParamRef.bias(0, 0))
        assert (mode.symbols is None) == ("(" not in tip)
        if mode.symbols:
            assert f"({mode.symbols[0]} = " in tip and f"({mode.symbols[1]} = " in bias_tip


def test_the_side_panel_and_the_command_line_offer_the_registered_activations(window):
    from nnstudio.gui.app import parse_args

    for name in HIDDEN_ACTIVATIONS:
        assert parse_args(["--activation", name]).activation == name
    controls = window.controls
    hidden = [controls.activation.itemData(k) for k in range(controls.activation.count())]
    output = [controls.output_activation.itemData(k) for k in range(controls.output_activation.count())]
    assert tuple(hidden) == HIDDEN_ACTIVATIONS
    assert output[0] is None and tuple(output[1:]) == OUTPUT_ACTIVATIONS  # "auto" first


def test_an_unsigned_edge_mode_refuses_negative_values(monkeypatch):
    from dataclasses import replace

    from nnstudio.gui import edge_modes

    # No registered mode is unsigned yet: a copy of "update" that is shows what the flag does.
    monkeypatch.setitem(edge_modes.EDGE_MODES, "size", replace(edge_modes.EDGE_MODES["update"], key="size",
                                                               signed=False))
    sizes = [2, 3, 1]
    mode = edge_modes.EdgeMode()
    values = edge_modes.zeros_like_network(sizes)
    assert mode.set("size", values, None, sizes) and mode.title == "last update Δw"
    values[0][1, 2] = -1e-3
    with pytest.raises(ValueError, match="≥ 0"):
        mode.set("size", values, None, sizes)
    assert mode.set("update", values, None, sizes)  # the signed original takes it
