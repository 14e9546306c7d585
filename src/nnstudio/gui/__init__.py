"""Everything that imports PySide6 or pyqtgraph: the main window, canvas, plots and editors."""

from .main_window import MainWindow

__all__ = ["MainWindow"]
