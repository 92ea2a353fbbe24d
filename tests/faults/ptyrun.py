"""Run the CLI in a pseudo-terminal (so Rich and Textual draw, and hide the cursor) and collect its output."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from collections.abc import Callable


class PtyRun:
    def __init__(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None) -> None:
        master, slave = pty.openpty()
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40", **(env or {}))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pageindex_tui", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self._master: int | None = master
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        master = self._master
        assert master is not None
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            self._chunks.append(data)

    @property
    def output(self) -> bytes:
        return b"".join(self._chunks)

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"exited {self.process.returncode} before {what}: {self.output[-2000:]!r}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.output[-2000:]!r}")
            time.sleep(0.05)

    def send(self, keys: bytes) -> None:
        assert self._master is not None, "the terminal was hung up"
        os.write(self._master, keys)

    def hang_up(self) -> None:
        """Close the terminal under the program, as tmux's kill-session or a dropped SSH link does."""
        if self._master is not None:
            os.close(self._master)
            self._master = None
        self._reader.join(5)

    def end(self, timeout: float = 60.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"did not end within {timeout} s: {self.output[-2000:]!r}") from None
        self._reader.join(5)
        if self._master is not None:
            os.close(self._master)
        return code


def cursor_shown_at_end(output: bytes) -> bool:
    """The terminal's cursor is visible after the output: the last hide (ESC[?25l) was followed by a show."""
    return output.rfind(b"\x1b[?25h") > output.rfind(b"\x1b[?25l")
