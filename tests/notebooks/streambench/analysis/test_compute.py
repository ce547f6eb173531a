"""What a run ran on, from the cluster's clusters/get answer."""

from streambench.analysis.compute import NO_SHAPE, cluster_shape


def test_an_autoscaling_cluster_gives_its_range_and_node_types():
    spec = {
        "cluster_id": "0101-000000-abcdefgh",
        "node_type_id": "i3.xlarge",
        "driver_node_type_id": "i3.2xlarge",
        "autoscale": {"min_workers": 2, "max_workers": 8},
        "num_workers": 3,  # the current size of an autoscaling cluster, not its range
    }
    assert cluster_shape(spec) == {
        "node_type": "i3.xlarge",
        "driver_node_type": "i3.2xlarge",
        "min_workers": 2,
        "max_workers": 8,
    }


def test_a_fixed_size_cluster_is_its_own_range_and_the_driver_defaults_to_the_workers_node_type():
    assert cluster_shape({"node_type_id": "Standard_D4ds_v5", "num_workers": 4}) == {
        "node_type": "Standard_D4ds_v5",
        "driver_node_type": "Standard_D4ds_v5",
        "min_workers": 4,
        "max_workers": 4,
    }


def test_an_answer_without_a_shape_leaves_every_column_empty():
    assert cluster_shape({}) == NO_SHAPE
