"""The analysis of a run: its parameters, the expected windows, the cluster's and the pipeline's events, the report
and the Spark side that reads the tables and writes the results."""
