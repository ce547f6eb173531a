"""Job parameters every notebook reads the same way: whole numbers, minutes of the run, trigger times, JSON lists
of objects and quoted identifiers.

The generator, the analysis and the DLT pipeline's control notebook import these; none keeps a copy.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Mapping

# A bare table name in the benchmark schema (what every notebook accepts as a table parameter).
TABLE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")

# The longest run the plan makes, in minutes (LIMITS.maxRunMinutes in plan/settings.ts; a contract test holds the two
# equal). No minute of a run (a window's start, end or length) is past it.
MAX_RUN_MINUTES = 24 * 60

# ASCII digits only: str.isdigit() also takes "²" (which int() then refuses) and "١٢" (which int() reads as 12).
_WHOLE_NUMBER = re.compile(r"[0-9]+")
# A plain decimal number in ASCII, as the plan and the local runner write minutes ("15", "0.25", "1e-3").
_DECIMAL_NUMBER = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def qualified_name(*parts: str) -> str:
    """`catalog`.`schema`.`table` (or any other parts), each part quoted."""
    return ".".join(quote_identifier(part) for part in parts)


def whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return ascii_whole_number(value)
    return None


def ascii_whole_number(text: str) -> int | None:
    """`text` (surrounding blanks aside) as a whole number when it is ASCII digits only, else None."""
    text = text.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def positive_whole_param(name: str, text: str, problems: list[str]) -> int:
    """A job parameter holding a whole number of at least 1, or 0 and a problem naming the parameter."""
    value = ascii_whole_number(text)
    if value is None or value < 1:
        problems.append(f"{name} must be a whole number of at least 1, got {text.strip()!r}")
        return 0
    return value


def is_run_minute(value: float, allow_zero: bool = True) -> bool:
    """Whether `value` is a minute of a run: finite, from 0 (or above 0) up to MAX_RUN_MINUTES. NaN is none."""
    return math.isfinite(value) and (value >= 0 if allow_zero else value > 0) and value <= MAX_RUN_MINUTES


def minutes_param(name: str, text: str, problems: list[str], allow_zero: bool) -> float:
    """A job parameter holding minutes of the run (a window's start offset or length): a plain decimal number from 0
    (or above 0) up to MAX_RUN_MINUTES, or 0 and a problem naming the parameter. float() alone takes "nan", "inf" and
    "1e12", which failed later naming nothing."""
    text = text.strip()
    value = float(text) if _DECIMAL_NUMBER.fullmatch(text) else math.nan
    if not is_run_minute(value, allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        problems.append(f"{name} must be a {kind} number of minutes up to {MAX_RUN_MINUTES} (a day), got {text!r}")
        return 0.0
    return value


def parse_run_start(text: str) -> datetime | None:
    """An ISO time (naive = UTC) as an aware UTC datetime; None for empty or an unsubstituted `{{...}}`.
    Raises ValueError for anything else."""
    text = (text or "").strip()
    if not text or "{{" in text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_time_param(name: str, text: str, problems: list[str]) -> datetime | None:
    """A job parameter holding a trigger time (`{{job.trigger.time.iso_datetime}}`): the time, None when empty or
    unsubstituted, or a problem naming the parameter. The generator and the analysis both read theirs here."""
    try:
        return parse_run_start(text)
    except ValueError:
        problems.append(f"{name} must be an ISO date-time (e.g. 2026-11-25T02:00:00Z), got {text!r}")
        return None


def json_objects(name: str, text: str, what: str, problems: list[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The objects of a parameter that holds a non-empty JSON list of `what` (`phases_json`, `windows_json`), with
    their positions from 1. Bad JSON, anything but a non-empty list, and an item that is no object are problems
    naming the parameter, added as the list is read."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        problems.append(f"{name} is not JSON: {error}")
        return
    if not isinstance(raw, list) or not raw:
        problems.append(f"{name} must be a non-empty JSON list of {what}")
        return
    for position, item in enumerate(raw, start=1):
        if isinstance(item, Mapping):
            yield position, item
        else:
            problems.append(f"{name}[{position}] must be an object")


def parse_trigger_time(text: str) -> datetime | None:
    """The job's trigger time (`{{job.trigger.time.iso_datetime}}`, UTC), or None when the run has none (empty, or
    not substituted). Raises ValueError for anything else: parse_params has refused it already."""
    return parse_run_start(text)


def phase_window(
    trigger_time: str, start_offset_minutes: float, window_minutes: float, now: datetime
) -> tuple[datetime, datetime]:
    """When the phase starts and stops: its timeline's trigger time plus the phase's offset, plus its window.
    A late start shortens the phase; it never shifts it. A run without a trigger time (started by hand)
    anchors its timeline now."""
    anchor = parse_trigger_time(trigger_time) or now
    start = anchor + timedelta(minutes=start_offset_minutes)
    return start, start + timedelta(minutes=window_minutes)
