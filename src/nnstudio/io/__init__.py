"""Reading and writing nnstudio's files, without Qt: ``.nnstudio`` projects (``project``), and the other
modules of this package for weight files and CSV data; ``filesystem`` opens and writes them safely.

Loading never trusts a file: every problem with a project file is a ``ProjectError`` whose message fits a dialog.
Every write is atomic (``atomic_write``: a temporary file, then a rename) and every reader opens only regular
files (``open_regular``).
"""

from .filesystem import NotRegularFileError, PathError, atomic_write, open_regular, regular_file_problem
from .project import (
           FORMAT,
           FORMAT_VERSION,
           SUFFIX,
           Project,
           ProjectError,
           load_project,
           project_from_loop,
           save_project,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "SUFFIX", "NotRegularFileError", "PathError", "Project", "ProjectError",
           "atomic_write", "load_project", "open_regular", "project_from_loop", "regular_file_problem",
           "save_project"]
