"""`ops run` followed to the run's end: its exit code says whether the run succeeded by the rule `ops analyze`
uses (only SUCCESS is 0), and it follows a run until the run has ended, whatever states it passes through."""

from types import SimpleNamespace

import pytest
from streambench.ops.analyze import analyze
from streambench.ops.commands import JobSpec, Request, run

TAGS = {"project": "streambench", "stack": "prod"}


def state(life_cycle: str | None, result: str | None = None):
    return SimpleNamespace(life_cycle_state=life_cycle, result_state=result)


class Workspace:
    """The SDK calls `run` and `analyze` make, answering `get_run` with the given states in turn."""

    def __init__(self, states):
        self.states = list(states)
        self.polled = 0
        self.jobs = self

    def list(self, name):
        return [SimpleNamespace(job_id=7, settings=SimpleNamespace(name=name, tags=TAGS))]

    def run_now(self, job_id):
        return SimpleNamespace(run_id=11)

    def get_run(self, run_id):
        current = self.states[min(self.polled, len(self.states) - 1)]
        self.polled += 1
        return SimpleNamespace(run_id=run_id, state=current, run_page_url=None, tasks=[])


def request(role: str) -> Request:
    job = JobSpec(name=f"streambench-prod-{role}", role=role)
    return Request(command="run", stack="prod", jobs=[job], tags=TAGS, poll_seconds=0)


@pytest.mark.parametrize(
    ("ended", "exit_code"),
    [
        (state("TERMINATED", "SUCCESS"), 0),
        (state("TERMINATED", "FAILED"), 1),
        (state("TERMINATED", "CANCELED"), 1),
        (state("TERMINATED", "SUCCESS_WITH_FAILURES"), 1),
        (state("SKIPPED"), 1),
        (state("INTERNAL_ERROR"), 1),
    ],
)
def test_run_exits_as_analyze_does(ended, exit_code):
    # The run's first look (when it starts), then one while it runs, then its end.
    states = [state("PENDING"), state("RUNNING"), ended]
    assert run(Workspace(states), request("timeline"), lambda line: None, sleep=lambda seconds: None) == exit_code
    if exit_code == 1:  # a successful analysis goes on to read the summary, which this fake does not hold
        assert analyze(Workspace(states), request("analysis"), lambda line: None, sleep=lambda seconds: None) == 1


def test_run_follows_a_state_it_does_not_know_until_the_run_ends():
    # The start, an answer without a state, a life cycle state this code does not know, then the end.
    workspace = Workspace([state("PENDING"), None, state("SOMETHING_NEW"), state("TERMINATED", "SUCCESS")])
    lines: list[str] = []
    assert run(workspace, request("timeline"), lines.append, sleep=lambda seconds: None) == 0
    assert workspace.polled == 4
    assert any(line.endswith("ended: TERMINATED SUCCESS") for line in lines)
