"""The stack's runs on this machine, kept in the state folder and listed newest first."""

from datetime import datetime, timedelta, timezone

from streambench.local.history import history_text, recent_runs, record_run

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
    assert len(notes) == 1 and notes[0].startswith(
        f"{tmp_path / 'runs' / '20991231T000000Z.json'} skipped: not a run's line"
    )


def test_no_folder_yet_is_no_run(tmp_path):
    assert recent_runs(tmp_path) == ([], [])


def test_a_malformed_line_in_the_folder_is_named_in_one_line_and_this_runs_history_is_still_printed(tmp_path):
    """A hand-edited file whose values the table cannot show (a date that is none, a number that is none) used to
    raise after the whole timeline; it is skipped with one line naming it, and the table still shows this run."""
    earlier = START - timedelta(days=1)
    record_run(tmp_path, {"run_start": earlier.isoformat(), "compute": "local Spark, 10x"}, earlier)
    (tmp_path / "runs" / "20991231T000000Z.json").write_text('{"run_start": "garbage-date"}')
    (tmp_path / "runs" / "20991230T000000Z.json").write_text('{"run_start": "2026-12-01", "worker_minutes": "lots"}')
    (tmp_path / "runs" / "20991229T000000Z.json").write_text('{"run_start": "2026-12-01", "compute": 7}')
    text = history_text(tmp_path, {"run_start": START.isoformat(), "compute": "local Spark, 5x"}, START)
    lines = text.strip().splitlines()
    assert lines[0].startswith("This stack's latest runs on this machine") and lines[1].startswith("RUN START")
    assert lines[3].startswith("2026-12-02 09:00:00  local Spark, 5x")
    assert lines[4].startswith("2026-12-01 09:00:00  local Spark, 10x")
    notes = lines[5:]
    assert len(notes) == 3 and all("skipped: not a run's line" in note for note in notes)
    for name in ("20991231T000000Z.json", "20991230T000000Z.json", "20991229T000000Z.json"):
        assert sum(str(tmp_path / "runs" / name) in note for note in notes) == 1


def test_a_runs_folder_that_cannot_be_written_is_a_note_not_a_traceback(tmp_path):
    (tmp_path / "runs").write_text("a file where the folder goes")
    text = history_text(tmp_path, {"run_start": START.isoformat()}, START)
    assert text.strip().startswith(f"note: this run's line could not be kept in {tmp_path / 'runs'}")
