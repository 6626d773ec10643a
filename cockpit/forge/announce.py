"""Announcements: the runbook's templates rendered with live values, posted to webhooks.

Webhooks are Discord-compatible: JSON `content` of at most 2,000 characters (a longer
message goes out in parts, split at line ends), `?wait=true` so the answer carries the
posted message, and 429 answers honoured by waiting `retry_after` seconds. Webhook URLs
are credentials: they come from environment variables and never appear anywhere.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cockpit.errors import CockpitError, Problem
from cockpit.params import PLACEHOLDER

LIMIT = 2000
ATTEMPTS = 5
MAX_WAIT = 60.0
"""Longest 429 wait honoured; longer means the channel is throttled: stop and say so."""


class AnnounceError(CockpitError):
    def __init__(self, message: str, fix: str = "", *, maybe_posted: bool = False) -> None:
        super().__init__([Problem(message, field="announce", fix=fix or None)], exit_code=1)
        self.maybe_posted = maybe_posted
        """Some of it may have gone out (a part posted, or a request sent without a reply):
        a new attempt must ask, not post again."""


class MissingValues(AnnounceError):
    """The template names values the cockpit has no source for: asked, never made up."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            "the template needs values the cockpit does not have: " + ", ".join(names),
            "give them as parameters, or configure their source (downloads: [forge]; "
            "install_url: [announce] install_url; issues, p0, p1...: [forge] priority_labels "
            '= ["P0", "P1", "P2", "P3"]; any of them: a [[metrics]] source of the same name '
            "in cockpit.toml, once it has a sample)")
        self.names = tuple(names)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill every {name}; names without a value raise `MissingValues` (no invented data)."""
    missing = sorted({m.group(1) for m in PLACEHOLDER.finditer(template)
                      if m.group(1) not in values})
    if missing:
        raise MissingValues(missing)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def split(message: str, limit: int = LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at line ends where possible."""
    parts: list[str] = []
    current = ""
    for line in message.splitlines(keepends=True):
        while len(line) > limit:  # one line longer than a whole post
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [p.rstrip("\n") for p in parts]


@dataclass(frozen=True)
class Posted:
    part: int
    message_id: str
    waited: float
    """Seconds spent honouring 429s for this part."""


def webhook_url(channel: str, webhooks: Mapping[str, str]) -> str | None:
    """The URL of a configured channel, from its environment variable; None if unset."""
    env = webhooks.get(channel)
    if env is None:
        return None
    return os.environ.get(env) or None


def client(timeout: float = 20.0) -> Any:
    """The HTTP client a post's parts go through (one connection for them all)."""
    import httpx

    return httpx.AsyncClient(timeout=timeout)


async def post_part(client: Any, url: str, part: str, index: int, total: int,
                    say: Callable[[str], None]) -> Posted:
    """Post one part. Retried only where it certainly did not go out (not reached, 429); an
    error after it was sent says it may have been posted (`maybe_posted`): never again blindly."""
    import httpx

    waited = 0.0
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = await client.post(url, params={"wait": "true"}, json={"content": part})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol,
                httpx.ProxyError, httpx.PoolTimeout, httpx.InvalidURL) as exc:  # never sent
            if attempt == ATTEMPTS or isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
                raise AnnounceError(f"the webhook could not be reached: {type(exc).__name__}",
                                    "check the webhook URL and the network, then re-run the "
                                    "step") from None
            await asyncio.sleep(attempt)
            continue
        except httpx.HTTPError as exc:  # sent, no reply: it may be posted
            raise AnnounceError(
                f"part {index}/{total} was sent and the webhook did not answer "
                f"({type(exc).__name__}): it may have been posted",
                "look at the channel; re-running the step asks whether it was posted",
                maybe_posted=True) from None
        if response.status_code == 429:  # refused, not posted: wait as asked
            wait = _retry_after(response)
            if wait > MAX_WAIT or attempt == ATTEMPTS:
                raise AnnounceError(f"the webhook is rate limited for {wait:.0f}s",
                                    "wait, then re-run the step")
            say(f"part {index}/{total}: rate limited, waiting {wait:.1f}s as asked")
            waited += wait
            await asyncio.sleep(wait)
            continue
        if response.status_code >= 500:  # the far side failed after taking it: may be posted
            raise AnnounceError(
                f"part {index}/{total}: the webhook answered {response.status_code} after "
                "taking it: it may have been posted",
                "look at the channel; re-running the step asks whether it was posted",
                maybe_posted=True)
        if response.status_code not in {200, 204}:
            raise AnnounceError(f"the webhook refused the post: {response.status_code} "
                                f"{response.text[:200]}",
                                "check the webhook (it may have been deleted)")
        message_id = ""
        if response.status_code == 200:
            try:
                message_id = str(response.json().get("id", ""))
            except ValueError:
                message_id = ""
        say(f"part {index}/{total} posted ({len(part)} characters)"
            + (f", message {message_id}" if message_id else ""))
        return Posted(index, message_id, waited)
    raise AssertionError("unreachable: the last attempt raises or returns")


def _retry_after(response: object) -> float:
    try:
        body = response.json()  # type: ignore[attr-defined]
        return float(body.get("retry_after", 1.0))
    except (ValueError, AttributeError, TypeError):
        header = response.headers.get("Retry-After", "1")  # type: ignore[attr-defined]
        try:
            return float(header)
        except ValueError:
            return 1.0
