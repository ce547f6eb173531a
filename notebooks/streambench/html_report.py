"""The page people share: one self-contained HTML file per run, from its results.json (and its chart, inlined as a
data URL). Nothing is fetched from the network: no script, no stylesheet, no font, no image but the inline chart.
Every number on the page is results.json's, formatted.

Plain functions, tested without Spark and opened in a headless browser by the tests.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any, Mapping, Sequence

from streambench.analysis.verdict_table import kept_up_text, window_label

REPORT_FILE = "report.html"

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.text { text-align: left; }
.yes { color: #1a7f37; font-weight: 600; } .no { color: #cf222e; font-weight: 600; }
img.chart { max-width: 100%; border: 1px solid #ddd; }
"""

# The per-window columns: header, then how to read the value from a window of results.json.
_WINDOW_COLUMNS: Sequence[tuple[str, str, int]] = (
    ("offered rows/s", "target_rows_per_second", 0),
    ("processed rows/s", "processed_rows_per_second", 0),
    ("processed %", "processed_percent", 1),
    ("batches", "batches", 0),
    ("batch p50 s", "batch_p50_seconds", 2),
    ("batch p95 s", "batch_p95_seconds", 2),
    ("trigger s", "trigger_seconds", 0),
    ("lag p50 s", "lag_p50_seconds", 2),
    ("lag p95 s", "lag_p95_seconds", 2),
    ("lag max s", "lag_max_seconds", 2),
    ("workers peak", "workers_peak", 0),
    ("reaction s", "reaction_seconds", 0),
    ("lag recovered s", "lag_recovered_seconds", 0),
)


def number(value: Any, digits: int) -> str:
    """A number as the page shows it (thousands separated); "–" when not measured."""
    if value is None or isinstance(value, bool):
        return "–"
    return f"{float(value):,.{digits}f}"


def _window_value(window: Mapping[str, Any], key: str) -> Any:
    return window[key] if key in window else (window.get("verdict") or {}).get(key)


def _kept_up_cell(value: bool | None) -> str:
    css = "" if value is None else (' class="yes"' if value else ' class="no"')
    return f"<td{css}>{escape(kept_up_text(value))}</td>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def windows_table(windows: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for window in windows:
        verdict = window.get("verdict") or {}
        cells = [
            f'<td class="text">{escape(window_label(window["start_minute"], window["end_minute"]))}</td>',
            f'<td class="text">{escape(str(window.get("phases", "")))}</td>',
            *(f"<td>{number(_window_value(window, key), digits)}</td>" for _, key, digits in _WINDOW_COLUMNS),
            _kept_up_cell(verdict.get("kept_up")),
            f'<td class="text">{escape("; ".join(verdict.get("kept_up_reasons") or []))}</td>',
        ]
        rows.append(cells)
    header = ["minutes", "phases", *(name for name, _, _ in _WINDOW_COLUMNS), "kept up", "why not"]
    return _table(header, rows)


def _facts(items: Sequence[tuple[str, str]]) -> str:
    return _table(
        ["", ""],
        [[f'<td class="text">{escape(key)}</td>', f'<td class="text">{escape(value)}</td>'] for key, value in items],
    )


def render_report(results: Mapping[str, Any], chart_png: bytes | None, gate: Mapping[str, Any] | None = None) -> str:
    """The whole page: the run, its verdict per window with the criteria, the cost, the chart and the thresholds."""
    kept_up = results.get("kept_up")
    cost = results.get("cost") or {}
    criteria = results.get("criteria") or {}
    title = f"streambench {results.get('stack', '')}: run {results.get('run_start', '')}"
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p>Kept up: <span class="{"yes" if kept_up else "no"}">{escape(kept_up_text(kept_up))}</span> '
        f"({escape(str(results.get('mode', '')))}, {escape(str(results.get('speed', '')))}x speed, "
        f"{number(results.get('rows'), 0)} rows)</p>",
    ]
    if chart_png:
        encoded = base64.b64encode(chart_png).decode("ascii")
        alt = "offered against processed rows/s, lag, batch durations and workers over the run"
        parts.append(f'<h2>Over the run</h2><img class="chart" alt="{alt}" src="data:image/png;base64,{encoded}">')
    parts += [
        "<h2>Per window</h2>",
        windows_table(results.get("windows") or []),
        "<h2>Criteria</h2>",
        _facts([(str(key), str(value)) for key, value in criteria.items()]),
        "<h2>Cost</h2>",
        _facts(
            [
                ("node-minutes", number(cost.get("worker_minutes"), 2)),
                ("estimated DBUs", number(cost.get("estimated_dbus"), 3)),
                ("estimated price", number(cost.get("estimated_price"), 2)),
            ]
        ),
    ]
    if gate is not None:
        checks = gate.get("checks") or []
        rows = [
            [
                f'<td class="text">{escape(check["name"])}</td>',
                f"<td>{number(check.get('value'), 3)}</td>",
                _kept_up_cell(None if check.get("value") is None else not check["failed"]),
            ]
            for check in checks
        ]
        parts += [
            f"<h2>Thresholds (exit code {escape(str(gate.get('exit_code')))})</h2>",
            _table(["check", "measured", "passed"], rows),
        ]
    for note in results.get("notes") or []:
        parts.append(f"<p>note: {escape(str(note))}</p>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n"
    )


def write_report(state_dir, results_name: str = "results.json", chart_name: str = "results.png") -> str:
    """report.html beside results.json, from it, its chart and (when thresholds were checked) thresholds.json."""
    import json
    from pathlib import Path

    from streambench.gates import SUMMARY_FILE

    folder = Path(state_dir)
    chart, gate = folder / chart_name, folder / SUMMARY_FILE
    page = render_report(
        json.loads((folder / results_name).read_text()),
        chart.read_bytes() if chart.exists() else None,
        json.loads(gate.read_text()) if gate.exists() else None,
    )
    path = folder / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return str(path)
