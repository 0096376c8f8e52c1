"""Files and directories readable by their owner only, whatever the umask.

Everything Weerbaar writes that holds records or secrets (the database, backups, reports,
the crypto store, the sandbox's accounts) is created through here: files ``0600``,
directories ``0700``. The umask can only take permission bits away, so creating with these
modes is enough for new files; an existing file being overwritten is tightened as well,
since what is written into it now is a record. Scratch files from :mod:`tempfile` are
already private (``mkstemp`` uses ``0600``, ``mkdtemp`` ``0700``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Literal

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# A child process (Synapse in the sandbox) started with this umask creates its files
# owner-only too.
PRIVATE_UMASK = 0o077


def make_private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as ``0700``; an existing one is left as is.

    An existing directory is the operator's: ``weerbaar run`` warns when it is open to
    others (:func:`exposed`) rather than changing it behind their back.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by someone else: theirs, left alone
            continue
        os.chmod(directory, PRIVATE_DIR)
    return path


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and ``0600`` unless it exists (then it is left unchanged)."""
    make_private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(descriptor)


def open_private(path: Path, mode: Literal["wb", "ab"] = "wb") -> IO[bytes]:
    """Open ``path`` for writing bytes (truncating with ``wb``), owner-only from the start."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "ab" else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    try:
        # The file may have existed with a wider mode; what goes in now is private.
        os.fchmod(descriptor, PRIVATE_FILE)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, mode)


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, readable and writable by the owner only."""
    with open_private(path) as out:
        out.write(data)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, readable and writable by the owner only."""
    write_private_bytes(path, text.encode("utf-8"))


def tighten(directory: Path) -> None:
    """Make every file under ``directory`` ``0600`` and every directory ``0700``.

    For stores another library creates with the process umask (matrix-nio's crypto
    store): they live in a ``0700`` directory, so nobody else could read them meanwhile.
    """
    for root, directories, files in os.walk(directory):
        os.chmod(root, PRIVATE_DIR)
        for name in files:
            file = os.path.join(root, name)
            if not os.path.islink(file):
                os.chmod(file, PRIVATE_FILE)
        directories[:] = [d for d in directories if not os.path.islink(os.path.join(root, d))]


def exposed(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that exist and that anyone but their owner may read or enter."""
    open_to_others = stat.S_IRWXG | stat.S_IRWXO
    return [path for path in paths if path.exists() and path.stat().st_mode & open_to_others]
