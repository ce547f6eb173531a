"""What the ops commands print never holds a credential: `scrub` on the messages servers and the SDK produce,
`host_problem` on hosts that carry one, the config file's parse error without its lines, and the SDK's retries
given up named by their cause."""

import configparser
import re
from dataclasses import dataclass

import pytest
import requests
from streambench.ops import workspace
from streambench.ops.workspace import describe, host_problem, remember_secrets, scrub

PAT = "dapi" + "0123456789abcdef" * 2
SECRET = "dose" + "4d" * 16
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.fixture(autouse=True)
def no_resolved_secrets(monkeypatch):
    monkeypatch.setattr(workspace, "_RESOLVED_SECRETS", set())


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            f"Source contains parsing errors: [line  3]: 'token {PAT}'",
            "Source contains parsing errors: [line  3]: 'token ***'",
        ),
        (f"you sent Bearer {PAT}", "you sent Bearer ***"),
        (f"token={PAT}-2, secret={SECRET}; jwt {JWT}.", "token=***, secret=***; jwt ***."),
        ("you sent Bearer opaque_token.Of-any.shape~42", "you sent Bearer ***"),
        ("GET http://bench:pass-W0rd@127.0.0.1:8911/api 401", "GET http://***@127.0.0.1:8911/api 401"),
        # Not credentials: prose after Bearer, a longer hex word, an address in a path.
        ("Bearer authentication is required", "Bearer authentication is required"),
        (f"x{PAT}0", f"x{PAT}0"),
        ("https://host/Users/a@example.com", "https://host/Users/a@example.com"),
    ],
)
def test_scrub_blanks_credentials_anywhere_in_a_message(message, expected):
    assert scrub(message, {}) == expected


@dataclass
class Attribute:
    name: str
    sensitive: bool


@dataclass
class ResolvedConfig:
    """The SDK Config's shape that remember_secrets reads: attributes() and their values."""

    token: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    host: str = "https://dbc-1.cloud.databricks.com"

    @staticmethod
    def attributes():
        return [
            Attribute("token", True),
            Attribute("client_secret", True),
            Attribute("password", True),
            Attribute("host", False),
        ]


def test_scrub_blanks_the_secrets_the_config_resolved_whatever_their_shape():
    message = "the profile's token opaque-Profile-Secret-4711, password hunter22 (basic aHVudGVyOmh1bnRlcjIy)"
    assert scrub(message, {}) == message
    remember_secrets(ResolvedConfig(token="opaque-Profile-Secret-4711", username="hunter", password="hunter22"))
    assert scrub(message, {}) == "the profile's token ***, password *** (basic ***)"
    assert scrub("dbc-1.cloud.databricks.com", {}) == "dbc-1.cloud.databricks.com"  # not a secret attribute


def test_scrub_blanks_secret_variables_but_not_a_value_too_short_to_tell_from_words():
    env = {"DATABRICKS_CLIENT_SECRET": "s3cr3t-value", "ARM_CLIENT_SECRET": "azure-secret-1", "DATABRICKS_TOKEN": "t"}
    assert scrub("s3cr3t-value and azure-secret-1 at the start", env) == "*** and *** at the start"


@pytest.mark.parametrize(
    "host",
    [
        "http://bench:pass-W0rd@127.0.0.1:8911",
        "https://token:pass-W0rd@dbc-1.cloud.databricks.com",
        "bench@dbc-1.cloud.databricks.com",
    ],
)
def test_a_host_with_user_info_is_refused_unquoted(host):
    problem = host_problem(host, "DATABRICKS_HOST")
    assert problem and "carries a user name or password" in problem
    assert "pass-W0rd" not in problem and "bench" not in problem


def test_a_token_as_host_is_refused_only_when_it_is_the_whole_host():
    assert "looks like a token" in host_problem(f"https://{PAT}/", "DATABRICKS_HOST")
    assert host_problem("https://dapi-lab.cloud.databricks.com", "DATABRICKS_HOST") is None


def test_a_profile_file_line_without_equals_is_named_by_number_not_quoted(tmp_path):
    config_file = tmp_path / ".databrickscfg"
    config_file.write_text(f"[bench]\nhost = https://dbc-1.cloud.databricks.com\ntoken {PAT}\n")
    with pytest.raises(configparser.Error) as raised:
        configparser.ConfigParser().read(config_file)
    message = workspace._profile_file_problem(raised.value)
    assert message.startswith(f"cannot read the config profile file {config_file}: line 3 is not `key = value`")
    assert PAT not in message


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (
            requests.ReadTimeout("Read timed out. (read timeout=30)"),
            r"^https://dbc-1\.x did not answer: none within 30 s a try, nor within 60 s",
        ),
        (requests.ConnectionError("refused"), r"^cannot connect to https://dbc-1\.x: gave up within 60 s of retries"),
    ],
)
def test_the_sdks_retries_given_up_are_named_by_cause_and_host(monkeypatch, cause, expected):
    for name, value in (("host", "https://dbc-1.x"), ("http_timeout", 30.0), ("budget", 60.0)):
        monkeypatch.setattr(workspace._NOTICES, name, value)
    try:
        raise TimeoutError("Timed out after 0:01:00") from cause
    except TimeoutError as error:
        assert re.match(expected, describe(error)), describe(error)
