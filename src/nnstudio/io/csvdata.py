"""A user's CSV file as a table of text, then as a dataset (X, y); and writing a dataset out.

``read_table`` guesses the delimiter (comma, semicolon or tab) with ``csv.Sniffer`` and whether the first
row is a header; ``build_dataset`` parses the chosen columns. Every problem raises ``CsvError`` with a
message for a dialog naming the row (the n-th data row), its line in the file, the column and the text.
"""

from __future__ import annotations

import csv
import errno
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..training.problem import MAX_COLUMNS, MAX_DATA_VALUES, MAX_SAMPLES
from .filesystem import PathError, atomic_write, open_regular

MAX_CLASSES = 10
_DELIMITERS = ",;\t"
_SAMPLE_CHARS = 8_192  # csv.Sniffer's regular expressions are slow on long texts
_SAMPLE_LINES = 20
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


class CsvError(ValueError):
    """A CSV file or choice of columns that cannot be used; the message is written for the user."""


@dataclass
class Table:
    header: list[str] | None
    columns: list[str]  # the header's names, or "column 1", "column 2", …
    cells: list[list[str]]  # data rows of raw text, all as wide as ``columns``
    lines: list[int] = field(default_factory=list)  # the file line each data row starts on
    delimiter: str = ","

    def where(self, i: int) -> str:
        """Where data row i is, for messages: "row 7 (line 8)" for i = 6."""
        return f"row {i + 1} (line {self.lines[i]})" if i < len(self.lines) else f"row {i + 1}"


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n:,} bytes"


def _text(source, max_bytes: int) -> str:
    """A str with a line break is CSV text; bytes are its contents; any other str or path names a file."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        if len(source) > max_bytes:
            raise CsvError(f"the text is {_size(len(source))}; up to {_size(max_bytes)} can be read")
        return source
    if isinstance(source, bytes):
        data = source
    else:
        path = os.fspath(source)
        try:
            with open_regular(path) as f:  # a FIFO or a device is refused at once: reading it may never end
                size = os.fstat(f.fileno()).st_size
                if size > max_bytes:
                    raise CsvError(f"the file is {_size(size)}; files up to {_size(max_bytes)} can be read")
                # Read what the size says (a read of max_bytes would allocate all of it first), then what
                # a file that lies about its size (/proc) or grew meanwhile has more.
                data = f.read(size + 1) if size else b""
                if len(data) > size or not size:
                    data += f.read(max_bytes + 1 - len(data))
        except OSError as e:
            if e.errno == errno.ENOENT:
                raise CsvError(f"there is no file {path}") from None
            raise CsvError(str(e) if isinstance(e, PathError) else f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise CsvError(f"the file is larger than {_size(max_bytes)}, the most that can be read")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")  # never fails


def _sniff(text: str) -> str:
    lines = [line for line in text[:_SAMPLE_CHARS].splitlines()[:_SAMPLE_LINES] if line.strip()]
    if len(text) > _SAMPLE_CHARS and len(lines) > 1:
        lines.pop()  # probably cut short
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = None
    counts = {d: [line.count(d) for line in lines] for d in _DELIMITERS}
    steady = [d for d in _DELIMITERS if counts[d] and counts[d][0] > 0 and len(set(counts[d])) == 1]
    if found == "," and ";" in steady:
        return ";"  # "1,5;2,0": semicolons separate cells when commas are decimal commas
    if found and found in _DELIMITERS:
        return found
    return max(_DELIMITERS, key=lambda d: (d in steady, sum(counts[d]), d == ","))


def _number(text: str, decimal_comma: bool) -> float:
    """float(text), also "1,5" when cells are not separated by commas; raises ValueError."""
    s = text.strip()
    if decimal_comma and s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    return float(s)


def _is_number(text: str, decimal_comma: bool) -> bool:
    try:
        _number(text, decimal_comma)
    except ValueError:
        return False
    return True


def _has_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    """The first row is text above numbers somewhere, and a number above text nowhere."""
    def num(s):
        return _is_number(s, decimal_comma)

    if len(rows) == 1:
        return all(s.strip() and not num(s) for s in rows[0])
    pairs = list(zip(rows[0], rows[1]))
    return any(a.strip() and not num(a) and num(b) for a, b in pairs) and not any(
        num(a) and b.strip() and not num(b) for a, b in pairs
    )


# One line with its ending, as io.StringIO(newline="") splits them; matched lazily because a StringIO holds
# its text as 4 bytes a character (a 24 MB file took 96 MB before a row was read).
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def _lines(text: str):
    return (m.group() for m in _LINE.finditer(text))


def _records(text: str, delimiter: str):
    return (r for r in csv.reader(_lines(text), delimiter=delimiter) if any(c.strip() for c in r))


def _check_cells(text: str, delimiter: str) -> None:
    """Refuses a table of more than MAX_DATA_VALUES cells (and a header) before its cells are split out: each
    cell is a Python string of ~50 bytes, so a 25 MB file of short numbers would take ~300 MB as a table."""
    try:
        width = len(next(_records(text, delimiter), ()))
        if width * (text.count("\n") + 1) <= MAX_DATA_VALUES + width:
            return  # the usual case: no row can add more cells than the first one has
        cells = 0
        for record in _records(text, delimiter):  # counted one row at a time, nothing kept
            cells += len(record)
            if cells > MAX_DATA_VALUES + width:
                raise CsvError(f"the file has more than {MAX_DATA_VALUES:,} values ({width:,} columns), the most "
                               "the studio can train on")
    except csv.Error:
        return  # reported with its line by the reading that follows


def read_table(path_or_text, max_rows: int = MAX_SAMPLES, max_bytes: int = 50_000_000, header: bool | None = None):
    """The cells of a CSV file (a path, bytes, or a str holding a line break) as text.

    ``header``: None guesses from the first two rows; True or False overrides the guess.
    """
    text = _text(path_or_text, max_bytes)
    if "\x00" in text:
        raise CsvError("this is a binary file, not CSV text")
    if not text.strip():
        raise CsvError("the file is empty")
    delimiter = _sniff(text)
    _check_cells(text, delimiter)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows, lines, start = [], [], 1
    try:
        for record in reader:
            if any(c.strip() for c in record):
                if rows and len(record) != len(rows[0]):
                    raise CsvError(
                        f"line {start} has {len(record)} cells but line {lines[0]} has {len(rows[0])} "
                        f"(cells separated by {_DELIMITER_NAMES[delimiter]})"
                    )
                if len(record) > MAX_COLUMNS:
                    raise CsvError(f"line {start} has {len(record):,} cells; up to {MAX_COLUMNS:,} columns can be read")
                rows.append(record)
                lines.append(start)
                if len(rows) > max_rows + 1:
                    raise CsvError(f"the file has more than {max_rows:,} rows, the most the studio can train on")
            start = reader.line_num + 1
    except csv.Error as e:
        raise CsvError(f"line {reader.line_num}: {e}") from None
    if not rows:
        raise CsvError("the file is empty")
    decimal_comma = delimiter != ","
    if header if header is not None else _has_header(rows, decimal_comma):
        head = [c.strip() for c in rows.pop(0)]
        lines.pop(0)
        columns = [name or f"column {j + 1}" for j, name in enumerate(head)]
    else:
        head = None
        columns = [f"column {j + 1}" for j in range(len(rows[0]))]
    if len(rows) > max_rows:
        raise CsvError(f"the file has more than {max_rows:,} rows, the most the studio can train on")
    return Table(head, columns, rows, lines, delimiter)


def _column(table: Table, j) -> int:
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < len(table.columns):
        raise CsvError(f"there is no column {j!r}: the table has columns 0…{len(table.columns) - 1}")
    return int(j)


def _numbers(table: Table, j: int, what: str = "") -> np.ndarray:
    """Column j as finite floats, or a CsvError naming the first bad cell."""
    comma = table.delimiter != ","
    out = np.empty(len(table.cells))
    for i, row in enumerate(table.cells):
        text = row[j].strip()
        try:
            out[i] = v = _number(text, comma) if text else math.nan
        except ValueError:
            v = None
        if v is None or not math.isfinite(v):
            at = f"{table.where(i)}, column {table.columns[j]!r}{what}"
            if not text:
                raise CsvError(f"{at} is empty")
            raise CsvError(f"{at}: {text[:40]!r} is not a {'number' if v is None else 'finite number'}")
    return out


def _classes(table: Table, j: int) -> tuple[np.ndarray, list]:
    """Class indices 0…k−1 of column j's labels (sorted: numerically if all are numbers) and the labels."""
    name = table.columns[j]
    raw = [row[j].strip() for row in table.cells]
    for i, text in enumerate(raw):
        if not text:
            raise CsvError(f"{table.where(i)}, column {name!r} (the target) is empty")
    keys: list = raw
    if all(_is_number(t, table.delimiter != ",") for t in raw):
        keys = list(_numbers(table, j, " (the target)"))
    labels = sorted(set(keys))
    if len(labels) < 2:
        raise CsvError(f"the target column {name!r} holds one class only ({labels[0]!r}); classification needs two")
    if len(labels) > MAX_CLASSES:
        raise CsvError(
            f"the target column {name!r} holds {len(labels):,} different values, but classification supports "
            f"up to {MAX_CLASSES} classes; is it a regression target?"
        )
    index = {k: c for c, k in enumerate(labels)}
    y = np.array([index[k] for k in keys], dtype=np.int64)
    if keys is not raw:
        labels = [int(v) if v.is_integer() else v for v in labels]
    return y, labels


def build_dataset(table: Table, feature_columns, target_column, task: str, standardise: bool):
    """(X float64 (n, d), y, info) from the chosen columns.

    Classification targets become class indices 0…k−1 (info["classes"] holds the original labels);
    regression targets are floats. ``standardise`` scales every feature to mean 0 and standard deviation 1
    (info["mean"], info["std"]; None otherwise).
    """
    if task not in ("classification", "regression"):
        raise CsvError(f"task must be 'classification' or 'regression', got {task!r}")
    features = [_column(table, j) for j in feature_columns]
    target = _column(table, target_column)
    if not features:
        raise CsvError("choose at least one column as an input feature")
    if len(set(features)) != len(features):
        raise CsvError("a column is chosen twice as a feature")
    if target in features:
        raise CsvError(f"the target column {table.columns[target]!r} cannot also be an input feature")
    if not table.cells:
        raise CsvError("the file has no data rows")
    X = np.column_stack([_numbers(table, j) for j in features])
    info = {"features": [table.columns[j] for j in features], "target": table.columns[target], "task": task,
            "classes": None, "mean": None, "std": None}
    if task == "classification":
        y, info["classes"] = _classes(table, target)
    else:
        y = _numbers(table, target, " (the target)")
    if standardise:
        with np.errstate(all="ignore"):
            mean, std = X.mean(axis=0), X.std(axis=0)
            X = (X - mean) / std
        for j, name in enumerate(info["features"]):
            if std[j] == 0:
                raise CsvError(f"column {name!r} holds the same value in every row, so it cannot be standardised")
            if not (np.isfinite(mean[j]) and np.isfinite(std[j]) and np.isfinite(X[:, j]).all()):
                raise CsvError(f"column {name!r} holds numbers too large to standardise")
        info["mean"], info["std"] = mean, std
    return X, y, info


def _cell(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def write_csv(path, X, y, feature_names=None, target_name="y") -> None:
    """A header row, then one row per sample; floats at full precision."""
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    y = np.asarray(y)
    y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
    if X.ndim != 2 or y.ndim != 1 or len(y) != len(X):
        raise CsvError(f"X {X.shape} and y {y.shape} must have one row per sample")
    names = [f"x{j + 1}" for j in range(X.shape[1])] if feature_names is None else [str(n) for n in feature_names]
    if len(names) != X.shape[1]:
        raise CsvError(f"{len(names)} feature names for {X.shape[1]} columns")
    try:
        with atomic_write(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([*names, str(target_name)])
            for row, t in zip(X.tolist(), y.tolist()):
                writer.writerow([*map(repr, row), _cell(t)])
    except OSError as e:
        raise CsvError(str(e)) from None
