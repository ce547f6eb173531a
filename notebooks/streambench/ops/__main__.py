"""`python -m streambench.ops` (cli/ops.ts runs it): one ops command, its request as JSON on stdin.
Exit 0 done, 1 failed (the reason on stderr, never a credential)."""

from __future__ import annotations

import json
import os
import sys

from streambench.ops.commands import COMMANDS, Request
from streambench.ops.workspace import (
    HTTP_TIMEOUT_SECONDS,
    RETRY_TIMEOUT_SECONDS,
    Target,
    describe,
    scrub,
    workspace_client,
)


def main() -> int:
    raw = json.load(sys.stdin)
    request = Request.parse(raw)

    def out(line: str) -> None:
        # Every line passes scrub here, the commands' results and FAILED lines as the errors below: no command can
        # print an SDK message with a credential in it.
        print(scrub(line, os.environ), flush=True)

    try:
        w = workspace_client(
            Target(host=raw.get("host"), profile=raw.get("profile"), client_id=raw.get("clientId")),
            os.environ,
            float(raw.get("httpTimeoutSeconds") or HTTP_TIMEOUT_SECONDS),
            float(raw.get("retryTimeoutSeconds") or RETRY_TIMEOUT_SECONDS),
        )
        return COMMANDS[request.command](w, request, out)
    except KeyboardInterrupt:
        print("ops: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - ours and the SDK's errors (auth, API, malformed answers), one line
        print(f"ops: {scrub(describe(error), os.environ)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
