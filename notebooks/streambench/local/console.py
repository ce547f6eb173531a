"""The local runner's terminal: the phases' lines and one progress line that carries every phase's status."""

from __future__ import annotations

import shutil
import sys
import threading
from typing import Callable, Sequence, TextIO

from streambench.status import PhaseStatus


def measured_text(statuses: Sequence[PhaseStatus]) -> str:
    """`measured 798 rows/s, 3x draining`: the phases' latest statuses on one line, for the progress line (the
    phases at once, where each phase job's notebook prints its own status line every interval)."""
    streaming = [status for status in statuses if not status.draining]
    draining = [status.phase for status in statuses if status.draining]
    parts = (
        [f"measured {sum(status.input_rows_per_second or 0.0 for status in streaming):,.0f} rows/s"]
        if streaming
        else []
    )
    if draining:
        parts.append(f"{'+'.join(draining)} draining")
    return ", ".join(parts)


class Console:
    """The phases' lines (from every phase thread) and one progress line, without tearing each other apart. The
    phases' statuses are not printed one line each per interval: they are folded into the progress line
    (`measured`). On a terminal the progress line stays last, redrawn in place (cut to the terminal's width, so
    that it never wraps); otherwise it is printed at every tenth of the run."""

    def __init__(self, stream: TextIO = sys.stdout, interactive: bool | None = None, columns: int | None = None):
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.columns = columns
        self._lock = threading.Lock()
        self._bar = ""
        self._printed_tenth = -1
        self._statuses: dict[str, PhaseStatus] = {}

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

    def phase_status(self, status: PhaseStatus) -> None:
        """A phase's status at its interval (streambench.generator.run_phase's `status`): kept, not printed."""
        with self._lock:
            self._statuses[status.phase] = status

    def phase_ended(self, phase: str) -> None:
        with self._lock:
            self._statuses.pop(phase, None)

    def measured(self) -> str:
        with self._lock:
            return measured_text(list(self._statuses.values()))

    def bar(self, text: str, share: float) -> None:
        with self._lock:
            if self.interactive:
                width = self.columns or shutil.get_terminal_size().columns
                self._bar = text[: max(width - 1, 1)]
                self.stream.write("\r\x1b[K" + self._bar)
                self.stream.flush()
                return
            self._bar = text
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
