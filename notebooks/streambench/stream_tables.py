"""The stream tables of a run: the phases document (`phases_json`), the one encoding of every phase's tables.

The plan (plan.ts `phaseTablesJson`) writes it; the generator, the analysis and the DLT pipeline's control
notebook read it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streambench.job_parameters import json_objects, whole_number

# A phase name: the seed's (`baseline`, `3x`, `9x`) or a load profile's (config/loadProfile.ts allows a subset). It is
# each row's stream_type and part of its job's, tables' and checkpoints' names.
PHASE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# The most streams a phase has: the plan's largest baseline (LIMITS.maxBaselineStreams in plan/settings.ts; a
# contract test holds the two equal).
MAX_STREAMS_PER_PHASE = 2000


@dataclass(frozen=True)
class PhaseTables:
    """One phase's streams and tables, as the generator derives them (its table_name_format and ids)."""

    phase: str
    table_name_format: str
    first_stream_id: int
    stream_count: int

    def table(self, stream_id: int) -> str:
        """A stream's table: the format of its `stream_id` (unique across phases) and its `number` (1… in the phase)."""
        return self.table_name_format.format(stream_id=stream_id, number=stream_id - self.first_stream_id + 1)

    def tables(self) -> list[str]:
        return [
            self.table(stream_id) for stream_id in range(self.first_stream_id, self.first_stream_id + self.stream_count)
        ]


def parse_phases(text: str, problems: list[str]) -> tuple[PhaseTables, ...]:
    """The phases' table naming from `phases_json`: a list of {phase, table_name_format, first_stream_id,
    stream_count} (the generator's parameters of the same names), in timeline order: the first starts the run."""
    phases = []
    for position, item in json_objects("phases_json", text, "phases", problems):
        phase = str(item.get("phase", "")).strip()
        table_format = str(item.get("table_name_format", "")).strip()
        first, count = whole_number(item.get("first_stream_id")), whole_number(item.get("stream_count"))
        bad = []
        if not PHASE_NAME.fullmatch(phase):
            bad.append("phase must be lower-case letters, digits and underscores")
        if not table_format:
            bad.append("table_name_format is required")
        if first is None or first < 1:
            bad.append("first_stream_id must be a whole number of at least 1")
        if count is None or not 1 <= count <= MAX_STREAMS_PER_PHASE:
            bad.append(f"stream_count must be a whole number from 1 to {MAX_STREAMS_PER_PHASE}")
        elif count > 1 and "{stream_id" not in table_format and "{number" not in table_format:
            bad.append("table_name_format must contain {stream_id...} or {number...} when stream_count > 1")
        if bad:
            problems.append(f"phases_json[{position}]: " + "; ".join(bad))
            continue
        try:
            table_format.format(stream_id=first, number=1)
        except (KeyError, IndexError, ValueError) as error:
            problems.append(f"phases_json[{position}]: table_name_format does not format: {error!r}")
            continue
        phases.append(PhaseTables(phase, table_format, first, count))
    return tuple(phases)


def all_tables(phases_json: str, problems: list[str]) -> list[str]:
    """Every stream table of the phases document, in phase order (plan.ts `allTables`); problems as `parse_phases`."""
    return [table for phase in parse_phases(phases_json, problems) for table in phase.tables()]
