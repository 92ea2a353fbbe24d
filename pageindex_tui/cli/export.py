"""`pageindex-tui export`: a saved index (the library's, or a _structure.json) as PageIndex JSON or a
Markdown outline, to a file or standard output."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from .. import checked
from ..errors import DamagedFile, OutputError
from ..export import NAMES, SUFFIXES, Format, markdown_outline, result_json
from ..safe_text import shown
from ..settings import Settings
from ..store.files import atomic_write_text
from ..store.library import Library
from ..tree import Tree
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    source: Path = args.source
    if not source.is_file():
        error(f"{source} {'is a folder, not a file' if source.is_dir() else 'does not exist'}")
        return EXIT_USAGE
    fmt: Format = args.format or (
        "markdown" if args.output and args.output.suffix.lower() == ".md" else "json"
    )
    if source.name.lower().endswith(".json"):
        name = source.name[: -len(".json")].removesuffix("_structure")
        try:
            tree = checked.read_json(source, lambda data: Tree.from_json(data, name))
        except OSError as err:
            error(f"cannot read {source}: {err.strerror or err}")
            return EXIT_FAILED
        except DamagedFile as err:
            error(f"not a sound PageIndex tree: {err}", "give a _structure.json written by an indexer")
            return EXIT_USAGE
    else:
        library = Library()
        entry = library.lookup(source, settings) or library.lookup(source)
        if entry is None:
            error(
                f"{source} has no saved index in the library ({library.root})",
                f"index it first: pageindex-tui index {source}",
            )
            return EXIT_FAILED
        name = source.stem
        try:
            tree = entry.load()  # a damaged one is set aside, and the hint says where
        except OSError as err:
            error(f"cannot read {entry.structure_path}: {err.strerror or err}")
            return EXIT_FAILED
        except DamagedFile as err:
            error(f"the saved index of {source} is damaged: {err}", err.hint)
            return EXIT_FAILED
    text = result_json(tree) if fmt == "json" else markdown_outline(tree)
    if args.output is not None and str(args.output) == "-":
        return _to_stdout(text)
    output = args.output or Path("results") / f"{name}{SUFFIXES[fmt]}"
    if output.is_dir():
        error(f"{output} is a folder; give a file name")
        return EXIT_USAGE
    if output.is_file() and (not os.access(output, os.W_OK) or not output.stat().st_mode & 0o222):
        error(f"{output} is read-only: not overwritten (choose another --output file)")
        return EXIT_FAILED
    try:
        atomic_write_text(output, text)
    except OutputError as err:
        error(f"{err.message} (choose another --output file)")
        return EXIT_FAILED
    print(f"Exported {NAMES[fmt]} to {shown(str(output))}")
    return EXIT_OK


def _to_stdout(text: str) -> int:
    """Write to standard output; a write error (a full disk, a closed pipe) is one error line, exit 1, and
    standard output is pointed at /dev/null so that the exit does not try to flush it again."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as err:
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        error(f"cannot write to standard output: {err.strerror or err}")
        return EXIT_FAILED
    return EXIT_OK
