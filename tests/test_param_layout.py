"""engine.ParamLayout against oracles that do not use it: a hand-written 2-3-1 layout and Keras' own order."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.engine import Network, ParamLayout, ParamRef

# A 2-3-1 network written out by hand: block 0 is W0 (2×3) row by row, then b0 (3); block 1 is W1 (3×1),
# then b1 (1). 13 parameters in all.
HAND_231 = (
    [ParamRef.weight(0, i, j) for i in range(2) for j in range(3)]
    + [ParamRef.bias(0, j) for j in range(3)]
    + [ParamRef.weight(1, i, 0) for i in range(3)]
    + [ParamRef.bias(1, 0)]
)


def test_the_hand_built_2_3_1_layout():
    lo = ParamLayout([2, 3, 1])
    assert lo.sizes == (2, 3, 1) and lo.n_layers == 2 and lo.n_params == 13
    assert lo.offsets == (0, 9, 13)
    assert [lo.ref(k) for k in range(13)] == HAND_231
    assert [lo.index(r) for r in HAND_231] == list(range(13))
    assert lo.index(ParamRef.weight(0, 1, 2)) == 5 and lo.index(ParamRef.bias(0, 1)) == 7
    assert lo.index(ParamRef.weight(1, 2, 0)) == 11 and lo.index(ParamRef.bias(1, 0)) == 12
    assert lo.location(7) == (0, 2, 1) and lo.location(12) == (1, 3, 0)
    assert lo.keras_shapes() == [(2, 3), (3,), (3, 1), (1,)]
    assert lo.torch_names() == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert lo.block(1) == slice(9, 13) and lo.block_shape(1) == (4, 1)
    assert np.array_equal(lo.weight_mask(), [1] * 6 + [0] * 3 + [1] * 3 + [0])


def test_split_gives_views_of_the_flat_vector_and_join_a_new_one():
    lo = ParamLayout([2, 3, 1])
    flat = np.arange(13.0)
    W0, b0, W1, b1 = lo.split(flat)
    assert np.array_equal(W0, [[0, 1, 2], [3, 4, 5]]) and np.array_equal(b0, [6, 7, 8])
    assert np.array_equal(W1, [[9], [10], [11]]) and np.array_equal(b1, [12])
    W0[1, 2] = -1.0  # views: the write reaches the vector
    assert flat[5] == -1.0
    copies = lo.split(flat, copy=True)
    copies[0][0, 0] = 99.0
    assert flat[0] == 0.0
    joined = lo.join([W0, b0, W1, b1])
    assert np.array_equal(joined, flat) and not np.shares_memory(joined, flat)
    assert np.array_equal(lo.zeros(), np.zeros(13))


def test_bad_input_is_refused_with_the_networks_messages():
    lo = ParamLayout([2, 3, 1])
    with pytest.raises(IndexError, match="layer 2 is out of range"):
        lo.index(ParamRef.weight(2, 0, 0))
    with pytest.raises(IndexError, match="neuron 3"):
        lo.index(ParamRef.bias(0, 3))
    with pytest.raises(IndexError, match="neuron 2 is out of range for layer 0's inputs"):
        lo.weight_index(0, 2, 0)
    for index in (-1, 13):
        with pytest.raises(IndexError, match=r"out of range \(0…12\)"):
            lo.ref(index)
    with pytest.raises(ValueError, match="shape"):
        lo.split(np.zeros(12))
    with pytest.raises(ValueError, match=r"arrays\[1\] has shape \(2,\), expected \(3,\)"):
        lo.join([np.zeros((2, 3)), np.zeros(2), np.zeros((3, 1)), np.zeros(1)])
    with pytest.raises(ValueError, match="expected 4 arrays"):
        lo.join([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="sizes"):
        ParamLayout([2])


def test_layouts_are_frozen_values():
    lo = ParamLayout([2, 3, 1])
    assert lo == ParamLayout((2, 3, 1)) and hash(lo) == hash(ParamLayout([2, 3, 1])) and lo != ParamLayout([2, 1])
    with pytest.raises(AttributeError):
        lo.sizes = (1, 1)


sizes_strategy = st.lists(st.integers(1, 6), min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(sizes=sizes_strategy, seed=st.integers(0, 2**31 - 1))
def test_round_trips_for_random_sizes(sizes, seed):
    lo = ParamLayout(sizes)
    flat = np.random.default_rng(seed).normal(size=lo.n_params)
    arrays = lo.split(flat, copy=True)
    # The oracle for [W0, b0, …]: Keras' order is W then b per layer, and each ravels row-major.
    assert [a.shape for a in arrays] == lo.keras_shapes()
    assert np.array_equal(np.concatenate([a.ravel() for a in arrays]), flat)
    assert np.array_equal(lo.join(arrays), flat)
    assert [lo.index(lo.ref(k)) for k in range(lo.n_params)] == list(range(lo.n_params))
    for k in range(lo.n_params):
        ref = lo.ref(k)
        a = arrays[2 * ref.layer + ref.is_bias]
        assert (a[ref.dst] if ref.is_bias else a[ref.src, ref.dst]) == flat[k]


@settings(max_examples=30, deadline=None)
@given(sizes=sizes_strategy)
def test_the_network_uses_its_layout(sizes):
    net = Network(sizes, seed=0)
    lo = net.layout
    assert lo == ParamLayout(sizes) and net.n_params == lo.n_params
    flat = net.flat_parameters()
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), lo.split(flat)))
    for k in range(lo.n_params):
        ref = lo.ref(k)
        value = net.bias(ref.layer, ref.dst) if ref.is_bias else net.weight(ref.layer, ref.src, ref.dst)
        assert value == flat[k] and ref.flat_index(net) == k
