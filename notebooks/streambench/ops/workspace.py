"""The workspace client of the ops commands: the SDK's unified authentication, after the checks the SDK does not
make (a host that is a token, plain http to a remote host, a host carrying a password), within a bounded wait, and
the stack's own objects only. Every line the commands print passes `scrub`."""

from __future__ import annotations

import base64
import configparser
import ipaddress
import logging
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlparse

# The largest answer the commands read (a job list page, a run with its tasks, a chart): a bigger one is refused
# before it is read whole, not buffered into memory.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
# The most one request waits for an answer, and the most the SDK retries one call (timeouts, 429, 503) before it
# gives up: its own defaults (60 s, 300 s) left a command silent for minutes against a host that never answers.
HTTP_TIMEOUT_SECONDS = 30
RETRY_TIMEOUT_SECONDS = 60
# What Databricks credentials look like: a personal access token, an OAuth secret, a JWT access token.
TOKEN_SHAPE = r"dapi[0-9a-f]{32}(?:-\d+)?|dose[0-9a-f]{32}|eyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?"
TOKEN_SHAPES = re.compile(TOKEN_SHAPE, re.IGNORECASE)
# Anywhere in a message: a token shape as a word of its own, a token after `Bearer ` (an echoed Authorization
# header; RFC 6750's characters, 16 or more so that prose such as "Bearer authentication" stays), a URL's
# user:password@.
_SECRET_IN_TEXT = re.compile(
    rf"(?<![\w-])(?i:{TOKEN_SHAPE})(?![\w-])|(?<=\bBearer )[\w.~+/=-]{{16,}}|(?<=://)[^/\s@'\"]+(?=@)"
)
# The credential values the SDK's Config resolved (a profile's token, client secret, password): blanked wherever
# they appear, whatever their shape. Shorter values are not blanked: they would blank ordinary words.
_RESOLVED_SECRETS: set[str] = set()
_MIN_SECRET_LENGTH = 6


class OpsError(Exception):
    """Something the user fixes; the message says what, and never holds a credential."""


def host_problem(host: str, source: str) -> str | None:
    """Why `host` (from `source`) must not be used as a workspace URL, or None. Never quotes a token."""
    text = host.strip()
    bare = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE).rstrip("/")
    if TOKEN_SHAPES.fullmatch(bare) or (bare and "." not in bare and ":" not in bare and len(bare) >= 32):
        return f"{source} holds what looks like a token, not a workspace URL (not printed): are host and token swapped?"
    url = urlparse(text if "://" in text else f"https://{text}")
    if url.username or url.password:
        return (
            f"{source} carries a user name or password (user:password@, not printed): give the host alone, and the "
            "credentials as DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET or a config profile"
        )
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
    """Where the commands go: the stack's host, profile and OAuth client id from its config (the provider's first
    source)."""

    host: str | None
    profile: str | None
    client_id: str | None = None


def workspace_client(
    target: Target,
    env: Mapping[str, str] = os.environ,
    http_timeout_seconds: float = HTTP_TIMEOUT_SECONDS,
    retry_timeout_seconds: float = RETRY_TIMEOUT_SECONDS,
):
    """The SDK's client, credentials resolved in its (and the provider's) order: explicit host/profile/client id
    from the stack config, then DATABRICKS_* variables, then the config profile. Checks every host it would use;
    bounds each request and the retries of each call; says on stderr while it retries."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config

    for host, source in ((target.host, "databricks:host"), (env.get("DATABRICKS_HOST"), "DATABRICKS_HOST")):
        if host and (problem := host_problem(host, source)):
            raise OpsError(problem)
    _NOTICES.install(target.host or env.get("DATABRICKS_HOST"), http_timeout_seconds, retry_timeout_seconds, env)
    try:
        config = Config(
            host=target.host or None,
            profile=target.profile or None,
            client_id=target.client_id or None,
            http_timeout_seconds=http_timeout_seconds,
            retry_timeout_seconds=retry_timeout_seconds,
        )
    except configparser.Error as error:
        raise OpsError(_profile_file_problem(error)) from None
    except ValueError as error:
        raise OpsError(f"cannot authenticate: {scrub(str(error), env)}") from None
    remember_secrets(config)
    if problem := host_problem(config.host or "", "the workspace host (from the config profile)"):
        raise OpsError(problem)
    _NOTICES.host = _origin(config.host)
    client = WorkspaceClient(config=config)
    cap_responses(_session_of(client))
    return client


def _profile_file_problem(error: configparser.Error) -> str:
    """The config file's parse error without its lines' text, which the parser quotes: a `token dapi…` line missing
    its `=` would print the token."""
    lines = [str(number) for number, _ in getattr(error, "errors", [])] or [str(getattr(error, "lineno", "?"))]
    which = f"line {lines[0]} is" if len(lines) == 1 else f"lines {', '.join(lines)} are"
    return (
        f"cannot read the config profile file {getattr(error, 'source', '~/.databrickscfg')}: {which} not "
        "`key = value` under a `[profile]` header (not printed: a line may hold a secret)"
    )


def remember_secrets(config) -> None:
    """Adds the credential values `config` resolved (every attribute the SDK marks sensitive, and the basic
    authentication header value) to what `scrub` blanks."""
    values = [getattr(config, attribute.name, None) for attribute in type(config).attributes() if attribute.sensitive]
    if getattr(config, "username", None) and getattr(config, "password", None):
        # Basic authentication's header value, as a server would echo it.
        values.append(base64.b64encode(f"{config.username}:{config.password}".encode()).decode())
    _RESOLVED_SECRETS.update(value for value in values if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH)


def _origin(url: str | None) -> str:
    """`scheme://host[:port]` of a URL, never its user:password@."""
    parsed = urlparse(url or "")
    netloc = parsed.netloc.rsplit("@", 1)[-1]
    return f"{parsed.scheme}://{netloc}" if parsed.scheme and netloc else "the workspace"


class _SdkNotices(logging.Handler):
    """The SDK's retries (debug records it otherwise keeps to itself) said on stderr, and its warnings printed
    scrubbed (Python's last-resort handler printed them raw)."""

    _RETRYING = re.compile(r"^Retrying: (?P<reason>.+) \(sleeping ~(?P<sleep>[\d.]+)s\)$")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.host = "the workspace"
        self.budget = float(RETRY_TIMEOUT_SECONDS)
        self.http_timeout = float(HTTP_TIMEOUT_SECONDS)
        self.env: Mapping[str, str] = {}

    def install(self, host: str | None, http_timeout: float, budget: float, env: Mapping[str, str]) -> None:
        self.host, self.http_timeout, self.budget, self.env = _origin(host), float(http_timeout), float(budget), env
        sdk = logging.getLogger("databricks.sdk")
        if self not in sdk.handlers:
            sdk.addHandler(self)
            logging.getLogger("databricks.sdk.retries").setLevel(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        retrying = self._RETRYING.match(message)
        if retrying:
            what = {
                "throttled by platform": f"{self.host} throttled the request (429/503)",
                "timeout": f"no answer from {self.host} yet (none within {self.http_timeout:g} s)",
                "cannot connect": f"cannot connect to {self.host} yet",
            }.get(retrying["reason"], f"{self.host} answered a passing error ({retrying['reason']})")
            message = f"{what}: retrying in ~{retrying['sleep']} s, for up to {self.budget:g} s in all"
        elif record.levelno >= logging.WARNING:
            message = f"databricks-sdk: {message}"
        else:
            return
        print(f"ops: {scrub(message, self.env)}", file=sys.stderr, flush=True)


_NOTICES = _SdkNotices()


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
        if response.ok and (kind := _not_json(response, body)):
            response.close()
            raise NotAnApiAnswer(_not_an_api_answer(response, kind))
        return response

    session.hooks["response"].append(check)


class NotAnApiAnswer(OpsError):
    """A 2xx answer that is not JSON: a login page, a proxy's page, another server than the workspace."""


def _not_json(response, body: bytes) -> str | None:
    """The content type of an answer the SDK would fail to parse as JSON, or None for JSON (or nothing)."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not body.strip() or "json" in kind or (not kind and body.lstrip()[:1] in (b"{", b"[")):
        return None
    return kind or "no content type"


def _not_an_api_answer(response, kind: str) -> str:
    path = urlparse(response.url or "").path or "?"
    shape = "a web page (text/html)" if kind == "text/html" else f"an answer of type {kind}"
    return (
        f"{_origin(response.url)} answered {response.request.method} {path} with {shape}, not a Databricks API answer: "
        "is it the workspace URL (https://<workspace>.cloud.databricks.com), and not a login page or a proxy?"
    )


def _too_large(response, size: int | None, limit: int) -> str:
    path = urlparse(response.url or "").path or "?"
    shown = f"{size / 1048576:,.1f} MB, over" if size is not None else "over"
    return (
        f"the workspace's answer to {response.request.method} {path} is {shown} the {limit / 1048576:g} MB cap: refused"
    )


def scrub(text: str, env: Mapping[str, str]) -> str:
    """`text` without any credential: the values of the secret variables in `env` and the ones the SDK's config
    resolved, wherever they appear, then anything shaped like a token, an echoed Authorization header's value and
    a URL's user:password@. The one filter every printed line of the ops commands passes."""
    variables = ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_PASSWORD", "ARM_CLIENT_SECRET")
    values = {env.get(name) or "" for name in variables} | _RESOLVED_SECRETS
    for value in sorted((value for value in values if len(value) >= _MIN_SECRET_LENGTH), key=len, reverse=True):
        text = text.replace(value, "***")
    return _SECRET_IN_TEXT.sub("***", text)


def describe(error: Exception) -> str:
    """The one line an ops command prints for an error (before `scrub`): what the user fixes, or the SDK's error in
    one line; the SDK's retries given up (its `TimeoutError("Timed out after …")` from the last failure) named by
    their cause and the host."""
    if isinstance(error, OpsError):
        return str(error)
    cause = error.__cause__
    if not (isinstance(error, TimeoutError) and str(error).startswith("Timed out after")) or cause is None:
        return f"{type(error).__name__}: {error}"
    import requests

    host, budget = _NOTICES.host, f"{_NOTICES.budget:g} s of retries"
    if getattr(cause, "retry_after_secs", None) is not None:
        return (
            f"{host} kept throttling the requests ({type(cause).__name__}): no answer within {budget}; try again later"
        )
    if isinstance(cause, requests.Timeout):
        return (
            f"{host} did not answer: none within {_NOTICES.http_timeout:g} s a try, nor within {budget}: is the host "
            "right, and reachable from here?"
        )
    if isinstance(cause, requests.ConnectionError):
        return f"cannot connect to {host}: gave up within {budget} ({type(cause).__name__}: {cause})"
    return f"{host}: gave up within {budget}: {type(cause).__name__}: {cause}"


def has_stack_tags(tags: Mapping[str, Any] | None, stack_tags: Mapping[str, str]) -> bool:
    """An object is the stack's own only when it carries every one of the stack's tags."""
    return all((tags or {}).get(key) == value for key, value in stack_tags.items())
