"""Files we keep: atomic writes, the on-disk LLM response cache, platformdirs paths."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import platformdirs

from .errors import OutputError

APP_NAME = "pageindex-tui"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(
            f"cannot write {path}: {err.strerror}", hint="check free space and permissions"
        ) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path: Path, data: Any, mode: int = 0o644) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", mode)


def check_writable(folder: Path) -> None:
    """Fail early, before any model call, when results could not be written to `folder`."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(
            f"output folder {folder} is not writable: {err.strerror}", hint="choose another --out folder"
        ) from None


class ResponseCache:
    """Finished LLM replies on disk, keyed by model and the exact request.

    One small JSON file per reply, written atomically, so an interrupted run loses nothing it
    already paid for and concurrent runs never see a torn entry.
    """

    def __init__(self, folder: Path | None = None, enabled: bool = True) -> None:
        self.folder = Path(folder) if folder else cache_dir() / "responses"
        self.enabled = enabled
        self.hits = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(model: str, request: dict[str, Any]) -> str:
        blob = json.dumps({"model": model, "request": request}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        with self._lock:
            self.hits += 1
        return data

    def put(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        try:
            atomic_write_json(self._path(key), value)
        except OutputError:
            pass  # a cache that cannot be written is only slower, never wrong
