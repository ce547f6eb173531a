"""What a run ran on, as the Clusters API describes the cluster (`clusters/get`): its node types and its autoscale
range (or fixed size). Written to every result row, so that runs on different compute compare side by side."""

from __future__ import annotations

from typing import Any, Mapping

# The result columns this module fills (report.RESULT_COLUMNS), None when the cluster is not known.
SHAPE_COLUMNS = ("node_type", "driver_node_type", "min_workers", "max_workers")
NO_SHAPE = dict.fromkeys(SHAPE_COLUMNS)


def cluster_shape(spec: Mapping[str, Any]) -> dict:
    """The shape from a clusters/get answer (as a dict): `autoscale.min_workers`/`max_workers` when the cluster
    autoscales, otherwise `num_workers` as both; the driver's node type defaults to the workers' (the API's own
    default)."""
    autoscale = spec.get("autoscale") or {}
    fixed = spec.get("num_workers")
    node_type = spec.get("node_type_id") or None
    return {
        "node_type": node_type,
        "driver_node_type": spec.get("driver_node_type_id") or node_type,
        "min_workers": autoscale.get("min_workers", fixed),
        "max_workers": autoscale.get("max_workers", fixed),
    }


def fetch_cluster_spec(cluster_id: str) -> dict:
    """The cluster's clusters/get answer as a dict. Runs only where the SDK is installed and authenticates (on
    Databricks, from the notebook's context)."""
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient().clusters.get(cluster_id=cluster_id).as_dict()
