"""pypdf kept quiet: its log records and warnings never reach the terminal. While we call into pypdf
they go to a callback (a document's warnings, or nowhere). All pypdf calls made this way hold one
module-wide lock, which also keeps the capture (a process-wide change to the "pypdf" logger and the
warnings filters) consistent when several documents are read from several threads."""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf

PYPDF_LOCK = threading.RLock()
PYPDF_DIR = str(Path(pypdf.__file__).parent) + os.sep
_OUR_DIR = str(Path(__file__).parent) + os.sep


class _Recorder(logging.Handler):
    def __init__(self, note: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self._note = note

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break reading
            message = str(record.msg)
        self._note(message)


@contextmanager
def quiet_pypdf(note: Callable[[str], None]) -> Iterator[None]:
    """Hold the pypdf lock; route pypdf's log records and warnings to `note` instead of the terminal."""
    with PYPDF_LOCK:
        logger = logging.getLogger("pypdf")
        handler = _Recorder(note)
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate
            for item in caught:
                if item.filename.startswith((PYPDF_DIR, _OUR_DIR)):
                    note(str(item.message))
                else:  # someone else's warning, raised meanwhile: hand it back untouched
                    warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
