"""`npm run ops`: the stack's jobs and pipeline on a deployed workspace, through the official Databricks SDK
(`databricks-sdk`, its unified authentication: personal access tokens, OAuth machine-to-machine and
user-to-machine, config profiles, cloud-native methods). Runs only on the user's machine; the stack does not
upload it."""
