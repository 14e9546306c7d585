"""Random and mutated CSV texts: read_table and build_dataset may only ever raise CsvError."""

from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.io.csvdata import MAX_CLASSES, CsvError, build_dataset, read_table


def fuzz(examples):  # 1,500 examples in all, the same on every run; about 8 s
    return settings(max_examples=examples, deadline=timedelta(seconds=2), database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


PIECES = [",", ";", "\t", "\n", "\r", "\r\n", '"', "'", " ", ".", "-", "+", "e", "E", "1", "0", "9", "nan", "inf",
          "cat", "x", "\x00", "\ufeff", "é", "1,5", "_", "#", "\\"]
NUMBERS = st.one_of(st.floats(-1e6, 1e6).map(repr), st.integers(-1000, 1000).map(str))
LABELS = st.sampled_from(["cat", "dog", "eel", "0", "1", "2", "3.5"])
ODD_CELLS = st.one_of(
    st.floats().map(repr),
    st.sampled_from(["", " ", '"q"', '"a,b"', "1,5", "NaN", "1e400", "-0", "1_000", " 7 ", "0x10", "1e308", "x"]),
)


@st.composite
def csv_texts(draw):
    """Columns of numbers or class labels, some odd cells, then a few random insertions, deletions, swaps."""
    n_cols = draw(st.integers(1, 5) | st.integers(2, 4))
    kinds = [draw(st.sampled_from([NUMBERS, NUMBERS, LABELS])) for _ in range(n_cols)]
    rows = draw(st.lists(st.tuples(*(st.integers(0, 40).flatmap(lambda k, s=s: ODD_CELLS if k == 0 else s)
                                     for s in kinds)), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    head = [delimiter.join(f"c{j}" for j in range(n_cols))] if draw(st.booleans()) else []
    text = newline.join(head + [delimiter.join(r) for r in rows])
    for op, at, piece in draw(st.lists(st.tuples(st.sampled_from("idr"), st.integers(0, 10**6),
                                                 st.sampled_from(PIECES)), max_size=3)):
        p = at % (len(text) + 1)
        text = text[:p] + ("" if op == "d" else piece) + text[p + (op != "i"):]
    return text


def exercise(text, data):
    try:
        table = read_table(text + "\n")  # a line break: always text, never a path
    except CsvError:
        return
    n = len(table.columns)
    assert n >= 1 and all(len(row) == n for row in table.cells)
    if data.draw(st.integers(0, 4)) and n >= 2:  # mostly sensible choices, to reach the parsing
        target = data.draw(st.integers(0, n - 1))
        features = data.draw(st.lists(st.sampled_from([j for j in range(n) if j != target]), min_size=1,
                                      unique=True))
    else:
        target = data.draw(st.integers(-1, n))
        features = data.draw(st.lists(st.integers(-1, n), max_size=4))
    task = data.draw(st.sampled_from(["classification", "regression"]))
    try:
        X, y, info = build_dataset(table, features, target, task, data.draw(st.booleans()))
    except CsvError:
        return
    assert X.dtype == np.float64 and X.shape == (len(table.cells), len(features)) and np.isfinite(X).all()
    assert y.shape == (len(table.cells),)
    if task == "classification":
        assert 2 <= len(info["classes"]) <= MAX_CLASSES
        assert y.dtype == np.int64 and set(y.tolist()) == set(range(len(info["classes"])))
    else:
        assert y.dtype == np.float64 and np.isfinite(y).all()


@fuzz(550)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), st.data())
def test_random_pieces(text, data):
    exercise(text, data)


@fuzz(400)
@given(csv_texts(), st.data())
def test_mutated_csv(text, data):
    exercise(text, data)


@fuzz(550)
@given(st.text(max_size=200), st.data())
def test_any_text(text, data):
    exercise(text, data)
