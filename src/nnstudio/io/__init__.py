"""Reading and writing nnstudio's files, without Qt: ``.nnstudio`` projects (``project``), and the other
modules of this package for weight files and CSV data.

Loading never trusts a file: every problem with a project file is a ``ProjectError`` whose message fits a dialog.
"""

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

__all__ = ["FORMAT", "FORMAT_VERSION", "SUFFIX", "Project", "ProjectError", "load_project", "project_from_loop",
           "save_project"]
