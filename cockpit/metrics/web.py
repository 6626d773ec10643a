"""JSON over HTTP for the crates-io and http-json sources: httpx (imported when first used),
conditional GETs (a 304 is the last answer again), and every failure a `SourceError` naming the
URL (never a token) and what to do."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from cockpit import __version__
from cockpit.metrics.reading import SourceError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"launch-cockpit/{__version__} (release metrics; +https://github.com/)"
"""crates.io refuses requests without a User-Agent naming the client."""


class JsonWeb:
    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None
        self._etags: dict[str, tuple[str, Any]] = {}

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(headers={"User-Agent": USER_AGENT,
                                                      "Accept": "application/json"})
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, url: str, *, timeout: float, token: str | None = None,
                  fix: str) -> tuple[Any, str, bool]:
        """The JSON at `url`, its ETag, and whether it was a 304 (unchanged)."""
        import httpx

        cached = self._etags.get(url)
        headers = {"If-None-Match": cached[0]} if cached else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http().get(url, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise SourceError(f"{url}: no answer within {timeout:g}s",
                              "check the service and the network; it is asked again") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"{url}: {type(exc).__name__}: {exc}",
                              "check the URL and the network; it is asked again") from None
        status = response.status_code
        if status == 304 and cached is not None:
            return cached[1], cached[0], True
        if status in {401, 403} and token is not None:
            raise SourceError(f"{url}: {status} (the token was refused)",
                              "export a valid token in the variable token_env names")
        if status == 429 or status >= 500 or (status == 403 and _retry_after(response)):
            raise SourceError(f"{url}: {status} {response.reason_phrase}".rstrip(),
                              "the service is failing or limiting; it is asked again later",
                              retry_after=_retry_after(response),
                              rate_limited=status in {403, 429})
        if status != 200:
            raise SourceError(f"{url}: {status} {response.reason_phrase}".rstrip(), fix)
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"{url}: the answer is not JSON ({response.text[:60]!r})",
                              fix) from None
        if etag := response.headers.get("ETag"):
            self._etags[url] = (etag, body)
        return body, etag or "", False


def _retry_after(response: httpx.Response) -> float | None:
    after = response.headers.get("Retry-After", "").strip()
    if after.isdigit():
        return float(after)
    if after:
        try:
            return max(0.0, parsedate_to_datetime(after).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
    reset = response.headers.get("X-RateLimit-Reset", "")
    if response.headers.get("X-RateLimit-Remaining") == "0" and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return None
