"""The on-disk LLM response cache: finished replies keyed by model and the exact request."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from .. import checked
from ..errors import DamagedFile, OutputError
from .files import PRIVATE_FILE, PRIVATE_FOLDER, atomic_write_json, cache_dir, make_private


class ResponseCache:
    """Finished LLM replies on disk, keyed by model and the exact request.

    One small JSON file per reply, written atomically, so an interrupted run loses nothing it
    already paid for and concurrent runs never see a torn entry. Replies summarize the user's
    documents: files are 0600 and folders 0700, like the settings file.
    """

    def __init__(self, folder: Path | None = None, enabled: bool = True) -> None:
        self.folder = Path(folder) if folder else cache_dir() / "responses"
        self.enabled = enabled
        self.hits = 0
        self._lock = threading.Lock()
        self._private = False  # the folder is known to be 0700

    @staticmethod
    def key(model: str, request: dict[str, Any]) -> str:
        blob = json.dumps({"model": model, "request": request}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:  # a damaged reply (any JSON, nested however deep) is a miss: the call is made again
            data = checked.read_json(self._path(key), lambda value: checked.obj(value, "the reply"))
        except (OSError, DamagedFile):
            return None
        with self._lock:
            self.hits += 1
        return data

    def put(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        try:
            if not self._private:  # also closes a folder an older version left open (0755)
                make_private(self.folder)
                self._private = True
            atomic_write_json(self._path(key), value, PRIVATE_FILE, PRIVATE_FOLDER)
        except (OutputError, OSError):
            pass  # a cache that cannot be written is only slower, never wrong
