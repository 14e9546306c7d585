"""PySide6 6.12.0 on Python 3.11 drops None's refcount on every void Qt call and aborts the
process (architecture.md: Facts about the stack). This guards the pin in pyproject.toml."""

import sys

import pytest


def test_void_qt_calls_keep_none_refcount():
    QtGui = pytest.importorskip("PySide6.QtGui")
    pen = QtGui.QPen()
    before = sys.getrefcount(None)
    for _ in range(10_000):
        pen.setWidth(1)
    after = sys.getrefcount(None)
    # On Python ≥ 3.12 None is immortal and its count is a constant; below, it must not fall.
    assert after >= before - 10, f"None's refcount fell from {before} to {after}"
