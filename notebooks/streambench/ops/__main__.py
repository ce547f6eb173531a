"""`python -m streambench.ops` (cli/ops.ts runs it): one ops command, its request as JSON on stdin.
Exit 0 done, 1 failed (the reason on stderr, never a credential)."""

from __future__ import annotations

import json
import os
import sys

from streambench.ops.commands import COMMANDS, Request
from streambench.ops.workspace import OpsError, Target, scrub, workspace_client


def main() -> int:
    raw = json.load(sys.stdin)
    request = Request.parse(raw)
    try:
        w = workspace_client(Target(host=raw.get("host"), profile=raw.get("profile")))
        return COMMANDS[request.command](w, request, lambda line: print(line, flush=True))
    except OpsError as error:
        print(f"ops: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ops: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the SDK's errors (auth, API, malformed answers), scrubbed, no traceback
        print(f"ops: {type(error).__name__}: {scrub(str(error), os.environ)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
