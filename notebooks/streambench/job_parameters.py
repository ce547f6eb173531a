"""Job parameters every notebook reads the same way: whole numbers, trigger times, JSON lists of objects and quoted
identifiers.

The generator, the analysis and the DLT pipeline's control notebook import these; none keeps a copy.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

# A bare table name in the benchmark schema (what every notebook accepts as a table parameter).
TABLE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


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
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


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
