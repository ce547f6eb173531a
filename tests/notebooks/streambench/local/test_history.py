"""The stack's runs on this machine, kept in the state folder and listed newest first."""

from datetime import datetime, timedelta, timezone

from streambench.local.history import recent_runs, record_run

START = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


def test_runs_are_kept_one_file_each_and_listed_newest_first_up_to_the_count(tmp_path):
    for hours in range(4):
        start = START + timedelta(hours=hours)
        record_run(tmp_path, {"run_start": start.isoformat(), "windows": hours}, start)
    record_run(tmp_path, {"run_start": START.isoformat(), "windows": 9}, START)  # the first run analysed again
    runs, notes = recent_runs(tmp_path, count=3)
    assert [run["windows"] for run in runs] == [3, 2, 1] and notes == []
    assert len(list((tmp_path / "runs").glob("*.json"))) == 4
    assert [run["windows"] for run in recent_runs(tmp_path, count=10)[0]] == [3, 2, 1, 9]


def test_a_file_that_is_not_a_runs_line_is_named_and_skipped(tmp_path):
    record_run(tmp_path, {"run_start": START.isoformat()}, START)
    (tmp_path / "runs" / "20991231T000000Z.json").write_text("{not json")
    runs, notes = recent_runs(tmp_path)
    assert [run["run_start"] for run in runs] == [START.isoformat()]
    assert len(notes) == 1 and notes[0].startswith("20991231T000000Z.json skipped: not a run's line")


def test_no_folder_yet_is_no_run(tmp_path):
    assert recent_runs(tmp_path) == ([], [])
