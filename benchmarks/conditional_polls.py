"""Conditional requests in a steady state: the share of forge polls GitHub answers 304.

Two forge-downloads metrics (one release, asked by its tag: GET /releases/tags/{tag}; and every
release: the paginated list) poll the loopback GitHub double
(tests/forgeserver.py: real HTTP, GitHub's ETags and rate-limit headers) through the real
poller and GitHub forge; the counts change once every `--change-every` rounds (a slow
trickle of downloads), so most rounds find nothing new.
Target (issue 13): >= 90% of forge polls are 304s (they cost no rate budget).

Run: .venv/bin/python benchmarks/conditional_polls.py [--rounds N] [--change-every K]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CONFIG = """
[release]
name = "caro"
version = "1.1.0"
repo = "."
launch = 2026-01-15T08:00:00

[build]
package = "caro"
binary = "caro"

[forge]
kind = "github"
repository = "acme/caro"
api_url = "{url}"

[[metrics]]
name = "downloads"
kind = "forge-downloads"
every = "30s"

[[metrics]]
name = "downloads_all"
kind = "forge-downloads"
release = "all"
every = "30s"
"""


async def measure(rounds: int, change_every: int) -> tuple[int, int, int, int, int]:
    from cockpit.config import load_config
    from cockpit.forge.github import GitHubForge
    from cockpit.metrics.poller import Poller
    from cockpit.metrics.sources import Sources
    from tests.forgeserver import TOKEN, ForgeServer

    server = ForgeServer()
    server.state.releases.append({
        "id": 7, "tag_name": "v1.1.0", "draft": False, "prerelease": False, "html_url": "",
        "upload_url": "", "assets": [{"id": 8, "name": "caro-x86_64", "size": 1,
                                      "state": "uploaded", "download_count": 0}]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cockpit.toml"
        path.write_text(CONFIG.format(url=server.url))
        config = load_config(path)
        forge = GitHubForge(server.url, "acme/caro", TOKEN)
        sources = Sources(config, forge)
        poller = Poller(config.metrics, sources)
        budget = server.state.remaining
        for n in range(rounds):
            if n and n % change_every == 0:
                server.state.releases[0]["assets"][0]["download_count"] += 1
            results = await poller.once()
            assert not any(r.stale for r in results), results
        await sources.close()
    server.close()
    asked = sum(1 for r in server.state.requests if r.startswith("GET"))
    by_tag = sum(1 for r in server.state.requests if r.startswith("GET") and "/tags/" in r)
    return asked, by_tag, server.state.not_modified, budget - server.state.remaining, forge.gets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--change-every", type=int, default=20)
    args = parser.parse_args()
    asked, by_tag, not_modified, spent, gets = asyncio.run(measure(args.rounds, args.change_every))
    share = not_modified / asked
    print(f"{args.rounds} rounds of 2 forge-downloads metrics, counts changing every "
          f"{args.change_every} rounds: {asked} forge GETs ({gets} asked by the client; {by_tag} "
          f"of one release by its tag, {asked - by_tag} of the list), "
          f"{not_modified} answered 304 = {share:.1%} (target >= 90%); rate budget spent: "
          f"{spent} requests")
    sys.exit(0 if share >= 0.9 else 1)


if __name__ == "__main__":
    main()
