"""Planted secrets never survive redaction, however they are embedded (issue 12); ordinary text does.

Each property plants a secret in random surroundings, in the shapes and encodings it is seen in
(after a word character, URL-encoded, in Basic auth headers of any case, in base64 of
`user:VALUE`), and asserts its secret part is gone and that redacting again changes nothing
(an export redacts what the journal holds, redacted already); the last ones assert that commit
hashes, sha256 sums and base64 of non-secrets come through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from urllib.parse import quote

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cockpit import redact as redact_module
from cockpit.redact import redact, redact_value, register_secret

ALNUM = string.ascii_letters + string.digits
WORDY = ALNUM + "_"
# surroundings: printable text with the characters tokens sit next to in logs and URLs
AROUND = st.text(alphabet=ALNUM + " _-.:/=?&%@\"'\t\n,;()[]{}", max_size=40)
PROPERTIES = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])

github_tokens = st.one_of(
    st.builds(lambda p, body: f"gh{p}_{body}", st.sampled_from("pousr"),
              st.text(alphabet=ALNUM, min_size=36, max_size=40)),
    st.builds(lambda body: f"github_pat_{body}", st.text(alphabet=WORDY, min_size=40, max_size=82)),
)
# a known secret's value: a token, or a password with the characters URLs must encode
known_values = st.one_of(
    github_tokens,
    st.text(alphabet=ALNUM + "!#$*+,/:;=?@~ -", min_size=12, max_size=40).filter(
        lambda v: sum(c.isalnum() for c in v) >= 8),
)
users = st.one_of(st.just("x-access-token"), st.text(alphabet=WORDY + "-.", min_size=1, max_size=20))


def header_case(draw: st.DrawFn, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)


def b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@contextmanager
def known(env: dict[str, str], registered: set[str] | None = None) -> Iterator[None]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True), \
            mock.patch.object(redact_module, "_extra", set(registered or ())):
        yield


def body_of(token: str) -> str:
    """The part of a token that must not survive (its prefix is public)."""
    return token.split("_", 2)[-1] if token.startswith("github_pat_") else token[4:]


@PROPERTIES
@given(before=AROUND, word=st.text(alphabet=WORDY + "%", max_size=8), token=github_tokens,
       after=AROUND, encode=st.booleans())
def test_a_github_token_is_masked_wherever_it_sits(before: str, word: str, token: str,
                                                    after: str, encode: bool) -> None:
    planted = quote(f":{token}", safe="") if encode else token
    assume(body_of(token) not in before and body_of(token) not in after)
    with known({}):
        out = redact(before + word + planted + after)
        assert redact(out) == out  # an export redacts again: nothing changes
    assert body_of(token) not in out


@st.composite
def basic_headers(draw: st.DrawFn) -> tuple[str, str]:
    """An Authorization header carrying base64 of `user:secret`, as git, curl or a proxy print it."""
    name = draw(st.sampled_from(["authorization", "proxy-authorization"]))
    scheme = header_case(draw, "basic")
    secret = draw(st.one_of(github_tokens, st.text(alphabet=ALNUM + "-._~", min_size=8, max_size=40)))
    credential = b64(f"{draw(users)}:{secret}")
    form = draw(st.sampled_from(["{n}: {s} {c}", "{n}:{s} {c}", '"{n}": "{s} {c}"',
                                 "http.https://github.com/.extraheader={n}: {s} {c}",
                                 "-H '{n}: {s} {c}'", "{n}:\t{s}  {c}", r'{{\"{n}\": \"{s} {c}\"}}',
                                 "{{'{n}': '{s} {c}'}}"]))
    return form.format(n=header_case(draw, name), s=scheme, c=credential), credential


@PROPERTIES
@given(before=AROUND, header=basic_headers(), after=AROUND)
def test_basic_auth_is_masked_in_any_case_and_quoting(before: str, header: tuple[str, str],
                                                       after: str) -> None:
    line, credential = header
    with known({}):
        out = redact(f"{before}\n{line}\n{after}")
        assert redact(out) == out  # an export redacts again: nothing changes
    assert credential not in out
    assert "[redacted]" in out


@PROPERTIES
@given(before=AROUND, value=known_values, user=users, after=AROUND,
       name=st.sampled_from(["GITHUB_TOKEN", "GH_TOKEN", None]), form=st.integers(0, 5))
def test_a_known_secret_is_masked_in_its_encodings(before: str, value: str, user: str, after: str,
                                                   name: str | None, form: int) -> None:
    planted = [value, quote(value, safe=""), quote(value), b64(value), b64(f"{user}:{value}"),
               f"Authorization: Basic {b64(f'{user}:{value}')}"][form]
    assume(form < 3 or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value))  # URLs: no base64
    env = {name: value} if name else {}
    with known(env, set() if name else {value}):
        out = redact(before + planted + after)
        assert redact(out) == out  # an export redacts again: nothing changes
    assert planted not in out
    assert value not in out


@PROPERTIES
@given(value=known_values, lines=st.lists(AROUND, min_size=1, max_size=6),
       at=st.integers(0, 5), user=users)
def test_a_known_secret_is_masked_in_a_batch_of_lines(value: str, lines: list[str], at: int,
                                                      user: str) -> None:
    assume("\n" not in value)
    lines = [line.replace("\n", " ") for line in lines]
    at = at % len(lines)
    lines[at] += " " + b64(f"{user}:{value}")
    register = {value}
    with known({}, register):
        out = redact_value(lines)
    assert len(out) == len(lines)
    assert not any(b64(f"{user}:{value}") in line or value in line for line in out)


@PROPERTIES
@given(host=st.sampled_from(["", "canary.", "ptb."]), app=st.sampled_from(["", "app"]),
       version=st.one_of(st.just(""), st.integers(1, 99).map(lambda v: f"v{v}/")),
       hook=st.integers(10**15, 10**19), secret=st.text(alphabet=WORDY + "-", min_size=20, max_size=68),
       before=AROUND, after=st.text(alphabet=" \n?&#\"')", max_size=5))
def test_discord_webhooks_are_masked(host: str, app: str, version: str, hook: int, secret: str,
                                     before: str, after: str) -> None:
    url = f"https://{host}discord{app}.com/api/{version}webhooks/{hook}/{secret}"
    assume(secret not in before)
    with known({}):
        out = redact(before + " " + url + after)
        assert redact(out) == out  # an export redacts again: nothing changes
    assert secret not in out
    assert f"webhooks/{hook}/[redacted]" in out


@PROPERTIES
@given(team=st.text(alphabet=string.ascii_uppercase + string.digits, min_size=8, max_size=11),
       bot=st.text(alphabet=string.ascii_uppercase + string.digits, min_size=8, max_size=11),
       secret=st.text(alphabet=ALNUM, min_size=24, max_size=24), before=AROUND,
       kind=st.sampled_from(["services", "workflows", "triggers"]))
def test_slack_webhooks_are_masked(team: str, bot: str, secret: str, before: str, kind: str) -> None:
    url = f"https://hooks.slack.com/{kind}/T{team}/B{bot}/{secret}"
    assume(secret not in before)
    with known({}):
        out = redact(f"{before} {url}\n")
        assert redact(out) == out  # an export redacts again: nothing changes
    assert secret not in out


@PROPERTIES
@given(data=st.lists(st.binary(min_size=1, max_size=64), min_size=1, max_size=5),
       known_value=github_tokens)
def test_hashes_and_base64_of_non_secrets_are_left_alone(data: list[bytes], known_value: str) -> None:
    lines: list[str] = []
    for blob in data:
        lines.append(f"commit {hashlib.sha1(blob).hexdigest()}")
        lines.append(f"{hashlib.sha256(blob).hexdigest()}  caro-x86_64.tar.gz")
        lines.append(f"payload {base64.b64encode(blob).decode()}")
        lines.append(f"digest sha256:{hashlib.sha256(blob).hexdigest()}")
    text = "\n".join(lines)
    with known({"GITHUB_TOKEN": known_value}):
        assert redact(text) == text


def test_a_registered_secret_stays_registered() -> None:
    with known({}):
        register_secret("a-long-enough-secret")
        assert redact("x a-long-enough-secret y") == "x [secret] y"
