"""What a local run prints, without Spark: the per-window table's labels."""

from streambench.local.timeline import WindowResult, window_table


def test_a_window_cut_by_ctrl_c_is_labelled_with_at_most_two_decimals():
    cut = WindowResult(3.0, 4.66837, "baseline+3x", 800, 790.0, -1.25, 780.0, {"kept_up": True})
    assert window_table([cut])[1][0] == "3-4.67"
