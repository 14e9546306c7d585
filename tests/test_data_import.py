"""Own data: the CSV import dialog, applying it to the window, and points added by Shift/Ctrl+click."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialog

import nnstudio.gui.data_controller as data_controller
from nnstudio.gui.csv_dialog import PREVIEW_ROWS, CsvImportDialog, guess_classification
from nnstudio.gui.data_controller import ADD_POINTS_HINT, features_for
from nnstudio.training.problem import COLUMNS

# ---- files -------------------------------------------------------------------------------------------


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def two_column_csv(tmp_path, n=60, header=True):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    y[:2] = (0, 1)  # both classes for sure
    lines = (["a,b,label"] if header else []) + [f"{a!r},{b!r},{c}" for (a, b), c in zip(X.tolist(), y.tolist())]
    return write(tmp_path, "two.csv", lines), X, y


def five_column_csv(tmp_path, n=40):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(n, 5))
    t = X @ np.arange(1.0, 6.0) + 0.123
    lines = ["f1,f2,f3,f4,f5,target"] + [",".join(map(repr, [*row, v])) for row, v in zip(X.tolist(), t.tolist())]
    return write(tmp_path, "five.csv", lines)


@pytest.fixture
def dialog(qtbot):
    d = CsvImportDialog()
    qtbot.addWidget(d)
    return d


def titles(table):
    return [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]


# ---- the dialog --------------------------------------------------------------------------------------


def test_dialog_detects_the_header_and_previews_twenty_rows(dialog, tmp_path):
    path, X, y = two_column_csv(tmp_path)
    dialog.load_path(path)
    assert dialog.header_box.isChecked()
    assert titles(dialog.preview) == ["a", "b", "label"]
    assert dialog.preview.rowCount() == PREVIEW_ROWS
    assert dialog.preview.item(0, 0).text() == repr(float(X[0, 0]))
    assert [dialog.feature_list.item(j).checkState() for j in range(3)] == [Qt.Checked, Qt.Checked, Qt.Unchecked]
    assert dialog.target_combo.currentText() == "label"
    assert dialog.classification_button.isChecked() and dialog.standardise_box.isChecked()
    assert dialog.ok_button.isEnabled() and dialog.error_text() == ""
    data = dialog.result_data()
    assert data.X.shape == (60, 2) and data.classification and data.name == "two.csv"
    assert np.array_equal(data.y, y)
    assert np.allclose(data.X.mean(axis=0), 0.0) and np.allclose(data.X.std(axis=0), 1.0)


def test_toggling_the_header_rereads_the_file(dialog, tmp_path):
    path, X, _ = two_column_csv(tmp_path, n=10, header=False)
    dialog.load_path(path)
    assert not dialog.header_box.isChecked()
    assert titles(dialog.preview) == ["column 1", "column 2", "column 3"]
    assert dialog.preview.rowCount() == 10
    dialog.header_box.setChecked(True)  # the first data row becomes the column names
    assert titles(dialog.preview) == [repr(float(X[0, 0])), repr(float(X[0, 1])), "0"]
    assert dialog.preview.rowCount() == 9
    assert dialog.result_data().X.shape == (9, 2)
    dialog.standardise_box.setChecked(False)
    dialog.header_box.setChecked(False)
    assert dialog.preview.rowCount() == 10
    assert np.allclose(dialog.result_data().X, X)


def test_task_guess_follows_the_target(dialog, tmp_path):
    assert guess_classification(["cat", "dog", "cat"]) and guess_classification(["0", "1", "2.0"])
    assert not guess_classification(["0.5", "1", "2"]) and not guess_classification([str(i) for i in range(11)])
    dialog.load_path(five_column_csv(tmp_path))
    assert dialog.regression_button.isChecked()
    assert dialog.result_data().classification is False
    assert dialog.result_data().X.shape == (40, 5)


@pytest.mark.parametrize("lines, words", [
    (["a,b,label", "1,2,0", "3,oops,1", "5,6,0"], "'oops' is not a number"),
    (["a,b,label", "1,2,0", "3,4,0", "5,6,0"], "one class only"),
    (["a,b,label", "1,2,0", "3,4,1,9", "5,6,0"], "has 4 cells"),
])
def test_a_broken_file_shows_its_error_and_disables_ok(dialog, tmp_path, lines, words):
    dialog.load_path(write(tmp_path, "bad.csv", lines))
    assert words in dialog.error_text()
    assert dialog.message.isVisibleTo(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter must not get past a disabled OK either
    assert dialog.result() != QDialog.Accepted


def test_choosing_the_target_as_feature_is_an_error_until_undone(dialog, tmp_path):
    path, _, _ = two_column_csv(tmp_path)
    dialog.load_path(path)
    dialog.feature_list.item(2).setCheckState(Qt.Checked)
    assert "cannot also be an input feature" in dialog.error_text() and not dialog.ok_button.isEnabled()
    dialog.feature_list.item(2).setCheckState(Qt.Unchecked)
    assert dialog.error_text() == "" and dialog.ok_button.isEnabled()
    dialog.target_combo.setCurrentIndex(0)  # column "a" as target: it stops being a feature, regression guessed
    assert dialog.feature_list.item(0).checkState() == Qt.Unchecked
    assert dialog.regression_button.isChecked()
    assert features_for(1) == ("x1",) and features_for(2) == ("x1", "x2") and features_for(5) == COLUMNS


# ---- the window --------------------------------------------------------------------------------------




def fake_dialog(monkeypatch, path, press_ok=True):
    """The import action's dialog, driven as a user would: a file is chosen and OK pressed (if it can be)."""
    shown = []

    class Driven(CsvImportDialog):
        def exec(self):
            shown.append(self)
            self.load_path(path)
            if press_ok:
                self.ok_button.click()
            return self.result()

    monkeypatch.setattr(data_controller, "CsvImportDialog", Driven)
    return shown


def test_the_import_actions_are_in_the_file_and_data_menus(window):
    tools = window.data_tools
    file_actions = window.file_menu.actions()
    assert file_actions.index(tools.actionImportData) < file_actions.index(window.actionQuit)
    assert tools.data_menu.title() == "&Data"
    wanted = {tools.actionImportData, tools.actionClearPoints, tools.actionAddPointsHelp}
    assert wanted <= set(tools.data_menu.actions())
    assert not tools.actionClearPoints.isEnabled()


def test_importing_a_two_column_csv_trains_on_it(qtbot, window, tmp_path, monkeypatch):
    path, _, y = two_column_csv(tmp_path)
    shown = fake_dialog(monkeypatch, path)
    window.data_tools.actionImportData.trigger()
    assert shown and shown[0].result() == QDialog.Accepted
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom", timeout=10000)
    snap = window.snapshot()
    assert snap.spec.features == ("x1", "x2") and snap.spec.custom.name == "two.csv"
    assert len(snap.data.X_train) + len(snap.data.X_test) == 60
    assert len(snap.data.X_train) == round(60 * snap.spec.train_fraction)
    assert sorted(np.concatenate((snap.data.y_train, snap.data.y_test)).tolist()) == sorted(y.tolist())
    assert "two.csv" in window.statusBar().currentMessage()
    step = snap.step
    window.step()
    qtbot.waitUntil(lambda: window.snapshot().step == step + 1, timeout=10000)
    assert np.isfinite(window.snapshot().losses).all()


def test_a_five_column_regression_csv_gives_five_inputs(qtbot, window, tmp_path, monkeypatch):
    fake_dialog(monkeypatch, five_column_csv(tmp_path))
    window.data_tools.import_data_dialog()
    qtbot.waitUntil(lambda: window.snapshot().spec.features == COLUMNS, timeout=10000)
    spec = window.snapshot().spec
    assert spec.sizes[0] == 5 and spec.sizes[-1] == 1 and not spec.classification
    assert spec.resolved_output_activation == "linear"
    qtbot.waitUntil(lambda: window.parameters()[0].shape[0] == 5, timeout=10000)
    # Points go onto 2-D classification data only: here the status bar says so and nothing changes.
    assert window.data_tools.add_point(0.0, 0.0, 1) is False
    assert "2-D classification" in window.statusBar().currentMessage()
    assert window.snapshot().spec == spec


def test_a_broken_file_applies_nothing(qtbot, window, tmp_path, monkeypatch):
    before = window.snapshot().spec
    shown = fake_dialog(monkeypatch, write(tmp_path, "bad.csv", ["a,b,label", "1,2,0", "3,x,1"]))
    window.data_tools.import_data_dialog()
    assert "'x' is not a number" in shown[0].error_text()
    assert shown[0].result() != QDialog.Accepted
    qtbot.wait(100)
    window._poll()
    assert window.snapshot().spec == before and window.snapshot().spec.dataset != "custom"


# ---- clicking points in ------------------------------------------------------------------------------


def pixel_of(window, x, y):
    plot = window.output_view.plot
    vb = plot.getPlotItem().getViewBox()
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def data_units_per_pixel(window):
    plot = window.output_view.plot
    vb = plot.getPlotItem().getViewBox()
    (x0, x1), _ = vb.viewRange()
    return (x1 - x0) / vb.sceneBoundingRect().width()


def test_shift_and_ctrl_click_add_points_and_remove_restores(qtbot, window):
    snap = window.snapshot()
    spec0, params0 = snap.spec, np.array(snap.params)
    n0 = len(snap.data.X_train) + len(snap.data.X_test)
    assert spec0.classification and spec0.input_dim == 2
    vb = window.output_view.plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    tol = 2 * data_units_per_pixel(window)
    viewport = window.output_view.plot.viewport()

    blue = (x0 + 0.3 * (x1 - x0), y0 + 0.8 * (y1 - y0))
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ShiftModifier, pixel_of(window, *blue))
    qtbot.waitUntil(lambda: window.snapshot().spec.custom is not None, timeout=10000)
    first = window.snapshot()
    custom = first.spec.custom
    assert first.spec.dataset == "custom" and custom.name == f"{spec0.dataset} + points"
    assert len(custom.y) == n0 + 1 and custom.y[-1] == 1
    assert np.allclose(custom.X[-1], blue, atol=tol)
    assert first.spec.train_fraction == spec0.train_fraction and first.spec.features == spec0.features
    assert first.generation == snap.generation and np.array_equal(first.params, params0)  # the same network
    assert len(first.data.X_train) + len(first.data.X_test) == n0 + 1
    assert window.data_tools.actionClearPoints.isEnabled()

    orange = (x0 + 0.7 * (x1 - x0), y0 + 0.2 * (y1 - y0))
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ControlModifier, pixel_of(window, *orange))
    qtbot.waitUntil(lambda: len(window.snapshot().spec.custom.y) == n0 + 2, timeout=10000)
    second = window.snapshot()
    custom = second.spec.custom
    assert custom.y[-1] == 0 and np.allclose(custom.X[-1], orange, atol=tol)
    assert custom.y[-2] == 1 and np.allclose(custom.X[-2], blue, atol=tol)
    assert custom.name == f"{spec0.dataset} + points"
    assert np.array_equal(second.params, params0)
    assert window.data_tools.added_count() == 2
    # The window shows the new points: both are among the output view's drawn points.
    drawn = np.vstack([window.output_view.train_points.data["x"], window.output_view.train_points.data["y"]]).T
    drawn = np.vstack((drawn, np.vstack([window.output_view.test_points.data["x"],
                                         window.output_view.test_points.data["y"]]).T))
    assert len(drawn) == n0 + 2
    assert any(np.allclose(p, custom.X[-1]) for p in drawn)

    window.data_tools.actionClearPoints.trigger()
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == spec0.dataset, timeout=10000)
    back = window.snapshot()
    assert back.spec == spec0
    assert len(back.data.X_train) + len(back.data.X_test) == n0
    assert np.array_equal(back.data.X_train, snap.data.X_train) and np.array_equal(back.data.y_test, snap.data.y_test)
    assert np.array_equal(back.params, params0)
    assert not window.data_tools.actionClearPoints.isEnabled()


def test_a_plain_click_selects_a_sample_and_adds_nothing(qtbot, window):
    snap = window.snapshot()
    x, y = snap.data.X_train[0]
    clicked = []
    window.output_view.sampleClicked.connect(lambda which, i: clicked.append((which, i)))
    qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton, Qt.NoModifier, pixel_of(window, x, y))
    qtbot.waitUntil(lambda: bool(clicked), timeout=5000)
    assert clicked[0][0] in ("train", "test")
    qtbot.wait(100)
    window._poll()
    assert window.snapshot().spec.custom is None and not window.data_tools.actionClearPoints.isEnabled()


def test_the_hint_action_explains_the_clicks(window, monkeypatch):
    told = []
    monkeypatch.setattr(data_controller.QMessageBox, "information",
                        staticmethod(lambda parent, title, text: told.append(text)))
    window.data_tools.actionAddPointsHelp.trigger()
    assert told == [ADD_POINTS_HINT]
    assert ADD_POINTS_HINT in window.output_view.plot.toolTip()


def test_clear_points_gives_an_empty_plane_that_trains_once_both_classes_are_drawn(qtbot, window):
    viewport = window.output_view.plot.viewport()
    assert window.data_tools.actionClearAllPoints.isEnabled()
    window.data_tools.actionClearAllPoints.trigger()
    assert len(window.output_view.train_points.data) == 0  # the plane is empty
    # Play and Step wait until there is something to learn.
    window.actionPlayPause.trigger()
    assert not window.actionPlayPause.isChecked() and "Add a point of each class" in window.statusBar().currentMessage()
    qtbot.keyClick(window.network_view, Qt.Key_Right)
    qtbot.wait(100)
    assert window.step_count() == 0
    before = window.parameters()
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ShiftModifier, pixel_of(window, 2.0, 2.0))
    assert len(window.output_view.train_points.data) == 1 and window.snapshot().spec.dataset == "circle"
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ControlModifier, pixel_of(window, -2.0, -2.0))
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    d = window.snapshot().data
    assert len(d.y_train) == 2 and sorted(d.y_train.tolist()) == [0, 1] and len(d.y_test) == 0
    np.testing.assert_allclose(d.X_train[d.y_train == 1][0], [2.0, 2.0], atol=0.15)
    for a, b in zip(before, window.parameters()):
        np.testing.assert_array_equal(a, b)  # the network is the same; only the data changed
    qtbot.keyClick(window.network_view, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.step_count() == 1)
