"""Reading and writing the shipped model artefact: a byte-reproducible ``.npz``.

`numpy.savez_compressed` stamps each member with the current time, so two
identical trainings give different bytes. We write the same format (a zip of
``.npy`` members, readable by `numpy.load` with ``allow_pickle=False``) with
fixed timestamps and sorted member names instead.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from streamproc.errors import InputFileError

ARTEFACT_NAME = "sentiment.npz"
"""File name of the artefact inside the ``streamproc.sentiment`` package."""

_EPOCH = (1980, 1, 1, 0, 0, 0)

Arrays = Mapping[str, npt.NDArray[np.generic]]


def write_npz(path: Path, arrays: Arrays) -> None:
    """Writes ``arrays`` so that equal inputs give equal bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            arr = np.asarray(arrays[name])
            if not arr.flags.c_contiguous:
                arr = np.ascontiguousarray(arr)
            if arr.dtype.hasobject:
                msg = f"{path}: array {name!r} holds Python objects; not allowed"
                raise ValueError(msg)
            member = io.BytesIO()
            np.lib.format.write_array(member, arr, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def read_npz(path: Path | None = None) -> dict[str, npt.NDArray[np.generic]]:
    """Loads an artefact (the shipped one when ``path`` is None)."""
    where = f"streamproc/sentiment/{ARTEFACT_NAME}" if path is None else str(path)
    try:
        if path is None:
            raw = resources.files("streamproc.sentiment").joinpath(ARTEFACT_NAME).read_bytes()
        else:
            raw = path.read_bytes()
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        msg = f"{where}: cannot read sentiment artefact: {exc}"
        raise InputFileError(msg) from exc


@lru_cache(maxsize=1)
def shipped_arrays() -> Mapping[str, npt.NDArray[np.generic]]:
    """The shipped artefact, read once per process (scorer and detector share it)."""
    return read_npz()
