"""Defensive reading (and plain writing) of ZIP and NPZ archives that may come from anywhere.

Every check happens before the costly step it guards: the end-of-archive record is read by hand so a
forged member count or directory size is refused before ``zipfile`` parses the directory; each member's
declared size is checked against a cap before it is read, and then read through a bounded loop, so a
header that lies cannot make it bigger; each ``.npy`` header is parsed first, so object arrays (pickles),
non-numeric dtypes and shapes that do not match the bytes present are refused before ``np.load`` runs.
The checks of single values (``count``, ``array``, ``finite``, ``length``, ``number``) serve a file's
fields once unpacked. Every refusal is a ``SafeReadError`` whose message is fit for a dialog.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zipfile
import zlib

import numpy as np

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory: signature, disks, counts, size, offset, comment
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_MAX_DIRECTORY_ENTRY = 1024  # bytes of central directory allowed per member: short names, no comments
_CHUNK = 1 << 20
MAX_COUNT = 2**53  # counters (steps, epochs, …): far beyond any session, and exact as floats
NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}  # how JSON spells them
# What zipfile and zlib raise on damaged input (RecursionError is a RuntimeError).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError,
               RuntimeError, NotImplementedError, struct.error, IndexError, KeyError, OverflowError)


class SafeReadError(ValueError):
    """Data from a file failed a check: the archive is damaged, hostile, or holds values that do not fit."""


def _check_end_record(fp, what: str, max_members: int) -> None:
    """The end-of-archive record, found the way zipfile finds it, must announce a small directory."""
    size = fp.seek(0, io.SEEK_END)
    tail_len = min(size, 20 + _EOCD.size + (1 << 16))  # zipfile's search window, and room for a ZIP64 locator
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    at = len(tail) - _EOCD.size
    if at < 0 or tail[at : at + 4] != _EOCD_SIGNATURE or tail[-2:] != b"\0\0":
        at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < _EOCD.size:
        raise SafeReadError(f"{what} is not a ZIP archive (or it is truncated)")
    _, _, _, _, entries, directory_size, _, _ = _EOCD.unpack_from(tail, at)
    if at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        raise SafeReadError(f"{what} is a ZIP64 archive, which nnstudio never writes")
    if entries > max_members or directory_size > max_members * _MAX_DIRECTORY_ENTRY:
        raise SafeReadError(f"{what} lists too many members (at most {max_members} are allowed)")


def open_archive(fp, what: str, *, max_members: int, max_total: int) -> zipfile.ZipFile:
    """A ZipFile over seekable binary ``fp`` whose directory passed every check; close it after use."""
    try:
        _check_end_record(fp, what, max_members)
        fp.seek(0)
        zf = zipfile.ZipFile(fp)
    except SafeReadError:
        raise
    except _ZIP_ERRORS as e:
        raise SafeReadError(f"{what} is not a valid ZIP archive ({e})") from e
    try:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if len(infos) > max_members:
            raise SafeReadError(f"{what} has {len(infos)} members; at most {max_members} are allowed")
        if len(set(names)) != len(names):
            raise SafeReadError(f"{what} lists a member twice")
        for info in infos:
            if info.flag_bits & 0x1:
                raise SafeReadError(f"{what} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise SafeReadError(f"{what} uses a compression method nnstudio does not read")
        total = sum(i.file_size for i in infos)
        if total > max_total:
            raise SafeReadError(f"{what} is too large: it would unpack to {total:,} bytes; at most {max_total:,} "
                                "are allowed")
    except BaseException:
        zf.close()
        raise
    return zf


def _member_info(zf: zipfile.ZipFile, name: str, limit: int, what: str) -> zipfile.ZipInfo:
    """Member ``name``'s entry, refused when missing or declared larger than ``limit`` bytes."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise SafeReadError(f"{what} has no {name}") from None
    if info.file_size > limit:
        raise SafeReadError(f"{name} in {what} is too large ({info.file_size:,} bytes; at most {limit:,})")
    return info


def read_member(zf: zipfile.ZipFile, name: str, limit: int, what: str) -> bytes:
    """The bytes of member ``name``: its declared size must be ≤ limit, and its real size must match."""
    info = _member_info(zf, name, limit, what)
    chunks, n = [], 0
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(min(_CHUNK, info.file_size + 1 - n))
                if not chunk:
                    break
                n += len(chunk)
                if n > info.file_size:
                    raise SafeReadError(f"{name} in {what} is larger than its header says")
                chunks.append(chunk)
    except SafeReadError:
        raise
    except _ZIP_ERRORS as e:
        raise SafeReadError(f"{name} in {what} is damaged ({e})") from e
    if n != info.file_size:
        raise SafeReadError(f"{name} in {what} is truncated")
    return b"".join(chunks)


def _parse_npy_header(f, name: str, max_elements: int, total: int) -> tuple[tuple[int, ...], np.dtype, bool]:
    """Shape, dtype and Fortran order from the .npy header at the start of stream ``f`` (left just past it),
    refusing pickles, non-numbers, absurd shapes and shapes that do not match the ``total`` bytes present."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. a header numpy can only read as Python 2 wrote it
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise SafeReadError(f"array {name!r} uses .npy version {version}, which nnstudio does not read")
    except SafeReadError:
        raise
    except Exception as e:  # numpy's header parser raises ValueError, SyntaxError, tokenize.TokenError, …
        raise SafeReadError(f"array {name!r} has a damaged header ({e})") from e
    if dtype.hasobject:
        raise SafeReadError(f"array {name!r} holds Python objects (pickled data), which nnstudio never loads")
    if dtype.kind not in "iuf" or dtype.itemsize > 8 or dtype.fields is not None or dtype.subdtype is not None:
        raise SafeReadError(f"array {name!r} does not hold plain numbers (dtype {dtype})")
    if any(d < 0 for d in shape) or math.prod(shape) > max_elements:
        raise SafeReadError(f"array {name!r} has an impossible shape {shape}")
    if f.tell() + math.prod(shape) * dtype.itemsize != total:
        raise SafeReadError(f"array {name!r} is {total:,} bytes, which does not match its shape {shape}")
    return shape, dtype, fortran


def npy_header(data: bytes, name: str, max_elements: int) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a .npy header, refusing pickles, non-numbers, absurd or inconsistent shapes."""
    shape, dtype, _ = _parse_npy_header(io.BytesIO(data), name, max_elements, len(data))
    return shape, dtype


class _Window(io.RawIOBase):
    """A read-only, seekable view of ``size`` bytes of ``fp`` from ``start``: a stored member read in place."""

    def __init__(self, fp, start: int, size: int):
        super().__init__()
        self._fp, self._start, self._size, self._pos = fp, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = min(max(0, base + offset), self._size)
        return self._pos

    def readinto(self, b) -> int:
        n = min(len(b), self._size - self._pos)
        if n <= 0:
            return 0
        self._fp.seek(self._start + self._pos)
        got = self._fp.readinto(memoryview(b)[:n])
        self._pos += got
        return got


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a member's local header; its name and extra field follow


def member_file(zf: zipfile.ZipFile, fp, name: str, limit: int, what: str):
    """Member ``name`` of ``zf`` (opened over seekable ``fp``) as a seekable binary file, read in place when it is
    stored (nnstudio stores arrays.npz): nothing of it is in memory until it is read."""
    info = _member_info(zf, name, limit, what)
    if info.compress_type != zipfile.ZIP_STORED:
        return io.BytesIO(read_member(zf, name, limit, what))
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise SafeReadError(f"{name} in {what} is damaged (no local header)")
    *_, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    if start + info.file_size > fp.seek(0, io.SEEK_END) or info.compress_size != info.file_size:
        raise SafeReadError(f"{name} in {what} is truncated")
    return io.BufferedReader(_Window(fp, start, info.file_size), _CHUNK)


def read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, max_elements: int, check, what: str):
    """One .npy member, its header checked (and ``check(key, shape)`` asked; it raises SafeReadError) before the
    array is allocated, then read straight into it: the array is the only copy."""
    try:
        with zf.open(info) as f:
            shape, dtype, fortran = _parse_npy_header(f, key, max_elements, info.file_size)
            if check is not None:
                check(key, shape)
            a = np.empty(shape[::-1] if fortran else shape, dtype)
            view, at = memoryview(a.reshape(-1).view(np.uint8)), 0
            while at < len(view):
                n = f.readinto(view[at : at + _CHUNK])
                if not n:
                    raise SafeReadError(f"array {key!r} in {what} is truncated")
                at += n
            if f.read(1):
                raise SafeReadError(f"array {key!r} in {what} is larger than its header says")
    except SafeReadError:
        raise
    except _ZIP_ERRORS as e:
        raise SafeReadError(f"array {key!r} in {what} is damaged ({e})") from e
    return a.T if fortran else a


def read_npz(data, keys, *, max_members: int, max_total: int, max_elements: int, what: str = "arrays.npz",
             check=None) -> dict[str, np.ndarray]:
    """The arrays named ``keys`` that the .npz in ``data`` (bytes, or a seekable binary file) holds (absent ones
    are left out; others ignored). Each header is checked, and ``check(key, shape)`` may raise SafeReadError,
    before its array is allocated."""
    fp = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    out = {}
    with open_archive(fp, what, max_members=max_members, max_total=max_total) as zf:
        present = set(zf.namelist())
        for key in keys:
            name = f"{key}.npy"
            if name in present:
                out[key] = read_array(zf, zf.getinfo(name), key, max_elements, check, what)
    return out


def write_npz(arrays: dict[str, np.ndarray], compressed=()) -> bytes:
    """An .npz (as np.savez writes, never pickling) in memory; members in ``compressed`` are deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if key in compressed else zipfile.ZIP_STORED
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


# ---- checks of single values ------------------------------------------------------------------------
def count(value, what: str, low: int = 0) -> int:
    """A whole number (never a bool) from low to MAX_COUNT."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= MAX_COUNT:
        raise SafeReadError(f"{what} must be a whole number from {low} to {MAX_COUNT:,}, got {value!r:.40}")
    return int(value)


def array(x, what: str, kind: str, ndim: int) -> np.ndarray:
    """x as a float64 (kind "f", from any real numbers) or int64 (kind "i") array of ndim dimensions."""
    try:
        a = np.asarray(x)
    except (ValueError, TypeError):
        a = None
    if a is None or a.dtype.kind not in ("fiu" if kind == "f" else "iu") or a.ndim != ndim:
        raise SafeReadError(f"{what} must be a {ndim}-D array of {'numbers' if kind == 'f' else 'whole numbers'}")
    return a.astype(np.float64 if kind == "f" else np.int64, copy=False)


def finite(a: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(a).all():
        raise SafeReadError(f"{what} contains NaN or infinity")
    return a


def length(a: np.ndarray, n: int, what: str) -> np.ndarray:
    if a.shape[0] != n:
        raise SafeReadError(f"{what} has {a.shape[0]:,} entries, expected {n:,}")
    return a


def number(value, what: str, optional: bool = False, fraction: bool = False) -> float | None:
    """A float (or None if optional): finite in [0, 1] if fraction, else also NaN/±inf spelled as NONFINITE."""
    if value is None and optional:
        return None
    if isinstance(value, str) and value in NONFINITE and not fraction:
        return NONFINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SafeReadError(f"{what} must be a number{' or null' if optional else ''}, got {value!r:.40}")
    v = float(value)
    if fraction and not 0.0 <= v <= 1.0:
        raise SafeReadError(f"{what} must be between 0 and 1, got {value!r:.40}")
    return v
