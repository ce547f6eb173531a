"""`npm run local -- --connect`: a Databricks Connect session on the stack's cluster, with the Databricks SDK's
unified authentication.

cli/local.ts passes only where to go: the stack's `databricks:host` and `databricks:profile` (either may be empty),
the cluster's id when it knows it (--cluster-id, DATABRICKS_CLUSTER_ID, the stack's `clusterId` output), else the
cluster's name and the stack's tags. The SDK's `Config` resolves the credentials itself, in its (and the provider's)
order: explicit host/profile, then DATABRICKS_* variables (a token, OAuth M2M client id and secret, ...), then a
~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE; also a `databricks auth login` OAuth U2M profile), and
`DatabricksSession.builder.sdkConfig(config)` takes that config (Databricks Connect docs, "Compute configuration
for Databricks Connect"). No credential passes through this project's code, and no message here holds one
(streambench.ops.workspace: `host_problem`, `scrub`).
"""

from __future__ import annotations

import os
from typing import Callable, Mapping

from streambench.local.timeline import RunSpec, databricks_connect_line
from streambench.ops.workspace import has_stack_tags, host_problem, scrub


def install_problem(spec: RunSpec) -> str:
    line = databricks_connect_line(spec.spark_version)
    pin = f"databricks-connect=={line}" if line else "databricks-connect==<your cluster's runtime, e.g. 16.4.*>"
    return (
        "databricks-connect is not installed in this Python. It conflicts with pyspark, so it gets its own venv: "
        f"python3 -m venv .venv-connect && .venv-connect/bin/pip install '{pin}' matplotlib==3.11.2, "
        "then run again (or pass --python <that venv's python>)"
    )


def connect_problems(spec: RunSpec, env: Mapping[str, str], connect_installed: bool) -> list[str]:
    """What stops Databricks Connect before any credential is read: databricks-connect missing, a host that is no
    workspace URL (a token in its place, plain http to a remote host), no cluster to go to."""
    problems = [] if connect_installed else [install_problem(spec)]
    for host, source in ((spec.host, "databricks:host"), (env.get("DATABRICKS_HOST", ""), "DATABRICKS_HOST")):
        if host and (problem := host_problem(host, source)):
            problems.append(problem)
    if not spec.cluster_id and not spec.cluster_name:
        problems.append("no cluster: pass --cluster-id <id> (pulumi stack output clusterId)")
    return problems


def connect_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("databricks.connect") is not None
    except ModuleNotFoundError:
        return False


def workspace_config(spec: RunSpec, env: Mapping[str, str], cluster_id: str = ""):
    """The SDK's Config for the stack's workspace, its credentials resolved by the SDK. Raises ValueError with a
    message free of credentials when the SDK finds none, or more than one kind."""
    from databricks.sdk.core import Config

    try:
        config = Config(host=spec.host or None, profile=spec.profile or None, cluster_id=cluster_id or None)
    except ValueError as error:
        raise ValueError(f"cannot authenticate: {scrub(str(error), env)}") from None
    if problem := host_problem(config.host or "", "the workspace host (from the config profile)"):
        raise ValueError(problem)
    return config


def stack_cluster_id(workspace, spec: RunSpec) -> str:
    """The id of the one cluster named as the stack's that carries the stack's tags. Raises ValueError otherwise."""
    named = [cluster for cluster in workspace.clusters.list() if cluster.cluster_name == spec.cluster_name]
    own = [cluster for cluster in named if has_stack_tags(cluster.custom_tags, spec.tags)]
    if len(own) != 1:
        strangers = (
            f" ({len(named) - len(own)} more without the stack's tags, left alone)" if len(named) > len(own) else ""
        )
        raise ValueError(
            f"{len(own)} clusters named {spec.cluster_name} carry the stack's tags{strangers}: "
            "pass --cluster-id <id> (pulumi stack output clusterId)"
        )
    return own[0].cluster_id


def connect_session(spec: RunSpec, log: Callable[[str], None], env: Mapping[str, str] = os.environ):
    """A Databricks Connect session on the stack's cluster, and the cluster's id. Raises ValueError saying what to
    install or set: every problem at once, the credentials' own (from the SDK) included where the SDK is here."""
    installed = connect_installed()
    problems = connect_problems(spec, env, installed)
    config = None
    if not any(problem for problem in problems if "DATABRICKS_HOST" in problem or "databricks:host" in problem):
        try:
            config = workspace_config(spec, env, spec.cluster_id)
        except ModuleNotFoundError:  # no databricks-sdk: databricks-connect brings it, and is missing already
            pass
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValueError("--connect cannot start:\n  - " + "\n  - ".join(problems))
    from databricks.connect import DatabricksSession
    from databricks.sdk import WorkspaceClient

    cluster_id = spec.cluster_id
    if not cluster_id:
        cluster_id = stack_cluster_id(WorkspaceClient(config=config), spec)
        config = workspace_config(spec, env, cluster_id)
    log(f"Databricks Connect to cluster {cluster_id} on {config.host}")
    return DatabricksSession.builder.sdkConfig(config).getOrCreate(), cluster_id
