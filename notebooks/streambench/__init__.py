"""The streaming autoscaling benchmark's notebook logic: the generator, the metrics recorder, the analysis, the DLT
pipeline and its control, and the local runner. The entry notebooks beside this package stay thin and import it
(the notebook's folder is on sys.path on Databricks; the stack uploads this folder beside them)."""
