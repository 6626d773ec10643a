"""Secrets never reach the journal, logs or screen.

Secrets the cockpit knows (the tokens in the environment, and every `register_secret` value)
are replaced by name wherever they appear: as they are, URL-encoded, and inside base64 (bare,
or as the `user:VALUE` of a Basic auth header, whatever the user). Well-known secret shapes are
masked wherever they appear, known or not: GitHub tokens (even after a word character, as in
`%3Aghp_...`), the credentials of an `Authorization` header of any case and scheme (git prints
an Actions checkout's as `AUTHORIZATION: basic <base64>`), URLs with credentials, and Discord
and Slack webhooks.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

SECRET_ENV = ("GITHUB_TOKEN", "GH_TOKEN")
_MIN_LENGTH = 8  # shorter values would mask ordinary words
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_SCHEMES = "basic|bearer|token|digest|negotiate|ntlm"
_AUTH = re.compile(
    r"(?i)(authorization(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?"  # as sent, printed, quoted
    rf"(?:(?:{_SCHEMES})[ \t]+|(?=[\w.~+/=-]{{16}})))"  # a scheme, or what can only be a token
    r"(?!\[[A-Za-z_]+\])[^\s\"'\\,;]+")  # a secret already named keeps its name


def _has_auth(text: str) -> bool:
    """Whether "authorization" is there in any case ("AuThOrIzAtIoN"): looked for around each
    z (a z is rare in build logs: a few look-ups cost less than lowering the whole text, more
    than a few cost as much)."""
    seen = 0
    for z in "zZ":
        at = text.find(z)
        while at >= 0:
            if at >= 7 and text[at - 7:at].lower() == "authori":
                return True
            seen += 1
            if seen > 8:  # a text with many: one scan of it lowered
                return "authorization" in text.lower()
            at = text.find(z, at + 1)
    return False


def _slack(match: re.Match[str]) -> str:
    """The URL with its last part (the secret) masked; the team and channel ids stay."""
    head, _, last = match.group().rstrip("/").rpartition("/")
    masked = last if last.startswith("[") else "[redacted]"  # masked already: kept so
    return head + "/" + masked + match.group()[len(head) + 1 + len(last):]


# (cheap test, [(pattern, replacement), ...]). Build logs are scanned at full speed, so each
# pattern runs only where a cheap test says it could match. Each test is one fast scan of the
# text (a literal, or a regex that starts with one); a single character (`"z" in text`) costs
# almost nothing when it is absent.
_Sub = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_PATTERNS: list[tuple[Callable[[str], object], list[_Sub]]] = [
    # no \b before a token: `%3Aghp_...` and `TOKEN_ghp_...` hold one after a word character
    (re.compile("g(?:h[pousr]_|ithub_pat_)").search, [  # one scan for both token shapes
        (re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"), "[redacted]")]),
    (_has_auth, [(_AUTH, r"\1[redacted]")]),
    (lambda t: "@" in t, [(re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"), r"\1[redacted]@")]),
    # one scan for both kinds of webhook: their ids stay, their secrets go
    (re.compile(r"\.com/(?:api/(?:v\d+/)?webhooks|services|workflows|triggers)/").search, [
        # discord.com, discordapp.com, canary., ptb.; /api/ or /api/vN/
        (re.compile(r"(?i)((?:canary\.|ptb\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/\d+/)[\w-]+"),
         r"\1[redacted]"),
        (re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/[\w-][\w/\[\]-]*"), _slack)]),
]
_extra: frozenset[str] = frozenset()  # replaced, never changed: redacting threads read it


def register_secret(value: str) -> None:
    """Mask this exact value from now on (e.g. a token read from `gh auth token`)."""
    if len(value) >= _MIN_LENGTH:
        global _extra
        _extra = _extra | {value}


@functools.lru_cache(maxsize=64)
def _forms(value: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A known secret's forms: as it is (and URL-encoded without a `%`), URL-encoded with a `%`
    (looked for only in a text with a `%`: most secrets are URLs, whose encoded forms are
    many), and its base64 cores.

    Base64 encodes three bytes at a time, so the value inside `user:VALUE` encodes one of three
    ways, by the length of what precedes it. Each core is the part of one of those that does not
    depend on the neighbours (the groups holding only the value's bytes): a base64 string that
    holds a core holds the value, but for a byte or two at its ends, and is masked whole. A URL
    (a webhook's) is not sent in base64: it has no cores.
    """
    encoded = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    encoded |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), form) for form in encoded}
    cores = set()
    raw = value.encode()
    for offset in range(0 if _URL.match(value) else 3):
        base = base64.b64encode(bytes(offset) + raw).decode("ascii")
        core = base[4 if offset else 0:(offset + len(raw)) // 3 * 4]
        if len(core) >= _MIN_LENGTH:
            cores.add(core)
    plain = sorted(encoded, key=len, reverse=True)
    return (tuple(f for f in plain if "%" not in f), tuple(f for f in plain if "%" in f),
            tuple(sorted(cores)))


def _mask_base64(text: str, core: str, label: str) -> str:
    """Replace each whole base64 string that holds `core` (with its padding) by `label`."""
    out: list[str] = []
    done = 0
    at = text.find(core)
    while at >= 0:
        start, end = at, at + len(core)
        while start > done and text[start - 1] in _BASE64:
            start -= 1
        while end < len(text) and text[end] in _BASE64:
            end += 1
        while end < len(text) and text[end] == "=":
            end += 1
        out += (text[done:start], label)
        done = end
        at = text.find(core, end)
    out.append(text[done:])
    return "".join(out)


def _known() -> dict[str, str]:
    """Each known secret's value and the name it is replaced by (a value known twice: once)."""
    known: dict[str, str] = {}
    for name in SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= _MIN_LENGTH:
            known.setdefault(value, f"[{name}]")
    for value in _extra:
        known.setdefault(value, "[secret]")
    return known


def redact(text: str) -> str:
    percent = "%" in text
    for value, label in _known().items():
        plain, escaped, cores = _forms(value)
        for form in plain + escaped if percent else plain:
            if form in text:
                text = text.replace(form, label)
        for core in cores:
            if core in text:
                text = _mask_base64(text, core, label)
    for test, subs in _PATTERNS:
        if test(text):
            for pattern, replacement in subs:
                text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (dicts, lists), keeping its shape."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        try:
            joined = "\n".join(value)  # one scan for a whole batch of log lines
        except TypeError:
            return [redact_value(v) for v in value]
        if joined.count("\n") != len(value) - 1:  # an item spans lines: do them one by one
            return [redact(v) for v in value]
        cleaned = redact(joined)
        return list(value) if cleaned is joined or cleaned == joined else cleaned.split("\n")
    return value
