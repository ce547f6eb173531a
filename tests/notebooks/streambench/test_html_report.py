"""The shared report: one self-contained page whose numbers are results.json's."""

import base64
from html.parser import HTMLParser

from streambench.html_report import render_report

# A 1x1 PNG: the report inlines whatever chart the run drew.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

RESULTS = {
    "stack": "dev",
    "mode": "local",
    "speed": 10,
    "run_start": "2026-12-08T01:00:00+00:00",
    "kept_up": False,
    "rows": 123456,
    "criteria": {"max_batch_to_trigger": 0.8},
    "windows": [
        {
            "start_minute": 0.0,
            "end_minute": 3.0,
            "phases": "baseline",
            "target_rows_per_second": 50000,
            "verdict": {"processed_rows_per_second": 49876.4, "lag_p95_seconds": 2.345, "kept_up": True},
        },
        {
            "start_minute": 3.0,
            "end_minute": 4.66837,
            "phases": "baseline+3x",
            "target_rows_per_second": 53000,
            "verdict": {"processed_rows_per_second": 41000.0, "kept_up": False, "kept_up_reasons": ["lag <b>"]},
        },
    ],
    "cost": {"worker_minutes": 12.5, "estimated_dbus": None, "estimated_price": None},
    "notes": [],
}


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.rows, self._row = [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self._row = []
            self.rows.append(self._row)

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None and data.strip():
            self._row.append(data.strip())


def test_the_page_fetches_nothing_and_inlines_its_chart():
    page = Page(render_report(RESULTS, PNG))
    sources = [attrs.get(name) for _, attrs in page.tags for name in ("src", "href") if attrs.get(name)]
    assert [source[: len("data:image/png;base64,")] for source in sources] == ["data:image/png;base64,"]
    assert base64.b64decode(sources[0].split(",", 1)[1]) == PNG
    assert not any(tag in ("script", "link") for tag, _ in page.tags)


def test_every_window_shows_results_json_numbers_and_its_verdict_escaped():
    page = Page(render_report(RESULTS, None))
    windows = [row for row in page.rows if row and row[0] in ("0-3", "3-4.67")]
    assert windows[0][:5] == ["0-3", "baseline", "50,000", "49,876", "–"]
    assert windows[0][-1] == "yes"
    assert windows[1][:4] == ["3-4.67", "baseline+3x", "53,000", "41,000"]
    assert windows[1][-2:] == ["NO", "lag <b>"]  # text, never markup


def test_the_thresholds_of_the_run_are_on_the_page_when_checked():
    gate = {
        "exit_code": 99,
        "checks": [{"name": "lag_p95_seconds > 2 [window 0-3 min]", "value": 2.345, "failed": True}],
    }
    page = Page(render_report(RESULTS, None, gate))
    assert ["lag_p95_seconds > 2 [window 0-3 min]", "2.345", "NO"] in page.rows
    assert "Thresholds (exit code 99)" in render_report(RESULTS, None, gate)
