"""`npm run local`: plays a stack's timeline on local Spark (or through Spark Connect) with the notebooks' own code.
Runs only on the user's machine; the stack does not upload it."""
