"""The configured forge: GitHub (httpx, imported only when used) or a local directory."""

from __future__ import annotations

from cockpit.config import Config
from cockpit.forge.model import Forge, ForgeError


def open_forge(config: Config) -> Forge:
    """The configured forge. GitHub needs a token (never from the config file)."""
    from cockpit.forge.github import GitHubForge, github_token
    from cockpit.forge.local import LocalForge

    f = config.forge
    if f.kind == "local":
        return LocalForge(config.local_forge)
    if not f.repository:
        raise ForgeError("[forge] kind = \"github\" needs repository",
                         'add repository = "owner/name" to [forge] in cockpit.toml')
    return GitHubForge(f.api_url, f.repository, github_token())
