"""The workspace client of the ops commands: the SDK's unified authentication, after the checks the SDK does not
make (a host that is a token, plain http to a remote host), and the stack's own objects only."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlparse

# The largest answer the commands read (a job list page, a run with its tasks, a chart): a bigger one is refused
# before it is read whole, not buffered into memory.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
# What Databricks credentials look like: a personal access token, an OAuth secret, a JWT access token.
TOKEN_SHAPES = re.compile(r"^(dapi[0-9a-f]{32}(-\d+)?|dose[0-9a-f]{32}|eyJ[\w-]+\.[\w-]+(\.[\w-]*)?)$", re.IGNORECASE)


class OpsError(Exception):
    """Something the user fixes; the message says what, and never holds a credential."""


def host_problem(host: str, source: str) -> str | None:
    """Why `host` (from `source`) must not be used as a workspace URL, or None. Never quotes a token."""
    text = host.strip()
    bare = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE).rstrip("/")
    if TOKEN_SHAPES.match(bare) or (bare and "." not in bare and ":" not in bare and len(bare) >= 32):
        return f"{source} holds what looks like a token, not a workspace URL (not printed): are host and token swapped?"
    url = urlparse(text if "://" in text else f"https://{text}")
    if url.scheme not in ("https", "http") or not url.hostname:
        return f"{source} is not a workspace URL such as https://<workspace>.cloud.databricks.com"
    if url.scheme == "http" and not _loopback(url.hostname):
        return (
            f"{source} uses http://, which would send credentials unencrypted: use https:// (http is for loopback only)"
        )
    return None


def _loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Target:
    """Where the commands go: the stack's host and profile from its config (the provider's first source)."""

    host: str | None
    profile: str | None


def workspace_client(target: Target, env: Mapping[str, str] = os.environ):
    """The SDK's client, credentials resolved in its (and the provider's) order: explicit host/profile from the
    stack config, then DATABRICKS_* variables, then the config profile. Checks every host it would use."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config

    for host, source in ((target.host, "databricks:host"), (env.get("DATABRICKS_HOST"), "DATABRICKS_HOST")):
        if host and (problem := host_problem(host, source)):
            raise OpsError(problem)
    try:
        config = Config(host=target.host or None, profile=target.profile or None)
    except ValueError as error:
        raise OpsError(f"cannot authenticate: {scrub(str(error), env)}") from None
    if problem := host_problem(config.host or "", "the workspace host (from the config profile)"):
        raise OpsError(problem)
    client = WorkspaceClient(config=config)
    cap_responses(_session_of(client))
    return client


def _session_of(client):
    """The requests session the SDK's API client sends through (a private attribute of the pinned SDK release)."""
    session = getattr(getattr(getattr(client, "api_client", None), "_api_client", None), "_session", None)
    if session is None or not hasattr(session, "hooks"):
        raise OpsError("the installed databricks-sdk is not the pinned release (no API session): run `npm run setup`")
    return session


class ResponseTooLarge(OpsError):
    """An answer over the cap, refused before it was read whole."""


def cap_responses(session, limit: int = MAX_RESPONSE_BYTES) -> None:
    """Refuses answers over `limit` bytes on the session. The hook runs before requests reads a body: an answer
    that declares its length is refused on its header; one without is read up to one byte past the limit, never
    further. Streamed downloads (the SDK's raw answers) are left to their reader, after the header check."""

    def check(response, *args, stream: bool = False, **kwargs):
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response.close()
            raise ResponseTooLarge(_too_large(response, int(declared), limit))
        if stream:
            return response
        body = response.raw.read(limit + 1, decode_content=True)
        if len(body) > limit:
            response.close()
            raise ResponseTooLarge(_too_large(response, None, limit))
        response._content = body
        response._content_consumed = True
        return response

    session.hooks["response"].append(check)


def _too_large(response, size: int | None, limit: int) -> str:
    path = urlparse(response.url or "").path or "?"
    shown = f"{size / 1048576:,.1f} MB, over" if size is not None else "over"
    return (
        f"the workspace's answer to {response.request.method} {path} is {shown} the {limit / 1048576:g} MB cap: refused"
    )


def scrub(text: str, env: Mapping[str, str]) -> str:
    """The SDK's message without any credential it might echo."""
    for name in ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_PASSWORD"):
        if value := env.get(name):
            text = text.replace(value, "***")
    return TOKEN_SHAPES.sub("***", text)


def has_stack_tags(tags: Mapping[str, Any] | None, stack_tags: Mapping[str, str]) -> bool:
    """An object is the stack's own only when it carries every one of the stack's tags."""
    return all((tags or {}).get(key) == value for key, value in stack_tags.items())
