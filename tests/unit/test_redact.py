"""Secrets stay secret (issue 12): the shapes and encodings that leaked, one repro each."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from cockpit import redact as redact_module
from cockpit.redact import redact, redact_value, register_secret

TOKEN = "ghs_" + "Kq7dZ0pLm3" * 3 + "Xy9w1V"  # an Actions installation token's shape


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(autouse=True)
def no_known_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setattr(redact_module, "_extra", set())
    yield


def test_the_actions_checkout_header_in_git_config_is_masked() -> None:
    line = f"http.https://github.com/.extraheader=AUTHORIZATION: basic {b64('x-access-token:' + TOKEN)}"
    assert redact(line) == "http.https://github.com/.extraheader=AUTHORIZATION: basic [redacted]"


@pytest.mark.parametrize("header", ["Authorization: Basic", "authorization: basic",
                                    "AuThOrIzAtIoN:   BASIC", "Proxy-Authorization: Basic",
                                    '"Authorization": "Basic', "'authorization': 'basic",
                                    r'{\"Authorization\": \"Basic'])
def test_basic_auth_of_any_token_is_masked_whatever_the_header_case(header: str) -> None:
    secret = b64("someone:hunter2-is-not-a-token")
    out = redact(f"> {header} {secret}")
    assert secret not in out and "[redacted]" in out


def test_a_known_token_in_basic_auth_is_named() -> None:
    register_secret(TOKEN)
    assert redact(f"AUTHORIZATION: basic {b64('x-access-token:' + TOKEN)}") == \
        "AUTHORIZATION: basic [secret]"


@pytest.mark.parametrize("prefix", ["%3A", "TOKEN_", "x", "token=abc", "9"])
def test_a_token_after_a_word_character_is_masked(prefix: str) -> None:
    token = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"
    assert redact(f"url?{prefix}{token}&x=1") == f"url?{prefix}[redacted]&x=1"


@pytest.mark.parametrize("host", ["discord.com", "canary.discord.com", "ptb.discord.com",
                                  "discordapp.com", "canary.discordapp.com"])
@pytest.mark.parametrize("api", ["api/", "api/v10/", "api/v9/"])
def test_discord_webhooks_on_every_host_and_api_version_are_masked(host: str, api: str) -> None:
    url = f"https://{host}/{api}webhooks/112233445566778899/AbC-dEf_123456789xyz"
    assert redact(f"posting to {url} now") == \
        f"posting to https://{host}/{api}webhooks/112233445566778899/[redacted] now"


def test_slack_webhooks_are_masked() -> None:
    url = "https://hooks.slack.com/services/T00000000/B11111111/XXXXXXXXXXXXXXXXXXXXXXXX"
    assert redact(f"POST {url}") == "POST https://hooks.slack.com/services/T00000000/B11111111/[redacted]"


def test_a_known_token_is_masked_in_its_encodings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    for user in ("x-access-token", "u", "ab", "abc", "octocat"):
        encoded = b64(f"{user}:{TOKEN}")
        assert redact(f"creds {encoded} end") == "creds [GITHUB_TOKEN] end", user
    assert redact(f"echo {b64(TOKEN)} | base64 -d") == "echo [GITHUB_TOKEN] | base64 -d"


def test_a_registered_secret_is_masked_url_encoded() -> None:
    secret = "p@ss/w:rd!1234 é"
    register_secret(secret)
    for form in (quote(secret, safe=""), quote(secret, safe="").lower(), quote(secret)):
        assert redact(f"url=https://h/x?pw={form}&y=1") == "url=https://h/x?pw=[secret]&y=1", form


def test_a_known_secret_is_masked_in_a_batch_of_log_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    batch = ["Compiling caro v0.1.0", f"auth {b64('me:' + TOKEN)}", "Finished"]
    assert redact_value(batch) == ["Compiling caro v0.1.0", "auth [GH_TOKEN]", "Finished"]


def test_ordinary_build_output_is_left_alone() -> None:
    text = "\n".join([
        "   Compiling caro v0.1.0 (/home/builder/src/caro) [release] warning: unused",
        "commit 861e004c4b1f0a0b9d1c2e3f4a5b6c7d8e9f0a1b",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  caro.tar.gz",
        "Authorization: required (HTTP 401)",
        "see https://discord.com/channels/1/2 and https://hooks.slack.com/",
        "user@example.com pushed to https://github.com/o/r",
    ])
    assert redact(text) == text


def test_a_registered_webhook_url_is_masked_url_encoded() -> None:
    url = "https://example.org/hooks/42/s3cr3t-Hook-Value"
    register_secret(url)
    assert redact(f"GET /proxy?to={quote(url, safe='')} 200") == "GET /proxy?to=[secret] 200"
    assert redact(f"posting to {url}") == "posting to [secret]"


def test_a_header_in_any_case_is_found_in_a_text_full_of_zs() -> None:
    secret = b64("someone:zzzzzzzzzzzzzzzzzzzz")
    text = "\n".join(["lazy_static zstd zlib"] * 40 + [f"AuThOrIzAtIoN: bAsIc {secret}"])
    assert secret not in redact(text)
    assert redact(text).endswith("AuThOrIzAtIoN: bAsIc [redacted]")
