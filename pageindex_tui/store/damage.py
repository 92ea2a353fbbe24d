"""Damaged saved indexes, healed: a folder whose files hold what we never write is moved aside (never
deleted: the user may want it) to `<name>.damaged-<UTC time>`, with a note of what was wrong, and a
warning names it; the library then treats the document as not indexed, and indexing it again works."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import checked
from ..errors import DamagedFile, OutputError
from ..formats import STRUCTURE_SUFFIX
from .files import atomic_write_json

log = logging.getLogger("pageindex_tui.store.library")

DAMAGED_MARK = ".damaged-"  # `<settings key>.damaged-<UTC time>`: a damaged index, set aside
DAMAGE_FILE = "damage.json"  # in a set-aside folder: what was wrong, and the document's name


def stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


@dataclass(frozen=True)
class SetAside:
    """A damaged index moved aside: where it now lies, what was wrong, and its document's name."""

    folder: Path
    error: str
    doc_name: str = ""

    @classmethod
    def read(cls, folder: Path) -> SetAside:
        """The note in a set-aside folder; a note that cannot be read still gives the folder."""
        try:
            note = checked.read_json(folder / DAMAGE_FILE, lambda data: checked.obj(data, "the note"))
            return cls(
                folder,
                checked.text(note.get("error"), "error"),
                checked.text(note.get("doc_name"), "doc_name"),
            )
        except (OSError, DamagedFile):
            return cls(folder, "damaged")


def set_aside(folder: Path, err: DamagedFile, doc_name: str = "") -> Path | None:
    """Move a damaged index's folder aside to `<name>.damaged-<UTC time>` (never deleted: the user may want
    it), with a note of what was wrong; log a warning naming it. Returns where it went, None when it could
    not be moved (it is then only skipped)."""
    when = stamp()
    target = folder.with_name(f"{folder.name}{DAMAGED_MARK}{when}")
    number = 1
    while target.exists():
        number += 1
        target = folder.with_name(f"{folder.name}{DAMAGED_MARK}{when}-{number}")
    if not doc_name:
        names = sorted(p.name for p in folder.glob("*" + STRUCTURE_SUFFIX))
        doc_name = names[0].removesuffix(STRUCTURE_SUFFIX) if names else ""
    try:
        os.rename(folder, target)
    except FileNotFoundError:
        return None  # another process set it aside first
    except OSError as problem:
        log.warning("damaged saved index %s could not be moved aside (%s): %s", folder, problem.strerror, err)
        return None
    try:
        atomic_write_json(target / DAMAGE_FILE, {"error": str(err), "doc_name": doc_name})
    except OutputError:
        pass  # the folder's name says it is damaged
    log.warning("damaged saved index set aside as %s: %s (index the document again)", target, err)
    return target


def healed_hint(moved: Path | None) -> str:
    where = f"it was moved aside to {moved}; " if moved is not None else ""
    return f"{where}index the document again"
