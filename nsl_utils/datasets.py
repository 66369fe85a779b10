"""Locating and verifying the data files in the repository's ``data/`` folder.

Every input a notebook reads lives in ``data/`` with its provenance and sha256 in
``data/README.md``; :func:`checked_path` refuses a file whose hash differs, so a silently
changed input cannot change a reproduced number.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["DATA_DIR", "data_path", "sha256_of", "checked_path"]

#: The repository's data folder (``nsl_utils`` is installed editable from the repository).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def data_path(name: str) -> Path:
    """Path of ``data/<name>``; raises ``FileNotFoundError`` saying where it looked."""
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {name!r} not found at {path}; run from a clone of the repository "
            "with nsl_utils installed editable (pip install -e .), see data/README.md"
        )
    return path


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checked_path(name: str, sha256: str) -> Path:
    """Path of ``data/<name>`` after checking its sha256 against ``sha256``.

    Raises
    ------
    ValueError
        If the file's hash differs from ``sha256`` (the file was changed or corrupted).
    """
    path = data_path(name)
    actual = sha256_of(path)
    if actual != sha256:
        raise ValueError(
            f"sha256 of data/{name} is {actual}, expected {sha256}; restore the file from git "
            "or update the hash and its provenance in data/README.md"
        )
    return path
