"""The local runner's terminal: status lines from every phase thread and one progress bar."""

from __future__ import annotations

import sys
import threading
from typing import Callable, TextIO


class Console:
    """Status lines from every phase thread and one progress bar, without tearing each other apart. On a
    terminal the bar stays on the last line; otherwise it is printed at every tenth of the run."""

    def __init__(self, stream: TextIO = sys.stdout, interactive: bool | None = None):
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self._lock = threading.Lock()
        self._bar = ""
        self._printed_tenth = -1

    def log(self, message: str) -> None:
        with self._lock:
            if self.interactive and self._bar:
                self.stream.write("\r\x1b[K")
            self.stream.write(message + "\n")
            if self.interactive and self._bar:
                self.stream.write(self._bar)
            self.stream.flush()

    def prefixed(self, prefix: str) -> Callable[[str], None]:
        return lambda message: self.log("\n".join(f"[{prefix}] {line}" for line in str(message).splitlines()))

    def bar(self, text: str, share: float) -> None:
        with self._lock:
            self._bar = text
            if self.interactive:
                self.stream.write("\r\x1b[K" + text)
                self.stream.flush()
                return
        tenth = int(share * 10 + 1e-9)
        if tenth > self._printed_tenth:
            self._printed_tenth = tenth
            self.log(text)

    def end_bar(self) -> None:
        with self._lock:
            if self.interactive and self._bar:
                self.stream.write("\n")
                self.stream.flush()
            self._bar = ""
