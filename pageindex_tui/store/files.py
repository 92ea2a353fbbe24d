"""Where our files go (platformdirs) and how they are written: atomically, so a reader sees the old file or
the new one, never half of it."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from ..errors import OutputError
from ..settings import APP_NAME


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700  # the response cache and the library: the user's documents


def make_folders(folder: Path, mode: int = 0o777) -> None:
    """`folder` and its missing parents, each new one made with `mode` (less the umask)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        try:
            os.mkdir(part, mode)
        except FileExistsError:
            pass  # made meanwhile by another writer


def make_private(folder: Path) -> None:
    """`folder` made 0700, with its missing parents (new ones 0700 less the umask), and an existing one
    closed to 0700 (older versions left 0755); raises OSError."""
    make_folders(folder, PRIVATE_FOLDER)
    os.chmod(folder, PRIVATE_FOLDER)


def atomic_write_text(path: Path, text: str, mode: int = 0o644, folder_mode: int = 0o777) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of it.

    Missing folders are made with `folder_mode`; the file gets `mode`."""
    atomic_write_texts({Path(path): text}, mode, folder_mode)


def atomic_write_texts(files: Mapping[Path, str], mode: int = 0o644, folder_mode: int = 0o777) -> None:
    """Write several files all or none: each goes to a temporary file beside it first, and only when every
    one is written whole are they renamed into place (a rename in the same folder does not fail for want
    of space). On a failure the temporary files are removed, and so are the folders made for them, when
    they are empty; the files that were there stay as they were. Raises OutputError naming the file."""
    staged: list[tuple[str, Path]] = []
    made: list[Path] = []
    try:
        for path, text in files.items():
            path = Path(path)
            made += [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            staged.append((_stage(path, text, mode, folder_mode), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in made:  # innermost first; a folder that holds anything stays
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise


def _stage(path: Path, text: str, mode: int, folder_mode: int) -> str:
    """`text` written whole to a temporary file beside `path` (its folders made first); its name."""
    if path.is_dir():  # the rename would fail, after the files before it were renamed
        raise OutputError(f"cannot write {path}: a folder of that name is there", hint="move it away")
    try:
        make_folders(path.parent, folder_mode)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise OutputError(
            f"cannot write to {path.parent}: {err.strerror}", hint="choose another --out folder"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(
            f"cannot write {path}: {err.strerror}", hint="check free space and permissions"
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_json(path: Path, data: Any, mode: int = 0o644, folder_mode: int = 0o777) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", mode, folder_mode)


def check_writable(folder: Path) -> None:
    """Fail early, before any model call, when results could not be written to `folder`."""
    folder = Path(folder)
    hint = "choose another --out folder"
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output folder {folder} is a file, not a folder", hint=hint)
    blocking = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"output folder {folder} cannot be made: {blocking} is a file", hint=hint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"output folder {folder} cannot be made: {err.strerror}", hint=hint) from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"output folder {folder} is not writable: {err.strerror}", hint=hint) from None
