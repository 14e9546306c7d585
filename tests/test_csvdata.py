"""Reading user CSV files into tables and datasets, and writing datasets out."""

import numpy as np
import pytest

from nnstudio.io.csvdata import CsvError, Table, build_dataset, read_table, write_csv

HOUSES = "size,rooms,price\n1.2,3,200\n2.5,4,350.5\n0.8,2,150\n3.1,5,410\n"


def test_header_is_detected():
    t = read_table(HOUSES)
    assert t.header == ["size", "rooms", "price"]
    assert t.columns == ["size", "rooms", "price"]
    assert t.cells[0] == ["1.2", "3", "200"]
    assert len(t.cells) == 4
    assert t.lines == [2, 3, 4, 5]


def test_no_header_gives_numbered_columns():
    t = read_table("1.2,3,200\n2.5,4,350.5\n")
    assert t.header is None
    assert t.columns == ["column 1", "column 2", "column 3"]
    assert len(t.cells) == 2 and t.lines == [1, 2]


def test_header_above_class_labels_and_labels_without_header():
    t = read_table("x,y,animal\n1,2,cat\n3,4,dog\n")
    assert t.header == ["x", "y", "animal"]
    t = read_table("1,2,cat\n3,4,dog\n")
    assert t.header is None and len(t.cells) == 2
    t = read_table("1,2,cat\n3,4,dog\n", header=True)  # the caller may override the guess
    assert t.header == ["1", "2", "cat"] and len(t.cells) == 1


def test_empty_header_names_are_numbered():
    t = read_table("a,,c\n1,2,3\n")
    assert t.columns == ["a", "column 2", "c"]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters(delimiter):
    text = HOUSES.replace(",", delimiter)
    t = read_table(text)
    assert t.delimiter == delimiter
    assert t.columns == ["size", "rooms", "price"]
    X, y, _ = build_dataset(t, [0, 1], 2, "regression", False)
    assert X.shape == (4, 2) and y[1] == 350.5


def test_semicolons_with_decimal_commas():
    t = read_table("size;price\n1,5;200\n2,25;300,5\n")
    assert t.delimiter == ";"
    X, y, _ = build_dataset(t, [0], 1, "regression", False)
    assert X[:, 0].tolist() == [1.5, 2.25] and y.tolist() == [200.0, 300.5]


def test_quoted_cells_and_crlf_and_blank_lines():
    t = read_table('name,x,y\r\n"a, b",1,2\r\n\r\n"c",3,4\r\n')
    assert t.cells == [["a, b", "1", "2"], ["c", "3", "4"]]
    assert t.lines == [2, 4]


def test_text_in_a_numeric_column_names_row_and_column():
    text = HOUSES + "abc,3,100\n"
    t = read_table(text)
    with pytest.raises(CsvError) as e:
        build_dataset(t, [0, 1], 2, "regression", False)
    assert str(e.value) == "row 5 (line 6), column 'size': 'abc' is not a number"


def test_ragged_rows_name_the_line_and_counts():
    with pytest.raises(CsvError, match=r"line 3 has 2 cells but line 1 has 3"):
        read_table("a,b,c\n1,2,3\n4,5\n6,7,8\n")


@pytest.mark.parametrize(
    ("cell", "message"),
    [("", r"row 2 \(line 3\), column 'rooms' is empty"), ("nan", "'nan' is not a finite number"),
     ("-inf", "'-inf' is not a finite number")],
)
def test_nan_and_empty_cells(cell, message):
    t = read_table(f"size,rooms,price\n1,2,3\n4,{cell},6\n7,8,9\n")
    with pytest.raises(CsvError, match=message):
        build_dataset(t, [0, 1], 2, "regression", False)


def test_empty_target_cell():
    t = read_table("x,label\n1,a\n2,\n3,b\n")
    with pytest.raises(CsvError, match=r"row 2 \(line 3\), column 'label' \(the target\) is empty"):
        build_dataset(t, [0], 1, "classification", False)


def test_a_single_class_is_refused():
    t = read_table("x,label\n1,cat\n2,cat\n")
    with pytest.raises(CsvError, match="one class"):
        build_dataset(t, [0], 1, "classification", False)


def test_too_many_classes_are_refused():
    t = read_table("x,label\n" + "".join(f"{i},{i}\n" for i in range(11)))
    with pytest.raises(CsvError, match="11 different values.*regression"):
        build_dataset(t, [0], 1, "classification", False)


def test_constant_column_cannot_be_standardised():
    t = read_table("a,b,y\n1,5,0\n2,5,1\n3,5,0\n")
    with pytest.raises(CsvError, match="column 'b' holds the same value"):
        build_dataset(t, [0, 1], 2, "classification", True)
    X, _, _ = build_dataset(t, [0, 1], 2, "classification", False)  # fine unstandardised
    assert X[:, 1].tolist() == [5.0, 5.0, 5.0]


def test_standardise():
    t = read_table(HOUSES)
    X, y, info = build_dataset(t, [0, 1], 2, "regression", True)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(X.std(axis=0), 1.0)
    raw, _, plain = build_dataset(t, [0, 1], 2, "regression", False)
    np.testing.assert_allclose(X * info["std"] + info["mean"], raw)
    assert plain["mean"] is None and plain["std"] is None


def test_classification_maps_string_labels_to_sorted_indices():
    t = read_table("x1,x2,animal\n1,2,dog\n3,4,cat\n5,6,dog\n7,8,eel\n")
    X, y, info = build_dataset(t, [0, 1], 2, "classification", False)
    assert info["classes"] == ["cat", "dog", "eel"]
    assert y.dtype == np.int64 and y.tolist() == [1, 0, 1, 2]
    assert X.dtype == np.float64 and X.shape == (4, 2)
    assert info["features"] == ["x1", "x2"] and info["target"] == "animal"


def test_numeric_labels_sort_numerically_and_keep_their_values():
    t = read_table("x,label\n1,10\n2,9\n3,2.0\n4,10\n")
    _, y, info = build_dataset(t, [0], 1, "classification", False)
    assert info["classes"] == [2, 9, 10]
    assert y.tolist() == [2, 1, 0, 2]
    _, _, info = build_dataset(read_table("x,label\n1,0.5\n2,1.5\n"), [0], 1, "classification", False)
    assert info["classes"] == [0.5, 1.5]


def test_regression_targets_are_floats():
    X, y, info = build_dataset(read_table(HOUSES), [0], 2, "regression", False)
    assert y.dtype == np.float64 and y.tolist() == [200.0, 350.5, 150.0, 410.0]
    assert info["classes"] is None and X.shape == (4, 1)


@pytest.mark.parametrize(
    ("features", "target", "task", "message"),
    [([], 2, "regression", "at least one"), ([0, 2], 2, "regression", "cannot also be"),
     ([0, 0], 2, "regression", "twice"), ([0, 7], 2, "regression", "no column 7"),
     ([0], -1, "regression", "no column -1"), ([0], 2, "clustering", "task")],
)
def test_column_choices_are_checked(features, target, task, message):
    with pytest.raises(CsvError, match=message):
        build_dataset(read_table(HOUSES), features, target, task, False)


def test_header_only_file_has_no_rows():
    t = read_table("a,b\n")
    assert t.header == ["a", "b"] and t.cells == []
    with pytest.raises(CsvError, match="no data rows"):
        build_dataset(t, [0], 1, "regression", False)


@pytest.mark.parametrize("text", ["", "\n\n", "  \n \n"])
def test_empty_file(tmp_path, text):
    (tmp_path / "e.csv").write_text(text)
    with pytest.raises(CsvError, match="empty"):
        read_table(tmp_path / "e.csv")


def test_write_csv_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)) * 1e3, rng.integers(0, 3, 30)
    write_csv(tmp_path / "d.csv", X, y, ["size", "a, b", 'quote"d'], "label")
    t = read_table(tmp_path / "d.csv")
    assert t.header == ["size", "a, b", 'quote"d', "label"]
    X2, y2, info = build_dataset(t, [0, 1, 2], 3, "classification", False)
    assert np.array_equal(X2, X)  # full precision
    assert np.array_equal(y2, y) and info["classes"] == [0, 1, 2]
    y = rng.normal(size=30)
    write_csv(tmp_path / "r.csv", X[:, 0], y)
    X3, y3, _ = build_dataset(read_table(str(tmp_path / "r.csv")), [0], 1, "regression", False)
    assert np.array_equal(X3[:, 0], X[:, 0]) and np.array_equal(y3, y)
    assert read_table(tmp_path / "r.csv").columns == ["x1", "y"]


def test_write_csv_checks_shapes(tmp_path):
    with pytest.raises(CsvError):
        write_csv(tmp_path / "d.csv", np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(CsvError):
        write_csv(tmp_path / "d.csv", np.zeros((3, 2)), np.zeros(3), ["only one"])


def test_huge_file_guard(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "1,2\n" * 1000)
    with pytest.raises(CsvError, match="up to 1,000 bytes"):
        read_table(path, max_bytes=1000)
    with pytest.raises(CsvError, match="1,000 bytes"):
        read_table(path.read_text(), max_bytes=1000)
    with pytest.raises(CsvError, match="more than 500 rows"):
        read_table(path, max_rows=500)
    assert len(read_table(path, max_rows=1000).cells) == 1000
    with open(path, "wb") as f:  # sparse: 60 MB on paper, nothing on disk, and never read
        f.truncate(60_000_000)
    with pytest.raises(CsvError, match="60.0 MB"):
        read_table(path)


def test_unreadable_sources(tmp_path):
    with pytest.raises(CsvError, match="no file"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(CsvError, match="not a regular file but a folder"):
        read_table(tmp_path)
    (tmp_path / "bin.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(CsvError, match="binary"):
        read_table(tmp_path / "bin.csv")


def test_encodings(tmp_path):
    (tmp_path / "bom.csv").write_bytes("\ufeffgröße,y\n1,2\n3,4\n".encode())
    assert read_table(tmp_path / "bom.csv").columns == ["größe", "y"]
    (tmp_path / "latin.csv").write_bytes("größe;y\n1;2\n3;4\n".encode("cp1252"))
    assert read_table(tmp_path / "latin.csv").columns == ["größe", "y"]


def test_table_built_by_hand():
    t = Table(None, ["a", "b"], [["1", "x"], ["2", "y"]])
    X, y, info = build_dataset(t, [0], 1, "classification", False)
    assert X[:, 0].tolist() == [1.0, 2.0] and y.tolist() == [0, 1]
    with pytest.raises(CsvError, match=r"^row 2, column 'a'"):
        build_dataset(Table(None, ["a", "b"], [["1", "x"], ["?", "y"]]), [0], 1, "classification", False)
