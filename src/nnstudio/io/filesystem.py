"""The file system, carefully: readers open only regular files, writers replace a file atomically.

A path may name a FIFO (opening it waits for a writer forever), a device (``/dev/zero`` never ends) or a
folder; ``open_regular`` opens without blocking and refuses anything but a regular file at once, and the
check is made on the opened descriptor, so the path cannot be swapped in between. ``atomic_write`` writes a
temporary file beside the target, flushes it to the disk and renames it over the target: the target is always
either the old file or the whole new one, and a failure (a full disk, a read-only folder) leaves nothing behind.
Every failure is an ``OSError`` whose message names the path, fit for a dialog.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

# The names of nnstudio's temporary files, and only theirs: ".nnstudio-<pid>-<random>.tmp". The writer's process
# id lets the next launch tell a dead writer's leftover (a kill during a save) from a save still under way.
TEMP_PREFIX, TEMP_SUFFIX = ".nnstudio-", ".tmp"

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


class PathError(OSError):
    """An OSError (errno and filename kept) whose str() is a sentence naming the path, fit for a dialog."""

    def __init__(self, code: int | None, message: str, path):
        super().__init__(code, message, os.fspath(path))

    def __str__(self) -> str:
        return self.strerror


class NotRegularFileError(PathError):
    """The path exists but names a FIFO, a device, a socket or a folder."""


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def _error(exc: OSError, verb: str, path) -> PathError:
    if isinstance(exc, PathError):
        return exc
    return PathError(exc.errno, f"cannot {verb} {os.fspath(path)}: {exc.strerror or exc}", path)


def open_regular(path):
    """``open(path, "rb")``, for regular files only: anything else raises NotRegularFileError at once.

    The message reads "… is not a regular file but a named pipe (FIFO)"; other failures keep their OSError
    class with a message naming the path ("cannot read …: No such file or directory")."""
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise _error(e, "read", name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(errno.EINVAL, f"{name} is not a regular file but {_kind(mode)}; nnstudio "
                                      "reads only regular files", name)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def regular_file_problem(path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a FIFO, a device, a folder…), or None if it is a regular
    file; never opens it, so a FIFO cannot block."""
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except OSError as e:
        return f"cannot read {name}: {e.strerror or e}"
    if not stat.S_ISREG(mode):
        return f"{name} is not a regular file but {_kind(mode)}; nnstudio reads only regular files"
    return None


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not possible on Windows, and only a nicety
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _create_temporary(directory: str) -> tuple[int, str]:
    """A new, empty file in ``directory`` with one of nnstudio's temporary names; the umask sets its mode, as
    for any file the user creates."""
    for _ in range(100):
        tmp = os.path.join(directory, f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name")


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None):
    """A file object to write ``path``'s new contents into; when the ``with`` block ends without an error the
    file is flushed, fsynced and renamed over ``path`` (keeping the permissions of the file it replaces).

    On any error (a full disk, an unwritable folder, an exception from the writer) the temporary file is removed,
    ``path`` is left as it was, and the error propagates; an OSError's message names ``path``."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write writes whole files: mode 'w' or 'wb', not {mode!r}")
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    try:
        keep = os.stat(path).st_mode & 0o7777
    except OSError:
        keep = None
    try:
        fd, tmp = _create_temporary(directory)
    except OSError as e:
        raise PathError(e.errno, f"cannot save in {directory}: {e.strerror or e}", path) from None
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if keep is not None:
            os.chmod(tmp, keep)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _error(e, "save", path) from None
        raise
    _fsync_directory(directory)


def remove_stale_temp_files(folders) -> list[Path]:
    """Delete the temporary files of saves whose process is gone (a kill during a save leaves one, as big as
    the project); another live process's save under way is left alone. Returns what was deleted."""
    removed = []
    for folder in folders:
        try:
            candidates = list(Path(folder).glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
        except OSError:
            continue
        for path in candidates:
            pid = _writer_pid(path.name)
            if pid is None or _pid_alive(pid) or pid == os.getpid():
                continue
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed


def _writer_pid(name: str) -> int | None:
    """The process id in a save's temporary file name (see io.filesystem.TEMP_PREFIX); None if not one of ours."""
    middle = name[len(TEMP_PREFIX): -len(TEMP_SUFFIX)]
    pid, _, rest = middle.partition("-")
    return int(pid) if pid.isdigit() and rest else None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

