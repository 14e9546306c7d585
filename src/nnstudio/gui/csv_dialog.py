"""The "Import data (CSV)" dialog: a file, a preview, which columns are inputs and which is the target.

Every choice re-reads (header) or rebuilds (columns, task, scaling) the dataset at once, so a problem in the
file shows in the red message line while the dialog is open and OK stays disabled until it is resolved.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..io.csvdata import MAX_CLASSES, CsvError, build_dataset, read_table
from ..training.problem import CustomData

__all__ = ["CsvImportDialog", "guess_classification"]

PREVIEW_ROWS = 20
ERROR_COLOR = "#c5221f"


def guess_classification(values) -> bool:
    """Up to MAX_CLASSES distinct values that look like labels (text, or whole numbers) mean classification."""
    distinct = {v.strip() for v in values}
    if not 1 <= len(distinct) <= MAX_CLASSES:  # one label is still a label: the dialog then says one class is too few
        return False
    for v in distinct:
        try:
            x = float(v.replace(",", ".")) if v.count(",") == 1 and "." not in v else float(v)
        except ValueError:
            continue  # text: a label
        if not math.isfinite(x) or not x.is_integer():
            return False
    return True


class CsvImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import data (CSV)")
        self.setObjectName("csvImportDialog")
        self._path: str | None = None
        self._table = None
        self._data: CustomData | None = None
        self._info: dict | None = None
        self._updating = False

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("Choose a CSV file…")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)

        self.header_box = QCheckBox("First row is a header")
        self.header_box.toggled.connect(self._header_toggled)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.NoEditTriggers)
        self.preview.setMinimumHeight(180)
        self.rows_label = QLabel()

        self.feature_list = QListWidget()
        self.feature_list.setToolTip("The columns the network gets as inputs")
        self.feature_list.itemChanged.connect(lambda _item: self._rebuild())
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("The column the network learns to predict")
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        self.classification_button = QRadioButton("Classification")
        self.regression_button = QRadioButton("Regression")
        self.classification_button.setChecked(True)
        self._task_group = QButtonGroup(self)
        self._task_group.addButton(self.classification_button)
        self._task_group.addButton(self.regression_button)
        self.classification_button.toggled.connect(lambda _on: self._rebuild())
        task_row = QHBoxLayout()
        task_row.addWidget(self.classification_button)
        task_row.addWidget(self.regression_button)
        task_row.addStretch(1)
        self.standardise_box = QCheckBox("Standardise features")
        self.standardise_box.setToolTip("Scale every input column to mean 0 and standard deviation 1")
        self.standardise_box.setChecked(True)
        self.standardise_box.toggled.connect(lambda _on: self._rebuild())

        self.message = QLabel()
        self.message.setObjectName("csvMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)

        form = QFormLayout()
        form.addRow("Input features:", self.feature_list)
        form.addRow("Target:", self.target_combo)
        form.addRow("Task:", task_row)
        form.addRow("", self.standardise_box)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(self.header_box)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.rows_label)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(640, 620)
        self._show_error(None)
        self.ok_button.setEnabled(False)

    # ---- the file ---------------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data (CSV)", self._path or "",
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.load_path(path)

    def load_path(self, path) -> None:
        """Read ``path``, guessing whether its first row is a header, and choose the default columns."""
        self._path = str(path)
        self.path_edit.setText(self._path)
        self._read(header=None, fresh=True)

    def _header_toggled(self, on: bool) -> None:
        if not self._updating and self._path is not None:
            self._read(header=bool(on), fresh=False)

    def _read(self, header: bool | None, fresh: bool) -> None:
        try:
            table = read_table(self._path, header=header)
        except CsvError as exc:
            self._table = None
            self._data = None
            self._fill_preview(None)
            self._fill_columns(None, fresh=True)
            self._show_error(str(exc))
            return
        self._table = table
        self._updating = True
        try:
            self.header_box.setChecked(table.header is not None)
        finally:
            self._updating = False
        self._fill_preview(table)
        self._fill_columns(table, fresh=fresh or self.feature_list.count() != len(table.columns))
        self._rebuild()

    def _fill_preview(self, table) -> None:
        self.preview.clear()
        if table is None:
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.rows_label.setText("")
            return
        rows = table.cells[:PREVIEW_ROWS]
        self.preview.setColumnCount(len(table.columns))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(table.columns)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.preview.setItem(i, j, QTableWidgetItem(text))
        n = len(table.cells)
        shown = f"the first {len(rows)} shown" if n > len(rows) else "all shown"
        self.rows_label.setText(f"{n:,} data row{'s' if n != 1 else ''} × {len(table.columns)} columns ({shown})")

    def _fill_columns(self, table, fresh: bool) -> None:
        """Column names into the list and the combo; ``fresh`` also resets the choices to the defaults."""
        self._updating = True
        try:
            if table is None:
                self.feature_list.clear()
                self.target_combo.clear()
                return
            names = table.columns
            if fresh:
                self.feature_list.clear()
                self.target_combo.clear()
                for j, name in enumerate(names):
                    item = QListWidgetItem(name)
                    item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                    item.setCheckState(Qt.Checked if j < len(names) - 1 else Qt.Unchecked)
                    self.feature_list.addItem(item)
                    self.target_combo.addItem(name)
                self.target_combo.setCurrentIndex(len(names) - 1)
                self._guess_task()
            else:  # the same columns under other names (the header was toggled): keep the choices
                for j, name in enumerate(names):
                    self.feature_list.item(j).setText(name)
                    self.target_combo.setItemText(j, name)
        finally:
            self._updating = False

    def _guess_task(self) -> None:
        j = self.target_combo.currentIndex()
        if self._table is None or j < 0:
            return
        classification = guess_classification(row[j] for row in self._table.cells)
        was = self._updating
        self._updating = True
        try:
            (self.classification_button if classification else self.regression_button).setChecked(True)
        finally:
            self._updating = was

    def _target_changed(self, j: int) -> None:
        if self._updating or j < 0:
            return
        self._updating = True
        try:
            item = self.feature_list.item(j)
            if item is not None:
                item.setCheckState(Qt.Unchecked)  # the target cannot also be an input
        finally:
            self._updating = False
        self._guess_task()
        self._rebuild()

    # ---- the dataset ------------------------------------------------------------------------------
    def feature_columns(self) -> list[int]:
        return [j for j in range(self.feature_list.count()) if self.feature_list.item(j).checkState() == Qt.Checked]

    def target_column(self) -> int:
        return self.target_combo.currentIndex()

    def task(self) -> str:
        return "classification" if self.classification_button.isChecked() else "regression"

    def _rebuild(self) -> None:
        if self._updating:
            return
        self._data = None
        if self._table is None:
            return
        try:
            X, y, info = build_dataset(self._table, self.feature_columns(), self.target_column(), self.task(),
                                       self.standardise_box.isChecked())
            classification = self.task() == "classification"
            classes = info["classes"]
            try:
                data = CustomData(X, y, classification, name=Path(self._path).name,
                                  class_names=[str(c) for c in classes] if classification and classes else None)
            except ValueError as exc:  # what build_dataset lets through but the studio cannot train on
                raise CsvError(str(exc)) from None
        except CsvError as exc:
            self._show_error(str(exc))
            return
        self._data, self._info = data, info
        self._show_error(None)

    def _show_error(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))
        self.ok_button.setEnabled(text is None and self._data is not None)

    def error_text(self) -> str:
        """The message on show ("" when there is none)."""
        return self.message.text()

    def accept(self) -> None:
        if self._data is None:
            return  # OK is disabled; Enter must not get past it either
        super().accept()

    def result_data(self) -> CustomData:
        """The dataset the choices describe; valid once the dialog was accepted."""
        if self._data is None:
            raise CsvError("no data: choose a file and columns that can be read")
        return self._data

    def info(self) -> dict | None:
        """build_dataset's info of the current choices (feature and target names, classes, scaling)."""
        return self._info if self._data is not None else None
