"""Files a command writes (event logs, reports, census files): checked before a run
starts, written atomically after it.

A path is checked up front so that a typo costs nothing, not the results of a
long run; a file is written under a temporary name in its own directory and
renamed, so a failed or interrupted write never leaves half a file (and the
temporary file is removed, Ctrl-C included).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .errors import UsageError

__all__ = ["check_output_path", "write_atomically"]


def check_output_path(path: str | Path, suffixes: tuple[str, ...], argument: str) -> str:
    """Check that ``path`` can be written; returns its suffix (lower case).

    Raises
    ------
    UsageError
        If the suffix is not one of ``suffixes``, the path is a directory, its
        directory does not exist, or that directory is not writable.
    """
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"expected a file, found the directory {str(path)!r}", argument=argument)
    suffix = p.suffix.lower()
    if suffix not in suffixes:
        raise UsageError(f"expected a path ending in {' or '.join(suffixes)}, found {str(path)!r}",
                         argument=argument)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: the directory {str(parent)!r} does not exist",
                         argument=argument)
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {str(path)!r}: permission denied", argument=argument)
    return suffix


def write_atomically(path: str | Path, write: Callable[[Path], None], argument: str) -> None:
    """Call ``write(tmp)`` for a temporary file next to ``path``, then rename it to ``path``.

    Raises
    ------
    UsageError
        When the file system refuses (full disk, permissions, a read-only mount).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")  # the suffix names the format
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}", argument=argument) from None
    finally:
        if tmp.exists():
            tmp.unlink()
